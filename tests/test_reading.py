"""What a visitor reads matches what the page shows: labels that name the days the bars show,
chart labels clear of the line, one time said once, words for what is offered. Sites are
built by the real pipeline; what depends on layout is read in Debian's headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from generator.cli.demo_history import simulate
from generator.history.record import record
from generator.load.config import load_config
from generator.load.results import Result, Run, write_run
from generator.load.site import load_site
from tests.browser import Served, serve
from tests.conftest import copy_example
from tests.sitebuild import build_site

OUTAGE = "2025-07-16T07:30:00+07:00"
IN_WINDOW = "2026-12-10T01:06:00+07:00"  # six minutes into a maintenance of Nusa Chat


def _runs(config: Path, history: Path, start: datetime, minutes: int) -> None:
    """A run a minute, every probed component answering."""
    loaded = load_config(config)
    for n in range(minutes + 1):
        at = start + timedelta(minutes=n)
        results = tuple(Result(c.id, at, "up", 150.0 + 40 * (n % 3), 200)
                        for c in loaded.components if c.probe)
        path = history.parent / "run.json"
        write_run(Run("default", at, at + timedelta(seconds=1), results), path)
        record(history, [path], loaded)


def _example(folder: Path, incidents: bool = True) -> Path:
    copy_example(folder, incidents)
    (folder / "history").mkdir()
    return folder / "status.yaml"


def _build(config: Path, out: Path, now: str) -> Path:
    build_site(config, config.parent / "incidents", config.parent / "history", out, now=now)
    return out


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reading")


@pytest.fixture(scope="module")
def sites(root: Path) -> dict[str, Path]:
    """``outage``: the example during its outage with 90 days of probe runs; ``maintenance``:
    six minutes into a maintenance with no update (its probes started with it) and another
    announced without one; ``fresh``: the first check of a site is its last change."""
    built = {}
    config = _example(root / "outage-input")
    now = datetime.fromisoformat(OUTAGE)
    # 90 days of runs, as the demo simulates them: what the scheduled job would have left
    simulate(config.parent / "history", load_config(config),
             load_site(config, config.parent / "incidents")[1], now, now)
    built["outage"] = _build(config, root / "outage", OUTAGE)
    config = _example(root / "maintenance-input")
    for name, day in (("network", 10), ("storage", 20)):
        (config.parent / "incidents" / f"2026-12-{day}-{name}.yaml").write_text(
            f"title: Pemeliharaan {name}\n"
            f"maintenance: {{start: 2026-12-{day} 01:00, end: 2026-12-{day} 03:00}}\n"
            "components: {chat: under_maintenance}\n", encoding="utf-8")
    _runs(config, config.parent / "history", datetime.fromisoformat(IN_WINDOW) - timedelta(
        minutes=6), 6)
    built["maintenance"] = _build(config, root / "maintenance", IN_WINDOW)
    config = _example(root / "fresh-input", incidents=False)
    _runs(config, config.parent / "history", datetime.fromisoformat(OUTAGE), 0)
    built["fresh"] = _build(config, root / "fresh", OUTAGE)
    return built


@pytest.fixture(scope="module")
def served(root: Path, sites: dict[str, Path]) -> Iterator[Served]:
    with serve(root) as server:
        yield server


@pytest.mark.parametrize(("width", "days"), [(1280, 90), (360, 30)])
def test_the_bars_label_names_the_days_the_bars_show(served: Served, browser: Browser,
                                                     width: int, days: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{served.url}outage/index.html")
        shown = page.locator(".bars").first.evaluate(
            "bars => [...bars.children].filter(b => b.offsetWidth > 0).length")
        axis = page.locator(".axis").first.inner_text()
        page.goto(f"{served.url}outage/components/chat.html")
        heading = page.locator("h2", has_text="hari terakhir").inner_text()
        component_axis = page.locator(".axis").first.inner_text()
    finally:
        context.close()
    assert shown == days
    assert f"{days} hari lalu" in axis and f"({days} hari)" in axis
    assert heading == f"{days} hari terakhir"
    assert f"({days} hari)" in component_axis


def _overlaps(page_url: str, browser: Browser, width: int) -> list[str]:
    """Each chart's value labels that reach into its plot (where the line is drawn)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(page_url)
        return page.evaluate("""() => [...document.querySelectorAll("svg.chart")].flatMap(
            chart => {
              const plot = chart.querySelector("svg").getBoundingClientRect();
              return [...chart.querySelectorAll("text")]
                .filter(t => /ms$/.test(t.textContent))
                .filter(t => t.getBoundingClientRect().right > plot.left)
                .map(t => t.textContent);
            })""")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_charts_value_labels_stand_clear_of_the_line(served: Served, browser: Browser,
                                                        width: int) -> None:
    url = f"{served.url}outage/components/chat.html"
    assert _overlaps(url, browser, width) == []
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        labels = page.locator("svg.chart text").all_text_contents()
        wide = page.evaluate("document.documentElement.scrollWidth")
    finally:
        context.close()
    assert {"0 ms", "250 ms"} <= set(labels)  # labelled all the same
    assert wide <= width


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_last_change_and_the_last_check_are_one_line_when_they_are_the_same_time(
        sites: dict[str, Path]) -> None:
    fresh = _text(sites["fresh"] / "index.html")
    assert "Terakhir diperbarui dan diperiksa: <time" in fresh
    assert "Terakhir diperbarui 16" not in fresh and "Terakhir diperiksa" not in fresh
    outage = _text(sites["outage"] / "index.html")  # the incident's update came earlier
    assert ('<p class=meta>Terakhir diperbarui <time datetime="2025-07-16T07:05:00+07:00">'
            "16 Juli 2025 07.05 WIB</time></p>") in outage
    assert "Terakhir diperiksa: <time" in outage


