"""``maintenance.ics``: every scheduled maintenance as an RFC 5545 calendar.

Written by hand (it is a few lines of text): CRLF line endings, content lines folded at 75
octets without splitting a UTF-8 character, TEXT values escaped. Every value comes from the
model, DTSTAMP included, so the same model gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.model.compute import IncidentView
from generator.render.base import RenderContext
from generator.render.output import Output, made

LINE_OCTETS = 75
_PLAIN = MarkdownIt("commonmark", {"html": False})


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
    if view.written is not None:
        lines.append(f"DESCRIPTION:{escape_text(plain_text(view.written.message))}")
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
    out: list[str] = []
    for block in _PLAIN.parse(markdown or ""):
        if block.type == "inline":
            out.append(_inline_text(block.children or []))
        elif block.type in ("fence", "code_block"):
            out.append(block.content.rstrip("\n"))
    return "\n\n".join(part for part in out if part)


def _inline_text(tokens: list[Token]) -> str:
    text: list[str] = []
    href: str | None = None
    for token in tokens:
        if token.type in ("text", "code_inline", "image"):
            text.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            text.append("\n")
        elif token.type == "link_open":
            href = str(token.attrs.get("href", ""))
        elif token.type == "link_close" and href:
            text.append(f" ({href})")
            href = None
    return "".join(text)
