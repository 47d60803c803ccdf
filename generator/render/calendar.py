"""``maintenance.ics``: every scheduled maintenance as an RFC 5545 calendar.

Written by hand (it is a few lines of text): CRLF line endings, content lines folded at 75
octets without splitting a UTF-8 character, TEXT values escaped. Every value comes from the
model, DTSTAMP included, so the same model gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from html.parser import HTMLParser
from urllib.parse import urlsplit

from generator.model.compute import IncidentView
from generator.render.base import RenderContext
from generator.render.markdown import render_markdown
from generator.render.output import Output, made

LINE_OCTETS = 75


def render(ctx: RenderContext) -> Iterator[tuple[str, bytes]]:
    """The calendar file, made now."""
    return made(outputs(ctx))


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """``maintenance.ics``: it stamps ``now``, so it is made every build."""
    yield Output("maintenance.ics", None, partial(calendar, ctx))


def calendar(ctx: RenderContext) -> bytes:
    site = ctx.model.config.site
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kabar//Status page maintenance//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(ctx.t('ics.calname', site=site.title))}",
    ]
    host = urlsplit(site.url).hostname or "localhost"
    for view in ctx.model.incidents:
        if view.incident.is_maintenance:
            lines += event(ctx, view, host)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


def event(ctx: RenderContext, view: IncidentView, host: str) -> list[str]:
    window = view.incident.maintenance
    assert window is not None
    lines = [
        "BEGIN:VEVENT",
        f"UID:{view.id}@{host}",
        f"DTSTAMP:{utc(view.updated)}",  # when it last changed, not when it was built
        f"DTSTART:{utc(window.start)}",
        f"DTEND:{utc(window.end)}",
        f"SUMMARY:{escape_text(view.incident.title)}",
    ]
    if view.updates:
        lines.append(f"DESCRIPTION:{escape_text(plain_text(view.updates[0].message))}")
    lines += [
        f"URL:{ctx.url(view.path)}",
        # Completed maintenance stays CONFIRMED: it happened. Kabar has no cancelled state.
        "STATUS:CONFIRMED",
        f"SEQUENCE:{len(view.updates)}",
        "END:VEVENT",
    ]
    return lines


def utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newline escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets; continuation lines start with one space."""
    data = line.encode("utf-8")
    if len(data) <= LINE_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space counts
        current.append(ch)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


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
