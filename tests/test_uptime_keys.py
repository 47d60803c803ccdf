"""The keys of the uptime exports: a build remakes such a file only when its key changes
(``generator/site/build.py``), so whatever changes a file's bytes must change its key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from generator.model.compute import ComponentView, SiteModel
from generator.model.uptime import MonthReport, Period, Report, Tally
from generator.render import uptime
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
    made, _ = load_model(ROOT / "status.yaml", ROOT / "incidents", empty, NOW)
    return made


def made(model: SiteModel) -> dict[str, tuple[str | None, bytes]]:
    """Each uptime export's key and bytes."""
    return {output.path: (output.key, output.make())
            for output in uptime.outputs(context(model))}


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
    "a component's name": lambda model: _component(
        model, lambda cv: replace(cv, component=replace(cv.component, name="Obrolan"))),
    "the policy": lambda model: replace(model, config=replace(
        model.config, uptime=replace(model.config.uptime, partial_outage=0.5))),
}


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_a_file_whose_bytes_change_gets_a_new_key(model: SiteModel, mutate: Mutation) -> None:
    before, after = made(model), made(mutate(model))
    changed = [path for path in before if before[path][1] != after[path][1]]
    assert changed  # the change shows in some file
    assert [path for path in changed if before[path][0] == after[path][0]] == []


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
    assert made(other) == made(model)


def test_the_test_site_has_what_these_tests_change(model: SiteModel) -> None:
    report = model.component(SHOWN).report
    assert report is not None and len(report.months) == 2
    assert any(day.incidents for day in report.months[-1].days)
