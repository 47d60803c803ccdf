"""The uptime report and exports as built: one figure per window on every page and file, the
CSV as RFC 4180 says, and figures that survive history's daily compaction exactly."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.history.read import read_history
from generator.history.record import record
from generator.load.config import load_config
from generator.load.results import Result, Run, write_run
from generator.model.compute import compute
from generator.model.uptime import Tally
from generator.site.build import BuildResult
from tests.conftest import ROOT
from tests.sitebuild import build_site

NOW = "2025-07-20T12:00:00+07:00"
HEADER = ("date,observed_minutes,counted_minutes,major_minutes,partial_minutes,"
          "degraded_minutes,maintenance_minutes,no_data_minutes,uptime_percent")


def runs(folder: Path, history: Path, start: datetime, count: int,
         down: range = range(0)) -> None:
    """``count`` runs 15 minutes apart from ``start`` (a sample vouches for 3 intervals of
    5 minutes, so they leave no gap): chat and api up, except api in the runs ``down``."""
    config = load_config(ROOT / "status.yaml")
    for n in range(count):
        at = start + timedelta(minutes=15 * n)
        state = "down" if n in down else "up"
        results = (Result("chat", at, "up", 180.0, 200),
                   Result("api", at, state, None if state == "down" else 90.0,
                          503 if state == "down" else 200,
                          "expected 200, got 503" if state == "down" else None))
        path = folder / "results.json"
        write_run(Run("default", at, at + timedelta(seconds=2), results), path)
        record(history, [path], config)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    """The example site on 20 July 2025 with two days of probe runs before it."""
    folder = tmp_path_factory.mktemp("uptime")
    history = folder / "history"
    start = datetime(2025, 7, 18, 12, tzinfo=UTC)
    runs(folder, history, start, 4 * 48, down=range(34, 36))
    out = folder / "site"
    return out, build_site(ROOT / "status.yaml", ROOT / "incidents", history, out, now=NOW)


class FigureLinks(HTMLParser):
    """The link around each uptime figure (``99,93%``) of a page; None outside a link."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str | None] = []
        self.found: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self.links.pop()

    def handle_data(self, data: str) -> None:
        for _ in re.findall(r"[0-9]+,[0-9]{2}%", data):
            self.found.append(self.links[-1] if self.links else None)


