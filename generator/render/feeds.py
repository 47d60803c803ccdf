"""RSS and Atom feeds: the site's (``history.rss``/``.atom``) and one per component.

An item per incident or maintenance, dated by its latest update so that readers show it
again when an update is added; its body holds every update, newest first, like
Statuspage's feeds. An outage that monitoring detected before anyone posted an incident is an
item too, as it is a notice on the page. The bytes depend only on the model, so a rebuild
with nothing changed writes the same files.

Standards: each Atom feed names the site as its author (RFC 4287 §4.1.1: entries have
none), its entries have unique ids and an ``updated`` date. RSS 2.0 titles and the channel's
description are plain text that many readers render as HTML: they are HTML-escaped before
the XML escaping, so ``<script>`` in a name stays text after a reader's one decode.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from markupsafe import escape

from generator.model.compute import FEED_ITEMS, Detection, IncidentView
from generator.render.base import RenderContext
from generator.render.markdown import render_markdown
from generator.render.output import Output, digest


@dataclass(frozen=True)
class FeedSpec:
    """One feed's identity: where it lives, what it is called, what it links to."""

    path: str  # without extension: "history" or "components/<id>"
    title: str
    description: str
    page: str  # the HTML page it mirrors


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """The site's feeds and each component's, keyed by all they show (not ``now``)."""
    model = ctx.model
    site = model.config.site
    bodies = Bodies(ctx)
    site_spec = FeedSpec("history", ctx.t("feed.title", site=site.title),
                         site.description or ctx.t("feed.description", site=site.title),
                         "history.html")
    yield from _both(ctx, site_spec, latest(model.incidents), bodies, model.detected)
    for view in model.components:
        name = ctx.t.text(view.component.name)
        spec = FeedSpec(f"components/{view.id}",
                        ctx.t("feed.component_title", site=site.title, component=name),
                        ctx.t("feed.component_description", component=name),
                        f"components/{view.id}.html")
        items = latest(model.incident(i) for i in view.incident_ids)
        detected = tuple(d for d in model.detected if d.component_id == view.id)
        yield from _both(ctx, spec, items, bodies, detected)


def latest(views: Iterable[IncidentView]) -> list[IncidentView]:
    """The FEED_ITEMS most recently updated, newest first (ties broken by id, for stable bytes)."""
    return heapq.nlargest(FEED_ITEMS, views, key=lambda v: (v.updated, v.id))


def _both(ctx: RenderContext, spec: FeedSpec, items: list[IncidentView], bodies: Bodies,
          detected: tuple[Detection, ...] = ()) -> Iterator[Output]:
    # A feed's date is its newest item's, so a probe run that changes no incident
    # leaves the feed's bytes (and readers' caches) alone; an empty feed takes the model's.
    dates = [items[0].updated] if items else []
    dates += [d.since for d in detected]
    updated = max(dates) if dates else ctx.model.updated
    items = items[:max(0, FEED_ITEMS - len(detected))]
    shown = [(ctx.view_key(view), [bodies.names.get(i) for i in view.incident.components])
             for view in items]
    for kind in ("rss", "atom"):
        key = digest("feed", ctx.site_key, spec, kind, updated, shown,
                     [(d.component_id, d.since, d.state, d.resolved and d.resolved.id)
                      for d in detected])
        yield Output(f"{spec.path}.{kind}", key,
                     partial(_make, ctx, spec, kind, updated, items, bodies, detected))


def _make(ctx: RenderContext, spec: FeedSpec, kind: str, updated: datetime,
          items: list[IncidentView], bodies: Bodies, detected: tuple[Detection, ...]) -> bytes:
    feed = _feed(ctx, spec, kind, updated)
    for detection in detected:  # live notices first: they are what is happening now
        _add_detection(ctx, feed, detection, bodies, kind)
    for view in items:
        _add_item(ctx, feed, view, kind, bodies)
    data: bytes = feed.rss_str(pretty=True) if kind == "rss" else feed.atom_str(pretty=True)
    return data


def _feed(ctx: RenderContext, spec: FeedSpec, kind: str, updated: datetime) -> FeedGenerator:
    site = ctx.model.config.site
    self_url = ctx.url(f"{spec.path}.{kind}")
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(plain(spec.title, kind))
    feed.description(plain(spec.description, kind))
    # RFC 4287 §4.1.1: a feed whose entries name no author names one itself.
    feed.author({"name": site.title, "uri": site.url})
    mime = "application/rss+xml" if kind == "rss" else "application/atom+xml"
    feed.link(href=self_url, rel="self", type=mime)
    # feedgen takes the last link as RSS's <link>: the page, not the feed itself.
    feed.link(href=ctx.url(spec.page), rel="alternate", type="text/html")
    feed.language(ctx.language)
    # Both set from the model, never from the clock: same model, same bytes.
    feed.updated(updated)
    feed.lastBuildDate(updated)
    feed.generator("Kabar")
    return feed


