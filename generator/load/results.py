"""The probe results file: one run from one location (the contract between probe and record)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.clock import isoformat
from generator.errors import HistoryError
from generator.files import atomic_write
from generator.model.states import STATES as COMPONENT_STATES
from generator.model.states import ProbeState
from generator.reasons import WORDS, Part

STATES = tuple(state.value for state in ProbeState)
VENDOR_STATES = tuple(state.value for state in COMPONENT_STATES)  # what a vendor may say


@dataclass(frozen=True)
class Result:
    component: str
    at: datetime  # aware
    state: ProbeState
    latency_ms: float | None = None
    status_code: int | None = None
    error: str | None = None  # plain words: "connection refused", "expected 200, got 503"
    attempts: int = 1
    network: bool = False  # the failure was the network's (DNS, connect, timeout), not an answer
    reason: str | None = None  # the stable code of ``error`` (``generator.reasons``)
    parts: tuple[Part, ...] = ()  # every code of ``error`` with its values, for other languages

    def to_json(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "at": isoformat(self.at),
            "state": self.state,
            "latency_ms": None if self.latency_ms is None else round(self.latency_ms, 1),
            "status_code": self.status_code,
            "error": self.error,
            "reason": self.reason,
            "reasons": [[code, values] for code, values in self.parts],
            "attempts": self.attempts,
            "network": self.network,
        }


@dataclass(frozen=True)
class UpstreamResult:
    """One reading of a vendor's status page (``generator/probe/upstream.py``)."""

    upstream: str
    at: datetime
    state: str | None  # a ComponentState value; None when the page could not be read
    components: Mapping[str, str] = field(default_factory=dict)  # shown component -> state
    error: str | None = None  # plain words, as a probe's
    reason: str | None = None  # its code (``generator.reasons``)
    status_code: int | None = None
    # The answer's validators, sent back next run (If-None-Match, If-Modified-Since).
    etag: str | None = None
    modified: str | None = None
    unchanged: bool = False  # the page answered 304: the state is the previous reading's
    parts: tuple[Part, ...] = ()  # ``error``'s codes and values, for other languages

    def to_json(self) -> dict[str, Any]:
        return {"upstream": self.upstream, "at": isoformat(self.at), "state": self.state,
                "components": dict(self.components), "error": self.error,
                "reason": self.reason, "status_code": self.status_code, "etag": self.etag,
                "modified": self.modified, "unchanged": self.unchanged,
                "reasons": [[code, values] for code, values in self.parts]}


@dataclass(frozen=True)
class Run:
    location: str
    started: datetime  # whole seconds, like ``finished``
    finished: datetime
    results: tuple[Result, ...]
    took: float | None = field(default=None, compare=False)  # seconds, by a monotonic clock;
    #                                                           None once read from a file
    # The control check (``generator/probe/control.py``): True when something outside the
    # site's services answered, False when nothing did, None when it was not needed (or the
    # file is older than it).
    control: bool | None = None
    upstreams: tuple[UpstreamResult, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "started": isoformat(self.started),
            "finished": isoformat(self.finished),
            "control": self.control,
            "results": [r.to_json() for r in self.results],
            "upstreams": [u.to_json() for u in self.upstreams],
        }


def write_run(run: Run, path: Path) -> None:
    """Write ``run`` to ``path`` atomically."""
    atomic_write(path, (json.dumps(run.to_json(), indent=1) + "\n").encode())


def read_run(path: Path) -> Run:
    """Read a results file; raise ``HistoryError`` naming the file when it is malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = tuple(
            Result(
                component=str(r["component"]),
                at=_time(r["at"]),
                state=_state(r["state"]),
                latency_ms=None if r.get("latency_ms") is None else float(r["latency_ms"]),
                status_code=r.get("status_code"),
                error=r.get("error"),
                attempts=int(r.get("attempts", 1)),
                network=bool(r.get("network", False)),
                reason=r.get("reason"),
                parts=_parts(r.get("reasons")),  # older files have none
            )
            for r in data["results"]
        )
        control = data.get("control")
        upstreams = tuple(_upstream(u) for u in data.get("upstreams") or ())
        return Run(str(data.get("location", "default")), _time(data["started"]),
                   _time(data["finished"]), results,
                   control=None if control is None else bool(control), upstreams=upstreams)
    except OSError as exc:
        raise HistoryError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{path}:{exc.lineno}:{exc.colno}: error: not JSON ({exc.msg}); "
                           "write it with kabar probe --out") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise HistoryError(
            f"{path}:1:1: error: not a kabar results file ({exc}); write it with kabar probe --out"
        ) from None


def _parts(value: Any) -> tuple[Part, ...]:
    """``[[code, {name: value}], …]`` as parts; a malformed list is a ValueError."""
    if value is None:
        return ()
    parts = []
    for item in value:
        code, values = item
        if code not in WORDS or not isinstance(values, dict):
            raise ValueError(f"reason {code!r} is not one of Kabar's")
        parts.append((str(code), {str(k): str(v) for k, v in values.items()}))
    return tuple(parts)


def _upstream(data: dict[str, Any]) -> UpstreamResult:
    state = data.get("state")
    if state is not None and state not in VENDOR_STATES:
        raise ValueError(f"upstream state {state!r} is not one of {', '.join(VENDOR_STATES)}")
    components = data.get("components") or {}
    if not all(isinstance(k, str) and v in VENDOR_STATES for k, v in components.items()):
        raise ValueError(f"bad upstream components: {components!r}")
    return UpstreamResult(str(data["upstream"]), _time(data["at"]), state, dict(components),
                          data.get("error"), data.get("reason"), data.get("status_code"),
                          data.get("etag"), data.get("modified"), bool(data.get("unchanged")),
                          _parts(data.get("reasons")))


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no offset")
    return value


def _state(text: str) -> ProbeState:
    if text not in STATES:
        raise ValueError(f"state {text!r} is not one of {', '.join(STATES)}")
    return ProbeState(text)
