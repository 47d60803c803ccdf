"""Reading ``history/`` back: spans, recent samples and daily latency of the last year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from generator.history import (
    ComponentHistory,
    History,
    Observed,
    Sample,
    UpstreamHistory,
    UpstreamSample,
)
from generator.history.files import (
    RawRun,
    daily_files,
    day_records,
    day_start,
    raw_files,
    raw_runs,
)
from generator.history.spans import Triple, merge_spans, spans_of, upstream_spans
from generator.load.config import Config
from generator.load.results import UpstreamResult

# The uptime report's 12 months (from the first of the month 11 months back: at most 365
# days), plus the day a time zone may reach into.
WINDOW = timedelta(days=367)
DAY = timedelta(days=1)


def read_history(directory: Path, config: Config, now: datetime) -> History:
    """Read the files that cover ``[now - WINDOW, now]`` (the report's year before ``now``);
    samples after ``now`` are ignored; a missing directory is an empty history."""
    if not directory.is_dir():
        return History({})
    now = now.astimezone(UTC)
    ids = [component.id for component in config.components]
    wanted = set(ids)
    first, last = (now - WINDOW).date(), now.date()
    warnings: list[str] = []

    raws = {day: path for day, path in raw_files(directory).items() if first <= day <= last}
    runs: list[RawRun] = []
    for day in sorted(raws):
        runs += (run for run in raw_runs(raws[day], warnings, wanted) if run.at <= now)
    runs.sort(key=lambda run: run.at)

    vendor_ids = [upstream.id for upstream in config.upstreams]
    vendor_spans: dict[str, list[Triple]] = {key: [] for key in vendor_ids}
    spans: dict[str, list[Triple]] = {key: [] for key in ids}
    latency: dict[str, dict[date, float]] = {key: {} for key in ids}
    deltas: dict[int, timedelta] = {}
    for month, path in sorted(daily_files(directory).items()):
        if not first.replace(day=1) <= month <= last:
            continue  # a month file that cannot reach into the window
        for record in day_records(path, warnings):
            if not first <= record.day <= last or record.day in raws:
                continue  # outside the window, or still raw (compaction was interrupted)
            start = day_start(record.day)
            for key, offsets in record.upstreams.items():
                if key in vendor_spans:
                    vendor_spans[key] += _spans(start, offsets, now, deltas)
            alike: dict[tuple[tuple[int, int, Observed], ...], list[Triple]] = {}
            for key, entry in record.components.items():
                if key not in wanted:
                    continue
                if entry.latency_ms is not None:
                    latency[key][record.day] = entry.latency_ms
                same = alike.get(entry.spans)  # most components spend a day alike: all up
                if same is None:
                    same = alike[entry.spans] = _spans(start, entry.spans, now, deltas)
                spans[key] += same

    for key, found in spans_of(runs, config.site.interval, end=now).items():
        spans[key] += ((span.start, span.end, span.state) for span in found)
    recent: dict[str, list[Sample]] = {key: [] for key in ids}
    sums: dict[date, dict[str, list[float]]] = {}  # day -> component -> [total ms, count]
    for run in runs:
        day_sums = sums.setdefault(run.at.date(), {})
        for key, sample in run.samples.items():
            recent[key].append(sample)
            if sample.latency_ms is not None:
                pair = day_sums.get(key)
                if pair is None:
                    pair = day_sums[key] = [0.0, 0.0]
                pair[0] += sample.latency_ms
                pair[1] += 1
    for day, day_sums in sums.items():
        for key, (total, count) in day_sums.items():
            latency[key][day] = round(total / count, 1)

    for key, found in upstream_spans(runs, config.site.interval, end=now).items():
        if key in vendor_spans:
            vendor_spans[key] += ((span.start, span.end, span.state) for span in found)
    upstreams = {key: UpstreamHistory(tuple(merge_spans(vendor_spans[key])),
                                      *_latest(runs, key)) for key in vendor_ids}
    components = {
        key: ComponentHistory(
            spans=tuple(merge_spans(spans[key])),
            recent=tuple(recent[key]),
            daily_latency=dict(sorted(latency[key].items())),
            last=recent[key][-1] if recent[key] else None,
        )
        for key in ids
    }
    return History(components, tuple(warnings), upstreams)


def _spans(start: datetime, offsets: tuple[tuple[int, int, Observed], ...], now: datetime,
           deltas: dict[int, timedelta]) -> list[Triple]:
    """A daily line's spans (seconds from ``start``), up to ``now``. ``deltas``: each offset's
    ``timedelta`` once a read (a flapping year has 900,000 spans, each of a few offsets)."""
    for begin, end, _ in offsets:
        if begin not in deltas:
            deltas[begin] = timedelta(seconds=begin)
        if end not in deltas:
            deltas[end] = timedelta(seconds=end)
    if start + DAY <= now:  # a day before now's: every span is whole
        return [(start + deltas[begin], start + deltas[end], state)
                for begin, end, state in offsets]
    spans = [(start + deltas[begin], min(start + deltas[end], now), state)
             for begin, end, state in offsets]
    return [span for span in spans if span[0] < span[1]]


def _latest(runs: list[RawRun], key: str) -> tuple[UpstreamSample | None, UpstreamSample | None]:
    """An upstream's latest reading in ``runs``, and its latest that read the page."""
    last: UpstreamSample | None = None
    for run in reversed(runs):
        sample = run.upstreams.get(key)
        if sample is None:
            continue
        last = last or sample
        if sample.state is not None:
            return last, sample
    return last, None


def last_readings(directory: Path, config: Config) -> dict[str, UpstreamResult]:
    """Each upstream's latest reading that read its page (within the raw days kept): what
    ``kabar probe`` sends back as validators, and keeps on a 304."""
    found: dict[str, UpstreamResult] = {}
    wanted = {upstream.id for upstream in config.upstreams}
    for _, path in sorted(raw_files(directory).items(), reverse=True):
        for run in reversed(raw_runs(path, [], set())):
            for key, u in run.upstreams.items():
                if key in wanted and key not in found and u.state is not None:
                    found[key] = UpstreamResult(key, u.at, u.state, u.components, u.error,
                                                u.reason, etag=u.etag, modified=u.modified)
        if len(found) == len(wanted):
            break
    return found
