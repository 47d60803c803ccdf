"""Rendering: every output of the site, from the model only.

Each renderer module has ``render(ctx) -> Iterator[tuple[str, bytes]]`` yielding
``(path inside the site, bytes)``; ``render_site`` runs them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from generator.model import SiteModel
from generator.render.i18n import Translator
from generator.render.markdown import render_markdown
from generator.resources import site_templates


@dataclass(frozen=True)
class RenderContext:
    """What every renderer gets: the model, the translator and the template environment."""

    model: SiteModel
    t: Translator
    env: jinja2.Environment

    @property
    def base_url(self) -> str:
        return self.model.config.site.url

    def url(self, path: str) -> str:
        """The absolute URL of a site path (feeds and the API link with it)."""
        return self.base_url + path.lstrip("/")


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


def context(model: SiteModel) -> RenderContext:
    site = model.config.site
    return RenderContext(model, Translator(site.language, site.timezone), environment())


def render_site(model: SiteModel) -> Iterator[tuple[str, bytes]]:
    """Every file of the site."""
    from generator.render import api, badges, calendar, feeds, meta, pages

    ctx = context(model)
    for renderer in (pages, feeds, api, badges, calendar, meta):
        yield from renderer.render(ctx)


def template_globals(ctx: RenderContext) -> dict[str, Any]:
    """Names every template sees."""
    return {"model": ctx.model, "site": ctx.model.config.site, "t": ctx.t, "url": ctx.url}
