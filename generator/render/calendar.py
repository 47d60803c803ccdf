"""``maintenance.ics``: every scheduled maintenance as an RFC 5545 calendar.

Written by ``icalendar`` (CRLF, lines folded at 75 octets, TEXT escaped). Every value comes
from the model, DTSTAMP included, so the same model gives the same bytes. A calendar needs
at least one component (RFC 5545 3.6): one without maintenance holds the site's time zone
(a VTIMEZONE, which no calendar app shows), so it stays valid and still says something true.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from functools import partial
from html.parser import HTMLParser
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone

from generator.model.compute import IncidentView
from generator.render.base import RenderContext
from generator.render.markdown import render_markdown
from generator.render.output import Output


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """``maintenance.ics``: it stamps ``now``, so it is made every build."""
    yield Output("maintenance.ics", None, partial(calendar, ctx))


def calendar(ctx: RenderContext) -> bytes:
    site = ctx.model.config.site
    cal = Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "-//Kabar//Status page maintenance//EN")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", ctx.t("ics.calname", site=site.title))
    host = urlsplit(site.url).hostname or "localhost"
    for view in ctx.model.incidents:
        if view.incident.is_maintenance:
            cal.add_component(event(ctx, view, host))
    if not cal.subcomponents:
        cal.add_component(Timezone.from_tzid(site.timezone))
    return bytes(cal.to_ical(sorted=False))  # in the order written, as before


def event(ctx: RenderContext, view: IncidentView, host: str) -> Event:
    window = view.incident.maintenance
    assert window is not None
    found = Event()
    found.add("uid", f"{view.id}@{host}")
    found.add("dtstamp", view.updated.astimezone(UTC))  # when it last changed, not the build
    found.add("dtstart", window.start.astimezone(UTC))
    found.add("dtend", window.end.astimezone(UTC))
    found.add("summary", ctx.t.text(view.incident.title))
    if view.written is not None:  # people's newest words, not an automatic update
        found.add("description", plain_text(ctx.t.text(view.written.message)))
    found.add("url", ctx.url(view.path))
    # Completed maintenance stays CONFIRMED: it happened. Kabar has no cancelled state.
    found.add("status", "CONFIRMED")
    found.add("sequence", len(view.updates))
    return found


def plain_text(markdown: str) -> str:
    """A Markdown message as plain text: markup dropped, link targets kept in brackets."""
    reader = _PlainText()
    reader.feed(str(render_markdown(markdown or "")))
    reader.close()
    reader.flush()
    return "\n\n".join(reader.parts)


class _PlainText(HTMLParser):
    """The text of the rendered message, block by block: each paragraph, heading or tight
    list item is one part, each code block another (the page's own HTML, so its tags are
    known)."""

    _BLOCKS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
                         "blockquote", "pre", "hr"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._text: list[str] = []
        self._links: list[str] = []
        self._code = False

    def flush(self) -> None:
        text = "".join(self._text)
        self._text = []
        text = text.rstrip("\n") if self._code else text.strip("\n")
        if text:
            self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.flush()
            self._code = tag == "pre"
        elif tag == "a":
            self._links.append(dict(attrs).get("href") or "")
        elif tag == "img":
            self._text.append(dict(attrs).get("alt") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.flush()
            self._code = False
        elif tag == "a" and self._links and (href := self._links.pop()):
            self._text.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self._text.append(data)
