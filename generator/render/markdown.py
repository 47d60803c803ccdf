"""Markdown from contributors, rendered safely: raw HTML escaped, unsafe links dropped."""

from __future__ import annotations

from functools import cache, lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

_SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")


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


# Pages and feeds render the same messages: each once per process, as long as a site's
# messages fit (a build of 10,000 incidents has about 35,000).
@lru_cache(maxsize=1 << 16)
def render_markdown(text: str) -> Markup:
    """CommonMark to HTML, safe to place in a page or a feed."""
    return Markup(_parser().render(text or ""))
