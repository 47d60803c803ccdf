"""What every renderer shares: the render context, the template environment, the globals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from typing import Any

import jinja2
from markupsafe import Markup

from generator.model.compute import ComponentView, IncidentView, SiteModel
from generator.model.uptime import Period, Report
from generator.render.i18n import Translator
from generator.render.markdown import render_markdown
from generator.render.output import digest, templates_digest
from generator.resources import site_templates


@dataclass(frozen=True)
class RenderContext:
    """What every renderer gets: the model, the translator and the template environment."""

    model: SiteModel
    t: Translator
    env: jinja2.Environment
    prefix: str = ""  # where this language's pages live: "" for the first, "en/" for others
    _view_keys: dict[str, str] = field(default_factory=dict)  # a memo of the keys below
    _report_keys: dict[str, str] = field(default_factory=dict)

    @property
    def site_key(self) -> str:
        """A digest of what every keyed output shares: the templates and the site's settings."""
        key = self._view_keys.get("")
        if key is None:
            key = self._view_keys[""] = digest(templates_digest(), self.model.config.site,
                                               self.t.language)
        return key

    def view_key(self, view: IncidentView) -> str:
        """A digest of everything an incident shows (its updates, status, times).

        An incident read from a file is keyed by the file's digest (which, with its id, path
        and components, decides the incident) and what ``now`` decides of the view: which
        updates are known, the status and the times. Digesting the whole view costs twice
        as much; it is what keys an incident made elsewhere (no file digest).
        """
        key = self._view_keys.get(view.id)
        if key is None:
            incident = view.incident
            if incident.digest:  # strings and numbers: an enum's repr is Python's, and slow
                key = digest(incident.digest, incident.id, incident.path,
                             [(c, str(s)) for c, s in incident.components.items()],
                             str(view.status), view.impact, view.start.timestamp(),
                             view.end and view.end.timestamp(), view.updated.timestamp(),
                             view.duration, view.is_open, len(view.updates))
            else:
                key = digest(view)
            self._view_keys[view.id] = key
        return key

    def report_key(self, cv: ComponentView) -> str:
        """A digest of the figures of a component's uptime report: each month's and day's
        minutes by state and percent (what the exports show; not which incidents)."""
        key = self._report_keys.get(cv.id)
        if key is None:
            key = self._report_keys[cv.id] = digest(_report_figures(cv.report))
        return key

    @property
    def base_url(self) -> str:
        return self.model.config.site.url

    @property
    def language(self) -> str:
        return self.t.language

    def url(self, path: str) -> str:
        """The absolute URL of a page or feed of this language (feeds link with it)."""
        return self.base_url + self.prefix + path.lstrip("/")

    def site_url(self, path: str) -> str:
        """The absolute URL of a file every language shares (the API, the sitemap)."""
        return self.base_url + path.lstrip("/")

    def language_url(self, language: str, path: str) -> str:
        """The absolute URL of ``path`` in ``language``'s pages."""
        return self.base_url + prefix(self.model.config.site.languages, language) + path


def _report_figures(report: Report | None) -> object:
    """A report's figures as tuples of numbers: a dataclass's repr costs 20 times as much,
    and a site of 100 components has 36,000 days."""
    if report is None:
        return None

    def period(p: Period) -> tuple[object, ...]:
        return p.start.toordinal(), *p.tally.figures, p.percent

    return (period(report.year),
            [(period(m.month), [period(d) for d in m.days]) for m in report.months])


@cache
def environment() -> jinja2.Environment:
    """One compiled template environment for the whole process."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(site_templates())),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = render_markdown
    return env


def prefix(languages: tuple[str, ...], language: str) -> str:
    """Where ``language``'s pages live: the first language at the root, each other in a
    folder of its own ("en/")."""
    return "" if language == languages[0] else f"{language}/"


def context(model: SiteModel, language: str | None = None) -> RenderContext:
    """The context of one language's outputs (default: the first language's)."""
    site = model.config.site
    language = language or site.languages[0]
    return RenderContext(model, Translator(language, site.zone, site.languages[0]), environment(),
                         prefix(site.languages, language))


def contexts(model: SiteModel) -> tuple[RenderContext, ...]:
    """One context per language of the site, the first language's first."""
    return tuple(context(model, language) for language in model.config.site.languages)


def template_globals(ctx: RenderContext) -> dict[str, Any]:
    """Names every template sees."""
    return {"model": ctx.model, "site": ctx.model.config.site, "url": ctx.url}


def translation_filters(t: Translator) -> dict[str, Callable[..., str]]:
    """The site's words and formats as template filters: ``{{ "page.status"|t }}``,
    ``{{ ("state." + s)|t }}``, ``{{ "page.daily"|t(days=90) }}``, ``{{ v.duration|duration }}``.

    A key is joined with ``+``: Jinja's ``~`` checks each part for markup (4 % of an
    incident page's time)."""
    return {"t": t, "tm": t.markup, "message": t.message, "date": t.date, "datetime": t.datetime,
            "duration": t.duration, "month": t.month, "zone": t.zone, "pct": t.percent,
            "tx": t.html, "plain": t.text, "markdown": partial(markdown, t)}


def markdown(t: Translator, text: str) -> Markup:
    """People's Markdown in ``t``'s language, in a ``<div lang>`` when it is another's."""
    html = render_markdown(t.text(text))
    other = t.fallback(text)
    return Markup(f'<div lang="{other}">{html}</div>') if other else html
