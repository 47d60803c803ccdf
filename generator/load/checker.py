"""The checker toolkit: typed reads from loaded YAML that collect every problem.

``config`` and ``incidents`` read their files through a :class:`Checker`, which records a
problem (with the file, line and column) for each value that breaks a rule and returns None
for it, so one pass finds every problem (``generator/load/site.py`` runs both, raising once).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from generator.clock import parse_duration
from generator.errors import Problem
from generator.load.yamlsource import KeyPath, Source
from generator.texts import LANGUAGES, Text

# The same shape as "time" in schemas/incident.schema.json; the calendar is checked in code.
_TIME = re.compile(
    r"([0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]))[Tt ]"
    r"((?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?)"
    r" *(?:([Zz])|([+-])([01][0-9]|2[0-3]):?([0-5][0-9]))?"
)


def display_path(path: Path) -> str:
    """``path`` as the user would type it: relative to the current folder when inside it."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def shown(value: Any) -> str:
    """A value as quoted in a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for a close match, else an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def label(keypath: KeyPath) -> str:
    """How a message names the value at ``keypath``: ``'status'``, ``'updates[2]'``."""
    if not keypath:
        return "the file"
    if isinstance(keypath[-1], int):
        return f"'{label(keypath[:-1]).strip(chr(39))}[{keypath[-1]}]'"
    return f"'{keypath[-1]}'"


def parse_time(text: str, tz: tzinfo) -> datetime | None:
    """Parse ``2025-07-16 06:15[:00]`` (in ``tz``) or with ``Z``/``+07:00``; aware UTC or None."""
    parsed = _parse_time(text, tz)
    return None if parsed is None else parsed[0]


def _parse_time(text: str, tz: tzinfo) -> tuple[datetime, datetime | None] | None:
    """``parse_time``, and the wall-clock time in ``tz`` when ``text`` has no offset."""
    match = _TIME.fullmatch(text)
    if not match:
        return None
    day, clock, zulu, sign, hours, minutes = match.groups()
    try:
        if zulu or sign:  # "Z" is +00:00, whose zone is UTC itself
            offset = f"{sign}{hours}:{minutes}" if sign else "+00:00"
            value = datetime.fromisoformat(f"{day}T{clock}{offset}")
            local = None
        else:
            value = local = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=tz)
        return value.astimezone(UTC), local
    except (ValueError, OverflowError):  # no such day; or, in UTC, before year 1 or after 9999
        return None


class Checker:
    """Reads typed values out of one loaded file, recording a problem for each bad one."""

    def __init__(self, source: Source, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        self.failures = 0  # errors recorded by this checker; warnings do not count

    def error(self, keypath: KeyPath, message: str, *, key: bool = False) -> None:
        self.failures += 1
        self.problems.append(self.source.problem(keypath, message, key=key))

    def warn(self, keypath: KeyPath, message: str, *, key: bool = False) -> None:
        self.problems.append(self.source.problem(keypath, message, key=key, severity="warning"))

    def expected(self, keypath: KeyPath, what: str, value: Any, hint: str = "") -> None:
        """Record ``'key': expected <what>; got <value>``."""
        self.error(keypath, f"{label(keypath)}: expected {what}; got {shown(value)}{hint}")

    def mapping(self, keypath: KeyPath, value: Any, allowed: Sequence[str],
                required: Sequence[str] = (), what: str = "a mapping") -> dict[str, Any] | None:
        """Check a mapping's keys: unknown ones (with a suggestion) and missing required ones."""
        if not isinstance(value, dict):
            self.expected(keypath, what, value)
            return None
        for key in value:
            if key not in allowed:
                self.error((*keypath, key),
                           f"{key!r}: unknown key; expected one of {', '.join(sorted(allowed))}"
                           f"{did_you_mean(key, allowed)}", key=True)
        for key in required:
            if key not in value:
                self.error(keypath, f"{key!r}: required key is missing")
        return value

    def string(self, keypath: KeyPath, value: Any, *, nonempty: bool = True) -> str | None:
        if isinstance(value, str) and (value.strip() or not nonempty):
            return value
        what = "a non-empty string" if nonempty else "a string"
        hint = " (put it in quotes to keep it as text)" if isinstance(
            value, bool | int | float) else ""
        self.expected(keypath, what, value, hint)
        return None

    def text(self, keypath: KeyPath, value: Any, *, nonempty: bool = True) -> str | None:
        """A text a reader sees: one string, or one per language (``{id: "…", en: "…"}``)."""
        if not isinstance(value, dict):
            return self.string(keypath, value, nonempty=nonempty)
        if not value:
            self.expected(keypath, 'a string, or one per language like {id: "…", en: "…"}',
                          value)
            return None
        found: dict[str, str] = {}
        for language, text in value.items():
            if self.choice((*keypath, language), language, LANGUAGES, key=True) is None:
                continue
            checked = self.string((*keypath, language), text, nonempty=nonempty)
            if checked is not None:
                found[language] = checked
        return Text(found) if len(found) == len(value) else None

    def choice(self, keypath: KeyPath, value: Any, options: Sequence[str], *,
               key: bool = False) -> str | None:
        if isinstance(value, str) and value in options:
            return value
        if key:
            self.error(keypath, f"{shown(value)}: expected a language, one of "
                       f"{', '.join(options)}", key=True)
            return None
        self.expected(keypath, f"one of {', '.join(options)}", value)
        return None

    def integer(self, keypath: KeyPath, value: Any, minimum: int) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        self.expected(keypath, f"a whole number of at least {minimum}", value)
        return None

    def duration(self, keypath: KeyPath, value: Any) -> timedelta | None:
        parsed = parse_duration(value) if isinstance(value, str) else None
        if parsed:  # a zero duration is as wrong as a missing unit
            return parsed
        self.expected(keypath, "a duration above zero like 500ms, 10s, 5m, 2h or 14d", value)
        return None

    def time(self, keypath: KeyPath, value: Any, tz: tzinfo, tzname: str) -> datetime | None:
        both = _parse_time(value, tz) if isinstance(value, str) else None
        if both is None:
            self.expected(keypath, f"a time like 2025-07-16 06:15 (in {tzname}) "
                                   "or 2025-07-16T06:15+07:00", value, _time_hint(value))
            return None
        parsed, local = both
        if local is None:
            return parsed
        first, second = (local.replace(fold=fold) for fold in (0, 1))
        before, after = first.utcoffset(), second.utcoffset()
        if before == after:
            return parsed
        assert before is not None and after is not None
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(
                tzinfo=None):  # in the gap when the clocks go forward
            self.error(keypath, f"{label(keypath)}: {value} does not exist in {tzname}: the "
                       "clocks skipped that hour; write it with the offset meant, like "
                       f"{local:%Y-%m-%dT%H:%M}{_offset(before)}")
            return None
        self.warn(keypath, f"{label(keypath)}: {value} happens twice in {tzname} (the clocks "
                  f"went back); it is taken as the first, {_offset(before)}; write "
                  f"{local:%Y-%m-%dT%H:%M}{_offset(after)} for the second")
        return parsed


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::[0-9]{2})?")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ZONE_NAME = re.compile(r"(.*[0-9]) *([A-Za-z][A-Za-z_/+-]*)")


def _time_hint(value: Any) -> str:
    """What is wrong with a time that did not parse, when it is a common mistake."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if _CLOCK.fullmatch(text):
        return f" (a clock time alone: write a date and a time, like 2025-07-16 {text})"
    date = _DATE.match(text)
    if date and text == date.group(0):
        return f" (a date alone: add the time, like {text} 06:15)"
    if date:
        try:
            year, month, day = (int(part) for part in date.groups())
            datetime(year, month, day)
        except ValueError:
            return f" (there is no {date.group(0)})"
        if year in (1, 9999):
            return " (in UTC that falls outside the years 1 to 9999; check the year)"
        clock = _CLOCK.search(text, date.end())
        if clock and (int(clock.group(1)) > 23 or int(clock.group(2)) > 59):
            return f" (there is no {clock.group(0)}: hours go to 23, minutes to 59)"
    zone = _ZONE_NAME.fullmatch(text)
    if zone and zone.group(2) not in ("Z", "z") and parse_time(zone.group(1), UTC):
        return (f" (a zone name like {zone.group(2)!r} is not read: write an offset like "
                "+07:00, or leave it out for the site's time zone)")
    return ""
