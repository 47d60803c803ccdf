"""Every output of the site, as each renderer declares it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from generator.render import api, badges, brand, calendar, feeds, meta, pages, uptime
from generator.render.base import RenderContext
from generator.render.output import Output

LOCALISED = (feeds, pages, calendar)  # made again in each further language, under its folder
SHARED = (api, uptime, badges, meta, brand)  # made once, in the first language


def site_outputs(contexts: Sequence[RenderContext]) -> Iterator[Output]:
    """Every file of a site in one or more languages (one context each, the first's first):
    the first language's at the root, each other's pages and feeds under ``<lang>/``; the
    API, badges and the sitemap once."""
    first, *others = contexts
    yield from outputs(first)
    for ctx in others:
        for renderer in LOCALISED:
            for output in renderer.outputs(ctx):
                yield output.under(ctx.prefix)


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """Every file of the site: its path, its key and how to make it (nothing is made here).

    The feeds come first, then the pages with the newest incidents' first: a build that
    deals out outputs in chunks from the front (``generator/site/pool.py``) then renders an
    incident's Markdown for its page in the process that rendered it for the feeds, once.
    """
    for renderer in (feeds, pages, api, uptime, badges, calendar, meta, brand):
        yield from renderer.outputs(ctx)