def _add_item(ctx: RenderContext, feed: FeedGenerator, view: IncidentView, kind: str,
              bodies: Bodies) -> None:
    """An incident's item: one entry of each kind, shared by every feed that shows it."""
    entry = bodies.entries.get((kind, view.id))
    if entry is None:
        entry = bodies.entries[kind, view.id] = _entry(ctx, view, kind, bodies)
    feed.add_entry(entry, order="append")


def _entry(ctx: RenderContext, view: IncidentView, kind: str, bodies: Bodies) -> FeedEntry:
    url = ctx.url(view.path)
    title = ctx.t.text(view.incident.title)
    if view.incident.is_maintenance:
        title = f"{ctx.t('feed.maintenance_prefix')} {title}"
    body = bodies.of(view)
    entry = FeedEntry()
    entry.title(plain(title, kind))
    entry.id(url)
    entry.guid(url, permalink=True)
    entry.link(href=url, rel="alternate", type="text/html")
    entry.content(body, type="html")
    entry.updated(view.updated)
    # feedgen keeps one date for RSS pubDate and Atom published; each format gets its own.
    entry.published(view.updated if kind == "rss" else view.published)
    return entry


def plain(text: str, kind: str) -> str:
    """Plain text for a feed's title or description: HTML-escaped once more in RSS.

    RSS 2.0 does not say whether these hold text or HTML, and many readers render them as
    HTML; escaping them keeps markup in a name visible and inert. Atom says ``type="text"``.
    """
    return html.escape(text, quote=False) if kind == "rss" else text


def _add_detection(ctx: RenderContext, feed: FeedGenerator, detection: Detection,
                   bodies: Bodies, kind: str) -> None:
    """An item for an outage seen by monitoring that no incident describes yet.

    Its id names the component and when the outage began, so it stays one item while the
    outage lasts, and a later outage is a new item.
    """
    t = ctx.t
    name = bodies.names.get(detection.component_id, detection.component_id)
    state = t(f"state.{detection.state}")
    url = ctx.url(f"components/{detection.component_id}.html")
    guid = f"{url}#detected-{detection.since.strftime('%Y%m%dT%H%M%SZ')}"
    resolved = detection.resolved
    if resolved is None or resolved.end is None:
        text = t("page.detected", state=state, component=name, time=t.datetime(detection.since))
    else:
        text = t("page.detected_resolved", state=state, component=name,
                 time=t.datetime(detection.since), incident=resolved.incident.title,
                 resolved=t.datetime(resolved.end))
    entry = feed.add_entry(order="append")
    entry.title(plain(t("feed.detected_title", state=state, component=name), kind))
    entry.id(guid)
    entry.guid(guid, permalink=False)
    entry.link(href=url, rel="alternate", type="text/html")
    entry.content(f"<p>{escape(text)}</p>", type="html")
    entry.updated(detection.since)
    entry.published(detection.since)


class Bodies:
    """Item bodies and entries, made once per incident and shared by every feed that shows
    it (an incident names two or three components, each with its feeds)."""

    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.names = {c.id: ctx.t.text(c.name) for c in ctx.model.config.components}
        self._made: dict[str, str] = {}
        self.entries: dict[tuple[str, str], FeedEntry] = {}  # by kind and incident

    def of(self, view: IncidentView) -> str:
        body = self._made.get(view.id)
        if body is None:
            body = self._made[view.id] = body_html(self.ctx, view, self.names)
        return body


def body_html(ctx: RenderContext, view: IncidentView, names: Mapping[str, str]) -> str:
    """Every update, newest first, as Statuspage's feeds show them; messages made safe."""
    t = ctx.t
    parts = [_update_html(t.datetime(u.at), t(f"status.{u.status}"), t.text(t.message(u)))
             for u in view.updates]
    incident = view.incident
    if incident.maintenance is not None:
        window = incident.maintenance
        parts.append(f"<p><strong>{escape(t('feed.window'))}</strong> "
                     f"{escape(t.datetime(window.start))} – {escape(t.datetime(window.end))}</p>")
    affected = [names[i] for i in incident.components if i in names]
    if affected:
        parts.append(f"<p>{escape(t('feed.affected'))} {escape(', '.join(affected))}</p>")
    return "\n".join(parts)


def _update_html(when: str, status: str, message: str) -> str:
    head = f"<small>{escape(when)}</small><br><strong>{escape(status)}</strong>"
    html = str(render_markdown(message)).strip()
    # One paragraph goes inline after the status, as on Statuspage; more stay blocks.
    inner = html[3:-4]
    if html.startswith("<p>") and html.endswith("</p>") and "<p>" not in inner:
        return f"<p>{head} - {inner}</p>"
    return f"<p>{head}</p>\n{html}"
