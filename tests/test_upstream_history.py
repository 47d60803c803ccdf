"""Upstream readings through ``kabar record`` into ``history/``, and what the model makes of
them: the vendor's state, "no data" with the last known, ``affects:``, our incident's word."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from generator.history import Span
from generator.history.read import last_readings, read_history
from generator.history.record import record
from generator.load.config import Component, Config, Probe, Site, Upstream
from generator.load.incidents import Incident, Update
from generator.load.results import Result, Run, UpstreamResult, write_run
from generator.model.compute import compute

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
SITE = Site(title="Example", url="https://status.example.com/", interval=STEP)
GITHUB = Upstream("github", "GitHub", "statuspage", "https://www.githubstatus.com/",
                  components=("Actions",), affects=("api",))
CONFIG = Config(SITE, (Component("api", "API", probe=None), Component("web", "Web")),
                upstreams=(GITHUB,))


def reading(at: datetime, state: str | None, etag: str | None = '"e1"') -> UpstreamResult:
    if state is None:
        return UpstreamResult("github", at, None, error="timed out after 10 s",
                              reason="timeout")
    return UpstreamResult("github", at, state, {"Actions": state}, etag=etag)


def record_runs(history: Path, tmp: Path, states: list[str | None],
                start: datetime = T0) -> None:
    for n, state in enumerate(states):
        at = start + n * STEP
        path = tmp / f"run-{n}.json"
        write_run(Run("default", at, at, (Result("web", at, "up", 10.0),),
                      upstreams=(reading(at, state),)), path)
        record(history, [path], CONFIG)


def test_readings_become_spans_and_an_unreadable_page_is_a_gap(tmp_path: Path) -> None:
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["operational", "major_outage", None, "operational"])
    read = read_history(history, CONFIG, T0 + 4 * STEP)
    vendor = read.upstream("github")
    assert list(vendor.spans) == [
        Span(T0, T0 + STEP, "operational"), Span(T0 + STEP, T0 + 2 * STEP, "major_outage"),
        Span(T0 + 3 * STEP, T0 + 4 * STEP, "operational")]
    assert vendor.last is not None and vendor.last.state == "operational"
    line = (history / "raw" / "2026-11-24.jsonl").read_text().splitlines()[2]
    assert '"upstreams":{"github":{"state":null,' in line and '"reason":"timeout"' in line


def test_the_last_reading_keeps_its_validators_for_the_next_probe(tmp_path: Path) -> None:
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["degraded_performance", None])
    previous = last_readings(history, CONFIG)["github"]
    assert (previous.state, previous.etag, previous.at) == ("degraded_performance", '"e1"', T0)


def test_compacted_days_keep_the_vendors_spans(tmp_path: Path) -> None:
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["major_outage", "operational"])
    record_runs(history, tmp_path, ["operational"], start=T0 + timedelta(days=3))
    daily = (history / "daily" / "2026-11.jsonl").read_text()
    assert '"upstreams":{"github":[[36000,36300,"major_outage"],[36300,37200,' \
        '"operational"]]}' in daily
    read = read_history(history, CONFIG, T0 + timedelta(days=3, minutes=5))
    assert read.upstream("github").spans[0] == Span(T0, T0 + STEP, "major_outage")


def test_a_vendor_in_trouble_degrades_what_it_affects_and_nothing_else(tmp_path: Path
                                                                       ) -> None:
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["operational", "major_outage", "major_outage"])
    model = compute(CONFIG, (), read_history(history, CONFIG, T0 + 3 * STEP), T0 + 3 * STEP)
    github = model.upstreams[0]
    assert (github.state, github.vendor, github.components) == (
        "major_outage", "major_outage", (("Actions", "major_outage"),))
    api, web = model.components
    assert (api.state, api.source, api.vendors) == ("degraded_performance", "upstream",
                                                    ("github",))
    assert web.state == "operational"
    assert model.indicator == "minor"  # through api only: the vendor's own outage is not ours
    assert api.bars[-1].state == "degraded_performance"


def test_an_unreadable_vendor_is_no_data_with_the_last_known_never_red(tmp_path: Path
                                                                        ) -> None:
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["major_outage", None, None])
    model = compute(CONFIG, (), read_history(history, CONFIG, T0 + 3 * STEP), T0 + 3 * STEP)
    github = model.upstreams[0]
    assert (github.state, github.known, github.read, github.reason) == (
        "no_data", "major_outage", T0, "timeout")
    assert model.components[0].state == "operational"  # no trouble known now


def test_our_incident_naming_the_vendor_overrides_what_it_says(tmp_path: Path) -> None:
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["operational", "operational", "operational"])
    ours = Incident("github-actions", "GitHub Actions are failing for us",
                    {"github": "partial_outage"},
                    (Update(T0 + STEP, "investigating", "Builds fail."),))
    model = compute(CONFIG, (ours,), read_history(history, CONFIG, T0 + 3 * STEP),
                    T0 + 3 * STEP)
    github = model.upstreams[0]
    assert (github.state, github.vendor, github.declared) == (
        "partial_outage", "operational", "partial_outage")
    assert github.incident_ids == ("github-actions",)
    assert model.components[0].state == "degraded_performance"


def test_a_vendor_change_is_an_upstream_event_after_its_runs_and_degrades_via_affects(
        tmp_path: Path) -> None:
    from generator.notify.events import due_events
    from generator.notify.messages import compose
    history = tmp_path / "history"
    record_runs(history, tmp_path, ["operational", "operational", None, "major_outage",
                                    "major_outage"])
    events = due_events(CONFIG, (), history, T0 + 5 * STEP)
    vendor = [e for e in events if e.kind == "upstream"]
    assert [(e.key, e.was, e.state) for e in vendor] == [
        ("upstream/github/Actions/major_outage/2026-11-24T10:15:00Z", "operational",
         "major_outage")]
    [message] = compose(CONFIG, vendor)
    assert message.title == "Example: GitHub (Actions) reports Major outage"
    assert message.body.splitlines()[1] == "Its status page: https://www.githubstatus.com/"
    # web is probed and up in every run, and affected by nothing: no event of its own
    assert [e.kind for e in events if e.component == "web"] == []


def test_affects_turns_a_probed_up_into_degraded_for_notifications(tmp_path: Path) -> None:
    from generator.notify.events import due_events
    web = Component("web", "Web", probe=Probe("http", "https://web.example/"))
    probed = Config(SITE, (web,), upstreams=(Upstream(
        "github", "GitHub", "statuspage", "https://www.githubstatus.com/",
        components=("Actions",), affects=("web",)),))
    history = tmp_path / "history"
    for n, state in enumerate(["operational", "operational", "major_outage", "major_outage"]):
        at = T0 + n * STEP
        write_run(Run("default", at, at, (Result("web", at, "up", 10.0),),
                      upstreams=(reading(at, state),)), tmp_path / "r.json")
        record(history, [tmp_path / "r.json"], probed)
    events = due_events(probed, (), history, T0 + 4 * STEP)
    assert [(e.kind, e.component) for e in events if e.component] == [("degraded", "web")]
