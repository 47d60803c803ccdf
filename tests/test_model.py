"""The model: component states, indicator, incident lifecycle, bars, uptime, detection."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from generator.history import ComponentHistory, History, Sample, Span
from generator.load.config import Component, Config, Probe, Site
from generator.load.incidents import Incident, Update, Window
from generator.model.compute import BAR_DAYS, NO_DATA, DayBar, SiteModel, compute

WIB = ZoneInfo("Asia/Jakarta")
PROBE = Probe(kind="http", target="https://api.example/")


def wib(day: int, hour: int = 0, minute: int = 0, month: int = 7) -> datetime:
    """A time in Jakarta (UTC+7) in 2025, as the loaders give it: aware, in UTC."""
    return datetime(2025, month, day, hour, minute, tzinfo=WIB).astimezone(UTC)


def config(*components: Component) -> Config:
    site = Site(title="Example Status", url="https://status.example/", timezone="Asia/Jakarta")
    return Config(site=site, components=components)


def incident(incident_id: str, components: dict[str, str], *updates: tuple[datetime, str],
             impact: str | None = None) -> Incident:
    return Incident(id=incident_id, title=incident_id, components=components, impact=impact,
                    updates=tuple(Update(at, status, f"{status}.") for at, status in updates))


def maintenance(incident_id: str, component_id: str, start: datetime, end: datetime,
                *updates: tuple[datetime, str]) -> Incident:
    return Incident(id=incident_id, title=incident_id,
                    components={component_id: "under_maintenance"},
                    updates=tuple(Update(at, status, f"{status}.") for at, status in updates),
                    maintenance=Window(start, end))


def probed(spans: list[tuple[datetime, datetime, str]], last: Sample | None = None,
           ) -> ComponentHistory:
    return ComponentHistory(spans=tuple(Span(*span) for span in spans), last=last)


def build(components: list[Component], incidents: list[Incident], now: datetime,
          **histories: ComponentHistory) -> SiteModel:
    return compute(config(*components), tuple(incidents), History(histories), now)


def bar(model: SiteModel, component_id: str, day: date) -> DayBar:
    return next(b for b in model.component(component_id).bars if b.day == day)


# --- indicator ---------------------------------------------------------------------------

def _model_with_states(states: list[str]) -> SiteModel:
    """One component per state: no_data is a probe without data, operational has no probe."""
    components, incidents = [], []
    now = wib(20, 12)
    for n, state in enumerate(states):
        cid = f"c{n}"
        components.append(Component(cid, cid, probe=PROBE if state == NO_DATA else None))
        if state == "under_maintenance":
            incidents.append(maintenance(f"m{n}", cid, wib(20, 11), wib(20, 13)))
        elif state not in (NO_DATA, "operational"):
            incidents.append(incident(f"i{n}", {cid: state}, (wib(20, 10), "investigating")))
    return build(components, incidents, now)


# What real Statuspage pages write for the same component states (issue 15): GitHub's captured
# summary (tests/fixtures/statuspage/github-summary.json: one partial_outage of eleven ->
# minor, "Minor Service Outage"); githubstatus.com quoted with one component degraded ->
# minor, "Partially Degraded Service", and with several in major_outage -> major, "Partial
# System Outage"; Statuspage's own list of descriptions adds "Degraded System Service" and
# "Major System Outage" for every component degraded, or down.
@pytest.mark.parametrize(("states", "indicator", "description"), [
    (["operational", "operational"], "none", "All Systems Operational"),
    (["operational", "degraded_performance"], "minor", "Partially Degraded Service"),
    (["degraded_performance", "degraded_performance"], "minor", "Degraded System Service"),
    (["operational", "partial_outage"], "minor", "Minor Service Outage"),
    (["degraded_performance", "partial_outage"], "minor", "Minor Service Outage"),
    (["partial_outage", "partial_outage"], "major", "Partial System Outage"),
    (["under_maintenance", "major_outage"], "major", "Partial System Outage"),
    (["major_outage", "major_outage"], "critical", "Major System Outage"),
    (["major_outage"], "critical", "Major System Outage"),
    (["operational", "under_maintenance"], "maintenance", "Service Under Maintenance"),
    (["degraded_performance", "under_maintenance"], "minor", "Partially Degraded Service"),
    ([NO_DATA, NO_DATA], "no_data", "No Recent Data"),
    ([NO_DATA, "partial_outage"], "minor", "Minor Service Outage"),
    ([NO_DATA, "major_outage"], "major", "Partial System Outage"),
    ([NO_DATA, "operational"], "no_data", "No Recent Data"),
], ids=["operational", "degraded", "all-degraded", "partial", "partial-beats-degraded",
        "all-partial", "major", "all-major", "one-component-down", "maintenance",
        "degraded-beats-maintenance", "all-no-data", "no-data-and-partial",
        "no-data-is-not-down", "no-data-is-never-all-operational"])
def test_indicator_and_description(states: list[str], indicator: str, description: str) -> None:
    model = _model_with_states(states)
    assert [view.state for view in model.components] == states
    assert (model.indicator, model.description) == (indicator, description)


# --- component state ---------------------------------------------------------------------

NOW = wib(20, 12)


@pytest.mark.parametrize(("component", "incidents", "history", "state", "source"), [
    (Component("api", "API"),
     [incident("x", {"api": "partial_outage"}, (wib(20, 11), "identified"))],
     ComponentHistory(), "partial_outage", "incident"),
    (Component("api", "API", probe=PROBE),
     [incident("x", {"api": "partial_outage"}, (wib(20, 11), "identified"))],
     probed([], Sample(NOW, "down")), "major_outage", "probe"),
    (Component("api", "API", probe=PROBE),
     [incident("x", {"api": "major_outage"}, (wib(20, 11), "identified"))],
     probed([], Sample(NOW, "up")), "major_outage", "incident"),
    (Component("api", "API", probe=PROBE),
     [maintenance("m", "api", wib(20, 11), wib(20, 13))],
     probed([], Sample(NOW, "down")), "under_maintenance", "maintenance"),
    (Component("api", "API"),
     [incident("x", {"api": "major_outage"}, (wib(20, 9), "investigating"),
               (wib(20, 10), "resolved"))],
     ComponentHistory(), "operational", "declared"),
    (Component("api", "API", probe=PROBE),
     [maintenance("m", "api", wib(20, 11), wib(20, 13))],
     probed([], Sample(NOW, "up")), "under_maintenance", "maintenance"),
    (Component("api", "API"),
     [maintenance("m", "api", wib(20, 11), wib(20, 13)),
      incident("x", {"api": "degraded_performance"}, (wib(20, 11), "identified"))],
     ComponentHistory(), "degraded_performance", "incident"),
    (Component("api", "API"), [maintenance("m", "api", wib(20, 13), wib(20, 14))],
     ComponentHistory(), "operational", "declared"),
    (Component("api", "API", probe=PROBE), [],
     probed([], Sample(NOW - timedelta(minutes=15), "degraded")), "degraded_performance",
     "probe"),
    (Component("api", "API", probe=PROBE), [],
     probed([], Sample(NOW - timedelta(minutes=15, seconds=1), "up")), NO_DATA, "none"),
    (Component("api", "API", probe=PROBE), [], probed([], Sample(NOW, "up")), "operational",
     "probe"),
    (Component("api", "API", probe=PROBE), [], ComponentHistory(), NO_DATA, "none"),
    (Component("api", "API"), [], ComponentHistory(), "operational", "declared"),
], ids=["incident", "probe-worse-than-incident", "incident-worse-than-probe",
        "maintenance-masks-a-failing-probe", "resolved-incident", "maintenance-in-progress",
        "worst-of-incident-and-maintenance", "maintenance-scheduled", "probe-fresh-at-3-intervals",
        "probe-stale", "probe-up", "probe-without-data", "no-probe"])
def test_component_state(component: Component, incidents: list[Incident],
                         history: ComponentHistory, state: str, source: str) -> None:
    view = build([component], incidents, NOW, api=history).component("api")
    assert (view.state, view.source) == (state, source)


# --- incident and maintenance lifecycle --------------------------------------------------

LOGIN = incident("login", {"api": "major_outage"}, (wib(16, 9, 40), "resolved"),
                 (wib(16, 6, 15), "investigating"), (wib(16, 7), "identified"))


def test_resolved_incident_runs_from_first_update_to_resolved() -> None:
    view = build([Component("api", "API")], [LOGIN], wib(20)).incident("login")
    assert (view.status, view.is_open, view.impact) == ("resolved", False, "critical")
    assert (view.start, view.end, view.updated) == (wib(16, 6, 15), wib(16, 9, 40),
                                                    wib(16, 9, 40))
    assert view.duration == timedelta(hours=3, minutes=25)
    assert [u.status for u in view.updates] == ["resolved", "identified", "investigating"]


def test_updates_after_now_are_ignored() -> None:
    model = build([Component("api", "API")], [LOGIN], wib(16, 7, 30))
    view = model.incident("login")
    assert (view.status, view.is_open, view.end, view.duration) == ("identified", True, None,
                                                                     None)
    assert [u.status for u in view.updates] == ["identified", "investigating"]
    assert model.component("api").state == "major_outage"
    assert model.updated == wib(16, 7)


def test_incident_not_yet_begun_is_left_out_but_bare_maintenance_is_shown() -> None:
    later = maintenance("later", "api", wib(25, 1), wib(25, 3), (wib(21), "scheduled"))
    bare = maintenance("bare", "api", wib(25, 1), wib(25, 3))
    model = build([Component("api", "API")], [LOGIN, later, bare], wib(16, 6))
    assert [view.id for view in model.incidents] == ["bare"]
    assert model.incident("bare").status == "scheduled"
    assert [view.id for view in model.upcoming_maintenances] == ["bare"]


@pytest.mark.parametrize(("now", "updates", "status", "end", "is_open", "duration"), [
    (wib(20, 0, 59), [], "scheduled", wib(20, 3), True, None),
    (wib(20, 1), [], "in_progress", wib(20, 3), True, None),
    (wib(20, 3), [], "completed", wib(20, 3), False, timedelta(hours=2)),
    (wib(20, 2, 30), [(wib(20, 2), "completed")], "completed", wib(20, 2), False,
     timedelta(hours=1)),
    (wib(20, 2, 30), [(wib(20, 1, 50), "verifying")], "verifying", wib(20, 3), True, None),
    (wib(20, 4), [(wib(20, 2, 30), "in_progress")], "in_progress", wib(20, 3), True, None),
    (wib(20, 4), [(wib(20, 3, 5), "completed")], "completed", wib(20, 3), False,
     timedelta(hours=2)),
], ids=["before", "inside", "after", "completed-early", "verifying", "overrunning",
        "completed-note-after-window"])
def test_maintenance_lifecycle(now: datetime, updates: list[tuple[datetime, str]], status: str,
                               end: datetime, is_open: bool, duration: timedelta | None) -> None:
    db = maintenance("db", "api", wib(20, 1), wib(20, 3), (wib(10), "scheduled"), *updates)
    model = build([Component("api", "API")], [db], now)
    view = model.incident("db")
    assert (view.status, view.start, view.end) == (status, wib(20, 1), end)
    assert (view.is_open, view.duration, view.impact) == (is_open, duration, "maintenance")
    running = status in ("in_progress", "verifying")
    assert model.component("api").state == ("under_maintenance" if running else "operational")


@pytest.mark.parametrize(("components", "impact"), [
    ({"a": "degraded_performance", "b": "partial_outage"}, "major"),
    ({"a": "degraded_performance"}, "minor"),
    ({"a": "major_outage", "b": "degraded_performance"}, "critical"),
    ({}, "none"),
], ids=["partial", "degraded", "major", "no-components"])
def test_impact_is_derived_from_the_worst_component_state(components: dict[str, str],
                                                          impact: str) -> None:
    outage = incident("x", components, (wib(20, 10), "investigating"))
    declared = incident("y", components, (wib(20, 10), "investigating"), impact="critical")
    model = build([Component("a", "A"), Component("b", "B")], [outage, declared], wib(20, 12))
    assert (model.incident("x").impact, model.incident("y").impact) == (impact, "critical")


# --- daily bars --------------------------------------------------------------------------

def test_bar_of_an_outage_counts_minutes_in_the_sites_days() -> None:
    night = incident("night", {"api": "partial_outage"}, (wib(17, 23, 30), "investigating"),
                     (wib(18, 1), "resolved"))
    model = build([Component("api", "API")], [LOGIN, night], wib(20, 12))
    bars = model.component("api").bars
    assert len(bars) == BAR_DAYS
    assert (bars[0].day, bars[-1].day) == (date(2025, 4, 22), date(2025, 7, 20))
    login = bar(model, "api", date(2025, 7, 16))
    assert (login.state, dict(login.minutes), login.incidents) == (
        "major_outage", {"major_outage": 205}, ("login",))
    # 23:30 WIB on the 17th is 16:30 UTC: the same UTC day, but two days in Jakarta.
    first, second = bar(model, "api", date(2025, 7, 17)), bar(model, "api", date(2025, 7, 18))
    assert (first.state, dict(first.minutes), first.incidents) == (
        "partial_outage", {"partial_outage": 30}, ("night",))
    assert (second.state, dict(second.minutes), second.incidents) == (
        "partial_outage", {"partial_outage": 60}, ("night",))
    quiet = bar(model, "api", date(2025, 7, 19))
    assert (quiet.state, dict(quiet.minutes), quiet.incidents) == ("operational", {}, ())


def test_bar_of_the_design_example_outage() -> None:
    outage = incident("login", {"api": "major_outage"}, (wib(16, 6, 15), "investigating"),
                      (wib(16, 8, 40), "resolved"))
    model = build([Component("api", "API")], [outage], wib(20, 12))
    day = bar(model, "api", date(2025, 7, 16))
    assert (day.state, dict(day.minutes), day.incidents) == (
        "major_outage", {"major_outage": 145}, ("login",))
    assert bar(model, "api", date(2025, 7, 15)).state == "operational"


def test_days_before_since_and_without_probe_data_are_no_data() -> None:
    components = [Component("web", "Web", since=date(2025, 7, 18)),
                  Component("api", "API", probe=PROBE)]
    history = probed([(wib(19, 0), wib(19, 6), "up"), (wib(19, 6), wib(19, 7), "down"),
                      (wib(19, 7), wib(20, 12), "up")], Sample(wib(20, 12), "up"))
    model = build(components, [], wib(20, 12), api=history)
    web = [(b.day.day, b.state) for b in model.component("web").bars[-4:]]
    assert web == [(17, NO_DATA), (18, "operational"), (19, "operational"), (20, "operational")]
    api = [(b.day.day, b.state, dict(b.minutes)) for b in model.component("api").bars[-3:]]
    assert api == [(18, NO_DATA, {}), (19, "major_outage", {"major_outage": 60}),
                   (20, "operational", {})]
    assert model.component("web").uptime["90d"] == 100.0


# --- uptime ------------------------------------------------------------------------------

def test_uptime_weighs_partial_outage_and_leaves_maintenance_out() -> None:
    now = wib(20, 12)
    # Probe data for the last 48 h: up, except 60 min down and 30 min degraded (not down).
    history = probed([(now - timedelta(hours=48), wib(20, 2), "up"),
                      (wib(20, 2), wib(20, 3), "down"), (wib(20, 3), wib(20, 4), "up"),
                      (wib(20, 4), wib(20, 4, 30), "degraded"), (wib(20, 4, 30), now, "up")],
                     Sample(now, "up"))
    partial = incident("slow", {"api": "partial_outage"}, (wib(20, 5), "investigating"),
                       (wib(20, 6, 40), "resolved"))  # 100 min, probe up meanwhile
    upgrade = maintenance("db", "api", wib(20, 8), wib(20, 10))  # 120 min, completed
    model = build([Component("api", "API", probe=PROBE)], [partial, upgrade], now, api=history)
    uptime = model.component("api").uptime
    down = 60 + 0.3 * 100
    assert uptime["24h"] == pytest.approx(100 * (1 - down / (1440 - 120)))  # 93.18…
    assert uptime["7d"] == pytest.approx(100 * (1 - down / (2880 - 120)))  # 96.73…
    assert uptime["30d"] == uptime["90d"] == uptime["7d"]
    assert round(uptime["24h"] or 0, 2) == 93.18


def test_uptime_without_data_is_none() -> None:
    model = build([Component("api", "API", probe=PROBE)], [], wib(20, 12))
    assert dict(model.component("api").uptime) == {"24h": None, "7d": None, "30d": None,
                                                   "90d": None}


def test_probed_component_without_probe_data_has_no_uptime_even_with_an_incident() -> None:
    # Before the first scheduled run, an incident alone must not show "0.00 %" uptime.
    outage = incident("x", {"api": "major_outage"}, (wib(20, 6), "investigating"),
                      (wib(20, 8), "resolved"))
    model = build([Component("api", "API", probe=PROBE)], [outage], wib(20, 12))
    view = model.component("api")
    assert view.uptime["24h"] is None
    assert view.bars[-1].state == "major_outage"


@pytest.mark.parametrize(("start", "end", "down_minutes"), [
    (wib(20, 10), wib(20, 11), 60),
    (wib(20, 10, 30), wib(20, 11, 30), 90),
], ids=["same-hour", "half-overlap"])
def test_probe_and_incident_downtime_are_not_counted_twice(start: datetime, end: datetime,
                                                           down_minutes: int) -> None:
    now = wib(20, 12)
    history = probed([(now - timedelta(hours=24), wib(20, 10), "up"),
                      (wib(20, 10), wib(20, 11), "down"), (wib(20, 11), now, "up")],
                     Sample(now, "up"))
    outage = incident("x", {"api": "major_outage"}, (start, "investigating"), (end, "resolved"))
    model = build([Component("api", "API", probe=PROBE)], [outage], now, api=history)
    view = model.component("api")
    assert view.uptime["24h"] == pytest.approx(100 * (1 - down_minutes / 1440))
    assert dict(view.bars[-1].minutes) == {"major_outage": down_minutes}
    assert view.bars[-1].incidents == ("x",)


# --- detection ---------------------------------------------------------------------------

def test_detection_of_an_outage_no_incident_describes() -> None:
    now = wib(20, 10, 40)
    history = probed([(wib(20, 8), wib(20, 8, 30), "down"), (wib(20, 8, 30), wib(20, 10), "up"),
                      (wib(20, 10), wib(20, 10, 20), "degraded"),
                      (wib(20, 10, 20), now, "down")], Sample(now, "down"))
    model = build([Component("api", "API", probe=PROBE)], [], now, api=history)
    assert [(d.component_id, d.since, d.state) for d in model.detected] == [
        ("api", wib(20, 10), "major_outage")]
    view = model.component("api")
    assert (view.state, view.source, view.detected) == ("major_outage", "probe", wib(20, 10))
    assert model.indicator == "critical"

    described = incident("x", {"api": "partial_outage"}, (wib(20, 10, 30), "investigating"))
    model = build([Component("api", "API", probe=PROBE)], [described], now, api=history)
    assert model.detected == ()
    view = model.component("api")
    # The worse of the two witnesses, and both named.
    assert (view.state, view.declared, view.measured, view.detected) == (
        "major_outage", "partial_outage", "major_outage", None)
    assert view.disagree


def test_detection_starts_after_a_gap_in_the_data() -> None:
    now = wib(20, 10, 40)
    history = probed([(wib(20, 9), wib(20, 9, 30), "down"), (wib(20, 10), now, "down")],
                     Sample(now, "down"))
    model = build([Component("api", "API", probe=PROBE)], [], now, api=history)
    assert model.component("api").detected == wib(20, 10)


# --- latency, groups, months -------------------------------------------------------------

def test_latency_points_and_daily_means() -> None:
    now = wib(20, 12)
    recent = (Sample(wib(19, 6), "up", 300.0), Sample(wib(19, 18), "up", 100.0),
              Sample(wib(20, 10), "up", 50.0), Sample(wib(20, 11, 50), "down", None),
              Sample(wib(20, 13), "up", 999.0))  # after now: not yet known
    history = ComponentHistory(
        recent=recent, last=recent[-1],
        daily_latency={date(2025, 7, 18): 80.0, date(2025, 7, 19): 75.0})
    model = build([Component("api", "API", probe=PROBE)], [], now, api=history)
    view = model.component("api")
    assert view.latency == ((wib(19, 18), 100.0), (wib(20, 10), 50.0))
    # The 19th is only partly in the raw samples: its kept daily mean wins.
    assert view.daily_latency == ((date(2025, 7, 18), 80.0), (date(2025, 7, 19), 75.0),
                                  (date(2025, 7, 20), 50.0))
    # A build at a past --now shows the newest sample it knew of.
    assert (view.last, view.state) == (recent[3], "major_outage")


def test_groups_keep_first_appearance_and_months_use_the_sites_zone() -> None:
    components = [Component("a", "A", group="Apps"), Component("b", "B"),
                  Component("c", "C", group="Infra"), Component("d", "D", group="Apps")]
    # 01:00 WIB on 1 August is still 31 July in UTC.
    august = incident("aug", {"d": "degraded_performance"}, (wib(1, 1, month=8), "identified"))
    july = incident("jul", {}, (wib(31, 6), "investigating"), (wib(31, 7), "resolved"))
    model = build(components, [july, august], wib(2, month=8))
    assert [(g.name, [c.id for c in g.components], g.state) for g in model.groups] == [
        ("Apps", ["a", "d"], "degraded_performance"), (None, ["b"], "operational"),
        ("Infra", ["c"], "operational")]
    assert [(m.key, [v.id for v in m.incidents]) for m in model.months] == [
        ("2025-08", ["aug"]), ("2025-07", ["jul"])]
    assert [v.id for v in model.incidents] == ["aug", "jul"]
    assert model.component("d").incident_ids == ("aug",)
    assert model.updated == wib(1, 1, month=8)
