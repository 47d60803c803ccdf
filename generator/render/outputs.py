"""Every output of the site, as each renderer declares it."""

from __future__ import annotations

from collections.abc import Iterator

from generator.render import api, badges, calendar, feeds, meta, pages
from generator.render.base import RenderContext
from generator.render.output import Output


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """Every file of the site: its path, its key and how to make it (nothing is made here)."""
    for renderer in (pages, feeds, api, badges, calendar, meta):
        yield from renderer.outputs(ctx)
