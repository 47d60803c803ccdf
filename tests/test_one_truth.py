"""Issue 15, point 2: one truth across outputs, on a table of scenarios.

Each scenario drives a site through probe runs (results files recorded by the real
``record``, or real probes against 127.0.0.1 where the probe's outcome is the point),
incidents, maintenances and a fixed clock, runs ``kabar notify`` after every run against a
local webhook, builds the site with the real build and reads back every output: the page's
banner and component rows (state words, the line naming both witnesses, the "detected by
monitoring" notices), ``status.json``, ``summary.json``, ``components.json``, the badges, both
feeds, the calendar and the messages sent. They must all tell the same story, and the
scenario's story: each row states it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from generator.model.states import ComponentState, Overall
from generator.render.i18n import Translator
from tests.notify_receivers import Webhook, webhook
from tests.one_truth import NAMES, TITLE, Outputs, Story, agree, api_time, at, local
from tests.servers import closed_port, silent_port

State = ComponentState
DB = "Database upgrade"


@dataclass(frozen=True)
class Case:
    """One scenario: what happens (``story``, returning the minute of the build) and the
    story every output must tell at that minute."""

    story: Callable[[Story], float]
    overall: Overall
    states: dict[str, State]  # each component's state, "no data" included
    components: tuple[str, ...] = ("api", "web")
    language: str = "en"
    probes: dict[str, str] = field(default_factory=dict)  # real probes, {closed}/{silent}
    control: str | None = None
    witnesses: dict[str, tuple[State, State]] = field(default_factory=dict)  # declared, measured
    detected: dict[str, tuple[float, str | None]] = field(default_factory=dict)  # since,
    #                                                           the resolved incident's title
    messages: tuple[tuple[str, dict[str, str]], ...] = ()  # catalogue key of each title sent
    maintenances: tuple[str, ...] = ()  # in the calendar and the API
    changed: dict[str, float] = field(default_factory=dict)  # a component's updated_at
    check: Callable[[Outputs], None] | None = None  # what only this scenario shows


def outage(*names: str) -> tuple[str, dict[str, str]]:
    return "notify.outage_title", {"components": ", ".join(names)}


def recovered(*names: str) -> tuple[str, dict[str, str]]:
    return "notify.recovery_title", {"components": ", ".join(names)}


def degraded(*names: str) -> tuple[str, dict[str, str]]:
    return "notify.degraded_title", {"components": ", ".join(names)}


def incident(title: str, status: str) -> tuple[str, dict[str, str]]:
    return "notify.incident_title", {"title": title, "status": f"status.{status}"}


def maintenance(step: str) -> tuple[str, dict[str, str]]:
    return f"notify.maintenance_{step}_title", {"title": DB}


def runs(story: Story, minutes: Iterator[float] | range | tuple[float, ...],
         **states: str) -> None:
    for minute in minutes:
        story.run(minute, **states)


def write_maintenance(story: Story, start: float, end: float, update: float | None = None,
                      ) -> None:
    text = (f"title: {DB}\nmaintenance: {{start: {local(start)}, end: {local(end)}}}\n"
            "components: {api: under_maintenance}\n")
    if update is not None:
        text += (f"updates:\n  - {{at: {local(update)}, status: scheduled, "
                 "message: We will upgrade the primary database.}\n")
    story.file("db", text)


def write_incident(story: Story, title: str, state: str, opened: float,
                   resolved: float | None = None) -> None:
    text = (f"title: {title}\ncomponents: {{api: {state}}}\nupdates:\n"
            f"  - {{at: {local(opened)}, status: investigating, message: We are looking.}}\n")
    if resolved is not None:
        text += f"  - {{at: {local(resolved)}, status: resolved, message: Fixed.}}\n"
    story.file("api-trouble", text)


# The stories.

def all_up(story: Story) -> float:
    runs(story, range(0, 15, 5), **dict.fromkeys(story.components, "up"))
    return 11


def api_down(story: Story) -> float:
    story.run(0, api="up", web="up")
    runs(story, (5, 10), api="down", web="up")
    return 11


def api_recovered(story: Story) -> float:
    story.run(0, api="up", web="up")
    runs(story, (5, 10), api="down", web="up")
    runs(story, (15, 20), api="up", web="up")
    return 21


def all_degraded(story: Story) -> float:
    story.run(0, api="up", web="up")
    runs(story, (5, 10), api="degraded", web="degraded")
    return 11


def quorum(story: Story) -> float:
    """Three locations, a quorum of two: one location's failure is not an outage."""
    story.run_from(0, {place: {"api": "up", "web": "up"} for place in ("sg", "jp", "us")}, 2)
    for minute in (5, 10):
        story.run_from(minute, {"sg": {"api": "down", "web": "down"},
                           "jp": {"api": "up", "web": "down"},
                           "us": {"api": "up", "web": "up"}}, 2)
    return 11


