"""The built pages as a visitor meets them: valid HTML, accessible, light and dark, on a phone.

The example site (``status.yaml``, ``incidents/``) is built by the real pipeline during the
16 July 2025 outage and after it, with and without recorded probe results; the Nu HTML Checker
and axe-core (in Debian's headless Chromium) check every page.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser

from generator.history.record import record
from generator.load.config import load_config
from generator.load.results import Result, Run, write_run
from generator.render.i18n import Translator
from generator.site.build import BuildResult
from tests import tools
from tests.branding import brand, png
from tests.browser import (
    FeedLinks,
    Fetched,
    Served,
    axe_violations,
    describe,
    luminance,
    serve,
)
from tests.conftest import ROOT
from tests.sitebuild import build_site

OUTAGE = "2025-07-16T07:30:00+07:00"  # the login incident is open
RESOLVED = "2025-07-16T12:00:00+07:00"
MAINTENANCE = "2026-12-06T02:00:00+07:00"  # inside the database upgrade's window
SITE_URL = "https://status.nusa.example/"
RAW_LIMIT = 100 * 1024
GZIP_LIMIT = 14 * 1024


@dataclass(frozen=True)
class Built:
    name: str  # the site's folder inside the served folder
    out: Path
    result: BuildResult

    def pages(self) -> list[str]:
        """Every HTML page, as a path inside the site."""
        return sorted(p.relative_to(self.out).as_posix() for p in self.out.rglob("*.html"))


def probe_runs(folder: Path, history: Path, times: list[datetime]) -> None:
    """Record one run per time: chat answers, the API fails."""
    config = load_config(ROOT / "status.yaml")
    for n, at in enumerate(times):
        results = (Result("chat", at, "up", 180.0 + 40 * n, 200),
                   Result("api", at, "down", None, 503, "expected 200, got 503"))
        path = folder / f"results-{n}.json"
        write_run(Run("default", at, at + timedelta(seconds=2), results), path)
        record(history, [path], config)


def around(now: str) -> list[datetime]:
    at = datetime.fromisoformat(now)
    return [at - timedelta(minutes=10), at - timedelta(minutes=5)]


@pytest.fixture(scope="module")
def quality_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("quality")


@pytest.fixture(scope="module")
def sites(quality_root: Path) -> dict[str, Built]:
    """The example site at the outage and after it, without and with probe history, and
    during its maintenance (which is announced only in November 2026)."""
    built = {}
    for name, now, probed in (("outage", OUTAGE, False), ("outage-probed", OUTAGE, True),
                              ("resolved", RESOLVED, False),
                              ("resolved-probed", RESOLVED, True),
                              ("maintenance", MAINTENANCE, False)):
        history = quality_root / f"history-{name}"
        history.mkdir()
        if probed:
            probe_runs(quality_root, history, around(now))
        out = quality_root / name
        result = build_site(ROOT / "status.yaml", ROOT / "incidents", history, out, now=now)
        built[name] = Built(name, out, result)
    # the example with a logo (its own in the dark theme), a favicon, an accent, a link
    folder = quality_root / "branded-input"
    folder.mkdir()
    config = brand(folder, ROOT / "status.yaml")
    history = quality_root / "history-branded"
    history.mkdir()
    probe_runs(quality_root, history, around(OUTAGE))
    out = quality_root / "branded"
    built["branded"] = Built("branded", out, build_site(config, ROOT / "incidents", history, out,
                                                        now=OUTAGE))
    return built


def twenty_components(folder: Path) -> Path:
    """A status.yaml like the example's with 20 components in four groups."""
    ids = ["chat", "video", "login", "api", "realtime", "dashboard"]
    ids += [f"layanan-{n:02d}" for n in range(7, 21)]
    lines = [
        "site:",
        "  title: Status Nusa AI",
        f"  url: {SITE_URL}",
        "  description: Status langsung layanan Nusa AI.",
        "  timezone: Asia/Jakarta",
        "  languages: [id, en]",
        "  interval: 5m",
        "components:",
    ]
    groups = ["Aplikasi", "Platform", "Data", "Wilayah"]
    for n, key in enumerate(ids):
        lines += [
            f"  - id: {key}",
            f"    name: {key.replace('-', ' ').title()}",
            f"    group: {groups[n // 5]}",
            f"    description: Komponen nomor {n + 1} dari Nusa AI",
            "    probe:",
            f"      http: https://{key}.nusa.example/healthz",
        ]
    path = folder / "status.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def big_site(quality_root: Path) -> Built:
    """20 components, 90 days of daily probe runs with a few bad days, the example incidents,
    and a brand: a logo for each theme, a favicon, an accent and a header link."""
    folder = quality_root / "big-input"
    folder.mkdir()
    config_path = brand(folder, twenty_components(folder))
    config = load_config(config_path)
    history = folder / "history"
    last = datetime.fromisoformat(OUTAGE) - timedelta(minutes=5)
    for day in range(89, -1, -1):
        at = last - timedelta(days=day)
        results = []
        for n, component in enumerate(config.components):
            bad = (day * 7 + n * 3) % 30
            state = "down" if bad == 0 else "degraded" if bad == 15 else "up"
            results.append(Result(component.id, at, state,
                                  None if state == "down" else 150.0 + n * 10 + day % 13,
                                  None if state == "down" else 200,
                                  "connection refused" if state == "down" else None))
        path = folder / "results.json"
        write_run(Run("default", at, at + timedelta(seconds=2), tuple(results)), path)
        record(history, [path], config)
    out = quality_root / "big"
    return Built("big", out, build_site(config_path, ROOT / "incidents", history, out, now=OUTAGE))


