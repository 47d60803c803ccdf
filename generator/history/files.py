"""The files of ``history/``: their paths, their lines, reading and appending them safely.

The layout is described in ``generator/history/__init__.py``. Reading never raises for a damaged
line: it is skipped with a warning ``history/raw/2026-11-24.jsonl:17: warning: …``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from generator.clock import isoformat
from generator.history import Observed, Sample, UpstreamSample
from generator.load.results import VENDOR_STATES
from generator.model.states import ComponentState, ProbeState
from generator.reasons import WORDS, Part

RAW = "raw"
DAILY = "daily"
_RAW_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.jsonl$")
_DAILY_NAME = re.compile(r"^(\d{4})-(\d{2})\.jsonl$")
_DAY_PREFIX = '{"day":"'
_STATES = {state.value: state for state in ProbeState}  # the file's word -> the enum
_LATENCY = frozenset({float, int, type(None)})
_ERROR = frozenset({str, type(None)})
_VENDOR = frozenset(VENDOR_STATES)
_VENDOR_STATES = {state: ComponentState(state) for state in VENDOR_STATES}


@dataclass(frozen=True)
class RawRun:
    """One line of a raw file: a recorded run, or a run recorded as unknown."""

    at: datetime
    samples: Mapping[str, Sample]  # empty when unknown
    unknown: str | None = None
    upstreams: Mapping[str, UpstreamSample] = field(default_factory=dict)


@dataclass(frozen=True)
class DayComponent:
    checks: int
    latency_ms: float | None
    spans: tuple[tuple[int, int, Observed], ...]  # seconds from the day's 00:00 UTC; end may
    #                                                 pass 86400


@dataclass(frozen=True)
class DayRecord:
    """One line of a daily file: one compacted UTC day."""

    day: date
    components: Mapping[str, DayComponent]
    upstreams: Mapping[str, tuple[tuple[int, int, Observed], ...]] = field(
        default_factory=dict)


# Paths -----------------------------------------------------------------------------------

def raw_path(directory: Path, day: date) -> Path:
    return directory / RAW / f"{day.isoformat()}.jsonl"


def daily_path(directory: Path, day: date) -> Path:
    return directory / DAILY / f"{day.year:04d}-{day.month:02d}.jsonl"


def raw_files(directory: Path) -> dict[date, Path]:
    """The raw day files present, by UTC day; other names are ignored."""
    found: dict[date, Path] = {}
    for path in _listing(directory / RAW):
        match = _RAW_NAME.match(path.name)
        if match:
            try:
                found[date(*(int(g) for g in match.groups()))] = path
            except ValueError:
                continue
    return found


def daily_files(directory: Path) -> dict[date, Path]:
    """The daily (per month) files present, by the month's first day."""
    found: dict[date, Path] = {}
    for path in _listing(directory / DAILY):
        match = _DAILY_NAME.match(path.name)
        if match and 1 <= int(match.group(2)) <= 12:
            found[date(int(match.group(1)), int(match.group(2)), 1)] = path
    return found


def _listing(folder: Path) -> list[Path]:
    try:
        return [entry for entry in folder.iterdir() if entry.is_file()]
    except FileNotFoundError:
        return []


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# Lines -----------------------------------------------------------------------------------

def json_lines(path: Path, warnings: list[str]) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, value)`` for each JSON line; warn about and skip the others."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        warnings.append(f"{path}:1: warning: cannot read ({exc.strerror}); skipped")
        return
    lines = data.split(b"\n")
    torn = lines[-1] != b""  # a last line without its newline: an interrupted append
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            if torn and number == len(lines):
                warnings.append(f"{path}:{number}: warning: truncated last line "
                                "(an interrupted write); skipped")
            else:
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                warnings.append(f"{path}:{number}: warning: not JSON ({reason}); skipped")


def raw_runs(path: Path, warnings: list[str], ids: Container[str] | None = None,
             until: datetime | None = None) -> list[RawRun]:
    """The runs of a raw file (components limited to ``ids``; stop after ``until``)."""
    runs: list[RawRun] = []
    for number, value in json_lines(path, warnings):
        try:
            run = decode_raw(value, ids)
        except ValueError as exc:
            warnings.append(f"{path}:{number}: warning: not a history line ({exc}); skipped")
            continue
        if until is not None and run.at >= until:
            break  # lines are appended in time order; the rest cannot matter
        runs.append(run)
    return runs


def day_records(path: Path, warnings: list[str]) -> list[DayRecord]:
    records: list[DayRecord] = []
    for number, value in json_lines(path, warnings):
        try:
            records.append(decode_day(value))
        except ValueError as exc:
            warnings.append(f"{path}:{number}: warning: not a history line ({exc}); skipped")
    return records


def line_day(line: str) -> date | None:
    """The day of a daily line, read from its prefix (no full parse); None if damaged."""
    if line.startswith(_DAY_PREFIX):
        try:
            return date.fromisoformat(line[len(_DAY_PREFIX):len(_DAY_PREFIX) + 10])
        except ValueError:
            return None
    return None


def encode_results(at: datetime, locations: Sequence[str],
                   results: Mapping[str, tuple[str, float | None, str | None,
                                               tuple[Part, ...]]],
                   upstreams: Mapping[str, UpstreamSample] | None = None) -> str:
    """A raw line: ``{"at": …, "locations": […], "results": {id: [state, ms, error]}}``, the
    error's reasons (``[[code, {values}], …]``) as a fourth item when it has any, and
    ``"upstreams": {id: {…}}`` when there are any."""
    body = {key: [state, _ms(ms), error, [list(p) for p in parts]] if parts
            else [state, _ms(ms), error]
            for key, (state, ms, error, parts) in results.items()}
    vendors = ""
    if upstreams:
        vendors = ',"upstreams":' + _dump({key: {
            "state": u.state, "components": dict(u.components), "error": u.error,
            "reason": u.reason, "etag": u.etag, "modified": u.modified,
            **({"reasons": [list(p) for p in u.parts]} if u.parts else {})}
            for key, u in upstreams.items()})
    return (f'{{"at":"{isoformat(at)}","locations":{_dump(list(locations))},'
            f'"results":{_dump(body)}{vendors}}}')


