"""Every output of the site."""

from __future__ import annotations

from collections.abc import Iterator

from generator.model.compute import SiteModel
from generator.render import api, badges, calendar, feeds, meta, pages
from generator.render.base import RenderContext, context


def render_site(model: SiteModel) -> Iterator[tuple[str, bytes]]:
    """Every file of the site."""
    for path, data in render_outputs(context(model)):
        assert data is not None  # nothing is kept without ``reuse``
        yield path, data


def render_outputs(ctx: RenderContext) -> Iterator[tuple[str, bytes | None]]:
    """Every file of the site; ``None`` for one that ``ctx.reuse`` keeps from the last build."""
    # Incident pages are most of the work: a worker process renders its share meanwhile.
    with pages.incident_pages(ctx) as incidents:
        for renderer in (pages, feeds, api, badges, calendar, meta):
            yield from renderer.render(ctx)
        yield from incidents()
