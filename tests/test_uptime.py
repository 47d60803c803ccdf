"""Uptime you can audit: figures computed by hand, under the default policy and others.

Every expected figure is worked out in the comment beside it, from the minutes the case sets
up; the model must reach exactly the same minutes and percent (``generator/model/uptime.py``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.history import ComponentHistory, History
from generator.load.config import Component, Config, Site
from generator.load.incidents import Incident, Update, Window
from generator.load.policy import UptimePolicy
from generator.model.compute import SiteModel, compute
from generator.model.uptime import Period, Tally
from tests.test_model import PROBE, incident, maintenance, probed, wib

BERLIN = ZoneInfo("Europe/Berlin")


def build(components: list[Component], incidents: list[Incident], now: datetime,
          zone: str = "Asia/Jakarta", policy: UptimePolicy | None = None,
          **histories: ComponentHistory) -> SiteModel:
    site = Site(title="Example Status", url="https://status.example/", timezone=zone)
    config = Config(site=site, components=tuple(components), uptime=policy or UptimePolicy())
    return compute(config, tuple(incidents), History(histories), now)


def day(model: SiteModel, component_id: str, when: date) -> Period:
    report = model.component(component_id).report
    assert report is not None
    return next(d for d in report.days if d.start == when)


def month(model: SiteModel, component_id: str, first: date) -> Period:
    report = model.component(component_id).report
    assert report is not None
    return next(m.month for m in report.months if m.month.start == first)


def up_with(*bad: tuple[datetime, datetime, str], start: datetime,
            end: datetime) -> ComponentHistory:
    """Probe spans from ``start`` to ``end``: up, except the ``bad`` stretches."""
    spans, at = [], start
    for low, high, state in sorted(bad):
        spans += [(at, low, "up"), (low, high, state)]
        at = high
    spans.append((at, end, "up"))
    return probed([s for s in spans if s[1] > s[0]])


API = Component("api", "API", probe=PROBE)


def test_an_hour_of_outage_and_an_hour_of_maintenance_in_a_day() -> None:
    # The probe fails 02:00-03:00 (an outage) and 08:00-09:00 (inside the maintenance, which
    # masks it). 1,440 minutes observed, 60 in maintenance leave: 1,380 counted, 60 down:
    # 1 - 60/1380 = 95.652 %.
    history = up_with((wib(20, 2), wib(20, 3), "down"), (wib(20, 8), wib(20, 9), "down"),
                      start=wib(20), end=wib(21))
    works = maintenance("works", "api", wib(20, 8), wib(20, 9))
    model = build([API], [works], wib(21, 0, 30), api=history)
    period = day(model, "api", date(2025, 7, 20))
    assert period.tally == Tally(observed=1440, major=60, maintenance=60, probed=1380)
    assert period.tally.counted(UptimePolicy()) == 1380
    assert round(period.percent or 0, 2) == 95.65
    assert period.percent == pytest.approx(100 * (1 - 60 / 1380))
    assert period.incidents == ("works",)


def test_a_31_day_month_with_30_minutes_of_outage_and_60_of_maintenance() -> None:
    # July 2025 in Jakarta: 31 × 1,440 = 44,640 minutes; 60 of maintenance leave 44,580;
    # 30 down: 1 - 30/44,580 = 99.9327 %.
    history = up_with((wib(9, 13), wib(9, 13, 30), "down"),
                      start=wib(1), end=wib(1, month=8))
    works = maintenance("works", "api", wib(22, 1), wib(22, 2))
    model = build([API], [works], wib(2, 12, month=8), api=history)
    july = month(model, "api", date(2025, 7, 1))
    assert (july.tally.observed, july.tally.counted(UptimePolicy()), july.tally.major,
            july.tally.maintenance) == (44640, 44580, 30, 60)
    assert round(july.percent or 0, 4) == 99.9327
    assert july.incidents == ("works",)


def test_partial_outage_counts_three_tenths_and_degraded_nothing() -> None:
    # 100 minutes of partial outage (an incident) and 30 degraded (the probe): 0.3 × 100 =
    # 30 minutes down of 1,440: 1 - 30/1440 = 97.9167 %.
    history = up_with((wib(20, 4), wib(20, 4, 30), "degraded"), start=wib(20), end=wib(21))
    slow = incident("slow", {"api": "partial_outage"}, (wib(20, 5), "investigating"),
                    (wib(20, 6, 40), "resolved"))
    model = build([API], [slow], wib(21, 1), api=history)
    period = day(model, "api", date(2025, 7, 20))
    assert (period.tally.partial, period.tally.degraded) == (100, 30)
    assert period.percent == pytest.approx(100 * (1 - 30 / 1440))


def test_no_data_leaves_the_count_or_counts_as_the_policy_says() -> None:
    # Data 00:00-12:00 only, 60 minutes of it down; the rest of the day has none.
    history = probed([(wib(20), wib(20, 1), "down"), (wib(20, 1), wib(20, 12), "up")])
    now = wib(21, 6)
    default = day(build([API], [], now, api=history), "api", date(2025, 7, 20))
    assert (default.tally.no_data, default.tally.counted(UptimePolicy())) == (720, 720)
    assert default.percent == pytest.approx(100 * (1 - 60 / 720))  # 91.67 %
    # no_data: 1: the 720 minutes without data count fully down: 1 - 780/1440 = 45.83 %.
    strict = UptimePolicy(no_data=1)
    counted = day(build([API], [], now, policy=strict, api=history), "api",
                  date(2025, 7, 20))
    assert counted.percent == pytest.approx(100 * (1 - 780 / 1440))


def test_maintenance_counted_as_up_when_the_policy_says_so() -> None:
    # maintenance: 0 keeps its 60 minutes in the count as up: 1 - 60/1440 = 95.8333 %.
    history = up_with((wib(20, 2), wib(20, 3), "down"), start=wib(20), end=wib(21))
    works = maintenance("works", "api", wib(20, 8), wib(20, 9))
    model = build([API], [works], wib(21, 1), policy=UptimePolicy(maintenance=0), api=history)
    assert day(model, "api", date(2025, 7, 20)).percent == pytest.approx(100 * (1 - 60 / 1440))


@pytest.mark.parametrize(("start", "end", "down"), [
    (wib(20, 10), wib(20, 11), 60),  # the incident says what the probe saw
    (wib(20, 10, 30), wib(20, 11, 30), 90),  # half inside: 60 probed + 30 declared
    (wib(20, 9), wib(20, 12), 180),  # the probe's hour inside the incident's three
], ids=["same-hour", "half-overlap", "inside"])
def test_incidents_and_probes_overlapping_count_each_minute_once(start: datetime,
                                                                 end: datetime,
                                                                 down: int) -> None:
    history = up_with((wib(20, 10), wib(20, 11), "down"), start=wib(20), end=wib(21))
    outage = incident("x", {"api": "major_outage"}, (start, "investigating"), (end, "resolved"))
    period = day(build([API], [outage], wib(21, 1), api=history), "api", date(2025, 7, 20))
    assert period.tally.major == down
    assert period.percent == pytest.approx(100 * (1 - down / 1440))


@pytest.mark.parametrize(("when", "minutes"), [
    (date(2025, 3, 30), 1380),  # the clocks go forward: 23 hours
    (date(2025, 10, 26), 1500),  # and back: 25 hours
    (date(2025, 10, 27), 1440),
], ids=["spring", "autumn", "ordinary"])
def test_a_day_across_a_dst_change_in_berlin(when: date, minutes: int) -> None:
    # An hour down 12:00-13:00 local: 1 - 60/1380 = 95.6522 %, 1 - 60/1500 = 96 %.
    start = datetime(when.year, when.month, when.day, tzinfo=BERLIN).astimezone(UTC)
    noon = datetime(when.year, when.month, when.day, 12, tzinfo=BERLIN).astimezone(UTC)
    history = up_with((noon, noon + timedelta(hours=1), "down"),
                      start=start, end=start + timedelta(days=2))
    model = build([API], [], start + timedelta(days=3), zone="Europe/Berlin", api=history)
    period = day(model, "api", when)
    assert (period.tally.observed, period.tally.major) == (minutes, 60)
    assert period.percent == pytest.approx(100 * (1 - 60 / minutes))


def test_the_same_window_gives_the_same_figure_everywhere_in_the_model() -> None:
    # The 90-day figure beside the bars is the sum of the report's last 90 days.
    history = up_with((wib(2, 3), wib(2, 4), "down"), (wib(15, 1), wib(15, 1, 20), "degraded"),
                      start=wib(1, month=4), end=wib(20))
    outage = incident("x", {"api": "partial_outage"}, (wib(3, 6), "investigating"),
                      (wib(3, 8), "resolved"))
    model = build([API], [outage], wib(20, 12), api=history)
    view = model.component("api")
    assert view.report is not None
    last90 = [d for d in view.report.days if d.start > date(2025, 7, 20) - timedelta(days=90)]
    assert len(last90) == 90 == len(view.bars)
    total = sum((d.tally for d in last90), Tally())
    assert view.uptime["90d"] == total.percent(UptimePolicy(), True)
    # The bars' minutes are the report's.
    for bar, period in zip(view.bars, last90, strict=True):
        assert dict(bar.minutes) == {state: n for state, n in period.tally.by_state
                                     if state != "no_data"}


def test_a_component_without_a_probe_counts_from_its_since_date() -> None:
    web = Component("web", "Web", since=date(2025, 7, 18))
    model = build([web], [], wib(20, 12))
    report = model.component("web").report
    assert report is not None
    assert [d.start.day for d in report.days] == [18, 19, 20]
    assert report.year.tally.observed == 2 * 1440 + 720
    assert report.year.percent == 100.0


# --- the property: days sum to months, months to the year, and match minute by minute ----

@st.composite
def cases(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]],
                                    list[tuple[int, int, str]], list[tuple[int, int]]]:
    zone = draw(st.sampled_from(["Asia/Jakarta", "Europe/Berlin", "America/New_York"]))
    minute = st.integers(0, 9 * 1440)
    spans, at = [], draw(st.integers(0, 600))
    pieces = draw(st.lists(st.tuples(st.integers(1, 1800), st.sampled_from([0, 0, 7, 200]),
                                     st.sampled_from(["up", "degraded", "down"])),
                           min_size=1, max_size=14))
    for length, gap, state in pieces:
        spans.append((at, at + length, state))
        at += length + gap
    declared = [(a, a + draw(st.integers(1, 600)),
                 draw(st.sampled_from(["degraded_performance", "partial_outage",
                                       "major_outage"])))
                for a in draw(st.lists(minute, max_size=3))]
    works = [(a, a + draw(st.integers(1, 300))) for a in draw(st.lists(minute, max_size=2))]
    return zone, spans, declared, works


START = datetime(2025, 10, 24, 21, 0, tzinfo=UTC)  # across the end of October and DST
_RANK = {"major_outage": 0, "partial_outage": 1, "degraded_performance": 2,
         "under_maintenance": 3, "operational": 4}
_PROBE = {"down": "major_outage", "degraded": "degraded_performance", "up": "operational"}


@settings(max_examples=60, deadline=None)
@given(cases())
def test_days_sum_to_months_and_match_a_minute_by_minute_count(case: tuple) -> None:
    zone, spans, declared, works = case
    at = [START + timedelta(minutes=n) for n in range(12 * 1440)]
    history = probed([(at[a], at[b], state) for a, b, state in spans])
    incidents = [Incident(id=f"i{n}", title="i", components={"api": state},
                          updates=(Update(at[a], "investigating", "."),
                                   Update(at[b], "resolved", ".")))
                 for n, (a, b, state) in enumerate(declared)]
    incidents += [Incident(id=f"m{n}", title="m", components={"api": "under_maintenance"},
                           updates=(), maintenance=Window(at[a], at[b]))
                  for n, (a, b) in enumerate(works)]
    now = at[10 * 1440]
    model = build([API], incidents, now, zone=zone, api=history)
    report = model.component("api").report
    assert report is not None
    for m in report.months:
        assert sum((d.tally for d in m.days), Tally()) == m.month.tally
    assert sum((m.month.tally for m in report.months), Tally()) == report.year.tally
    # An independent count: each minute's state from the inputs directly.
    first = min([spans[0][0]] + [a for a, _, _ in declared] + [a for a, _ in works])
    tz = ZoneInfo(zone)
    expected: dict[date, list[int]] = {}
    for n in range(first, 10 * 1440):
        states = [state for a, b, state in declared if a <= n < b]
        masked = any(a <= n < b for a, b in works)
        if masked:
            states.append("under_maintenance")
        else:
            states += [_PROBE[state] for a, b, state in spans if a <= n < b]
        local = at[n].astimezone(tz).date()
        counts = expected.setdefault(local, [0] * 6)
        if states:
            counts[_RANK[min(states, key=_RANK.__getitem__)]] += 1
        else:
            counts[5] += 1
    got = {d.start: [d.tally.major, d.tally.partial, d.tally.degraded, d.tally.maintenance,
                     d.tally.operational, d.tally.no_data] for d in report.days}
    # The report lists only months with data: a month of nothing but no-data minutes is left
    # out, with its days.
    with_data = {day.replace(day=1) for day, counts in expected.items() if any(counts[:5])}
    assert got == {day: counts for day, counts in expected.items()
                   if day.replace(day=1) in with_data}
    for d in report.days:
        assert d.percent is None or 0 <= d.percent <= 100


def test_replacing_the_policy_changes_the_figure_not_the_minutes() -> None:
    history = up_with((wib(20, 2), wib(20, 3), "down"), start=wib(20), end=wib(21))
    harsh = build([API], [], wib(21, 1), policy=UptimePolicy(major_outage=0.5), api=history)
    usual = build([API], [], wib(21, 1), api=history)
    one, other = day(harsh, "api", date(2025, 7, 20)), day(usual, "api", date(2025, 7, 20))
    assert one.tally == other.tally
    assert one.percent == pytest.approx(100 * (1 - 30 / 1440))
    assert replace(one, percent=other.percent) == other
