"""Upstreams read by ``kabar probe``: real captured answers served on 127.0.0.1, and broken
ones (HTML, a timeout, 10 MB, a page that moved), each mapped onto Kabar's states.

The captures and their sources: ``tests/fixtures/upstreams/README.md``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generator.load.config import Config, Site
from generator.load.results import UpstreamResult, read_run, write_run
from generator.load.upstreams import Upstream
from generator.probe import format_table, run_probes
from tests.conftest import FIXTURES
from tests.servers import Handler, Route, http_server

CAPTURES = FIXTURES / "upstreams"
STATUSPAGE = FIXTURES / "statuspage"


def serve(path: Path, content_type: str = "application/json",
          headers: dict[str, str] | None = None) -> Route:
    body = path.read_bytes()
    return lambda h: h.reply(200, body, content_type, headers)


def read(platform: str, route: Route, path: str = "/", *, components: tuple[str, ...] = (),
         timeout: float = 5, previous: UpstreamResult | None = None,
         max_body: int = 2 << 20) -> tuple[UpstreamResult, list[Any]]:
    """Serve ``route`` at ``path`` and read it as the one upstream of a site."""
    with http_server({path: route, "/api/v2/summary.json": route, "/api/v1/summary": route,
                      "/summary.json": route, "/index.json": route}) as server:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        url = base + path
        upstream = Upstream("vendor", "Vendor", platform, url, components=components,
                            timeout=timedelta(seconds=timeout), max_body=max_body)
        config = Config(Site("T", "https://s.example/"), (), upstreams=(upstream,))
        run = run_probes(config, previous={"vendor": previous} if previous else None)
        return run.upstreams[0], server.requests


CASES = [
    pytest.param("statuspage", STATUSPAGE / "github-summary.json", (), "partial_outage", {},
                 id="statuspage-github-overall"),
    pytest.param("statuspage", STATUSPAGE / "github-summary.json", ("Git Operations", "Packages"),
                 "partial_outage", {"Git Operations": "operational",
                                    "Packages": "partial_outage"},
                 id="statuspage-github-components"),
    pytest.param("statuspage", STATUSPAGE / "discord-summary.json", (), "operational", {},
                 id="statuspage-discord"),
    pytest.param("incidentio", CAPTURES / "incidentio-widget.json", (), "partial_outage", {},
                 id="incidentio-ongoing"),
    pytest.param("incidentio", CAPTURES / "incidentio-widget.json", ("Login", "Payments"),
                 "partial_outage", {"Login": "partial_outage", "Payments": "operational"},
                 id="incidentio-components"),
    pytest.param("incidentio", CAPTURES / "incidentio-widget-operational.json", (),
                 "operational", {}, id="incidentio-neon"),
    pytest.param("instatus", CAPTURES / "instatus-summary.json", (), "major_outage", {},
                 id="instatus-hasissues"),
    pytest.param("betterstack", CAPTURES / "betterstack-index.json", (), "partial_outage", {},
                 id="betterstack-overall"),
    pytest.param("betterstack", CAPTURES / "betterstack-index.json", ("Better Stack",),
                 "operational", {"Better Stack": "operational"}, id="betterstack-component"),
    pytest.param("feed", CAPTURES / "github-history.atom", (), "operational", {},
                 id="feed-all-resolved"),
]


@pytest.mark.parametrize(("platform", "capture", "components", "state", "shown"), CASES)
def test_a_real_answer_maps_onto_kabars_states(platform: str, capture: Path,
                                                 components: tuple[str, ...], state: str,
                                                 shown: dict[str, str]) -> None:
    result, _ = read(platform, serve(capture), "/", components=components)
    assert (result.state, dict(result.components), result.error) == (state, shown, None)


def test_an_open_feed_item_is_trouble_until_it_says_resolved(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    at = datetime(2025, 10, 21, 17, 0, tzinfo=UTC)  # an hour into GitHub's open incident
    monkeypatch.setattr("generator.probe._now", lambda: at)
    result, _ = read("feed", serve(CAPTURES / "github-history-open.atom",
                                   "application/atom+xml"), "/history.atom")
    assert result.state == "degraded_performance"
    monkeypatch.setattr("generator.probe._now", lambda: at + timedelta(days=4))
    stale, _ = read("feed", serve(CAPTURES / "github-history-open.atom"), "/history.atom")
    assert stale.state == "operational"  # an item nobody closed in 3 days is not news


def test_a_named_component_the_vendor_does_not_list_is_no_data() -> None:
    result, _ = read("statuspage", serve(STATUSPAGE / "github-summary.json"), "/",
                     components=("Git Operation",))
    assert (result.state, result.reason, result.error) == (
        None, "upstream_no_component",
        "the status page lists no component named 'Git Operation'")


HTML = b"<!DOCTYPE html><html><head><title>Status</title></head><body>ok</body></html>"


@pytest.mark.parametrize("platform", ["statuspage", "incidentio", "instatus", "betterstack"])
def test_html_instead_of_json_is_no_data_not_an_outage(platform: str) -> None:
    result, _ = read(platform, lambda h: h.reply(200, HTML, "text/html"))
    assert result.state is None
    assert result.reason == "upstream_not_json"
    assert result.error is not None and result.error.endswith("JSON but an HTML page")


def test_html_instead_of_a_feed_is_no_data() -> None:
    result, _ = read("feed", lambda h: h.reply(200, HTML, "text/html"), "/feed")
    assert (result.state, result.error) == (
        None, "the answer is not an RSS or Atom feed (an HTML page)")


def test_a_vendor_that_moved_platforms_is_named_not_misread() -> None:
    """A Statuspage URL that now answers an Instatus summary, or redirects elsewhere."""
    result, _ = read("statuspage", serve(CAPTURES / "instatus-summary.json"))
    assert (result.state, result.error) == (
        None, "the answer is not a Statuspage status (no status and components)")
    moved, requests = read("statuspage", lambda h: h.reply(
        301, b"", headers={"Location": "https://status.vendor.example/"}))
    assert (moved.state, moved.error) == (
        None, "the status page moved to https://status.vendor.example/ (301)")
    assert len(requests) == 1  # one GET per upstream per run: the redirect is not followed


def test_a_silent_vendor_times_out_within_its_timeout() -> None:
    def hang(handler: Handler) -> None:
        time.sleep(3)
    started = time.monotonic()
    result, _ = read("statuspage", hang, timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert (result.state, result.reason, result.error) == (None, "timeout",
                                                           "timed out after 0.5 s")


def test_a_10_mb_answer_is_not_read_past_the_bound() -> None:
    body = b'{"status": {"indicator": "none"}, "components": [], "pad": "' + \
        b"x" * (10 << 20) + b'"}'
    result, _ = read("statuspage", lambda h: h.reply(200, body, "application/json"))
    assert (result.state, result.error) == (
        None, "the status page's answer is larger than 2 MB (max_body)")


def test_validators_go_back_and_a_304_keeps_the_previous_reading() -> None:
    capture = STATUSPAGE / "github-summary.json"
    first, _ = read("statuspage", serve(capture, headers={
        "ETag": '"v1"', "Last-Modified": "Tue, 25 Nov 2022 10:00:00 GMT"}))
    assert (first.etag, first.modified) == ('"v1"', "Tue, 25 Nov 2022 10:00:00 GMT")

    def not_modified(handler: Handler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.reply(304, headers={"ETag": '"v1"'})
        else:
            handler.reply(500)
    second, requests = read("statuspage", not_modified, previous=first)
    assert requests[0][2]["If-Modified-Since"] == "Tue, 25 Nov 2022 10:00:00 GMT"
    assert (second.state, second.unchanged, second.etag) == ("partial_outage", True, '"v1"')


def test_upstreams_are_in_the_results_file_and_the_table(tmp_path: Path) -> None:
    with http_server({"/api/v2/summary.json": serve(STATUSPAGE / "github-summary.json")}
                     ) as server:
        upstream = Upstream("github", "GitHub", "statuspage",
                            f"http://127.0.0.1:{server.server_address[1]}/")
        run = run_probes(Config(Site("T", "https://s.example/"), (), upstreams=(upstream,)))
    write_run(run, tmp_path / "r.json")
    assert read_run(tmp_path / "r.json").upstreams == run.upstreams
    table = format_table(run)
    assert "github (upstream)  partial_outage" in table
    assert table.endswith("; 1 of 1 upstream(s) read")
