"""Markdown from contributors, rendered safely: raw HTML shown as text, unsafe links dropped.

cmark (GitHub's, through ``cmarkgfm``) renders CommonMark in its safe mode, which omits raw
HTML and empties ``javascript:``, ``vbscript:``, ``file:`` and most ``data:`` links. Kabar
keeps its own, stricter rule, and shows what it refuses as the text that was written: raw
HTML reads as text (``a <b>tag</b>`` shows its tags), and a link to anything but a relative
path, ``http:``, ``https:``, ``mailto:`` or ``tel:`` is no link, its Markdown shown as written.

A message with neither (nearly all of them) is rendered once. One with either is rendered
again from a copy of its source in which cmark cannot see them: each ``<`` that would open
raw HTML or an unsafe autolink becomes a placeholder put back as ``&lt;`` afterwards, and
each unsafe link destination or reference definition has its bracket escaped. Whatever that
copy still let through is made inert on the output (safe mode's comment stays; a refused
``href`` or ``src`` is emptied), so no page ever carries raw HTML or an unsafe link.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import cmarkgfm
from markupsafe import Markup

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")

# Pages and feeds render the same messages: each once per process, as long as a site's
# messages fit (a build of 10,000 incidents has about 35,000; of 20,000, 70,000).
MEMO_SIZE = 1 << 17
_made: dict[str, Markup] = {}

_OMITTED = "<!-- raw HTML omitted -->"
_ATTRIBUTE = re.compile(r' (href|src)="([^"]*)"')  # cmark writes " href=" (a literal prefix: fast)
# A CommonMark autolink (spec 6.5): <scheme:...> or <email>.
_AUTOLINK = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9.+-]{1,31}:[^\x00-\x20<>]*"
    r"|[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)>")
# An inline link's or image's destination, after ``](``: in angle brackets, or bare (with
# balanced parentheses one deep).
_INLINE_DESTINATION = re.compile(
    r"\]\(([ \t]*\n?[ \t]*)(<[^<>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))+)"
    r"(?=[ \t]*\n?[ \t]*[)\"'(])")
# A link reference definition's label and destination, at the start of a line (or after a
# block quote's or a list item's marker).
_DEFINITION = re.compile(
    r"^((?:[ \t]*(?:>|[-+*]|\d{1,9}[.)]))*[ \t]{0,3})\[((?:[^\[\]\\]|\\.){1,999})\]:"
    r"[ \t]*\n?[ \t]*(<[^<>\n]*>|\S+)(?=[ \t]*$|[ \t]*\n?[ \t]+[\"'(])", re.MULTILINE)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# Unicode punctuation, as ``<`` is ASCII punctuation, so that emphasis around it still
# reads the same; the first that the text does not hold is used.
_PLACEHOLDERS = "\u2e2e\u2e18\u203d\u2e4e\u2e41"


def _validate_link(url: str) -> bool:
    """Allow relative links and a few schemes; refuse javascript:, data:, vbscript: and others."""
    if url.startswith(_SAFE_SCHEMES):
        return True  # most links: nothing to clean first
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    if ":" not in cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return True
    return cleaned.startswith(_SAFE_SCHEMES)


def _destination_allowed(written: str) -> bool:
    """Whether a destination as written in the source (escapes, entities, ``<…>``) is safe."""
    if written.startswith("<") and written.endswith(">"):
        written = written[1:-1]
    return _validate_link(html.unescape(_ESCAPED.sub(r"\1", written)))


def _clean(text: str, rendered: str) -> bool:
    """Whether cmark's safe output holds no raw HTML and no link Kabar refuses, and the text
    no reference definition that Kabar refuses (cmark consumes one even when unused)."""
    if _OMITTED in rendered:
        return False
    if "]:" in text and not all(_destination_allowed(match[3])
                                for match in _DEFINITION.finditer(text)):
        return False
    if ' href="' not in rendered and ' src="' not in rendered:
        return True  # most messages: no link or image, and no regex scan to find one
    return all(value and _validate_link(html.unescape(value) if "&" in value else value)
               for _, value in _ATTRIBUTE.findall(rendered))


def _hidden(text: str, placeholder: str | None) -> str:
    """``text`` with raw HTML and unsafe links out of cmark's sight (see the module's doc)."""
    def definition(match: re.Match[str]) -> str:
        if _destination_allowed(match[3]):
            return match[0]
        return f"{match[1]}\\[{match[2]}]:{match[0][len(match[1]) + len(match[2]) + 3:]}"

    def destination(match: re.Match[str]) -> str:
        if _destination_allowed(match[2]):
            return match[0]
        return "]\\(" + match[0][2:]

    text = _DEFINITION.sub(definition, text)
    text = _INLINE_DESTINATION.sub(destination, text)
    if placeholder is None:  # a text made to hold them all: its raw HTML stays omitted
        return text
    destinations = {match.start(2) for match in _INLINE_DESTINATION.finditer(text)}
    destinations |= {match.start(3) for match in _DEFINITION.finditer(text)}
    out: list[str] = []
    start = 0
    for at in (i for i, ch in enumerate(text) if ch == "<"):
        before = text[max(0, at - 64):at]
        backslashes = len(before) - len(before.rstrip("\\"))
        autolink = _AUTOLINK.match(text, at)
        if backslashes % 2 or (_destination_allowed(autolink[0]) if autolink else
                               at in destinations):
            continue  # escaped; a safe autolink; a destination in angle brackets
        out += [text[start:at], placeholder]
        start = at + 1
    out.append(text[start:])
    return "".join(out)


def _render_hidden(text: str) -> str:
    """Render a message that holds raw HTML or a refused link (see the module's doc)."""
    placeholder = next((ch for ch in _PLACEHOLDERS if ch not in text), None)
    rendered = cmarkgfm.markdown_to_html(_hidden(text, placeholder))
    if placeholder is not None:
        encoded = "".join(f"%{byte:02X}" for byte in placeholder.encode("utf-8"))
        rendered = rendered.replace(placeholder, "&lt;").replace(encoded, "%3C")
    return _ATTRIBUTE.sub(
        lambda m: m[0] if m[2] and _validate_link(html.unescape(m[2])) else f' {m[1]}=""',
        rendered)


def render_markdown(text: str) -> Markup:
    """CommonMark to HTML, safe to place in a page or a feed."""
    made = _made.get(text)
    if made is None:
        rendered = cmarkgfm.markdown_to_html(text or "")
        if not _clean(text, rendered):
            rendered = _render_hidden(text)
        made = Markup(rendered)
        _remember(text, made)
    return made


def render_texts(texts: Sequence[str]) -> list[str]:
    """The HTML of each of ``texts`` (a worker process renders them ahead: see
    ``generator/site/build.py``)."""
    return [str(render_markdown(text)) for text in texts]


def remember(rendered: Iterable[tuple[str, str]]) -> None:
    """Take ``(text, html)`` that ``render_texts`` made elsewhere, so this process and any it
    forks later render those texts no more."""
    for text, made in rendered:
        _remember(text, Markup(made))


def _remember(text: str, made: Markup) -> None:
    if len(_made) >= MEMO_SIZE:
        _made.clear()
    _made[text] = made
