"""``kabar record``: merge one run's results files into ``history/``, then compact old days."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from generator.clock import isoformat
from generator.errors import HistoryError
from generator.files import append_lines, atomic_write
from generator.history import RecordSummary, UpstreamSample
from generator.history.files import (
    DayComponent,
    DayRecord,
    RawRun,
    daily_files,
    daily_path,
    day_start,
    encode_day,
    encode_results,
    encode_unknown,
    line_day,
    raw_files,
    raw_path,
    raw_runs,
)
from generator.history.spans import spans_of, upstream_spans
from generator.load.config import Config
from generator.load.results import Result, Run, UpstreamResult, read_run
from generator.model.states import ProbeState
from generator.reasons import Part

log = logging.getLogger(__name__)

RAW_DAYS_KEPT = 2  # full UTC days kept raw before today, so "recent" always spans ≥ 48 h
UNKNOWN_WARNING = "every probe failed for network reasons; recorded as unknown, not as an outage"

Merged = tuple[str, float | None, str | None, tuple[Part, ...]]  # state, ms, error, its parts


def record(directory: Path, result_files: Sequence[Path], config: Config, quorum: int = 1,
           retention: timedelta = timedelta(days=400)) -> RecordSummary:
    """Merge one run's results (one file per location) into ``directory``."""
    try:
        return _record(directory, result_files, config, quorum, retention)
    except OSError as exc:  # a full disk, a read-only folder: what was recorded stays
        where = exc.filename or directory
        raise HistoryError(f"{where}: cannot write: {exc.strerror or exc}") from None


def _record(directory: Path, result_files: Sequence[Path], config: Config, quorum: int,
            retention: timedelta) -> RecordSummary:
    """Append one run (one results file per location) to today's raw file; compact old days."""
    if not result_files:
        raise HistoryError("kabar record: no results files given; pass the files that "
                           "kabar probe --out wrote")
    if quorum < 1:
        raise HistoryError(f"--quorum {quorum}: expected 1 or more")
    if quorum > len(result_files):
        files = "file" if len(result_files) == 1 else "files"
        raise HistoryError(f"--quorum {quorum} but only {len(result_files)} results {files} given")
    runs = [read_run(path) for path in result_files]
    at = min(run.started for run in runs).astimezone(UTC)
    locations = [run.location for run in runs]
    warnings: list[str] = []

    everything = [result for run in runs for result in run.results]
    # A location whose probes got no answer and whose control check failed too says nothing
    # of the services: the run is unknown when every location is such (see probe/control.py).
    blind = [control_failed(run) for run in runs]
    unknown = bool(everything) and all(blind[n] for n, run in enumerate(runs) if run.results)
    if any(blind) and not unknown:
        warnings.append("the network of " + ", ".join(
            run.location for n, run in enumerate(runs) if blind[n]) + " failed; its results "
            "are left out of this run")
        result_files = [path for n, path in enumerate(result_files) if not blind[n]]
        runs = [run for n, run in enumerate(runs) if not blind[n]]
        quorum = min(quorum, len(runs))
    if unknown:
        line = encode_unknown(at, locations, _unknown_reason(everything))
        recorded = 0
        warnings.append(UNKNOWN_WARNING)
    else:
        merged = _merge(runs, result_files, config, quorum, warnings)
        vendors = merge_upstreams(runs, config)
        if not merged and not vendors:
            warnings.append("no results for the components of "
                            f"{config.path}; nothing recorded")
            return RecordSummary(0, False, (), tuple(warnings))
        line = encode_results(at, locations, merged, vendors)
        recorded = len(merged) + len(vendors)

    day = at.date()
    path = raw_path(directory, day)
    if _already_recorded(path, at):
        log.info("%s: the run at %s is already recorded; nothing written", path, isoformat(at))
        return RecordSummary(0, unknown, (), tuple(warnings))
    if not path.exists() and day in _compacted_days(daily_path(directory, day)):
        warnings.append(f"{path}: warning: the run at {isoformat(at)} falls on a day already "
                        "compacted; not recorded")
        return RecordSummary(0, unknown, (), tuple(warnings))
    first_of_day = not path.exists()
    append_lines(path, [line])
    written = [path]
    for changed in compact(directory, config, day, at - retention, warnings, first_of_day):
        if changed not in written:
            written.append(changed)
    return RecordSummary(recorded, unknown, tuple(written), tuple(warnings))


def _merge(runs: Sequence[Run], paths: Sequence[Path], config: Config, quorum: int,
           warnings: list[str]) -> dict[str, Merged]:
    """Per component, the locations' results merged with the quorum, in the config's order."""
    known = {component.id for component in config.components}
    by_component: dict[str, list[Result]] = {}
    ignored: set[str] = set()
    for run, path in zip(runs, paths, strict=True):
        latest = {result.component: result for result in run.results}  # one per location
        for key, result in latest.items():
            if key in known:
                by_component.setdefault(key, []).append(result)
            elif key not in ignored:
                ignored.add(key)
                warnings.append(f"{path}: warning: component {key!r} is not in {config.path}; "
                                "ignored")
    merged: dict[str, Merged] = {}
    for component in config.components:
        results = by_component.get(component.id)
        if results:
            merged[component.id] = merge_locations(results, quorum)
    return merged


