"""Properties of any valid site (hypothesis), and one truth in every output.

A strategy draws a valid ``status.yaml`` (time zone, language, components with and without
probes, groups, ``since``), incidents and maintenance at times around ``now``, and probe runs
recorded into history. For every such site: it builds; uptime stays within 0..100; bars
cover exactly 90 days ending today; building twice gives the same bytes; an incident's
states never reach components it does not name; and the page, the API, the feeds and the
badges say the same state for every component and the same indicator.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.history.record import record
from generator.load.config import check_config, load_config
from generator.model.compute import BAR_DAYS, NO_DATA, Indicator, SiteModel
from generator.render.i18n import Translator
from generator.site.build import load_model
from tests.sitebuild import build_site

NOW = datetime(2025, 7, 16, 3, 0, tzinfo=UTC)
ZONES = ("Asia/Jakarta", "Europe/Berlin", "America/New_York", "UTC")
BAD = ("degraded_performance", "partial_outage", "major_outage")
SVG = "{http://www.w3.org/2000/svg}"
ROW = re.compile(r'<a href="components/([a-z0-9-]+)\.html">[^<]*</a>'
                 r'<span class="st s-\w">([^<]*)</span>')
BANNER = re.compile(r'<h1 class="banner i-([a-z-]+)">([^<]*)</h1>')


@dataclass(frozen=True)
class Site:
    status: dict[str, Any]
    incidents: dict[str, dict[str, Any]]
    runs: list[tuple[datetime, dict[str, str]]]  # (at, component id -> up|degraded|down)


def minutes_before(n: int) -> datetime:
    return NOW - timedelta(minutes=n)


@st.composite
def incidents(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    named = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    start = draw(st.integers(-600, 100 * 24 * 60))  # minutes before now; negative: future
    statuses = draw(st.lists(st.sampled_from(["investigating", "identified", "monitoring"]),
                             min_size=1, max_size=3))
    if draw(st.booleans()):
        statuses.append("resolved")
    at, updates = minutes_before(start), []
    for status in statuses:
        updates.append({"at": at, "status": status, "message": f"{status} *now*"})
        at += timedelta(minutes=draw(st.integers(1, 3000)))
    return {"title": "Outage", "components": {i: draw(st.sampled_from(BAD)) for i in named},
            "updates": updates}


@st.composite
def maintenances(draw: st.DrawFn, ids: list[str]) -> dict[str, Any]:
    named = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids), unique=True))
    start = minutes_before(draw(st.integers(-5 * 24 * 60, 5 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(30, 600)))
    data: dict[str, Any] = {"title": "Upgrade", "maintenance": {"start": start, "end": end},
                            "components": {i: "under_maintenance" for i in named}}
    if draw(st.booleans()):
        data["updates"] = [{"at": start - timedelta(days=2), "status": "scheduled",
                            "message": "Planned."}]
    return data


@st.composite
def sites(draw: st.DrawFn) -> Site:
    count = draw(st.integers(1, 4))
    ids = [f"c{n}" for n in range(count)]
    components = []
    for cid in ids:
        component: dict[str, Any] = {"id": cid, "name": f"Component {cid}"}
        if group := draw(st.sampled_from([None, "Apps", "Platform"])):
            component["group"] = group
        if draw(st.booleans()):
            component["probe"] = {"http": f"https://{cid}.example/"}
        if draw(st.booleans()):
            component["since"] = (NOW - timedelta(days=draw(st.integers(0, 120)))).date()
        components.append(component)
    status = {"site": {"title": "Example", "url": "https://status.example.com/",
                       "timezone": draw(st.sampled_from(ZONES)),
                       "language": draw(st.sampled_from(["en", "id"])), "interval": "5m"},
              "components": components}
    probed = [c["id"] for c in components if "probe" in c]
    runs = []
    if probed:
        offsets = set(draw(st.lists(st.integers(0, 95 * 24 * 12), max_size=6)))
        offsets |= set(draw(st.lists(st.integers(0, 4), max_size=3)))  # fresh data, or stale
        for offset in sorted(offsets, reverse=True):  # oldest first
            states = {cid: draw(st.sampled_from(["up", "degraded", "down"])) for cid in probed}
            runs.append((NOW - timedelta(minutes=5 * offset), states))
    found = {f"i{n}": v for n, v in enumerate(draw(st.lists(incidents(ids), max_size=3)))}
    found |= {f"m{n}": v for n, v in enumerate(draw(st.lists(maintenances(ids), max_size=2)))}
    return Site(status, found, runs)


def write(site: Site, root: Path) -> None:
    (root / "status.yaml").write_text(yaml.safe_dump(site.status, sort_keys=False))
    folder = root / "incidents"
    folder.mkdir()
    for name, data in site.incidents.items():
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(root / "status.yaml")
    for n, (at, states) in enumerate(site.runs):
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        results = [{"component": cid, "at": stamp, "state": state, "latency_ms": 100.0,
                    "status_code": 200 if state != "down" else 503,
                    "error": None if state != "down" else "expected 2xx or 3xx, got 503",
                    "attempts": 1, "network": False} for cid, state in states.items()]
        path = root / f"run-{n}.json"
        path.write_text(json.dumps({"location": "default", "started": stamp, "finished": stamp,
                                    "results": results}))
        record(root / "history", [path], config)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def agree(model: SiteModel, files: dict[str, bytes]) -> None:
    """Page, API, feeds and badges say the same state for every component, and one indicator."""
    t = Translator(model.config.site.language, model.config.site.zone)
    states = {view.id: view.state for view in model.components}
    # the page
    index = files["index.html"].decode()
    assert {cid: html.unescape(text) for cid, text in ROW.findall(index)} == {
        cid: t(f"state.{state}") for cid, state in states.items()}
    banner = BANNER.search(index)
    assert banner is not None
    assert (banner.group(1), html.unescape(banner.group(2))) == (
        model.indicator.replace("_", "-"), t(f"overall.{model.overall}"))
    # the badges
    site_badge = ET.fromstring(files["badge.svg"])
    title = model.config.site.title
    assert site_badge.get("aria-label") == f"{title}: {t(f'overall.{model.overall}')}"
    for view in model.components:
        badge = ET.fromstring(files[f"components/{view.id}.svg"])
        assert badge.get("aria-label") == f"{view.component.name}: {t(f'state.{view.state}')}"
    # the API: Statuspage's enumeration, and the truth about data beside it
    summary = json.loads(files["api/v2/summary.json"])
    assert summary["status"]["indicator"] == Indicator(model.indicator).statuspage
    missing = [state == NO_DATA for state in states.values()]
    assert summary["status"]["data"] == ("none" if all(missing) else "partial" if any(missing)
                                         else "current")
    api = {c["id"]: (c["status"], c["data"]) for c in summary["components"] if not c["group"]}
    assert api == {cid: ("operational", "none") if state == NO_DATA else (state, "current")
                   for cid, state in states.items()}
    # the feeds: an item for each outage the page notices, and for each open incident
    atom = ET.fromstring(files["history.atom"])
    ids = [e.findtext("{http://www.w3.org/2005/Atom}id", "") for e in atom.iter(
        "{http://www.w3.org/2005/Atom}entry")]
    detected = sorted(i.split("components/")[1].split(".html")[0] for i in ids
                      if "#detected-" in i)
    assert detected == sorted(d.component_id for d in model.detected)
    assert index.count("<p class=\"notice n-") == len(model.detected)
    for d in model.detected:
        assert states[d.component_id] == d.state
    for view in model.open_incidents:
        assert f"https://status.example.com/{view.path}" in ids


def no_leaks(model: SiteModel, files: dict[str, bytes]) -> None:
    """An incident's states reach only the components it names."""
    naming = {view.id: set(view.incident.components) for view in model.incidents}
    for view in model.components:
        assert set(view.incident_ids) == {i for i, named in naming.items() if view.id in named}
        for bar in view.bars:
            assert set(bar.incidents) <= set(view.incident_ids)
        if view.source in ("incident", "maintenance"):
            assert any(v.is_open and v.incident.components.get(view.id) == view.state
                       for v in model.incidents), view.id
        elif view.component.probe is None:
            assert view.state == "operational" and view.source == "declared"
    for name in ("incidents.json", "scheduled-maintenances.json"):
        data = json.loads(files[f"api/v2/{name}"])
        for inc in data["incidents" if name == "incidents.json" else "scheduled_maintenances"]:
            named = naming[inc["id"]]
            assert {c["id"] for c in inc["components"]} <= named
            for update in inc["incident_updates"]:
                assert {a["code"] for a in update["affected_components"] or []} <= named


