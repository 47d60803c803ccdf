"""Markdown from contributors, rendered safely: raw HTML escaped, unsafe links dropped."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")

# Pages and feeds render the same messages: each once per process, as long as a site's
# messages fit (a build of 10,000 incidents has about 35,000; of 20,000, 70,000).
MEMO_SIZE = 1 << 17
_made: dict[str, Markup] = {}


def _validate_link(url: str) -> bool:
    """Allow relative links and a few schemes; refuse javascript:, data:, vbscript: and others."""
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace()).lower()
    if ":" not in cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]:
        return True
    return cleaned.startswith(_SAFE_SCHEMES)


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _validate_link  # type: ignore[method-assign]
    return md


def render_markdown(text: str) -> Markup:
    """CommonMark to HTML, safe to place in a page or a feed."""
    html = _made.get(text)
    if html is None:
        html = Markup(_parser().render(text or ""))
        _remember(text, html)
    return html


def render_texts(texts: Sequence[str]) -> list[str]:
    """The HTML of each of ``texts`` (a worker process renders them ahead: see
    ``generator/site/build.py``)."""
    return [str(render_markdown(text)) for text in texts]


def remember(rendered: Iterable[tuple[str, str]]) -> None:
    """Take ``(text, html)`` that ``render_texts`` made elsewhere, so this process and any it
    forks later render those texts no more."""
    for text, html in rendered:
        _remember(text, Markup(html))


def _remember(text: str, html: Markup) -> None:
    if len(_made) >= MEMO_SIZE:
        _made.clear()
    _made[text] = html
