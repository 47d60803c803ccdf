"""The uptime exports, and what the report page (``uptime/index.html``) shows besides the model.

``api/kabar/v1/uptime.json``: the policy in force, then per component each month of its report
and each day, oldest first::

    {"policy": {"major_outage": 1.0, "partial_outage": 0.3, "degraded_performance": 0.0,
                "maintenance": "exclude", "no_data": "exclude"},
     "components": [{"id": "api", "name": "API",
                     "months": [{"month": "2026-11", "uptime_percent": 99.9327,
                                 "observed_minutes": 44640, "counted_minutes": 44580, …}],
                     "days": [{"date": "2026-11-01", …the same fields}]}]}

``api/kabar/v1/uptime/<id>.csv``: one row a day (RFC 4180: a header row, CRLF line ends),
``date,observed_minutes,counted_minutes,major_minutes,partial_minutes,degraded_minutes,
maintenance_minutes,no_data_minutes,uptime_percent``; an empty ``uptime_percent`` is a day
without a figure. Minutes are whole minutes of the site's days (DST days have 1,380 or 1,500);
the days of a month sum to its row in the JSON. Every figure comes from the model
(``generator/model/uptime.py``): these files only write it down, with 4 decimals.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from functools import partial
from typing import Any

from markupsafe import Markup

from generator.load.policy import EXCLUDE, POLICY_KEYS, UptimePolicy
from generator.model.compute import ComponentView, SiteModel
from generator.model.states import ComponentState
from generator.model.uptime import REPORT_MONTHS, MonthReport, Period, Report
from generator.render.base import RenderContext
from generator.render.i18n import Translator
from generator.render.output import Output, digest

PREFIX = "api/kabar/v1/"
Cell = tuple[date | None, Period | None, ComponentState | None]  # a calendar's day
COLUMNS = ("observed_minutes", "counted_minutes", "major_minutes", "partial_minutes",
           "degraded_minutes", "maintenance_minutes", "no_data_minutes")


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """The JSON of every component and a CSV per component, keyed by what they show."""
    model = ctx.model
    policy = model.config.uptime
    yield Output(f"{PREFIX}uptime.json", partial(_json_key, ctx, policy),
                 partial(uptime_json, model.components, policy))
    for cv in model.components:
        yield Output(f"{PREFIX}uptime/{cv.id}.csv", partial(_csv_key, ctx, policy, cv),
                     partial(uptime_csv, cv, policy))


def _json_key(ctx: RenderContext, policy: UptimePolicy) -> str:
    return digest("uptime.json", policy, [(cv.id, cv.component.name, ctx.report_key(cv))
                                          for cv in ctx.model.components])


def _csv_key(ctx: RenderContext, policy: UptimePolicy, cv: ComponentView) -> str:
    return digest("uptime.csv", policy, ctx.report_key(cv))


def policy_json(policy: UptimePolicy) -> dict[str, Any]:
    return {key: EXCLUDE if getattr(policy, key) is None else getattr(policy, key)
            for key in POLICY_KEYS}


def _figures(period: Period, policy: UptimePolicy) -> list[int]:
    tally = period.tally
    return [tally.observed, tally.counted(policy), tally.major, tally.partial, tally.degraded,
            tally.maintenance, tally.no_data]


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def uptime_json(components: Sequence[ComponentView], policy: UptimePolicy) -> bytes:
    def row(label: str, text: str, period: Period) -> dict[str, Any]:
        return {label: text, "uptime_percent": _percent(period.percent),
                **dict(zip(COLUMNS, _figures(period, policy), strict=True))}

    data = {"policy": policy_json(policy), "components": [
        {"id": cv.id, "name": cv.component.name,
         "months": [row("month", m.month.month, m.month) for m in months(cv)],
         "days": [row("date", d.start.isoformat(), d) for m in months(cv) for d in m.days]}
        for cv in components]}
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def uptime_csv(cv: ComponentView, policy: UptimePolicy) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("date", *COLUMNS, "uptime_percent"))
    for month in months(cv):
        for day in month.days:
            percent = "" if day.percent is None else f"{day.percent:.4f}"
            writer.writerow((day.start.isoformat(), *_figures(day, policy), percent))
    return out.getvalue().encode("utf-8")


def months(cv: ComponentView) -> tuple[MonthReport, ...]:
    return cv.report.months if cv.report is not None else ()


# The report page -------------------------------------------------------------------------

def policy_sentence(t: Translator, policy: UptimePolicy) -> str:
    """The policy in force, in the site's words: what every uptime figure links to."""
    def optional(key: str, weight: float | None) -> str:
        if weight is None:
            return t(f"uptime.{key}_exclude")
        return t(f"uptime.{key}_weight", weight=t.decimal(weight))

    return t("uptime.policy", major=t.decimal(policy.major_outage),
             partial=t.decimal(policy.partial_outage),
             degraded=t.decimal(policy.degraded_performance),
             maintenance=optional("maintenance", policy.maintenance),
             no_data=optional(ComponentState.NO_DATA, policy.no_data))


def page_keys(ctx: RenderContext) -> Callable[[str | None], str]:
    """The key of each report page by component id (None: ``uptime/index.html``, which shows
    them all), each computed when first asked for: a digest of all the page shows, not
    ``now``, but the zone's abbreviation at ``now`` that its intro names."""
    model = ctx.model
    shared = (ctx.site_key, policy_sentence(ctx.t, model.config.uptime), ctx.t.zone(model.now))
    keys: dict[str | None, str] = {}

    def key(component_id: str | None) -> str:
        made = keys.get(component_id)
        if made is None:
            if component_id is None:
                made = digest("uptime index", *shared, [key(cv.id) for cv in model.components])
            else:
                cv = model.component(component_id)
                made = digest("uptime page", *shared, cv.id, repr(cv.component.name),
                              ctx.report_key(cv), _incidents(model, cv.report))
            keys[component_id] = made
        return made

    return key


def _incidents(model: SiteModel, report: Report | None) -> object:
    """Which incidents each month and day of a report names, and their titles."""
    if report is None:
        return None
    periods = [p.incidents for m in report.months for p in (m.month, *m.days)]
    ids = dict.fromkeys(i for named in periods for i in named)
    return periods, [(i, repr(model.incident(i).incident.title)) for i in ids]


def intro(t: Translator, root: str, zone: str) -> Markup:
    link = Markup('<a href="{}{}uptime.json">uptime.json</a>').format(root, PREFIX)
    return t.markup("uptime.intro", months=REPORT_MONTHS, zone=zone, json=link)


def weeks(t: Translator, month: MonthReport) -> list[list[Cell]]:
    """The month as calendar rows: each cell a day (with its period and state when observed)
    or None."""
    first = month.month.start
    by_day = {period.start: period for period in month.days}
    order = [weekday for weekday, _ in t.weekdays()]
    lead = order.index(first.weekday())
    cells: list[Cell] = [(None, None, None)] * lead
    day = first
    while day.month == first.month:
        period = by_day.get(day)
        cells.append((day, period, None if period is None else period.tally.state))
        day += timedelta(days=1)
    cells += [(None, None, None)] * (-len(cells) % 7)
    return [cells[k:k + 7] for k in range(0, len(cells), 7)]