def nothing(story: Story) -> float:
    return 11


def stale(story: Story) -> float:
    """The API was last checked 21 minutes ago (more than 3 intervals), the website now."""
    story.run(0, api="up", web="up")
    runs(story, range(5, 25, 5), web="up")
    return 21


def inside_maintenance(story: Story) -> float:
    write_maintenance(story, 5, 25)
    story.run(0, api="up", web="up")
    runs(story, range(5, 25, 5), api="down", web="up")
    return 22


def after_maintenance(story: Story) -> float:
    inside_maintenance(story)
    runs(story, (25, 30, 35), api="down", web="up")
    return 36


def milder_incident(story: Story) -> float:
    write_incident(story, "Slow API", "degraded_performance", 1)
    runs(story, (0, 5, 10), api="down", web="up")
    return 11


def harsher_incident(story: Story) -> float:
    write_incident(story, "API outage", "major_outage", 1)
    runs(story, (0, 5, 10), api="up", web="up")
    return 11


def resolved_still_failing(story: Story) -> float:
    write_incident(story, "API outage", "major_outage", 1, resolved=8)  # major since 22:01
    story.run(0, api="up", web="up")
    runs(story, (5, 10, 15), api="down", web="up")
    return 16


def real_probes(story: Story) -> float:
    story.probe(0)
    story.probe(5)
    return 6


def upcoming(story: Story) -> float:
    write_maintenance(story, 2 * 24 * 60, 2 * 24 * 60 + 120, update=1)
    return all_up(story)


# What only some scenarios show.

def automatic_updates(out: Outputs, *statuses: str) -> None:
    """A maintenance's own updates, newest first, in the API and in both feeds."""
    db = out.api["scheduled-maintenances"]["scheduled_maintenances"][0]
    assert [u["status"] for u in db["incident_updates"]] == list(statuses)
    assert [u["body"] for u in db["incident_updates"]] == [
        out.words(f"update.auto.{status}") for status in statuses]
    for item in (out.rss[-1], out.atom[-1]):
        for status in statuses:
            assert f"<strong>{out.words(f'status.{status}')}</strong> - " \
                   f"{out.words(f'update.auto.{status}')}" in item.body


def no_outage_on_the_bars(out: Outputs) -> None:
    today = out.page.rows["api"].bars.rsplit("<", 3)[0]
    assert out.words("state.major_outage") not in today
    automatic_updates(out, "in_progress")


def outage_minutes_after_the_window_only(out: Outputs) -> None:
    bars = out.page.rows["api"].bars
    assert f"{out.words('state.major_outage')}: 11 minutes" in bars  # 22:25 to 22:36
    assert f"{out.words('state.under_maintenance')}: 20 minutes" in bars
    automatic_updates(out, "completed", "in_progress")


def listed_as_upcoming(out: Outputs) -> None:
    assert out.words("page.upcoming_maintenance") in out.page.sections
    assert [m["id"] for m in out.api["scheduled-maintenances/upcoming"][
        "scheduled_maintenances"]] == ["db"]
    assert out.api["scheduled-maintenances/active"]["scheduled_maintenances"] == []


