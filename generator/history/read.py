"""Reading ``history/`` back: spans, recent samples and daily latency of the last year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from generator.history import ComponentHistory, History, Sample, Span
from generator.history.files import (
    RawRun,
    daily_files,
    day_records,
    day_start,
    raw_files,
    raw_runs,
)
from generator.history.spans import merge_spans, spans_of
from generator.load.config import Config

# The uptime report's 12 months (from the first of the month 11 months back: at most 365
# days), plus the day a time zone may reach into.
WINDOW = timedelta(days=367)


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

    spans: dict[str, list[Span]] = {key: [] for key in ids}
    latency: dict[str, dict[date, float]] = {key: {} for key in ids}
    for month, path in sorted(daily_files(directory).items()):
        if not first.replace(day=1) <= month <= last:
            continue  # a month file that cannot reach into the window
        for record in day_records(path, warnings):
            if not first <= record.day <= last or record.day in raws:
                continue  # outside the window, or still raw (compaction was interrupted)
            start = day_start(record.day)
            for key, entry in record.components.items():
                if key not in wanted:
                    continue
                if entry.latency_ms is not None:
                    latency[key][record.day] = entry.latency_ms
                for begin, end, state in entry.spans:
                    span = Span(start + timedelta(seconds=begin),
                                min(start + timedelta(seconds=end), now), state)
                    if span.start < span.end:
                        spans[key].append(span)

    for key, found in spans_of(runs, config.site.interval, end=now).items():
        spans[key] += found
    recent: dict[str, list[Sample]] = {key: [] for key in ids}
    sums: dict[tuple[str, date], list[float]] = {}  # (component, day) -> [total ms, count]
    for run in runs:
        day = run.at.date()
        for key, sample in run.samples.items():
            recent[key].append(sample)
            if sample.latency_ms is not None:
                pair = sums.setdefault((key, day), [0.0, 0.0])
                pair[0] += sample.latency_ms
                pair[1] += 1
    for (key, day), (total, count) in sums.items():
        latency[key][day] = round(total / count, 1)

    components = {
        key: ComponentHistory(
            spans=tuple(merge_spans(spans[key])),
            recent=tuple(recent[key]),
            daily_latency=dict(sorted(latency[key].items())),
            last=recent[key][-1] if recent[key] else None,
        )
        for key in ids
    }
    return History(components, tuple(warnings))
