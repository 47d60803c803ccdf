"""What templates call to show a value: times and spans, a state's badge, minutes by state,
uptime figures, an outage notice; in the page's language and the site's time zone.

A site of 10,000 incidents shows each of a few thousand instants, states and tallies many
times over: each is made once, on first use.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup, escape

from generator.model.compute import ComponentView, Detection, SiteModel
from generator.model.uptime import Tally
from generator.render.i18n import Translator

REPORT = "uptime/index.html"  # the uptime report; its #policy states how figures are counted


class Formats:
    """The helpers of one language's pages (``pages._Pages`` hands them to the templates)."""

    def __init__(self, t: Translator, model: SiteModel) -> None:
        self.t = t
        self.model = model
        self.macros: Any = None  # macros.html's, once compiled: ``state`` makes the badges
        self._when: dict[datetime, Markup] = {}
        self._states: dict[str, Markup] = {}
        self._minutes: dict[tuple[int, ...], Markup] = {}
        self._titles: dict[str, Markup] = {}

    def when(self, value: datetime) -> Markup:
        """``<time datetime="2025-07-16T06:15:00+07:00">16 Juli 2025 06.15 WIB</time>``; each
        instant once (an incident's start and end are also its first and last update's)."""
        html = self._when.get(value)
        if html is None:
            local = self.t.local(value)
            stamp = local.isoformat()  # digits and "-:+T" only
            html = self._when[value] = Markup(
                f'<time datetime="{stamp}">{escape(self.t.datetime(local))}</time>')
        return html

    def state(self, state: str) -> Markup:
        """``{{ s|state }}``: a state's badge, made by the macro ``state`` once a state (a
        macro call for each was a fifth of an incident page's time)."""
        html = self._states.get(state)
        if html is None:
            html = self._states[state] = self.macros.state(state)
        return html

    def minutes(self, tally: Tally) -> Markup:
        """``Gangguan besar 2 jam · Tanpa data 5 menit``: a tally's minutes in each state but
        operational, worst first; each distinct tally once (a report shows 36,000)."""
        key = tally.figures
        html = self._minutes.get(key)
        if html is None:
            t = self.t
            html = self._minutes[key] = escape(" · ".join(
                f"{t(f'state.{state}')} {t.duration(timedelta(minutes=count))}"
                for state, count in tally.by_state) or t("uptime.none"))
        return html

    def incident_title(self, incident_id: str) -> Markup:
        """``{{ id|incident_title }}``: an incident's title as HTML, once an incident (the
        uptime report names 40,000 in its days' tips)."""
        html = self._titles.get(incident_id)
        if html is None:
            title = self.model.incident(incident_id).incident.title
            html = self._titles[incident_id] = self.t.html(title)
        return html

    def span(self, start: datetime, end: datetime | None) -> Markup:
        """``20 Juli 2025 01.00 – 03.00 WIB``, each end a ``<time>``; the date once when both
        ends share it."""
        t = self.t
        if end is None:
            return self.when(start)
        if t.date(start) == t.date(end) and t.zone(start) == t.zone(end):
            head = t.datetime(start).removesuffix(" " + t.zone(start))
            return t.markup("page.range", start=_time(t.local(start), head),
                            end=_time(t.local(end), t.time(end)))
        return t.markup("page.range", start=self.when(start), end=self.when(end))

    @staticmethod
    def _rests_on(cv: ComponentView, key: str) -> timedelta | None:
        """The data an uptime figure rests on, when the model found it short of its window."""
        return None if cv.uptime_data is None else cv.uptime_data.get(key)

    def uptime_label(self, cv: ComponentView, days: int, key: str = "90d") -> str:
        """``99,89% (90 hari)``, or ``99.2% uptime over 3 hours of data`` for a new probe."""
        percent = cv.uptime.get(key)
        if percent is None:
            return self.t("page.uptime_maintenance" if key in cv.maintenance_only
                          else "page.no_uptime")
        span = self._rests_on(cv, key)
        if span is not None:
            return self.t("page.uptime_over", percent=self.t.percent(percent),
                          span=self.t.about(span))
        return self.t("page.uptime_days", percent=self.t.percent(percent), days=days)

    def uptime_value(self, cv: ComponentView, key: str) -> Markup:
        """One window's figure on a component page, with its span when that is short."""
        percent = cv.uptime.get(key)
        if percent is None and key in cv.maintenance_only:
            return Markup("{} <small>{}</small>").format(
                self.t.percent(None), self.t("page.maintenance_only"))
        if percent is None:
            return escape(self.t.percent(percent))
        figure = Markup('<a href="../{}#policy">{}</a>').format(REPORT, self.t.percent(percent))
        span = self._rests_on(cv, key)
        if span is None:
            return figure
        return Markup("{} <small>{}</small>").format(
            figure, self.t("page.data_over", span=self.t.about(span)))

    def notice(self, detection: Detection, root: str) -> Markup:
        """An outage seen by monitoring: since when, for how long, linking its component."""
        t, now = self.t, self.model.now
        cv = self.model.component(detection.component_id)
        since = detection.since
        shown = t.time(since) if t.date(since) == t.date(now) else t.datetime(since)
        link = Markup('<a href="{}components/{}.html">{}</a>').format(
            root, cv.id, self.t.html(cv.component.name))
        stamp = t.local(since).isoformat()  # digits and "-:+T" only
        time = Markup(f'<time datetime="{stamp}">{escape(shown)}</time>')
        values = {"state": t(f"state.{detection.state}"), "component": link, "time": time,
                  "duration": t.duration(now - since)}
        resolved = detection.resolved
        if resolved is None or resolved.end is None:
            return t.markup("page.detected_since", **values)
        return t.markup("page.detected_since_resolved", **values,
                        incident=resolved.incident.title, resolved=t.datetime(resolved.end))


def as_minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


def _time(local: datetime, text: str) -> Markup:
    return Markup(f'<time datetime="{local.isoformat()}">{escape(text)}</time>')
