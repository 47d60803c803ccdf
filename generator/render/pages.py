"""The HTML pages: home, incidents, components, history by month, 404.

Every page inlines the one stylesheet and an SVG favicon, so the home page is one request;
links between pages are relative, so the site may live under a sub-path. Incident and history
pages show nothing that changes with ``now`` alone, so a build rewrites them only when their
incident changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache, partial
from typing import Any
from urllib.parse import quote

from babel import Locale
from markupsafe import Markup

from generator.model.compute import (
    RECENT_DAYS,
    STATES,
    UPTIME_WINDOWS,
    ComponentView,
    IncidentView,
    Month,
)
from generator.render.base import RenderContext, prefix, template_globals, translation_filters
from generator.render.brand import accent_css, image_url
from generator.render.charts import daily_chart, recent_chart
from generator.render.formats import REPORT, Formats, as_minutes
from generator.render.i18n import catalogue
from generator.render.output import Output, digest
from generator.render.palette import IMPACT_CLASS, INDICATOR_COLOUR, QUIET, STATE_CLASS
from generator.render.templates import (
    ComponentContext,
    Feed,
    HistoryContext,
    IncidentContext,
    IndexContext,
    PageContext,
    ReportContext,
    TemplateContext,
)
from generator.render.uptime import intro, page_keys, policy_sentence, weeks
from generator.resources import site_templates

HISTORY_MONTHS = 3  # months shown in full on history.html; older ones are linked
COMPONENT_INCIDENTS = 25  # newest incidents listed on a component page
TEMPLATES = ("base.html", "macros.html", "index.html", "incident.html", "component.html",
             "history.html", "uptime.html", "404.html")


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """Every page of the site. Incident, month and uptime report pages are keyed by all they
    show (not ``now``), so a build remakes them only when that changes."""
    pages = _Pages(ctx)
    yield Output("index.html", None, pages.index)
    for view in ctx.model.incidents:
        yield Output(view.path, partial(pages.incident_key, view),
                     partial(pages.incident, view))
    for component in ctx.model.components:
        yield Output(f"components/{component.id}.html", None,
                     partial(pages.component, component))
    yield from pages.history()
    report_key = page_keys(ctx)
    yield Output(REPORT, partial(report_key, None), pages.report)
    for component in ctx.model.components:
        yield Output(f"uptime/{component.id}.html", partial(report_key, component.id),
                     partial(pages.report, component))
    yield Output("404.html", None, pages.not_found)


def minify_css(text: str) -> str:
    """Drop comments and needless whitespace; the stylesheet is inlined into every page."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([{};,>])\s*", r"\1", text)
    text = re.sub(r"\s*:\s*(?![^{}]*\{)", ":", text)  # inside declarations, not selectors
    return text.replace(";}", "}").strip()


@cache
def favicon(colour: str) -> str:
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
           f"<circle cx='8' cy='8' r='7' fill='{colour}'/></svg>")
    return "data:image/svg+xml," + quote(svg, safe="='/:")