def _text(path: Path) -> str:
    html = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_csv_is_rfc_4180_with_a_row_a_day_summing_to_the_json_months(
        built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    data = json.loads((out / "api/kabar/v1/uptime.json").read_bytes())
    assert data["policy"] == {"major_outage": 1.0, "partial_outage": 0.3,
                              "degraded_performance": 0.0, "maintenance": "exclude",
                              "no_data": "exclude"}
    assert [c["id"] for c in data["components"]] == [
        "chat", "video", "login", "api", "realtime", "dashboard"]
    for component in data["components"]:
        raw = (out / f"api/kabar/v1/uptime/{component['id']}.csv").read_bytes()
        assert raw.startswith(HEADER.encode() + b"\r\n")
        assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
        rows = list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
        assert [r["date"] for r in rows] == [d["date"] for d in component["days"]]
        for month in component["months"]:
            days = [r for r in rows if r["date"].startswith(month["month"])]
            for field in HEADER.split(",")[1:-1]:
                assert sum(int(r[field]) for r in days) == month[field], field
    api = next(c for c in data["components"] if c["id"] == "api")
    # 30 minutes down (2 runs) on 19 July, a day with probe data from 00:00 to 24:00 WIB
    july19 = next(d for d in api["days"] if d["date"] == "2025-07-19")
    assert (july19["major_minutes"], july19["no_data_minutes"], july19["counted_minutes"]) == (
        30, 0, 1440)
    assert july19["uptime_percent"] == round(100 * (1 - 30 / 1440), 4) == 97.9167


def test_one_window_gives_one_figure_on_every_page_and_file(
        built: tuple[Path, BuildResult]) -> None:
    out, result = built
    api = result.model.component("api")
    rows = list(csv.DictReader(io.StringIO(
        (out / "api/kabar/v1/uptime/api.csv").read_text(encoding="utf-8"), newline="")))
    last90 = [r for r in rows if date.fromisoformat(r["date"]) > date(2025, 7, 20)
              - timedelta(days=90)]
    total = Tally(*(sum(int(r[f"{key}_minutes"]) for r in last90)
                    for key in ("observed", "major", "partial", "degraded", "maintenance",
                                "no_data")), probed=1)
    from_csv = total.percent(result.model.config.uptime, True)
    assert from_csv == api.uptime["90d"]
    shown = f"{from_csv:.2f}".replace(".", ",") + "%"
    html = (out / "index.html").read_text(encoding="utf-8")
    row = re.sub(r"<[^>]+>", " ", html.split('components/api.html">API<', 1)[1].split(
        "class=comp", 1)[0])
    assert f"Ketersediaan {shown} (data 41 jam)" in row  # beside the bars, with its data
    assert f"90 hari {shown}" in _text(out / "components/api.html")
    # The report's July row and the JSON's July agree too.
    data = json.loads((out / "api/kabar/v1/uptime.json").read_bytes())
    july = next(m for c in data["components"] if c["id"] == "api" for m in c["months"]
                if m["month"] == "2025-07")
    assert f"Juli 2025 {july['uptime_percent']:.2f}".replace(".", ",") in _text(
        out / "uptime/index.html")


def test_every_uptime_figure_links_to_the_policy(built: tuple[Path, BuildResult]) -> None:
    out, _ = built
    report = (out / "uptime/index.html").read_text(encoding="utf-8")
    policy = re.search(r'<p id=policy>([^<]*)</p>', report)
    assert policy is not None
    assert ("gangguan besar dihitung sebagai 1 menit gangguan, satu menit gangguan sebagian "
            "sebagai 0,3, satu menit kinerja menurun sebagai 0. Menit pemeliharaan terjadwal "
            "tidak ikut dihitung. Menit tanpa data tidak ikut dihitung.") in policy.group(1)
    own = (out / "uptime/api.html").read_text(encoding="utf-8")
    assert policy.group(0) in own  # a component's own report states the policy too
    assert own.count("<table class=cal>") >= 1 and "<table class=cal>" not in report
    for page, target in (("index.html", "uptime/index.html#policy"),
                         ("components/api.html", "../uptime/index.html#policy"),
                         ("uptime/index.html", "#policy"), ("uptime/api.html", "#policy")):
        html = (out / page).read_text(encoding="utf-8")
        figures = FigureLinks()
        figures.feed(html)
        assert figures.found, page
        assert set(figures.found) == {target}, page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<a href="uptime/index.html">Ketersediaan</a>' in index  # the report, from home


def test_a_year_old_month_keeps_its_figure_after_compaction(tmp_path: Path) -> None:
    # A day of runs with 30 minutes down; read back raw the next day, then a year later
    # (compacted into history/daily/ long before): the same minutes by state, the same figure.
    config = load_config(ROOT / "status.yaml")
    history = tmp_path / "history"
    start = datetime(2025, 8, 11, 17, tzinfo=UTC)  # 12 August 00:00 WIB
    runs(tmp_path, history, start, 96, down=range(40, 42))
    early = datetime(2025, 8, 12, 23, 30, tzinfo=UTC)
    runs(tmp_path, history, early, 1)  # the next day's run: 12 August is still raw
    assert not (history / "daily").exists()
    before = compute(config, (), read_history(history, config, early), early)
    runs(tmp_path, history, datetime(2025, 8, 16, tzinfo=UTC), 1)  # compacts 11-13 August
    assert (history / "daily" / "2025-08.jsonl").is_file()
    later = datetime(2026, 7, 30, tzinfo=UTC)
    after = compute(config, (), read_history(history, config, later), later)

    def august(model: object) -> tuple[Tally, float | None]:
        report = model.component("api").report  # type: ignore[attr-defined]
        day = next(d for d in report.days if d.start == date(2025, 8, 12))
        return day.tally, day.percent

    assert august(before) == august(after)
    tally, percent = august(after)
    assert (tally.major, tally.no_data, tally.observed) == (30, 0, 1440)
    assert percent == pytest.approx(100 * (1 - 30 / 1440))