def encode_unknown(at: datetime, locations: Sequence[str], reason: str) -> str:
    return (f'{{"at":"{isoformat(at)}","locations":{_dump(list(locations))},'
            f'"unknown":{_dump(reason)}}}')


def encode_day(record: DayRecord) -> str:
    body = {key: {"n": c.checks, "ms": _ms(c.latency_ms), "spans": [list(s) for s in c.spans]}
            for key, c in record.components.items()}
    vendors = ""
    if record.upstreams:
        vendors = ',"upstreams":' + _dump({key: [list(s) for s in spans]
                                           for key, spans in record.upstreams.items()})
    return f'{_DAY_PREFIX}{record.day.isoformat()}","components":{_dump(body)}{vendors}}}'


def _dump(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def decode_raw(value: object, ids: Container[str] | None = None) -> RawRun:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    at = _instant(value.get("at"))
    if "unknown" in value:
        return RawRun(at, {}, str(value["unknown"]))
    results = value.get("results")
    if not isinstance(results, dict):
        raise ValueError("'results' is missing")
    samples: dict[str, Sample] = {}
    for key, entry in results.items():
        if ids is not None and key not in ids:
            continue
        # Exact type checks: this loop runs for every sample of the recent days.
        if not (type(entry) is list and 3 <= len(entry) <= 4 and entry[0] in _STATES
                and type(entry[1]) in _LATENCY and type(entry[2]) in _ERROR):
            raise ValueError(f"bad result for {key!r}: {_dump(entry)}")
        latency = entry[1]
        samples[key] = Sample(at, _STATES[entry[0]],
                              latency if latency is None else float(latency), entry[2],
                              _parts(entry[3]) if len(entry) == 4 else ())
    return RawRun(at, samples, upstreams=_upstreams(at, value.get("upstreams")))


def _upstreams(at: datetime, value: object) -> dict[str, UpstreamSample]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("'upstreams': expected an object")
    found: dict[str, UpstreamSample] = {}
    for key, entry in value.items():
        state = entry.get("state") if isinstance(entry, dict) else "?"
        components = entry.get("components") or {} if isinstance(entry, dict) else None
        texts: list[Any] = [entry.get(name) for name in ("error", "reason", "etag",
                                                         "modified")] \
            if isinstance(entry, dict) else [0]
        if not ((state is None or state in _VENDOR) and isinstance(components, dict)
                and all(v in _VENDOR for v in components.values())
                and all(type(text) in _ERROR for text in texts)):
            raise ValueError(f"bad upstream reading for {key!r}: {_dump(entry)}")
        reasons = entry.get("reasons") if isinstance(entry, dict) else None
        error, reason, etag, modified = texts
        found[key] = UpstreamSample(at, state, components, error, reason, etag, modified,
                                    () if reasons is None else _parts(reasons))
    return found


def _parts(value: object) -> tuple[Part, ...]:
    if not isinstance(value, list) or not all(
            type(item) is list and len(item) == 2 and item[0] in WORDS
            and type(item[1]) is dict for item in value):
        raise ValueError(f"bad reasons: {_dump(value)}")
    return tuple((code, {str(k): str(v) for k, v in values.items()}) for code, values in value)


def decode_day(value: object) -> DayRecord:
    if not isinstance(value, dict):
        raise ValueError("expected an object")
    try:
        day = date.fromisoformat(str(value.get("day")))
    except ValueError:
        raise ValueError(f"'day': expected YYYY-MM-DD, got {value.get('day')!r}") from None
    components = value.get("components")
    if not isinstance(components, dict):
        raise ValueError("'components' is missing")
    decoded: dict[str, DayComponent] = {}
    for key, entry in components.items():
        spans = _day_spans(entry.get("spans"), _STATES) if isinstance(entry, dict) else None
        if spans is None or not (isinstance(entry.get("n"), int)
                                 and _number_or_none(entry.get("ms"))):
            raise ValueError(f"bad entry for {key!r}")
        ms = entry.get("ms")
        decoded[key] = DayComponent(entry["n"], None if ms is None else float(ms), spans)
    vendors = value.get("upstreams") or {}
    found = {key: _day_spans(spans, _VENDOR_STATES) for key, spans in vendors.items()} \
        if isinstance(vendors, dict) else None
    if found is None or None in found.values():
        raise ValueError("bad 'upstreams'")
    return DayRecord(day, decoded, {key: spans for key, spans in found.items()
                                    if spans is not None})


def _day_spans(value: object, states: Mapping[str, Observed],
               ) -> tuple[tuple[int, int, Observed], ...] | None:
    """A daily line's ``[[begin, end, state], …]``, states by name; None when it is not."""
    if not isinstance(value, list):
        return None
    spans = []
    for span in value:  # in one pass: a year of days has 40,000 of them, a flapping one 900,000
        if type(span) is not list or len(span) != 3:
            return None
        begin, end, name = span
        if type(begin) is not int or type(end) is not int or begin >= end \
                or type(name) is not str:
            return None
        state = states.get(name)
        if state is None:
            return None
        spans.append((begin, end, state))
    return tuple(spans)


def _number_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _instant(value: object) -> datetime:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"'at': expected an ISO 8601 time, got {value!r}") from None
    if at.tzinfo is None:
        raise ValueError(f"'at': {value!r} has no offset")
    return at.astimezone(UTC)
