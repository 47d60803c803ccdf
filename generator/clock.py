"""The one source of "now", and durations as written in status.yaml."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

from generator.errors import KabarError

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")


def now(override: str | None = None) -> datetime:
    """Return the build's "now": ``--now``, else ``SOURCE_DATE_EPOCH``, else the clock (UTC)."""
    if override:
        return parse_instant(override)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except ValueError:
            raise KabarError(
                f"SOURCE_DATE_EPOCH: expected whole seconds since 1970, got {epoch!r}"
            ) from None
    return datetime.now(UTC).replace(microsecond=0)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 time with an offset (or ``Z``), or whole epoch seconds."""
    text = text.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise KabarError(
            f"--now: expected an ISO 8601 time like 2025-07-16T06:15:00+07:00, got {text!r}"
        ) from None
    if value.tzinfo is None:
        raise KabarError(f"--now: {text!r} has no offset; add Z or +07:00")
    return value.astimezone(UTC)


def parse_duration(text: str) -> timedelta | None:
    """Parse ``500ms``, ``10s``, ``5m``, ``2h``, ``14d``; None when it is not a duration."""
    match = _DURATION.match(str(text))
    if not match:
        return None
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])


def isoformat(value: datetime) -> str:
    """Format an aware time as ISO 8601 in UTC with a ``Z``, to the second or millisecond."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")
