"""The interval sweep and the daily bars at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from generator.history import Span
from generator.model.timeline import (
    RANK,
    Segment,
    Touch,
    day_bars,
    day_bounds,
    probe_intervals,
    sweep,
)

MAJOR, PARTIAL, UP = RANK["major_outage"], RANK["partial_outage"], RANK["operational"]


def test_sweep_keeps_the_worst_state_and_leaves_gaps_uncovered() -> None:
    segments = sweep([Segment(0, 100, UP), Segment(20, 40, PARTIAL), Segment(30, 50, MAJOR),
                      Segment(50, 60, UP), Segment(200, 300, UP)])
    assert segments == [Segment(0, 20, UP), Segment(20, 30, PARTIAL), Segment(30, 50, MAJOR),
                        Segment(50, 100, UP), Segment(200, 300, UP)]


def test_sweep_merges_touching_intervals_of_one_state() -> None:
    assert sweep([Segment(0, 10, MAJOR), Segment(10, 20, MAJOR), Segment(5, 5, UP)]) == [
        Segment(0, 20, MAJOR)]


def test_bars_follow_local_midnights_across_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    days, bounds = day_bounds(date(2025, 3, 31), berlin, count=3)
    assert days == [date(2025, 3, 29), date(2025, 3, 30), date(2025, 3, 31)]
    whole = sweep([Segment(bounds[0], bounds[-1], MAJOR)])
    bars = day_bars(whole, [], days, bounds, None)
    # Clocks went forward on 30 March: that day had 23 hours.
    assert [dict(b.minutes) for b in bars] == [{"major_outage": 1440}, {"major_outage": 1380},
                                               {"major_outage": 1440}]


def test_incidents_touch_only_the_days_they_overlap() -> None:
    days, bounds = day_bounds(date(2025, 7, 20), UTC, count=3)
    touches = [Touch(bounds[0] - 86400 * 30, bounds[0] - 3600, "old"),  # before the bars
               Touch(bounds[0] + 3600, bounds[1], "ends-at-midnight"),
               Touch(bounds[2], bounds[2], "instant"),
               Touch(bounds[1] - 60, bounds[-1] + 3600, "still-open")]
    bars = day_bars([], touches, days, bounds, None)
    assert [b.incidents for b in bars] == [("ends-at-midnight", "still-open"),
                                           ("still-open",), ("instant", "still-open")]
    assert [b.state for b in bars] == ["no_data", "no_data", "no_data"]


def test_a_single_sample_span_stands_for_one_interval() -> None:
    at = datetime(2025, 7, 20, 10, tzinfo=UTC)
    spans = [Span(at, at, "down"), Span(at + timedelta(hours=1), at + timedelta(hours=3), "up")]
    now = at + timedelta(hours=2)
    intervals = probe_intervals(spans, now, at.timestamp() - 60, timedelta(minutes=5))
    assert intervals == [Segment(at.timestamp(), at.timestamp() + 300, MAJOR),
                         Segment(at.timestamp() + 3600, now.timestamp(), UP)]
