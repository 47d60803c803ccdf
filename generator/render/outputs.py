"""Every output of the site, as each renderer declares it."""

from __future__ import annotations

from collections.abc import Iterator

from generator.render import api, badges, brand, calendar, feeds, meta, pages, uptime
from generator.render.base import RenderContext
from generator.render.output import Output


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """Every file of the site: its path, its key and how to make it (nothing is made here).

    The feeds come first, then the pages with the newest incidents' first: a build that
    deals out outputs in chunks from the front (``generator/site/pool.py``) then renders an
    incident's Markdown for its page in the process that rendered it for the feeds, once.
    """
    for renderer in (feeds, pages, api, uptime, badges, calendar, meta, brand):
        yield from renderer.outputs(ctx)
