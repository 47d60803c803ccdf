"""What the checks share: the failure they raise, how far an attempt got, what it found."""

from __future__ import annotations

import contextvars
import ssl
from dataclasses import dataclass, field
from typing import Any

from generator.model.states import ProbeState
from generator.reasons import Part, part, say, words


class Failure(Exception):
    """A check found the component down: a reason code and its plain words."""

    def __init__(self, reason: str, *, network: bool, status_code: int | None = None,
                 **values: Any) -> None:
        self.error = words(reason, **values)
        super().__init__(self.error)
        self.reason = reason
        self.values = values
        self.parts = (part(reason, **values),)
        self.network = network
        self.status_code = status_code
        self.retry_after: float | None = None  # seconds the answer asked to wait before a retry


@dataclass
class Progress:
    """How far one attempt got (mutable on purpose: a timeout reads it after cancelling)."""

    answered: bool = False  # the service sent its first byte
    peercert: dict[str, Any] | None = None  # the certificate of its latest connection


# The attempt running in this task: a connection made for it marks its first byte there.
CURRENT: contextvars.ContextVar[Progress] = contextvars.ContextVar("kabar_progress")


@dataclass(frozen=True)
class Outcome:
    """What one attempt found."""

    state: ProbeState
    latency_ms: float | None = None
    status_code: int | None = None
    parts: tuple[Part, ...] = ()  # why it is not up: codes and their values
    network: bool = False
    retry_after: float | None = None  # seconds a 429 or 503 asked to wait (Retry-After)

    @property
    def error(self) -> str | None:
        """The plain English words of ``parts``."""
        return say(self.parts)

    @property
    def reason(self) -> str | None:
        return self.parts[0][0] if self.parts else None


@dataclass(frozen=True)
class Net:
    """Shared by every check of a run: the TLS context, the proxies, the HTTP clients."""

    tls: ssl.SSLContext  # for https: offers HTTP/1.1 (ALPN)
    tls_plain: ssl.SSLContext  # for tls probes: offers no application protocol
    proxies: dict[str, str]  # scheme -> proxy URL, from HTTP_PROXY / HTTPS_PROXY / NO_PROXY
    clients: dict[str | None, Any] = field(default_factory=dict)  # resolver -> ClientSession


def seconds(value: float) -> str:
    """``10`` -> ``"10 s"``, ``0.5`` -> ``"0.5 s"``: a duration as a person writes it."""
    return f"{value:g} s"


def size(value: int) -> str:
    """``5242880`` -> ``"5 MB"``: a size as the config writes it (1 MB is 1024 KB)."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= factor:
            return f"{round(value / factor, 1):g} {unit}"
    return f"{value} bytes"
