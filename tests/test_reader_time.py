"""Every time in the site's zone, and with scripts on, the reader's own beside it (Chromium)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.browser import serve
from tests.conftest import ROOT
from tests.sitebuild import build_site

NOW = "2025-07-16T09:30+07:00"  # the outage is resolved: its page shows every update
PAGE = "incidents/2025-07-16-login-errors.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("time")
    shutil.copy(ROOT / "status.yaml", folder / "status.yaml")
    shutil.copytree(ROOT / "incidents", folder / "incidents")
    build_site(folder / "status.yaml", folder / "incidents", folder / "history", folder / "_site",
               now=NOW)
    with serve(folder / "_site") as served:
        yield served.url


def _times(browser: Browser, url: str, zone: str, scripts: bool = True) -> list[str]:
    """The text of each update's time on the page, with what follows it."""
    context = browser.new_context(timezone_id=zone, java_script_enabled=scripts)
    try:
        page = context.new_page()
        page.goto(url)
        return page.eval_on_selector_all(
            ".timeline time", "els => els.map(e => e.parentElement.textContent.trim())")
    finally:
        context.close()


def test_a_reader_elsewhere_sees_their_own_time_beside_the_sites(site: str,
                                                                 browser: Browser) -> None:
    times = _times(browser, site + "en/" + PAGE, "America/New_York")
    assert any("16 July 2025 06:15 WIB · Jul 15, 19:15 EDT yours" in t for t in times), times
    times = _times(browser, site + PAGE, "America/New_York")
    assert any("16 Juli 2025 06.15 WIB · 15 Jul, 19.15 EDT waktu Anda" in t
               for t in times), times


def test_a_reader_in_the_sites_zone_or_without_scripts_sees_it_once(site: str,
                                                                    browser: Browser) -> None:
    for zone, scripts in (("Asia/Jakarta", True), ("America/New_York", False)):
        times = _times(browser, site + "en/" + PAGE, zone, scripts)
        assert times and not any("yours" in t for t in times), (zone, times)
        assert any("16 July 2025 06:15 WIB" in t for t in times)