def test_a_maintenance_without_updates_says_its_window_and_what_it_affects(
        sites: dict[str, Path], served: Served, browser: Browser) -> None:
    page_html = _text(sites["maintenance"] / "index.html")
    for window in ("10 Desember 2026 01.00 – 03.00 WIB", "20 Desember 2026 01.00 – 03.00 WIB"):
        assert f"{window} · Berdampak pada Nusa Chat</p>" in re.sub(r"</?time[^>]*>", "",
                                                                  page_html)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{served.url}maintenance/index.html")
        gaps = page.evaluate("""() => [...document.querySelectorAll("article.card")].map(
            card => card.getBoundingClientRect().bottom
                    - card.lastElementChild.getBoundingClientRect().bottom)""")
    finally:
        context.close()
    assert len(gaps) == 2
    assert all(gap <= 13.5 for gap in gaps), gaps  # the card's padding and border, no more


def test_a_component_in_maintenance_says_why_it_has_no_uptime(sites: dict[str, Path]) -> None:
    home = _text(sites["maintenance"] / "index.html")
    chat = home[home.index(">Nusa Chat<"):home.index(">Nusa Video<")]
    assert "Belum ada data ketersediaan" not in chat
    assert "Belum ada ketersediaan: semua datanya sejauh ini dari masa pemeliharaan" in chat
    video = home[home.index(">Nusa Video<"):home.index(">Login dan akun<")]
    assert "Ketersediaan 100,00% (data 6 menit)" in video  # measured, outside maintenance
    page = _text(sites["maintenance"] / "components" / "chat.html")
    assert page.count("— <small>dalam pemeliharaan: tidak dihitung</small>") == 4


def _intro(html: str) -> str:
    start = html.index('<h2 id=subscribe>')
    return html[html.index("<p class=meta>", start) + 14:html.index("</p>", start)]


def test_the_subscribe_words_name_what_is_offered(sites: dict[str, Path], tmp_path: Path
                                                  ) -> None:
    site = sites["outage"]
    component = _text(site / "components" / "chat.html")
    assert _intro(component) == "Ikuti Nusa Chat lewat pembaca umpan:"
    block = component[component.index("<h2 id=subscribe>"):]
    block = block[:block.index("</section>")]
    assert block.count("<li>") == 2 and ".rss" in block and ".atom" in block
    home = _text(site / "index.html")
    assert _intro(home) == "Ikuti halaman ini lewat pembaca umpan atau aplikasi kalender:"
    assert "maintenance.ics" in home
    config = _example(tmp_path / "with-links")
    config.write_text(_text(config) + "subscribe:\n  - {name: ntfy, url: "
                      "\"https://ntfy.sh/nusa-status\"}\n", encoding="utf-8")
    out = _build(config, tmp_path / "out", OUTAGE)
    assert _intro(_text(out / "index.html")) == ("Ikuti halaman ini lewat pembaca umpan, "
                                                "aplikasi kalender, atau salah satu saluran "
                                                "ini:")
    assert _intro(_text(out / "components" / "chat.html")) == (
        "Ikuti Nusa Chat lewat pembaca umpan, atau seluruh halaman lewat salah satu saluran "
        "ini:")
