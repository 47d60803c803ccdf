"""Per-component timelines: one interval sweep, then daily bars and latency.

Times are POSIX seconds (floats) inside this module: the sweep sorts and subtracts them
hundreds of thousands of times per build, and floats are much cheaper than datetimes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple

from generator.history import ComponentHistory, Sample, Span
from generator.model.states import NO_DATA as NO_DATA
from generator.model.states import STATES as STATES
from generator.model.states import ComponentState, ProbeState

UPTIME_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7),
                  "30d": timedelta(days=30), "90d": timedelta(days=90)}
BAR_DAYS = 90
RANK: dict[str, int] = {state: rank for rank, state in enumerate(STATES)}
PROBE_STATES: dict[str, ComponentState] = {
    ProbeState.UP: ComponentState.OPERATIONAL,
    ProbeState.DEGRADED: ComponentState.DEGRADED_PERFORMANCE,
    ProbeState.DOWN: ComponentState.MAJOR_OUTAGE}

_OPERATIONAL = len(STATES) - 1


@dataclass(frozen=True)
class DayBar:
    day: date  # in the site's time zone
    state: ComponentState  # one of STATES or NO_DATA
    minutes: Mapping[str, int]  # minutes that day in each non-operational state
    incidents: tuple[str, ...]  # ids of the incidents and maintenances that touch the day


class Segment(NamedTuple):
    """A stretch of time in one state, in POSIX seconds; ``rank`` indexes STATES."""

    start: float
    end: float
    rank: int


class Touch(NamedTuple):
    """An incident or maintenance that applied to a component from ``start`` to ``end``."""

    start: float
    end: float
    incident_id: str


def worst(states: Iterable[str]) -> ComponentState:
    """The worst of ``states``, ignoring NO_DATA; NO_DATA when none is known."""
    best = len(STATES)
    for state in states:
        best = min(best, RANK.get(state, best))
    return STATES[best] if best < len(STATES) else NO_DATA


def sweep(intervals: Iterable[Segment]) -> list[Segment]:
    """Merge overlapping intervals into sorted, disjoint segments of the worst state.

    Time inside any interval is "covered"; time outside every interval is absent from the
    result (no data). O(n log n) in the number of intervals.
    """
    events: list[tuple[float, int, int]] = []
    for start, end, rank in intervals:
        if end > start:
            events.append((start, 1, rank))
            events.append((end, -1, rank))
    events.sort()
    counts = [0] * len(STATES)
    active = 0
    segments: list[Segment] = []
    i, n = 0, len(events)
    while i < n:
        at = events[i][0]
        while i < n and events[i][0] == at:
            _, delta, rank = events[i]
            counts[rank] += delta
            active += delta
            i += 1
        if not active or i == n:
            continue
        rank = 0  # the worst state with an interval open
        while not counts[rank]:
            rank += 1
        following = events[i][0]
        if segments and segments[-1].rank == rank and segments[-1].end == at:
            segments[-1] = Segment(segments[-1].start, following, rank)
        else:
            segments.append(Segment(at, following, rank))
    return segments


def probe_intervals(spans: Sequence[Span], now: datetime, low: float,
                    interval: timedelta) -> list[Segment]:
    """The probe spans that end after ``low``, clipped to ``[low, now]``, as intervals."""
    now_ts = now.timestamp()
    first = bisect_right(spans, low, key=lambda span: span.end.timestamp())
    intervals: list[Segment] = []
    for span in spans[first:]:
        if span.start > now or span.state not in PROBE_STATES:
            continue
        start, end = span.start.timestamp(), min(span.end, now).timestamp()
        if end <= start:  # a single sample stands for one interval
            end = min(start + interval.total_seconds(), now_ts)
        intervals.append(Segment(max(start, low), end, RANK[PROBE_STATES[span.state]]))
    return intervals


def mask(segments: Iterable[Segment], windows: Sequence[tuple[float, float]]) -> list[Segment]:
    """``segments`` less the time inside ``windows`` (a maintenance masks what probes saw)."""
    if not windows:
        return list(segments)
    result: list[Segment] = []
    for start, end, rank in segments:
        pieces = [(start, end)]
        for low, high in windows:
            pieces = [part for a, b in pieces
                      for part in ((a, min(b, low)), (max(a, high), b)) if part[1] > part[0]]
        result += [Segment(a, b, rank) for a, b in pieces]
    return result


def state_since(segments: Sequence[Segment], rank: int | None, now: float,
                fresh: float) -> float | None:
    """When the current state began: the start of the last segment, if it is in state
    ``rank`` and reaches within ``fresh`` seconds of ``now``; for no data (``rank`` None),
    when the last segment ended. None when the segments say nothing of it."""
    if not segments:
        return None
    last = segments[-1]
    if rank is None:
        return last.end if last.end < now - fresh else None
    return last.start if last.rank == rank and last.end >= now - fresh else None


def day_bounds(today: date, tz: tzinfo, count: int = BAR_DAYS) -> tuple[list[date], list[float]]:
    """The ``count`` days ending ``today`` (oldest first) and their ``count + 1`` midnights."""
    days = [today - timedelta(days=count - 1 - k) for k in range(count)]
    midnights = [datetime.combine(day, time(), tz).timestamp() for day in days]
    midnights.append(datetime.combine(today + timedelta(days=1), time(), tz).timestamp())
    return days, midnights


def day_bars(segments: Sequence[Segment], touches: Iterable[Touch], days: Sequence[date],
             bounds: Sequence[float], first: date | None) -> tuple[DayBar, ...]:
    """One bar per day: the worst covered state, minutes per bad state, incidents touching it."""
    touching: list[list[str]] = [[] for _ in days]
    for start, end, incident_id in touches:
        if end < bounds[0] or (end == bounds[0] and start < end) or start >= bounds[-1]:
            continue  # outside the bars; an end is exclusive
        k0 = max(bisect_right(bounds, start) - 1, 0)
        k1 = min(max(bisect_left(bounds, end) - 1, k0), len(days) - 1)
        for k in range(k0, k1 + 1):
            touching[k].append(incident_id)
    bars: list[DayBar] = []
    j = 0
    for k, day in enumerate(days):
        if first is not None and day < first:
            bars.append(DayBar(day, NO_DATA, {}, ()))
            continue
        low, high = bounds[k], bounds[k + 1]
        while j < len(segments) and segments[j].end <= low:
            j += 1
        seconds = [0.0] * len(STATES)
        m = j
        while m < len(segments) and segments[m].start < high:
            start, end, rank = segments[m]
            seconds[rank] += min(end, high) - max(start, low)
            m += 1
        ranks = [rank for rank, total in enumerate(seconds) if total > 0]
        if not ranks:
            bars.append(DayBar(day, NO_DATA, {}, tuple(touching[k])))
            continue
        # A blip shorter than half a minute still colours the bar, so it shows as 1 minute.
        minutes: dict[str, int] = {STATES[rank]: max(1, round(seconds[rank] / 60))
                   for rank in ranks if rank != _OPERATIONAL}
        bars.append(DayBar(day, STATES[ranks[0]], minutes, tuple(touching[k])))
    return tuple(bars)


def latency_points(recent: Sequence[Sample], now: datetime) -> tuple[tuple[datetime, float], ...]:
    """Raw (at, ms) points of the 24 hours before ``now``, oldest first."""
    since = now - timedelta(hours=24)
    first = bisect_left(recent, since, key=lambda sample: sample.at)  # oldest first
    return tuple((s.at, s.latency_ms) for s in recent[first:]
                 if s.latency_ms is not None and s.at <= now)


def daily_latency(recent: Sequence[Sample], daily: Mapping[date, float], days: Sequence[date],
                  bounds: Sequence[float], now: datetime) -> tuple[tuple[date, float], ...]:
    """Mean ms per local day: from the raw samples for days they cover whole, else ``daily``.

    ``daily`` is kept per UTC day; a local day takes the UTC day of the same date.
    """
    # Compared as datetimes: a sample's timestamp() cost more than the rest of the loop.
    midnights = [datetime.fromtimestamp(bound, UTC) for bound in bounds]
    totals = [0.0] * len(days)
    counts = [0] * len(days)
    for sample in recent:
        if sample.latency_ms is None or sample.at > now:
            continue
        k = bisect_right(midnights, sample.at) - 1
        if 0 <= k < len(days):
            totals[k] += sample.latency_ms
            counts[k] += 1
    points: list[tuple[date, float]] = []
    for k, day in enumerate(days):
        whole = bool(recent) and midnights[k] >= recent[0].at
        if counts[k] and (whole or day not in daily):
            points.append((day, totals[k] / counts[k]))
        elif day in daily:
            points.append((day, daily[day]))
    return tuple(points)


def last_sample(history: ComponentHistory, now: datetime) -> Sample | None:
    """The newest sample at or before ``now`` (a build with a past ``--now`` skips later ones)."""
    if history.last is not None and history.last.at <= now:
        return history.last
    index = bisect_right(history.recent, now, key=lambda sample: sample.at)
    return history.recent[index - 1] if index else None


def bad_since(spans: Sequence[Span], last: Sample, interval: timedelta) -> datetime:
    """The start of the run of down or degraded spans that ``last`` belongs to."""
    since = last.at
    for span in reversed(spans):
        if span.start > last.at:
            continue
        if (span.state not in (ProbeState.DOWN, ProbeState.DEGRADED)
                or span.end < since - 3 * interval):
            break
        since = min(since, span.start)
    return since