@pytest.fixture(scope="module")
def served(quality_root: Path, sites: dict[str, Built]) -> Iterator[Served]:
    """Every built site, each in its folder, over HTTP on 127.0.0.1."""
    with serve(quality_root) as server:
        yield server


def test_every_page_passes_the_nu_html_checker(sites: dict[str, Built],
                                               big_site: Built) -> None:
    java, jar = tools.java(), tools.vnu_jar()
    files = [str(b.out / page) for b in (*sites.values(), big_site) for page in b.pages()]
    run = subprocess.run([java, "-jar", str(jar), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, check=False)
    assert run.returncode in (0, 1), run.stderr  # 1: it found errors; else it failed to run
    report = json.loads(run.stderr or run.stdout)
    root = sites["outage"].out.parent.as_posix()
    shown = [f"{m.get('url', '').removeprefix('file:').removeprefix(root + '/')}:"
             f"{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}: "
             f"{m.get('type')}: {m.get('message')} — {m.get('extract', '').strip()!r}"
             for m in report["messages"]]
    assert len(files) > 30
    assert not shown, f"{len(shown)} Nu HTML Checker error(s):\n" + "\n".join(shown)


def unique_pages(sites: dict[str, Built]) -> list[str]:
    """``site/page`` of every page, leaving out pages byte-identical to one already listed."""
    seen: set[bytes] = set()
    unique = []
    for built in sites.values():
        for name in built.pages():
            digest = hashlib.sha256((built.out / name).read_bytes()).digest()
            if digest not in seen:
                seen.add(digest)
                unique.append(f"{built.name}/{name}")
    return unique


def test_every_page_has_no_axe_violations_in_light_and_dark(
        sites: dict[str, Built], quality_root: Path, served: Served, browser: Browser) -> None:
    shutil.copyfile(tools.axe_script(), quality_root / "axe.min.js")
    pages = unique_pages(sites)
    problems = []
    context = browser.new_context()
    try:
        page = context.new_page()
        for name in pages:
            found = axe_violations(page, served.url + name, served.url + "axe.min.js",
                                   ("light", "dark"))
            problems += [line for scheme, violations in found.items()
                         for line in describe(f"{name} ({scheme})", violations)]
    finally:
        context.close()
    assert {"outage/index.html", "resolved-probed/index.html", "maintenance/index.html",
            "outage/404.html", "outage-probed/components/chat.html", "outage/history.html",
            "maintenance/incidents/2026-12-06-database-upgrade.html",
            "outage-probed/uptime/index.html", "outage-probed/uptime/api.html",
            "branded/index.html",
            "branded/components/chat.html"} <= set(pages)
    assert not problems, f"{len(problems)} axe violation(s):\n" + "\n".join(problems)


def test_the_home_page_works_without_javascript(sites: dict[str, Built], served: Served,
                                                browser: Browser) -> None:
    model = sites["outage"].result.model
    banner = Translator("id", ZoneInfo("Asia/Jakarta"))(f"overall.{model.overall}")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{served.url}outage/index.html")
        text = page.inner_text("body")
        heading = page.inner_text("h1")
    finally:
        context.close()
    # the API down, five other components not: a partial system outage, as Statuspage says
    assert heading == banner == "Gangguan Sebagian pada Sistem"
    names = [c.name for c in model.config.components]
    assert [n for n in names if n not in text] == []
    assert len(names) == 6


def test_the_home_page_is_one_request(sites: dict[str, Built], served: Served,
                                      browser: Browser) -> None:
    context = browser.new_context()
    seen: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda request: seen.append(request.url))
        served.requests.clear()
        page.goto(f"{served.url}outage-probed/index.html", wait_until="networkidle")
    finally:
        context.close()
    assert seen == [f"{served.url}outage-probed/index.html"]
    assert served.requests == ["/outage-probed/index.html"]
    # Headless Chromium fetches no favicon at all, so check what a desktop browser would
    # fetch: every icon, style, script and image must be inlined as a data: URL.
    parser = Fetched()
    parser.feed((sites["outage-probed"].out / "index.html").read_text(encoding="utf-8"))
    assert [u for u in parser.urls if not u.startswith("data:")] == []
    assert any(u.startswith("data:image/svg+xml,") for u in parser.urls)  # the favicon


