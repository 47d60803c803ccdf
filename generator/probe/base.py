"""What the checks share: the failure they raise, how far an attempt got, what it found."""

from __future__ import annotations

import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


class Failure(Exception):
    """A check found the component down; ``error`` is the plain-words reason."""

    def __init__(self, error: str, *, network: bool, status_code: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.network = network
        self.status_code = status_code


@dataclass
class Progress:
    """How far one attempt got (mutable on purpose: a timeout reads it after cancelling)."""

    answered: bool = False  # the service sent its first byte


@dataclass(frozen=True)
class Outcome:
    """What one attempt found."""

    state: str  # up | degraded | down
    latency_ms: float | None = None
    status_code: int | None = None
    error: str | None = None
    network: bool = False


@dataclass(frozen=True)
class Net:
    """Shared by every check of a run: one TLS context, the threads for system lookups."""

    tls: ssl.SSLContext
    lookups: ThreadPoolExecutor


def seconds(value: float) -> str:
    """``10`` -> ``"10 s"``, ``0.5`` -> ``"0.5 s"``: a duration as a person writes it."""
    return f"{value:g} s"