def merge_upstreams(runs: Sequence[Run], config: Config) -> dict[str, UpstreamSample]:
    """Per upstream of the config, the first location's reading that read the page, else the
    first reading (each location asks the same page: any answer is the vendor's word)."""
    readings: dict[str, list[UpstreamResult]] = {}
    for run in runs:
        for read in run.upstreams:
            readings.setdefault(read.upstream, []).append(read)
    merged: dict[str, UpstreamSample] = {}
    for upstream in config.upstreams:
        found = readings.get(upstream.id)
        if found:
            best = next((r for r in found if r.state is not None), found[0])
            merged[upstream.id] = UpstreamSample(best.at, best.state, best.components,
                                                 best.error, best.reason, best.etag,
                                                 best.modified, best.parts)
    return merged


def merge_locations(results: Sequence[Result], quorum: int) -> Merged:
    """Down when ≥ quorum say down; degraded when ≥ quorum say degraded or down; else up."""
    down = [r for r in results if r.state == ProbeState.DOWN]
    bad = [r for r in results if r.state != ProbeState.UP]
    state = (ProbeState.DOWN if len(down) >= quorum else ProbeState.DEGRADED
             if len(bad) >= quorum else ProbeState.UP)
    latencies = [r.latency_ms for r in results if r.latency_ms is not None]
    latency = statistics.median(latencies) if latencies else None
    said = None
    if state != ProbeState.UP:
        said = next((r for r in down + bad if r.error), None)
    return (state, latency, said.error, said.parts) if said else (state, latency, None, ())


def control_failed(run: Run) -> bool:
    """The run's probes all failed without an answer, and so did its control check."""
    return run.control is not True and bool(run.results) and all(
        r.state == ProbeState.DOWN and r.network for r in run.results)


def _unknown_reason(results: Sequence[Result]) -> str:
    errors = list(dict.fromkeys(r.error for r in results if r.error))
    shown = ", ".join(errors[:3]) + (", …" if len(errors) > 3 else "")
    return "every probe failed for network reasons" + (f" ({shown})" if shown else "")


def _already_recorded(path: Path, at: datetime) -> bool:
    """A line for this run is in the day's file (the job may re-record after a push race)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    return f'{{"at":"{isoformat(at)}"'.encode() in data


def _compacted_days(path: Path) -> set[date]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return set()
    return {day for day in map(line_day, text.splitlines()) if day is not None}


# Compaction and retention ----------------------------------------------------------------

def compact(directory: Path, config: Config, today: date, cutoff: datetime,
            warnings: list[str], first_of_day: bool) -> list[Path]:
    """Fold raw days older than ``RAW_DAYS_KEPT`` full days into the daily files.

    Retention is applied once a day (the day's first run), or when something was compacted.
    """
    raws = raw_files(directory)
    old = sorted(day for day in raws if day < today - timedelta(days=RAW_DAYS_KEPT))
    if not old and not first_of_day:
        return []
    written: list[Path] = []
    for day in old:
        if day >= cutoff.date():
            path = daily_path(directory, day)
            if day not in _compacted_days(path):
                append_lines(path, [encode_day(summarize_day(day, raws, config, warnings))])
                if path not in written:
                    written.append(path)
        raws[day].unlink()
        log.info("%s: compacted and removed", raws[day])
    for path in retain(directory, cutoff.date()):
        if path not in written:
            written.append(path)
    return written


def summarize_day(day: date, raws: dict[date, Path], config: Config,
                  warnings: list[str]) -> DayRecord:
    """One UTC day as checks, mean latency and spans per component."""
    interval = config.site.interval
    start = day_start(day)
    end = start + timedelta(days=1)
    runs = raw_runs(raws[day], warnings)
    following: list[RawRun] = []
    if day + timedelta(days=1) in raws:  # the next day's first samples end this day's last ones
        following = raw_runs(raws[day + timedelta(days=1)], [], until=end + interval * 3)
    runs = sorted((r for r in runs if start <= r.at < end), key=lambda r: r.at)
    spans = spans_of(runs + following, interval, started_before=end)
    components: dict[str, DayComponent] = {}
    checks: dict[str, list[float | None]] = {}
    for run in runs:
        for key, sample in run.samples.items():
            checks.setdefault(key, []).append(sample.latency_ms)
    for key, latencies in checks.items():
        measured = [ms for ms in latencies if ms is not None]
        mean = round(statistics.fmean(measured), 1) if measured else None
        offsets = tuple((_seconds(s.start - start), _seconds(s.end - start), s.state)
                        for s in spans.get(key, []))
        components[key] = DayComponent(len(latencies), mean, offsets)
    vendors = {key: tuple((_seconds(s.start - start), _seconds(s.end - start), s.state)
                          for s in spans)
               for key, spans in upstream_spans(runs + following, interval,
                                                started_before=end).items() if spans}
    return DayRecord(day, components, vendors)


def _seconds(delta: timedelta) -> int:
    return round(delta.total_seconds())


def retain(directory: Path, first_kept: date) -> list[Path]:
    """Drop compacted days before ``first_kept``; return the daily files rewritten."""
    rewritten: list[Path] = []
    for month, path in sorted(daily_files(directory).items()):
        following = (month + timedelta(days=32)).replace(day=1)
        if following <= first_kept:
            path.unlink()
            log.info("%s: older than the retention; removed", path)
        elif month <= first_kept:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            kept = [line for line in lines if (line_day(line) or first_kept) >= first_kept]
            if not kept:
                path.unlink()
            elif len(kept) < len(lines):
                atomic_write(path, "".join(line + "\n" for line in kept).encode())
                rewritten.append(path)
    return rewritten