CASES = {
    "one component, up": Case(all_up, Overall.ALL_SYSTEMS_OPERATIONAL,
                              {"api": State.OPERATIONAL}, components=("api",),
                              changed={"api": 0}),
    "many components, one down": Case(
        api_down, Overall.PARTIAL_SYSTEM_OUTAGE,
        {"api": State.MAJOR_OUTAGE, "web": State.OPERATIONAL}, detected={"api": (5, None)},
        messages=(outage("API"),), changed={"api": 5, "web": 0}),
    "many components, one recovered": Case(
        api_recovered, Overall.ALL_SYSTEMS_OPERATIONAL,
        {"api": State.OPERATIONAL, "web": State.OPERATIONAL},
        messages=(outage("API"), recovered("API")), changed={"api": 15, "web": 0}),
    "every component degraded": Case(
        all_degraded, Overall.DEGRADED_SYSTEM_SERVICE,
        {"api": State.DEGRADED_PERFORMANCE, "web": State.DEGRADED_PERFORMANCE},
        detected={"api": (5, None), "web": (5, None)}, messages=(degraded("API", "Website"),),
        changed={"api": 5, "web": 5}),
    "several locations, quorum of two": Case(
        quorum, Overall.PARTIAL_SYSTEM_OUTAGE,
        {"api": State.OPERATIONAL, "web": State.MAJOR_OUTAGE}, detected={"web": (5, None)},
        messages=(outage("Website"),), changed={"api": 0, "web": 5}),
    "no data": Case(nothing, Overall.NO_RECENT_DATA,
                    {"api": State.NO_DATA, "docs": State.OPERATIONAL},
                    components=("api", "docs")),
    "stale data": Case(stale, Overall.NO_RECENT_DATA,
                       {"api": State.NO_DATA, "web": State.OPERATIONAL},
                       changed={"api": 15, "web": 0}),  # the API's check went stale at 22:15
    "failures inside a maintenance": Case(
        inside_maintenance, Overall.SERVICE_UNDER_MAINTENANCE,
        {"api": State.UNDER_MAINTENANCE, "web": State.OPERATIONAL}, language="id",
        messages=(maintenance("started"),), maintenances=("db",), changed={"api": 5},
        check=no_outage_on_the_bars),
    "still failing after a maintenance": Case(
        after_maintenance, Overall.PARTIAL_SYSTEM_OUTAGE,
        {"api": State.MAJOR_OUTAGE, "web": State.OPERATIONAL}, detected={"api": (25, None)},
        messages=(maintenance("started"), maintenance("completed"), outage("API")),
        maintenances=("db",), changed={"api": 25}, check=outage_minutes_after_the_window_only),
    "an incident milder than the probe": Case(
        milder_incident, Overall.PARTIAL_SYSTEM_OUTAGE,
        {"api": State.MAJOR_OUTAGE, "web": State.OPERATIONAL}, language="id",
        witnesses={"api": (State.DEGRADED_PERFORMANCE, State.MAJOR_OUTAGE)},
        messages=(incident("Slow API", "investigating"), outage("API")), changed={"api": 0}),
    "an incident harsher than the probe": Case(
        harsher_incident, Overall.PARTIAL_SYSTEM_OUTAGE,
        {"api": State.MAJOR_OUTAGE, "web": State.OPERATIONAL},
        witnesses={"api": (State.MAJOR_OUTAGE, State.OPERATIONAL)},
        messages=(incident("API outage", "investigating"),), changed={"api": 1}),
    "a resolved incident, the probe still failing": Case(
        resolved_still_failing, Overall.PARTIAL_SYSTEM_OUTAGE,
        {"api": State.MAJOR_OUTAGE, "web": State.OPERATIONAL},
        detected={"api": (5, "API outage")},
        messages=(incident("API outage", "investigating"), incident("API outage", "resolved"),
                  outage("API")), changed={"api": 1}),
    "one component, its port refuses": Case(
        real_probes, Overall.MAJOR_SYSTEM_OUTAGE, {"api": State.MAJOR_OUTAGE},
        components=("api",), probes={"api": '{{tcp: "127.0.0.1:{closed}", timeout: 2s}}'},
        detected={"api": (0, None)}, messages=(outage("API"),), changed={"api": 0}),
    "nothing answered and the control failed": Case(
        real_probes, Overall.NO_RECENT_DATA, {"api": State.NO_DATA}, components=("api",),
        probes={"api": '{{http: "http://127.0.0.1:{silent}/", timeout: 500ms, retries: 0}}'},
        control='[{{tcp: "127.0.0.1:{closed}", timeout: 1s}}]'),
    "upcoming maintenance": Case(
        upcoming, Overall.ALL_SYSTEMS_OPERATIONAL,
        {"api": State.OPERATIONAL, "web": State.OPERATIONAL}, maintenances=("db",),
        check=listed_as_upcoming),
}


