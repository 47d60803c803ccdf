"""The Subscribe block and the time of the last check, on the home and component pages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from generator.load.notify import Link
from generator.render.base import context
from generator.render.pages import outputs
from tests.factories import sample_model
from tests.rendering import render


def _pages(language: str, links: tuple[Link, ...] = ()) -> dict[str, str]:
    model = sample_model(language)
    model = replace(model, config=replace(model.config, subscribe=links))
    return {path: data.decode() for path, data in render(outputs, context(model)) if data}


def _hrefs(html: str) -> list[tuple[str, str]]:
    return [(href, re.sub(r"<[^>]+>", "", text)) for href, text in
            re.findall(r'<a href="([^"]+)">(.*?)</a>', html)]


def test_home_page_subscribe_block_beside_the_components() -> None:
    links = (Link("ntfy", "https://ntfy.sh/nusa-status"),
             Link("Milis", "mailto:status-subscribe@nusa.example"))
    html = _pages("id", links)["index.html"]
    block = html[html.index("<section class=sub"):html.index("</section>")]
    # After the components and their legend, before the recent incidents; not in the footer.
    assert html.index("class=legend") < html.index("<section class=sub") < html.index(
        "Insiden dalam 14 hari terakhir")
    assert "<h2 id=subscribe>Berlangganan</h2>" in block
    first, per_component = block.split("<details>")
    assert _hrefs(first) == [
        ("history.rss", "Umpan RSS"), ("history.atom", "Umpan Atom"),
        ("maintenance.ics", "Kalender pemeliharaan"),
        ("webcal://status.nusa.example/maintenance.ics", "tambahkan ke aplikasi kalender"),
        ("https://ntfy.sh/nusa-status", "ntfy"),
        ("mailto:status-subscribe@nusa.example", "Milis")]
    model = sample_model("id")
    assert "<summary>Umpan per komponen</summary>" in per_component
    assert _hrefs(per_component) == [
        (f"components/{cv.id}.{kind}", kind.upper() if kind == "rss" else "Atom")
        for cv in model.components for kind in ("rss", "atom")]


def test_component_page_subscribes_to_that_component() -> None:
    pages = _pages("en", (Link("ntfy", "https://ntfy.sh/nusa-status"),))
    model = sample_model("en")
    cv = model.components[0]
    html = pages[f"components/{cv.id}.html"]
    block = html[html.index("<section class=sub"):html.index("</section>")]
    assert _hrefs(block) == [(f"../components/{cv.id}.rss", "RSS feed"),
                             (f"../components/{cv.id}.atom", "Atom feed"),
                             ("https://ntfy.sh/nusa-status", "ntfy")]


def test_home_page_states_when_it_was_last_checked() -> None:
    model = sample_model("en")
    newest = max(cv.last.at for cv in model.components if cv.last)
    html = _pages("en")["index.html"]
    local = newest.astimezone(model.config.site.zone).isoformat()
    assert re.search(rf'<p class=meta id=checked>Last checked: <time datetime="{re.escape(local)}">'
                     r"[^<]+ WIB</time> <span data-m=\"\(\{minutes\} min ago\)\" "
                     r"data-h=\"\(\{hours\} hours ago\)\" data-d=\"\(\{days\} days ago\)\" "
                     r"data-l=\"15\" data-om=[^>]+>"  # three 5-minute intervals
                     r"</span></p>"
                     r"\n<script>", html)
    no_probes = replace(model, components=tuple(replace(cv, last=None)
                                                for cv in model.components))
    bare = {p: d.decode() for p, d in render(outputs, context(no_probes)) if d}["index.html"]
    assert "id=checked" not in bare and 'getElementById("checked")' not in bare


STALE = "This page may be out of date: its newest check is "


@pytest.mark.parametrize(("ago", "said", "stale"), [
    (timedelta(minutes=3, seconds=20), "(3 min ago)", None),
    (timedelta(minutes=14, seconds=59), "(14 min ago)", None),
    (timedelta(minutes=15), "(15 min ago)", f"{STALE}15 min old."),  # three intervals of 5m
    (timedelta(minutes=119), "(119 min ago)", f"{STALE}119 min old."),
    (timedelta(hours=5, minutes=59), "(5 hours ago)", f"{STALE}5 hours old."),
    (timedelta(days=9, hours=1), "(9 days ago)", f"{STALE}9 days old."),
], ids=["minutes", "just-fresh", "three-intervals", "under-two-hours", "hours", "days"])
def test_a_browser_adds_how_long_ago_and_says_when_the_page_is_out_of_date(
        tmp_path: Path, ago: timedelta, said: str, stale: str | None) -> None:
    """With JavaScript, how long ago by the reader's clock, and under the banner a notice once
    the newest check is three intervals old; without it, the time alone."""
    from playwright.sync_api import sync_playwright

    from tests import tools
    from tests.browser import launch, serve

    (tmp_path / "index.html").write_text(_pages("en")["index.html"])
    newest = max(cv.last.at for cv in sample_model("en").components if cv.last)
    tools.chromium()
    with serve(tmp_path) as served, sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            texts, notices = [], []
            for script in (True, False):
                # a reader in the site's zone: no time of their own beside it
                context = browser.new_context(java_script_enabled=script,
                                              timezone_id="Asia/Jakarta")
                page = context.new_page()
                page.clock.set_fixed_time((newest + ago).timestamp())
                page.goto(f"{served.url}index.html")
                texts.append(page.inner_text("#checked"))
                notices.append(page.locator("h1.banner + p[role=status]").all_inner_texts())
                context.close()
        finally:
            browser.close()
    with_js, without_js = texts
    assert without_js == "Last checked: 16 July 2025 09:58 WIB"
    assert with_js == f"{without_js} {said}"
    assert notices == [[stale] if stale else [], []]