@pytest.mark.parametrize("path", ["index.html", "incidents/2025-07-16-login-errors.html",
                                  "components/api.html", "components/chat.html",
                                  "uptime/index.html", "uptime/api.html"])
def test_pages_fit_a_phone_without_sideways_scrolling(sites: dict[str, Built],
                                                      served: Served, browser: Browser,
                                                      path: str) -> None:
    assert (sites["outage-probed"].out / path).is_file()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(f"{served.url}outage-probed/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert width <= 360


@pytest.mark.parametrize("path", ["index.html", "components/api.html", "404.html"])
def test_the_brand_shows_in_both_themes(sites: dict[str, Built], served: Served,
                                        browser: Browser, path: str) -> None:
    site = sites["branded"].result.model
    assert site is not None
    accent = site.config.site.accent
    assert accent is not None
    seen = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(f"{served.url}branded/{path}")
            logo = page.locator("header.top img")
            seen[scheme] = (
                logo.evaluate("img => img.currentSrc"),
                logo.evaluate("img => img.naturalWidth > 0 && img.offsetHeight > 20"),
                page.locator("header nav a", has_text="Pusat bantuan").evaluate(
                    "a => getComputedStyle(a).color"))
        finally:
            context.close()
    # each theme shows its own logo, loaded and drawn, and links in its own accent
    assert "%235fd3a9" in seen["dark"][0] and "%230a6b4f" in seen["light"][0]
    assert seen["light"][1] and seen["dark"][1]
    assert seen["light"][2] == _rgb(accent.light) and seen["dark"][2] == _rgb(accent.dark)


def _rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(colour[n:n + 2], 16) for n in (1, 3, 5)))


@pytest.mark.parametrize("path", ["index.html", "components/api.html", "404.html"])
def test_dark_mode_follows_the_system_setting(sites: dict[str, Built], served: Served,
                                              browser: Browser, path: str) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        try:
            page = context.new_page()
            page.goto(f"{served.url}outage-probed/{path}")
            backgrounds[scheme] = page.evaluate(
                "getComputedStyle(document.body).backgroundColor")
        finally:
            context.close()
    assert luminance(backgrounds["dark"]) < 0.2, backgrounds
    assert luminance(backgrounds["light"]) > 0.8, backgrounds


def test_every_page_links_its_feeds_for_auto_discovery(sites: dict[str, Built]) -> None:
    problems = []
    checked = 0
    for built in sites.values():
        for name in built.pages():
            parser = FeedLinks()
            parser.feed((built.out / name).read_text(encoding="utf-8"))
            kinds = {kind for kind, _ in parser.links}
            if not {"application/rss+xml", "application/atom+xml"} <= kinds:
                problems.append(f"{built.name}/{name}: feed links {sorted(kinds)}")
            for _, href in parser.links:
                target = href.removeprefix(SITE_URL)
                if target == href or not (built.out / target).is_file():
                    problems.append(f"{built.name}/{name}: {href} is not a file of the site")
            if name.removeprefix("en/").startswith("components/"):
                own = {href for _, href in parser.links}
                stem = SITE_URL + name.removesuffix(".html")
                if not {stem + ".rss", stem + ".atom"} <= own:
                    problems.append(f"{built.name}/{name}: no feed of its own component")
            checked += 1
    assert checked > 30
    assert problems == []


def test_home_page_of_20_components_arrives_in_the_first_round_trip(big_site: Built) -> None:
    data = (big_site.out / "index.html").read_bytes()
    names = [c.component.name for c in big_site.result.model.components]
    assert len(names) == 20
    assert [n for n in names if f">{n}<" not in data.decode()] == []  # all on the page
    assert len(data) <= RAW_LIMIT, f"index.html is {len(data):,} bytes raw"
    packed = len(gzip.compress(data, 9))
    assert packed <= GZIP_LIMIT, f"index.html is {packed:,} bytes gzipped"



def test_inlined_images_of_the_largest_size_keep_the_home_page_in_the_first_round_trip(
        big_site: Built, quality_root: Path) -> None:
    """Three raster images just small enough to be inlined (the worst case for the budget:
    base64 of noise does not compress) on the home page of 20 components."""
    folder = quality_root / "big-input"
    for name in ("logo.png", "logo-dark.png", "favicon.png"):
        (folder / name).write_bytes(png(26, noisy=True, seed=name))
    config = folder / "status.yaml"
    config.write_text(config.read_text().replace("logo.svg", "logo.png").replace(
        "logo-dark.svg", "logo-dark.png"))
    out = quality_root / "big-worst"
    build_site(config, ROOT / "incidents", folder / "history", out, now=OUTAGE)
    data = (out / "index.html").read_bytes()
    assert data.count(b"data:image/png;base64,") == 3  # all three inlined
    assert not (out / "assets").exists()
    packed = len(gzip.compress(data, 9))
    assert packed <= GZIP_LIMIT, f"index.html is {packed:,} bytes gzipped"