@pytest.fixture(scope="module")
def hook() -> Iterator[Webhook]:
    with webhook() as server:
        yield server


@pytest.mark.parametrize("name", list(CASES))
def test_every_output_tells_the_same_story(name: str, hook: Webhook, tmp_path: Path) -> None:
    case = CASES[name]
    with silent_port() as silent:
        ports = {"closed": closed_port(), "silent": silent}
        story = Story(tmp_path / "site", hook, case.components, case.language,
                      {key: text.format(**ports) for key, text in case.probes.items()},
                      None if case.control is None else case.control.format(**ports))
        out = story.build(case.story(story))
    agree(out)
    tell(out, case)


def tell(out: Outputs, case: Case) -> None:
    """The scenario's own story, told by every output."""
    components = {c["id"]: c for c in out.api["components"]["components"]}
    assert out.api["status"]["status"]["description"] == case.overall.description
    assert {ident: State.NO_DATA if c["data"] == "none" else c["status"]
            for ident, c in components.items()} == case.states

    for ident, row in out.page.rows.items():
        if ident in case.witnesses:
            declared, measured = case.witnesses[ident]
            assert row.witnesses == out.words(
                "page.witnesses", declared=out.words(f"state.{declared}"),
                measured=out.words(f"state.{measured}"))
        else:
            assert row.witnesses is None, row.witnesses

    # A notice on the page and an item in each feed per outage nobody describes; both name
    # when it began, as the notification did.
    t = Translator(out.language, out.now.tzinfo)  # type: ignore[arg-type]
    assert [ident for ident, _ in out.page.notices] == list(case.detected)
    no_incident = out.words("page.detected", state="", component="", time="").split(". ")[-1]
    bodies = {i.guid.split("components/")[1].split(".html")[0]: (i, a)
              for i, a in zip(out.rss, out.atom, strict=True) if "#detected-" in i.guid}
    for ident, text in out.page.notices:
        since, resolved = case.detected[ident]
        rss, atom = bodies[ident]
        assert api_time(atom.date) == at(since), (atom.date, at(since))
        assert t.time(at(since)) in text, text
        assert t.datetime(at(since)) in rss.body
        for said in (text, rss.body, atom.body):
            if resolved is None:
                assert said.endswith(no_incident) or said.endswith(f"{no_incident}</p>")
            else:
                assert f"“{resolved}”" in said and no_incident not in said

    # The messages sent: their titles, in order; an outage's start is the page's.
    site = {"site": TITLE}
    assert [title for title, _ in out.messages] == [
        out.words(key, **site, **{k: out.words(v) if v.startswith("status.") else v
                                  for k, v in values.items()})
        for key, values in case.messages]
    for title, body in out.messages:
        for ident in case.detected:
            if title == out.words("notify.outage_title", **site, components=NAMES[ident]):
                assert out.words("notify.outage_line", component=NAMES[ident],
                                 since=t.datetime(at(case.detected[ident][0]))) in body

    assert sorted(m["id"] for m in out.api["scheduled-maintenances"][
        "scheduled_maintenances"]) == sorted(case.maintenances)
    for ident, minute in case.changed.items():
        assert api_time(components[ident]["updated_at"]) == at(minute), ident
    if case.check is not None:
        case.check(out)
