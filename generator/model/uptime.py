"""Uptime, minute by minute: a tally of minutes by state per day, summed into months, the
year and the rolling windows, and one figure per tally under the site's ``uptime:`` policy.

The sweep's segments (incidents, and probes less the maintenance that masks them) are put on
the minute grid first: each boundary is rounded to the nearest whole minute (POSIX minutes;
every zone in use today is a whole number of minutes from UTC), so each minute is in exactly
one state, probe- and incident-made downtime are never counted twice, every figure is a whole
number of minutes, and the days of a month sum to the month exactly. A day is a day in the
site's time zone: 1,380 or 1,500 minutes when the clocks change.

A component is observed from its ``since`` date, else from the first thing known of it (a
probe or an incident); one without a probe is operational by declaration from ``since``, or
over the whole report when it has none. Observation ends at ``now``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cached_property, lru_cache

from generator.load.policy import UptimePolicy
from generator.model.states import STATES, ComponentState
from generator.model.timeline import UPTIME_WINDOWS

REPORT_MONTHS = 12  # the report's months: the current one and the 11 before it

_MAJOR, _PARTIAL, _DEGRADED, _MAINTENANCE = (
    STATES.index(state) for state in (ComponentState.MAJOR_OUTAGE,
                                      ComponentState.PARTIAL_OUTAGE,
                                      ComponentState.DEGRADED_PERFORMANCE,
                                      ComponentState.UNDER_MAINTENANCE))


@dataclass(frozen=True)
class Tally:
    """Minutes of a stretch of time, by state; what is left of ``observed`` was operational."""

    observed: int = 0  # minutes the component existed, up to now
    major: int = 0
    partial: int = 0
    degraded: int = 0
    maintenance: int = 0
    no_data: int = 0  # covered by neither a probe nor an incident
    probed: int = 0  # with a probe result (a probed component's figure needs some)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.observed + other.observed, self.major + other.major,
                     self.partial + other.partial, self.degraded + other.degraded,
                     self.maintenance + other.maintenance, self.no_data + other.no_data,
                     self.probed + other.probed)

    @property
    def operational(self) -> int:
        return self.observed - (self.major + self.partial + self.degraded + self.maintenance
                                + self.no_data)

    @property
    def by_state(self) -> tuple[tuple[ComponentState, int], ...]:
        """The minutes in each state but operational, worst first; states without any left out."""
        pairs = ((ComponentState.MAJOR_OUTAGE, self.major),
                 (ComponentState.PARTIAL_OUTAGE, self.partial),
                 (ComponentState.DEGRADED_PERFORMANCE, self.degraded),
                 (ComponentState.UNDER_MAINTENANCE, self.maintenance),
                 (ComponentState.NO_DATA, self.no_data))
        return tuple((state, minutes) for state, minutes in pairs if minutes)

    @property
    def figures(self) -> tuple[int, ...]:
        """Its minutes, field by field: a tally's key (a dataclass's repr costs 20 times as
        much, and a report of 100 components has 36,000 days)."""
        return (self.observed, self.major, self.partial, self.degraded, self.maintenance,
                self.no_data, self.probed)

    @cached_property
    def state(self) -> ComponentState:
        """The worst state it has minutes in; no data only when it has nothing else (once a
        tally: days alike share one, and a report's calendar asks each day's)."""
        for state, _ in self.by_state:
            if state is not ComponentState.NO_DATA:
                return state
        return (ComponentState.OPERATIONAL if self.operational
                else ComponentState.NO_DATA)

    def counted(self, policy: UptimePolicy) -> int:
        """The denominator: observed minutes less those the policy excludes."""
        return (self.observed - (self.maintenance if policy.maintenance is None else 0)
                - (self.no_data if policy.no_data is None else 0))

    def down(self, policy: UptimePolicy) -> float:
        """Minutes counted as down, each state at its weight."""
        return (self.major * policy.major_outage + self.partial * policy.partial_outage
                + self.degraded * policy.degraded_performance
                + self.maintenance * (policy.maintenance or 0)
                + self.no_data * (policy.no_data or 0))

    def percent(self, policy: UptimePolicy, probed: bool) -> float | None:
        """Percent up; None with nothing counted, or for a probed component without a probe
        result in it (incidents alone never make a probed component look 0 % up)."""
        counted = self.counted(policy)
        if counted <= 0 or (probed and not self.probed):
            return None
        return 100 * (1 - self.down(policy) / counted)


@dataclass(frozen=True)
class Period:
    """A day or a month of one component: its minutes, its figure, the incidents in it."""

    start: date  # the day, or the month's first day
    tally: Tally
    percent: float | None
    incidents: tuple[str, ...] = ()  # incidents and maintenances touching it, by start

    @property
    def month(self) -> str:
        """``2026-11``."""
        return f"{self.start:%Y-%m}"


@dataclass(frozen=True)
class MonthReport:
    month: Period
    days: tuple[Period, ...]  # its observed days, oldest first


@dataclass(frozen=True)
class Report:
    """One component's report: each month of the last REPORT_MONTHS with data (a minute
    a probe or an incident speaks of), oldest first."""

    months: tuple[MonthReport, ...]
    year: Period  # the months together

    @property
    def days(self) -> tuple[Period, ...]:
        return tuple(day for month in self.months for day in month.days)


Grid = tuple[int, int, int]  # start minute, end minute, rank in STATES


def report_start(today: date) -> date:
    """The first day of the report: the first of the month REPORT_MONTHS - 1 months back."""
    month = today.year * 12 + today.month - 1 - (REPORT_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1)


def to_grid(segments: Iterable[tuple[float, float, int]]) -> list[Grid]:
    """Disjoint, sorted segments (POSIX seconds) on the minute grid; empty ones dropped."""
    result: list[Grid] = []
    for start, end, rank in segments:
        low, high = round(start / 60), round(end / 60)
        if high > low:
            if result and result[-1][1] == low and result[-1][2] == rank:
                result[-1] = (result[-1][0], high, rank)
            else:
                result.append((low, high, rank))
    return result


def minute(when: datetime) -> int:
    return round(when.timestamp() / 60)


def tally(segments: Sequence[Grid], probes: Sequence[tuple[int, int]], low: int,
          high: int) -> Tally:
    """The tally of ``[low, high)`` (minutes); ``segments`` and ``probes`` sorted, disjoint."""
    return Tally(*minutes(segments, probes, [(low, high)])[0])


Minutes = tuple[int, int, int, int, int, int, int]  # a Tally's fields, in order


def minutes(segments: Sequence[Grid], probes: Sequence[tuple[int, int]],
            ranges: Sequence[tuple[int, int]]) -> list[Minutes]:
    """The fields of the tally of each ``[low, high)`` of ``ranges`` (sorted, disjoint), in
    one pass over ``segments`` and ``probes`` (sorted, disjoint): a year of days reads each
    segment once."""
    result: list[Minutes] = []
    j = p = 0  # the first segment (probe) that ends after the range's start
    for low, high in ranges:
        if high <= low:
            result.append((0, 0, 0, 0, 0, 0, 0))
            continue
        counts = [0] * len(STATES)
        while j < len(segments) and segments[j][1] <= low:
            j += 1
        k = j
        while k < len(segments) and segments[k][0] < high:
            start, end, rank = segments[k]
            counts[rank] += min(end, high) - max(start, low)
            k += 1
        while p < len(probes) and probes[p][1] <= low:
            p += 1
        probed = 0
        k = p
        while k < len(probes) and probes[k][0] < high:
            probed += min(probes[k][1], high) - max(probes[k][0], low)
            k += 1
        observed = high - low
        result.append((observed, counts[_MAJOR], counts[_PARTIAL], counts[_DEGRADED],
                       counts[_MAINTENANCE], observed - sum(counts), probed))
    return result


def probe_minutes(segments: Iterable[tuple[float, float, int]]) -> list[tuple[int, int]]:
    """The minutes with a probe result, merged."""
    merged: list[tuple[int, int]] = []
    for start, end, _ in to_grid(sorted(segments)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def report(segments: Sequence[Grid], probes: Sequence[tuple[int, int]],
           touches: Iterable[tuple[float, float, str]], first: int, now: int, today: date,
           tz: tzinfo, policy: UptimePolicy, probed: bool) -> Report:
    """Each day from ``first`` (a minute) to ``now``, in the months of the report."""
    start = report_start(today)
    days, firsts, bounds = _calendar(today, tz)
    touching: list[list[str]] = [[] for _ in days]
    for low, high, incident_id in sorted(touches):
        a, b = round(low / 60), round(high / 60)
        k0 = max(bisect_right(bounds, a) - 1, 0)
        for k in range(k0, len(days)):
            if bounds[k] >= max(b, a + 1) or bounds[k] >= now:
                break
            if bounds[k + 1] > a:
                touching[k].append(incident_id)
    rows = minutes(segments, probes, [(max(bounds[k], first), min(bounds[k + 1], now))
                                      for k in range(len(days))])
    by_month: dict[date, tuple[list[Period], list[Minutes]]] = {}
    alike: dict[Minutes, tuple[Tally, float | None]] = {}  # most days are like many others
    for k, row in enumerate(rows):
        if not row[0]:  # not observed: before the component's first minute, or after now
            continue
        known = alike.get(row)
        if known is None:
            each = Tally(*row)
            known = alike[row] = (each, each.percent(policy, probed))
        periods, month_rows = by_month.setdefault(firsts[k], ([], []))
        periods.append(Period(days[k], *known, tuple(dict.fromkeys(touching[k]))))
        month_rows.append(row)
    months: list[MonthReport] = []
    for month, (periods, month_rows) in by_month.items():
        total = _period(month, Tally(*map(sum, zip(*month_rows, strict=True))), periods,
                        policy, probed)
        if total.tally.no_data < total.tally.observed:  # a month with data
            months.append(MonthReport(total, tuple(periods)))
    year = _period(start, sum((m.month.tally for m in months), Tally()),
                   [m.month for m in months], policy, probed)
    return Report(tuple(months), year)


@lru_cache(maxsize=4)
def _calendar(today: date, tz: tzinfo,
              ) -> tuple[tuple[date, ...], tuple[date, ...], tuple[int, ...]]:
    """The report's days, the first of each one's month, and their midnights (minutes; one
    more for today's end): the same for every component, so made once."""
    start = report_start(today)
    days = tuple(start + timedelta(days=k) for k in range((today - start).days + 1))
    bounds = [minute(datetime.combine(day, time(), tz)) for day in days]
    bounds.append(minute(datetime.combine(today + timedelta(days=1), time(), tz)))
    return days, tuple(day.replace(day=1) for day in days), tuple(bounds)


def _period(start: date, total: Tally, periods: Sequence[Period], policy: UptimePolicy,
            probed: bool) -> Period:
    """The period from ``start`` made of ``periods``, whose tallies add up to ``total``."""
    incidents = tuple(dict.fromkeys(i for period in periods for i in period.incidents))
    return Period(start, total, total.percent(policy, probed), incidents)


def windows(grid: Sequence[Grid], probes: Sequence[tuple[int, int]], report: Report,
            first: int, now: datetime, tz: tzinfo, policy: UptimePolicy, probed: bool,
             ) -> tuple[dict[str, float | None], dict[str, timedelta] | None]:
    """Each UPTIME_WINDOWS figure, and the data it rests on where that is short of it.

    24h is the 1,440 minutes before ``now``; the others are the last days of the report,
    today so far included (90d: the days of the bars), so a report's daily rows sum to them.
    """
    end = minute(now)
    today = now.astimezone(tz).date()
    figures: dict[str, float | None] = {}
    short: dict[str, timedelta] = {}
    days = [day for month in report.months for day in month.days]  # oldest first
    for key, span in UPTIME_WINDOWS.items():
        if key == "24h":
            low = end - 1440
            counted = tally(grid, probes, max(low, first), end)
        else:
            since = today - timedelta(days=span.days - 1)
            low = minute(datetime.combine(since, time(), tz))
            last = days[bisect_left(days, since, key=lambda day: day.start):]
            counted = sum((day.tally for day in last), Tally())
        figures[key] = counted.percent(policy, probed)
        if probed and counted.probed < 0.99 * (end - low):
            short[key] = timedelta(minutes=counted.probed)
    return figures, short or None
