"""Upstreams on the built site: their own group in each language, the vendor's state, its
source and when it was checked; "no data — last known" for a page that cannot be read; their
bars on the pages of what they affect; and the Statuspage API left as ours alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.history.record import record
from generator.load.config import load_config
from generator.load.results import Result, Run, UpstreamResult, write_run
from tests.sitebuild import build_site
from tests.test_consumers import RESPONSES, schema_errors

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
STATUS = """\
site: {title: Example, url: "https://status.example.com/", language: LANG, timezone: UTC}
components:
  - {id: api, name: API, probe: {http: "https://api.example.com/"}}
  - {id: web, name: Web, probe: {http: "https://web.example.com/"}}
upstreams:
  - id: github
    name: GitHub
    statuspage: https://www.githubstatus.com/
    components: [Actions]
    affects: [api]
  - {id: stack, name: Better Stack, betterstack: "https://status.betterstack.com/"}
"""


def site(tmp_path: Path, language: str, stack: list[str | None]) -> Path:
    (tmp_path / "status.yaml").write_text(STATUS.replace("LANG", language))
    (tmp_path / "incidents").mkdir()
    config = load_config(tmp_path / "status.yaml")
    for n, state in enumerate(stack):
        at = T0 + n * STEP
        github = UpstreamResult("github", at, "major_outage", {"Actions": "major_outage"})
        vendor = UpstreamResult("stack", at, state) if state else UpstreamResult(
            "stack", at, None, error="the answer is not Better Stack JSON but an HTML page",
            reason="upstream_not_json")
        write_run(Run("default", at, at, (Result("api", at, "up", 50.0),
                                          Result("web", at, "up", 50.0)),
                      upstreams=(github, vendor)), tmp_path / "r.json")
        record(tmp_path / "history", [tmp_path / "r.json"], config)
    build_site(tmp_path / "status.yaml", tmp_path / "incidents", tmp_path / "history",
               tmp_path / "_site", now=(T0 + len(stack) * STEP).isoformat())
    return tmp_path / "_site"


@pytest.mark.parametrize(("language", "group", "last_known"), [
    ("en", "Third-party services", "No data — last known: Operational at"),
    ("id", "Layanan pihak ketiga", "Tidak ada data — terakhir diketahui: Beroperasi normal pada"),
])
def test_the_group_shows_each_vendor_its_source_and_when_it_was_checked(
        tmp_path: Path, language: str, group: str, last_known: str) -> None:
    out = site(tmp_path, language, ["operational", None])
    page = (out / "index.html").read_text()
    block = page[page.index(f"<h3>{group}</h3>"):]
    assert '<a href="https://www.githubstatus.com/" rel=external>GitHub</a>' in block
    assert '<a href="https://status.betterstack.com/" rel=external>Better Stack</a>' in block
    assert f'{last_known} <time datetime="2026-11-24T10:00:00+00:00">' in block
    assert '<time datetime="2026-11-24T10:05:00+00:00">' in block  # checked, unread
    unread = block[block.index("Better Stack</a>"):][:200]
    assert 'class="st s-n"' in unread  # no data, never red


def test_an_affected_component_shows_why_and_its_vendors_bars(tmp_path: Path) -> None:
    out = site(tmp_path, "en", ["operational", "operational"])
    api = (out / "components" / "api.html").read_text()
    assert "Degraded while GitHub reports trouble." in api
    assert 'aria-label="GitHub: status of each of the last 90 days"' in api
    web = (out / "components" / "web.html").read_text()
    assert "GitHub" not in web
    index = (out / "index.html").read_text()
    assert index.count("Degraded while GitHub reports trouble.") == 1


def test_the_statuspage_api_lists_our_components_only(tmp_path: Path) -> None:
    """Decided: vendors stay out of api/v2. Statuspage lists its third-party components as
    components, and every client rolls components up into the page's state; ours would then
    say our page is in a vendor's outage, which only ``affects:`` may say."""
    out = site(tmp_path, "en", ["operational"])
    for name, kind in RESPONSES.items():
        document = json.loads((out / "api" / "v2" / name).read_text())
        assert schema_errors(kind, document) == [], name
    summary = json.loads((out / "api" / "v2" / "summary.json").read_text())
    assert [c["id"] for c in summary["components"]] == ["api", "web"]
    assert [c["status"] for c in summary["components"]] == ["degraded_performance",
                                                            "operational"]
    assert summary["status"]["indicator"] == "minor"
