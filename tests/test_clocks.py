"""Clocks: days, bars and durations in the site's time zone, through the real loaders.

Every number is worked out by hand in the comment beside it. The components have no probe,
so they are operational wherever no incident says otherwise and every bar is coloured.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from generator.clock import parse_instant
from generator.errors import ValidationError
from generator.history import History
from generator.load.site import load_site
from generator.model.compute import SiteModel, compute


def _model(folder: Path, zone: str, incidents: dict[str, str], now: str) -> SiteModel:
    (folder / "incidents").mkdir(parents=True)
    (folder / "status.yaml").write_text(
        f"site: {{title: T, url: 'https://status.example.com/', timezone: {zone}}}\n"
        "components:\n  - {id: api, name: API}\n  - {id: web, name: Web}\n")
    for name, text in incidents.items():
        (folder / "incidents" / f"{name}.yaml").write_text(text)
    config, loaded, warnings = load_site(folder / "status.yaml", folder / "incidents")
    assert warnings == ()
    return compute(config, loaded, History({}), parse_instant(now))


def _incident(start: str, end: str | None, state: str = "major_outage") -> str:
    text = (f"title: Outage\ncomponents: {{api: {state}}}\nupdates:\n"
            f"  - {{at: '{start}', status: investigating, message: Looking.}}\n")
    if end is not None:
        text += f"  - {{at: '{end}', status: resolved, message: Fixed.}}\n"
    return text


def _bars(model: SiteModel, component: str = "api") -> dict[date, tuple[str, dict[str, int],
                                                                       tuple[str, ...]]]:
    """The bars that are not plainly operational, by day."""
    return {bar.day: (bar.state, dict(bar.minutes), bar.incidents)
            for bar in model.component(component).bars
            if bar.state != "operational" or bar.incidents}


def _days_are_whole(model: SiteModel) -> None:
    days = [bar.day for bar in model.component("api").bars]
    assert len(days) == 90
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


@pytest.mark.parametrize(("zone", "start", "end", "day", "minutes"), [
    # Berlin, clocks forward on 30 March 2025 at 02:00 CET: 00:30 CET (23:30 UTC on the 29th)
    # to 04:30 CEST (02:30 UTC) is 3 hours, not the 4 the wall clock shows.
    pytest.param("Europe/Berlin", "2025-03-30 00:30", "2025-03-30 04:30", date(2025, 3, 30), 180,
                 id="berlin-spring-forward"),
    # Clocks back on 26 October 2025 at 03:00 CEST: 01:30 CEST (23:30 UTC on the 25th) to
    # 03:30 CET (02:30 UTC) is 3 hours, not 2.
    pytest.param("Europe/Berlin", "2025-10-26 01:30", "2025-10-26 03:30", date(2025, 10, 26),
                 180, id="berlin-fall-back"),
    # New York, forward on 9 March 2025 at 02:00 EST: 01:00 EST (06:00 UTC) to 05:00 EDT
    # (09:00 UTC) is 3 hours.
    pytest.param("America/New_York", "2025-03-09 01:00", "2025-03-09 05:00", date(2025, 3, 9),
                 180, id="new-york-spring-forward"),
    # Jakarta has no DST: 4 hours are 4 hours.
    pytest.param("Asia/Jakarta", "2025-03-30 00:30", "2025-03-30 04:30", date(2025, 3, 30), 240,
                 id="jakarta"),
])
def test_an_outage_across_a_dst_change_counts_real_minutes(
        zone: str, start: str, end: str, day: date, minutes: int, tmp_path: Path) -> None:
    now = f"{day + timedelta(days=9)}T12:00Z"
    model = _model(tmp_path, zone, {"x": _incident(start, end)}, now)
    assert _bars(model) == {day: ("major_outage", {"major_outage": minutes}, ("x",))}
    assert model.incident("x").duration == timedelta(minutes=minutes)
    _days_are_whole(model)


def test_the_bars_days_are_the_sites_days_across_a_dst_change(tmp_path: Path) -> None:
    # now is 2025-11-01 00:30 CET (2025-10-31 23:30 UTC): today in Berlin is 1 November,
    # while in UTC it is still 31 October.
    model = _model(tmp_path, "Europe/Berlin", {}, "2025-10-31T23:30Z")
    bars = model.component("api").bars
    assert (bars[0].day, bars[-1].day) == (date(2025, 8, 4), date(2025, 11, 1))
    _days_are_whole(model)


def test_an_incident_across_midnight_colours_both_days(tmp_path: Path) -> None:
    # 23:00 to 01:30 WIB: 60 minutes on the 15th, 90 on the 16th.
    model = _model(tmp_path, "Asia/Jakarta",
                   {"x": _incident("2025-07-15 23:00", "2025-07-16 01:30")}, "2025-07-20T00:00Z")
    assert _bars(model) == {date(2025, 7, 15): ("major_outage", {"major_outage": 60}, ("x",)),
                            date(2025, 7, 16): ("major_outage", {"major_outage": 90}, ("x",))}


def test_an_incident_across_months_belongs_to_the_month_it_started(tmp_path: Path) -> None:
    # 30 June 22:00 to 1 July 02:00 WIB: 120 minutes each side; the June page lists it.
    model = _model(tmp_path, "Asia/Jakarta",
                   {"x": _incident("2025-06-30 22:00", "2025-07-01 02:00", "partial_outage")},
                   "2025-07-20T00:00Z")
    assert _bars(model) == {
        date(2025, 6, 30): ("partial_outage", {"partial_outage": 120}, ("x",)),
        date(2025, 7, 1): ("partial_outage", {"partial_outage": 120}, ("x",))}
    assert [(month.key, [view.id for view in month.incidents]) for month in model.months] == [
        ("2025-06", ["x"])]
    # In UTC it started on 30 June 15:00, still June; at 07:00 WIB on 1 July it would be
    # June in UTC but July in Jakarta: the site's zone decides.
    late = _model(tmp_path / "late", "Asia/Jakarta",
                  {"y": _incident("2025-07-01 06:00", "2025-07-01 07:00")}, "2025-07-20T00:00Z")
    assert [month.key for month in late.months] == ["2025-07"]


def test_a_leap_day_has_its_bar(tmp_path: Path) -> None:
    # 29 February 2028, 10:00 to 11:00 WIB; the 90 bars up to 5 March include it.
    model = _model(tmp_path, "Asia/Jakarta",
                   {"x": _incident("2028-02-29 10:00", "2028-02-29 11:00")}, "2028-03-05T05:00Z")
    assert _bars(model) == {date(2028, 2, 29): ("major_outage", {"major_outage": 60}, ("x",))}
    days = [bar.day for bar in model.component("api").bars]
    assert days[-6:] == [date(2028, 2, 29), *(date(2028, 3, d) for d in range(1, 6))]
    _days_are_whole(model)


def test_updates_written_in_different_offsets_are_ordered_by_the_instant(tmp_path: Path) -> None:
    # 06:15 WIB; 07:00+08:00 is 06:00 WIB (so it comes first); 00:40Z is 07:40 WIB;
    # resolved at 01:00Z, 08:00 WIB. From 06:00 to 08:00 WIB: 120 minutes.
    text = ("title: Outage\ncomponents: {api: major_outage}\nupdates:\n"
            "  - {at: 2025-07-16 06:15, status: identified, message: Found it.}\n"
            "  - {at: '2025-07-16T07:00+08:00', status: investigating, message: Looking.}\n"
            "  - {at: '2025-07-16T00:40Z', status: monitoring, message: Watching.}\n"
            "  - {at: '2025-07-16T01:00Z', status: resolved, message: Fixed.}\n")
    model = _model(tmp_path, "Asia/Jakarta", {"x": text}, "2025-07-20T00:00Z")
    view = model.incident("x")
    assert [(u.at, u.status) for u in reversed(view.updates)] == [
        (datetime(2025, 7, 15, 23, 0, tzinfo=UTC), "investigating"),
        (datetime(2025, 7, 15, 23, 15, tzinfo=UTC), "identified"),
        (datetime(2025, 7, 16, 0, 40, tzinfo=UTC), "monitoring"),
        (datetime(2025, 7, 16, 1, 0, tzinfo=UTC), "resolved")]
    assert view.duration == timedelta(minutes=120)
    assert _bars(model) == {date(2025, 7, 16): ("major_outage", {"major_outage": 120}, ("x",))}


def test_a_build_inside_an_incident_knows_only_what_was_written_by_then(tmp_path: Path) -> None:
    # The incident: 06:15 investigating, 07:05 identified, 08:40 resolved (WIB). At 07:30 WIB
    # it is open and identified, and has lasted 75 minutes.
    text = ("title: Outage\ncomponents: {api: major_outage, web: partial_outage}\nupdates:\n"
            "  - {at: 2025-07-16 06:15, status: investigating, message: Looking.}\n"
            "  - {at: 2025-07-16 07:05, status: identified, message: Found it.}\n"
            "  - {at: 2025-07-16 08:40, status: resolved, message: Fixed.}\n")
    model = _model(tmp_path, "Asia/Jakarta", {"x": text}, "2025-07-16T07:30+07:00")
    view = model.incident("x")
    assert (view.is_open, view.status, view.end, view.duration) == (True, "identified", None,
                                                                    None)
    assert [u.status for u in view.updates] == ["identified", "investigating"]
    assert [c.state for c in model.components] == ["major_outage", "partial_outage"]
    # one component down, another partly: not every component is down (see test_model)
    assert (model.indicator, model.description) == ("major", "Partial System Outage")
    assert _bars(model) == {date(2025, 7, 16): ("major_outage", {"major_outage": 75}, ("x",))}
    assert _bars(model, "web") == {
        date(2025, 7, 16): ("partial_outage", {"partial_outage": 75}, ("x",))}
    # 75 of the last 1,440 minutes down: 100 × (1 - 75/1440) = 94.7916…; a partial outage
    # minute counts 0.3: 100 × (1 - 22.5/1440) = 98.4375.
    assert model.component("api").uptime["24h"] == pytest.approx(100 * (1 - 75 / 1440))
    assert model.component("web").uptime["24h"] == pytest.approx(98.4375)


def _problems(folder: Path, zone: str, at: str) -> list[str]:
    (folder / "incidents").mkdir(parents=True)
    (folder / "status.yaml").write_text(
        f"site: {{title: T, url: 'https://status.example.com/', timezone: {zone}}}\n"
        "components:\n  - {id: api, name: API}\n")
    (folder / "incidents" / "x.yaml").write_text(_incident(at, None))
    try:
        return [str(p) for p in load_site(folder / "status.yaml", folder / "incidents")[2]]
    except ValidationError as exc:
        return [str(p) for p in exc.problems]


def test_a_local_time_the_clocks_skipped_is_an_error(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _problems(tmp_path, "Europe/Berlin", "2025-03-30 02:30") == [
        "incidents/x.yaml:4:10: error: 'at': 2025-03-30 02:30 does not exist in Europe/Berlin: "
        "the clocks skipped that hour; write it with the offset meant, like "
        "2025-03-30T02:30+01:00"]


def test_a_local_time_that_happens_twice_is_a_warning(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert _problems(tmp_path, "America/New_York", "2025-11-02 01:30") == [
        "incidents/x.yaml:4:10: warning: 'at': 2025-11-02 01:30 happens twice in "
        "America/New_York (the clocks went back); it is taken as the first, -04:00; write "
        "2025-11-02T01:30-05:00 for the second"]
    # With its offset it is clear.
    assert _problems(tmp_path / "b", "America/New_York", "2025-11-02T01:30-05:00") == []