EXAMPLES = int(os.environ.get("KABAR_EXAMPLES", "30"))  # more for a deeper search, e.g. 300


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites())
def test_any_valid_site_builds_the_same_bytes_and_says_one_truth(site: Site) -> None:
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        write(site, root)
        now = NOW.isoformat()
        build_site(root / "status.yaml", root / "incidents", root / "history", root / "a", now=now)
        build_site(root / "status.yaml", root / "incidents", root / "history", root / "b", now=now)
        files = tree(root / "a")
        assert files == tree(root / "b")  # building twice gives the same bytes
        model, _ = load_model(check_config(root / "status.yaml"), root / "incidents",
                              root / "history", NOW)
    today = NOW.astimezone(model.config.site.zone).date()
    for view in model.components:
        assert all(v is None or 0 <= v <= 100 for v in view.uptime.values()), view.uptime
        assert len(view.bars) == BAR_DAYS
        assert [bar.day for bar in view.bars] == [
            today - timedelta(days=n) for n in range(BAR_DAYS - 1, -1, -1)]
    no_leaks(model, files)
    agree(model, files)


def test_with_every_component_out_of_data_every_output_says_no_data(tmp_path: Path) -> None:
    """The issue's case: the page said "No Recent Data" while badge.svg said all was well."""
    status = {"site": {"title": "Example", "url": "https://status.example.com/",
                       "timezone": "Asia/Jakarta", "language": "en"},
              "components": [{"id": "api", "name": "API", "probe": {"http": "https://a.example/"}},
                             {"id": "web", "name": "Web", "probe": {"http": "https://w.example/"}}]}
    site = Site(status, {}, [(NOW - timedelta(hours=2), {"api": "up", "web": "up"})])
    write(site, tmp_path)
    build_site(tmp_path / "status.yaml", tmp_path / "incidents", tmp_path / "history",
               tmp_path / "_site", now=NOW.isoformat())
    files = tree(tmp_path / "_site")
    badge = ET.fromstring(files["badge.svg"])
    assert [t.text for t in badge.iter(f"{SVG}text") if t.get("aria-hidden") != "true"] == [
        "Example", "No Recent Data"]
    assert '<h1 class="banner i-no-data">No Recent Data</h1>' in files["index.html"].decode()
    summary = json.loads(files["api/v2/summary.json"])
    assert summary["status"] == {"indicator": "none", "description": "No Recent Data",
                                 "data": "none", "built_at": summary["status"]["built_at"]}
    assert {(c["id"], c["status"], c["data"]) for c in summary["components"]} == {
        ("api", "operational", "none"), ("web", "operational", "none")}
    model, _ = load_model(check_config(tmp_path / "status.yaml"), tmp_path / "incidents",
                          tmp_path / "history", NOW)
    assert model.indicator is Indicator.NO_DATA
    agree(model, files)
