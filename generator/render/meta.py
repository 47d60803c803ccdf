"""``sitemap.xml`` and ``robots.txt``: every HTML page in every language, listed from the
model."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from xml.sax.saxutils import escape

from generator.render.base import RenderContext
from generator.render.output import Output


def page_paths(ctx: RenderContext) -> Iterator[tuple[str, datetime | None]]:
    """Every HTML page of the site with, where known, when its content last changed."""
    model = ctx.model
    yield "index.html", None
    yield "history.html", None
    yield "uptime/index.html", None
    for view in model.components:
        yield f"uptime/{view.id}.html", None
    for month in model.months:
        yield month.path, None
    for view in model.components:
        yield f"components/{view.id}.html", None
    for incident in model.incidents:
        yield incident.path, incident.updated


def outputs(ctx: RenderContext) -> Iterator[Output]:
    yield Output("sitemap.xml", None, partial(sitemap, ctx))
    yield Output("robots.txt", None, partial(robots, ctx))


def robots(ctx: RenderContext) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {ctx.site_url('sitemap.xml')}\n".encode()


def sitemap(ctx: RenderContext) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    languages = ctx.model.config.site.languages
    for language, (path, changed) in ((lang, page) for lang in languages
                                      for page in page_paths(ctx)):
        # index.html is served as the site's root: list the URL people link to.
        url = ctx.language_url(language, "" if path == "index.html" else path)
        lastmod = ""
        if changed is not None:
            stamp = changed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            lastmod = f"<lastmod>{stamp}</lastmod>"
        lines.append(f"<url><loc>{escape(url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")
