"""The keys of the uptime exports and report pages: a build remakes such a file only when
its key changes (``generator/site/build.py``), so whatever changes a file's bytes must change
its key, and what none of them shows (``now``, another incident) must not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from generator.load.config import check_config
from generator.model.compute import ComponentView, SiteModel
from generator.model.uptime import MonthReport, Period, Report, Tally
from generator.render import pages, uptime
from generator.render.base import context
from generator.site.build import load_model
from tests.conftest import ROOT

NOW = datetime(2025, 7, 20, 5, tzinfo=UTC)
SHOWN = "chat"  # a component whose report has two months, a day with an incident among them

Mutation = Callable[[SiteModel], SiteModel]


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> SiteModel:
    """The example site at NOW, without probe history: its incidents make the reports."""
    empty = tmp_path_factory.mktemp("history")
    made, _ = load_model(check_config(ROOT / "status.yaml"), ROOT / "incidents", empty, NOW)
    return made


def made(model: SiteModel, exports_only: bool = False) -> dict[str, tuple[str | None, bytes]]:
    """Each uptime export's and report page's key and bytes."""
    ctx = context(model)
    outputs = [*uptime.outputs(ctx), *(() if exports_only else (
        output for output in pages.outputs(ctx) if output.path.startswith("uptime/")))]
    return {output.path: (output.key, output.make()) for output in outputs}


def _component(model: SiteModel, change: Callable[[ComponentView], ComponentView],
               ) -> SiteModel:
    components = tuple(change(cv) if cv.id == SHOWN else cv for cv in model.components)
    return replace(model, components=components)


def _report(change: Callable[[Report], Report]) -> Mutation:
    def mutate(model: SiteModel) -> SiteModel:
        def component(cv: ComponentView) -> ComponentView:
            assert cv.report is not None
            return replace(cv, report=change(cv.report))
        return _component(model, component)
    return mutate


def _last_month(change: Callable[[MonthReport], MonthReport]) -> Mutation:
    return _report(lambda r: replace(r, months=(*r.months[:-1], change(r.months[-1]))))


def _day(change: Callable[[Period], Period]) -> Mutation:
    """Change the first day of the last month."""
    return _last_month(lambda m: replace(m, days=(change(m.days[0]), *m.days[1:])))


def _tally(name: str) -> Callable[[Period], Period]:
    def change(period: Period) -> Period:
        return replace(period, tally=replace(period.tally, **{
            name: getattr(period.tally, name) + 7}))
    return change


def _percent(period: Period) -> Period:
    return replace(period, percent=12.3456)


# Every figure a report holds (``probed`` only decides whether there is a percent).
SHOWN_TALLY = [f.name for f in fields(Tally) if f.name != "probed"]
MUTATIONS: dict[str, Mutation] = {
    **{f"a day's {name}": _day(_tally(name)) for name in SHOWN_TALLY},
    "a day's date": _day(lambda p: replace(p, start=date(2025, 7, 2))),
    "a day's percent": _day(_percent),
    **{f"a month's {name}": _last_month(lambda m, n=name: replace(m, month=_tally(n)(m.month)))
       for name in SHOWN_TALLY},
    "a month's percent": _last_month(lambda m: replace(m, month=_percent(m.month))),
    "a day's incidents": _day(lambda p: replace(p, incidents=("2025-07-16-login-errors",))),
    "a month's incidents": _last_month(lambda m: replace(m, month=replace(
        m.month, incidents=()))),
    "the year's percent": _report(lambda r: replace(r, year=_percent(r.year))),
    "no report": lambda model: _component(model, lambda cv: replace(cv, report=None)),
    "the title of an incident a report names": lambda model: replace(model, incidents=tuple(
        replace(v, incident=replace(v.incident, title="Login gagal"))
        if v.id == "2025-07-16-login-errors" else v for v in model.incidents)),
    "a component's name": lambda model: _component(
        model, lambda cv: replace(cv, component=replace(cv.component, name="Obrolan"))),
    "the policy": lambda model: replace(model, config=replace(
        model.config, uptime=replace(model.config.uptime, partial_outage=0.5))),
}


def _changed_under_one_key(before: SiteModel, after: SiteModel) -> list[str]:
    """The files whose bytes differ between two models though their key does not."""
    old, new = made(before), made(after)
    assert all(key is not None for key, _ in old.values())
    changed = [path for path in old if old[path][1] != new[path][1]]
    assert changed  # the change shows in some file
    return [path for path in changed if old[path][0] == new[path][0]]


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_file_whose_bytes_change_gets_a_new_key(model: SiteModel, mutate: Mutation) -> None:
    assert _changed_under_one_key(model, mutate(model)) == []


def test_the_zone_named_at_now_is_in_the_key(model: SiteModel) -> None:
    """The report's intro names the zone's abbreviation at ``now``: CEST in July, CET in
    January, with the same figures."""
    site = replace(model.config.site, timezone="Europe/Berlin")
    summer = replace(model, config=replace(model.config, site=site))
    winter = replace(summer, now=datetime(2026, 1, 20, 5, tzinfo=UTC))
    assert _changed_under_one_key(summer, winter) == []
    assert b"CEST" in made(summer)["uptime/index.html"][1]


def test_what_no_report_shows_keeps_every_key(model: SiteModel) -> None:
    """A later ``now`` (the same figures) and an incident that no report names: the pages
    and exports are the same, and their keys say so, so a build does not remake them."""
    view = model.incident("2025-07-16-login-errors")
    added = replace(view, incident=replace(view.incident, id="2025-07-19-other"))
    later = replace(model, now=NOW + timedelta(hours=1), incidents=(added, *model.incidents))
    assert made(later) == made(model)


@pytest.mark.parametrize("name", [f.name for f in fields(Tally)] + ["start", "percent"])
def test_the_key_of_a_report_holds_every_figure(model: SiteModel, name: str) -> None:
    """Every field of a day and of its tally, so a field added to either counts too."""
    def key(model: SiteModel) -> str:
        return context(model).report_key(model.component(SHOWN))

    values: dict[str, Any] = {"start": date(2025, 7, 2), "percent": 12.3456}
    change = _tally(name) if name in SHOWN_TALLY + ["probed"] else (
        lambda p: replace(p, **{name: values[name]}))
    assert key(_day(change)(model)) != key(model)
    assert {f.name for f in fields(Period)} == {"start", "tally", "percent", "incidents"}


def test_the_exports_are_keyed_by_their_figures_not_their_incidents(model: SiteModel) -> None:
    """Which incidents touched a day is shown on the report page, not in the exports."""
    other = _day(lambda p: replace(p, incidents=()))(model)
    assert made(other, exports_only=True) == made(model, exports_only=True)


def test_the_test_site_has_what_these_tests_change(model: SiteModel) -> None:
    report = model.component(SHOWN).report
    assert report is not None and len(report.months) == 2
    assert any(day.incidents for day in report.months[-1].days)