class _Pages:
    """Renders each page with the names every template shares."""

    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.t = ctx.t
        site = ctx.model.config.site
        css = (site_templates() / "style.css").read_text(encoding="utf-8")
        formats = Formats(ctx.t, ctx.model)
        shared: dict[str, Any] = template_globals(ctx) | {
            # our own file, and colours the loader checked: not user input
            "css": Markup(minify_css(css) + accent_css(site.accent)),  # noqa: S704
            "sc": STATE_CLASS,
            "states": STATES,
            "quiet": QUIET,
            "windows": tuple(UPTIME_WINDOWS),
            "recent_days": RECENT_DAYS,
            "span": formats.span,
            "mins": as_minutes,
            "uptime_label": formats.uptime_label,
            "uptime_value": formats.uptime_value,
            "notice": formats.notice,
            "affected": self.affected,
            "said": self.t.reason,
            "weeks": partial(weeks, self.t),
            "weekdays": [name for _, name in self.t.weekdays()],
        }
        # The build's own environment, with globals and filters of its own (an overlay shares
        # the parent's dicts). Words are filters, ``{{ "page.status"|t }}``: Jinja calls a
        # filter directly, and one with a constant key is translated once, when the template
        # compiles, into the page's text.
        self.env = ctx.env.overlay(cache_size=64, auto_reload=False)
        self.env.globals = {**ctx.env.globals, **shared}
        self.env.filters = {**ctx.env.filters, **translation_filters(self.t),
                            "when": formats.when, "state": formats.state,
                            "minutes": formats.minutes,
                            "incident_title": formats.incident_title,
                            "incident_row": self.incident_row}
        # compiled once here, not in each process that makes pages
        self.templates = {name: self.env.get_template(name) for name in TEMPLATES}
        # The macros, made once, are the global ``m``: an ``{% import %}`` in each template
        # would check the whole context against the macros' globals on every page.
        macros: Any = self.templates["macros.html"].module
        self.env.globals["m"] = self.macros = formats.macros = macros
        self._once: dict[tuple[Any, ...], Markup] = {}
        self.position = {cv.id: n for n, cv in enumerate(ctx.model.components)}
        # What an incident page shows of a component it names: where, its id and its name.
        self.shown = {cv.id: repr((n, cv.id, cv.component.name))
                      for n, cv in enumerate(ctx.model.components)}
        self.site_feeds: tuple[Feed, ...] = (
            Feed("application/rss+xml", ctx.url("history.rss"),
                 self.t("page.feed_rss", title=site.title)),
            Feed("application/atom+xml", ctx.url("history.atom"),
                 self.t("page.feed_atom", title=site.title)),
        )

    def incident_row(self, view: IncidentView, root: str) -> Markup:
        """``{{ v|incident_row(root) }}``: the macro's row, once for an incident and a depth."""
        return self.once("incident_row", view, root, key=(view.id, root))

    def frame(self, path: str, title: str, description: str, feeds: Sequence[Feed] = (),
              colour: str = "#0969da", root: str | None = None) -> PageContext:
        """What every page shows around its content. ``root`` leads back to this language's
        pages, ``top`` to the site's root (the API, images), which differ below ``/<lang>/``."""
        ctx = self.ctx
        site = ctx.model.config.site
        depth = "../" * ctx.prefix.count("/")
        if root is None:
            root = "../" * path.count("/")
            top = root + depth
        else:  # 404.html, served at any depth: absolute links
            top = ctx.base_url
        logo = site.logo
        # index.html is served as each language's root: its URL is the folder's.
        shown = "" if path == "index.html" else path
        found = path != "404.html"
        alternates: tuple[tuple[str, str], ...] = ()
        if found and len(site.languages) > 1:
            alternates = (*((lang, ctx.language_url(lang, shown)) for lang in site.languages),
                          ("x-default", ctx.language_url(site.languages[0], shown)))
        switch = tuple((lang, _language_name(lang), (
            top + prefix(site.languages, lang) + (path if found else "index.html"))
            if "://" not in top else ctx.language_url(lang, ""))
            for lang in site.languages if lang != ctx.language)
        # index.html, not "./": from file:// a folder opens as a listing.
        home = root if "://" in root else f"{root}index.html"
        return {
            "root": root,
            "top": top,
            "lang": ctx.language,
            "home": home,
            "page_title": title if title == site.title else f"{title} · {site.title}",
            "description": description or site.title,
            "canonical": ctx.url(shown) if found else None,
            "alternates": alternates,
            "switch": switch,
            "head": self.once("head", (*self.site_feeds, *feeds),
                              image_url(site.favicon, top) if site.favicon else favicon(colour)),
            "brand": self.once("brand", home, root, image_url(logo.light, top) if logo else None,
                               image_url(logo.dark, top) if logo and logo.dark else None),
        }

    def once(self, macro: str, *args: Any, key: tuple[Any, ...] | None = None) -> Markup:
        """What a macro of macros.html makes of ``args`` (or of what ``key`` stands for),
        made once: a page's frame is the same on every page of a depth (a tenth of an
        incident page's time), a component's row on every incident page that names it in
        the same state, an incident's row in every list at a depth."""
        memo = (macro, *(args if key is None else key))
        html = self._once.get(memo)
        if html is None:
            html = self._once[memo] = getattr(self.macros, macro)(*args)
        return html

    def render(self, template: str, context: TemplateContext) -> bytes:
        # Template.render copies the globals into each page's context from a ChainMap, a key
        # at a time (a tenth of an incident page's time): they are merged here instead.
        page = self.templates[template]
        names = {**self.env.globals, **context}
        try:
            return "".join(page.root_render_func(page.new_context(names, shared=True))).encode()
        except Exception:
            self.env.handle_exception()

    def index(self) -> bytes:
        model = self.ctx.model
        site = model.config.site
        indicator = model.indicator  # computed once in the model, "no data" included
        context: IndexContext = {
            **self.frame("index.html", site.title, site.description,
                         colour=INDICATOR_COLOUR[indicator]),
            "indicator_key": f"overall.{model.overall}",
            "indicator_class": indicator.replace("_", "-")}
        return self.render("index.html", context)

    def incident_key(self, view: IncidentView) -> str:
        """A digest of all an incident page shows: not ``now``, nor the overall state."""
        shown = self.shown
        affected = [(shown[c], str(state)) for c, state in view.incident.components.items()
                    if c in shown]
        return digest("incident", self.ctx.site_key, self.ctx.view_key(view), affected)

    def incident(self, view: IncidentView) -> bytes:
        inc = view.incident
        status = self.t(f"status.{view.status}")
        context: IncidentContext = {
            **self.frame(view.path, self.t.text(inc.title),
                         self.t("page.incident_description", title=inc.title, status=status)),
            "v": view, "affected": [self.once("affected_row", cv.id, cv.component.name, state)
                                    for cv, state in self.affected(view)],
            "impact_class": IMPACT_CLASS.get(view.impact, "n")}
        return self.render("incident.html", context)

    def affected(self, view: IncidentView) -> list[tuple[ComponentView, str]]:
        """The incident's components with their state during it, in status.yaml order."""
        named = view.incident.components
        known = sorted((self.position[c], c) for c in named if c in self.position)
        return [(self.ctx.model.components[n], named[c]) for n, c in known]

    def component(self, cv: ComponentView) -> bytes:
        model = self.ctx.model
        path = f"components/{cv.id}.html"
        name = self.t.text(cv.component.name)
        feeds: tuple[Feed, ...] = (
            Feed("application/rss+xml", self.ctx.url(f"components/{cv.id}.rss"),
                 self.t("page.feed_rss", title=name)),
            Feed("application/atom+xml", self.ctx.url(f"components/{cv.id}.atom"),
                 self.t("page.feed_atom", title=name)),
        )
        ids = cv.incident_ids[:COMPONENT_INCIDENTS]
        context: ComponentContext = {
            **self.frame(path, name, self.t("page.component_description", name=name), feeds),
            "cv": cv,
            "incidents": [model.incident(i) for i in ids],
            "more": len(cv.incident_ids) > len(ids),
            "chart_day": recent_chart(self.ctx.t, cv.id, cv.latency, model.now),
            "chart_days": daily_chart(self.ctx.t, cv.id, cv.daily_latency, len(cv.bars),
                                      model.now)}
        return self.render("component.html", context)

    def history(self) -> Iterator[Output]:
        months = self.ctx.model.months
        title = self.t("page.history")
        description = self.t("page.history_description", title=self.ctx.model.config.site.title)
        yield Output("history.html", None, partial(self.history_page, title, description))
        for n, month in enumerate(months):
            yield Output(month.path, partial(self.month_key, months, n),
                         partial(self.month, month, months, n, description))

    def month_key(self, months: Sequence[Month], n: int) -> str:
        """A month page shows its incidents and links its neighbours, nothing of ``now``."""
        return digest("month", self.ctx.site_key, months[n].key,
                      [self.ctx.view_key(view) for view in months[n].incidents],
                      [m.key for m in months[max(n - 1, 0):n + 2]])

    def history_page(self, title: str, description: str) -> bytes:
        months = self.ctx.model.months
        context: HistoryContext = {
            **self.frame("history.html", title, description), "heading": title,
            "shown": months[:HISTORY_MONTHS], "others": months[HISTORY_MONTHS:],
            "single": False, "older": None, "newer": None}
        return self.render("history.html", context)

    def month(self, month: Month, months: Sequence[Month], n: int,
              description: str) -> bytes:
        name = self.t.month(month.start)
        heading = self.t("page.history_month", month=name)
        context: HistoryContext = {
            **self.frame(month.path, heading, description), "heading": heading,
            "shown": (month,), "others": (), "single": True,
            "newer": months[n - 1] if n > 0 else None,
            "older": months[n + 1] if n + 1 < len(months) else None}
        return self.render("history.html", context)

    def report(self, cv: ComponentView | None = None) -> bytes:
        """The uptime report: every component's months (``uptime/index.html``), or one's
        months and a calendar of its days (``uptime/<id>.html``); the policy in force on
        each, which every figure links to."""
        site = self.ctx.model.config.site
        title = self.t("uptime.title")
        heading = title if cv is None else f"{title}: {self.t.text(cv.component.name)}"
        path = REPORT if cv is None else f"uptime/{cv.id}.html"
        context: ReportContext = {
            **self.frame(path, heading, self.t("uptime.description", title=site.title)),
            "policy": policy_sentence(self.t, self.ctx.model.config.uptime),
            "intro": intro(self.t, "../" + "../" * self.ctx.prefix.count("/"),
                           self.t.zone(self.ctx.model.now)),
            "heading": heading,
            "shown": self.ctx.model.components if cv is None else (cv,),
            "calendars": cv is not None}
        return self.render("uptime.html", context)

    def not_found(self) -> bytes:
        # Served at any depth, so its links are absolute.
        title = self.t("page.not_found")
        return self.render("404.html", self.frame("404.html", title, title,
                                                  root=self.ctx.url("")))


@cache
def _language_name(language: str) -> str:
    """A language named in itself, as its catalogue says ("Bahasa Indonesia"; CLDR's own name
    is "Indonesia"), else as CLDR names it."""
    name = catalogue(language).get("language.name") or \
        Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]

