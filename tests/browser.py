"""A built site in a real browser: served on 127.0.0.1, opened in headless Chromium, checked by
axe; and the parts of a page a browser acts on (feed links, fetched URLs, colours).

Chromium is Debian's (``tests.tools.chromium``); Playwright never downloads one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from playwright.sync_api import Browser, Page, Playwright

from tests import tools
from tests.servers import serving

ColorScheme = Literal["light", "dark"]


@dataclass
class Served:
    """A folder served over HTTP; ``requests`` lists every path the server was asked for."""

    url: str  # ends with "/"
    requests: list[str] = field(default_factory=list)


class _Handler(SimpleHTTPRequestHandler):
    served: Served

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Record the request instead of printing it."""

    def do_GET(self) -> None:  # noqa: N802 - the base's name
        self.served.requests.append(self.path)
        super().do_GET()


@contextmanager
def serve(folder: Path) -> Iterator[Served]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    served = Served(f"http://127.0.0.1:{server.server_address[1]}/")
    handler = type("Handler", (_Handler,), {"served": served})
    server.RequestHandlerClass = functools.partial(handler, directory=str(folder))
    with serving(server):
        yield served


def launch(playwright: Playwright) -> Browser:
    """Debian's headless Chromium (skips locally, fails in CI, when it is missing)."""
    return playwright.chromium.launch(executable_path=tools.chromium(),
                                      args=tools.CHROMIUM_FLAGS)


_AXE_RUN = """async () => {
  const result = await axe.run(document);
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
    details: v.nodes.map(n => n.failureSummary || ""),
  }));
}"""


def axe_violations(page: Page, url: str, axe_url: str, schemes: Sequence[ColorScheme]
                   ) -> dict[str, list[dict[str, Any]]]:
    """axe-core's violations (default rules) on ``url`` in each colour scheme, by scheme.

    ``axe_url`` is ``axe.min.js`` served beside the pages: loaded by URL the browser compiles
    it once, where an inline copy costs half a second a page. The schemes are switched on the
    loaded page, since axe's second run on a page takes half the time of its first.
    """
    page.goto(url)
    page.add_script_tag(url=axe_url)
    found: dict[str, list[dict[str, Any]]] = {}
    for scheme in schemes:
        page.emulate_media(color_scheme=scheme)
        found[scheme] = page.evaluate(_AXE_RUN)
    return found


def describe(page_name: str, violations: list[dict[str, Any]]) -> list[str]:
    """One readable line per violating element: page, rule, impact, selector, why."""
    lines = []
    for v in violations:
        for target, detail in zip(v["targets"], v["details"], strict=True):
            why = " ".join(detail.split())
            lines.append(f"{page_name}: {v['id']} ({v['impact']}): {target}: {v['help']}"
                         + (f" — {why}" if why else ""))
    return lines


def luminance(css: str) -> float:
    """The relative luminance (WCAG) of an ``rgb(r, g, b)`` colour."""
    r, g, b = (int(part) / 255 for part in css[css.index("(") + 1:-1].split(",")[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


class FeedLinks(HTMLParser):
    """The feeds a page offers for auto-discovery: ``<link rel=alternate type=…>`` (not the
    page's translations, ``<link rel=alternate hreflang=…>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (type, href)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and found.get("rel") == "alternate" and "hreflang" not in found:
            self.links.append((found.get("type") or "", found.get("href") or ""))


class Fetched(HTMLParser):
    """The URLs a browser would fetch to show a page: icons, styles, scripts, images, frames."""

    FETCHED_LINKS = {"icon", "stylesheet", "preload", "modulepreload", "manifest",
                     "apple-touch-icon", "mask-icon", "prefetch"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_style = tag == "style"
        found = dict(attrs)
        rel = set((found.get("rel") or "").lower().split())
        if tag == "link" and rel & self.FETCHED_LINKS:
            self.urls.append(found.get("href") or "")
        elif tag in ("script", "img", "iframe", "source", "video", "audio", "embed"):
            self.urls += [found[a] or "" for a in ("src", "srcset") if a in found]
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", found.get("style") or "")

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", data)
