"""Real, strict consumers of Kabar's output, each asserting what its user would see.

- Statuspage's public API as Statuspage clients type it: the TypeScript types of the npm
  package statuspage.io and of statuspage.js, written out as a JSON Schema
  (tests/fixtures/statuspage/public-api.schema.json), over every ``api/v2/`` file.
- Python Statuspage clients from PyPI run against Kabar's files on a local HTTP server:
  statuscheck 3.11.0 (its own virtualenv in .tools/, for its exact pins; see .ci/run) and
  statuspage-prometheus-exporter (the ``test`` extra).
- The W3C Feed Validator's rules (tests/feed_rules.py) over every feed.

The sites: the golden fixture site, the example site (status.yaml and incidents/) built at
four moments of its story, and the hand-made models of tests/test_standards.py.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from generator.render import api, feeds
from generator.render.base import context
from tests import rendering, tools
from tests.conftest import FIXTURES, ROOT
from tests.feed_rules import A, atom_messages, rss_messages
from tests.golden import EXPECTED
from tests.golden import NOW as GOLDEN_NOW
from tests.servers import serving
from tests.sitebuild import build_site
from tests.test_standards import _models

SCHEMA = json.loads((FIXTURES / "statuspage-types" / "public-api.schema.json").read_text())
# Which of the types each file is (statuspage.io's Endpoints and Result types).
RESPONSES = {
    "summary.json": "Summary",
    "status.json": "StatusResponse",
    "components.json": "Components",
    "incidents.json": "Incidents",
    "incidents/unresolved.json": "Incidents",
    "scheduled-maintenances.json": "ScheduledMaintenances",
    "scheduled-maintenances/upcoming.json": "ScheduledMaintenances",
    "scheduled-maintenances/active.json": "ScheduledMaintenances",
}
# The example site's story: the login outage open; the database upgrade ahead, under way,
# and over.
MOMENTS = {
    "outage": "2025-07-16T07:30:00+07:00",
    "upcoming": "2026-11-25T12:00:00+07:00",
    "maintenance": "2026-12-06T02:00:00+07:00",
    "after": "2026-12-06T04:00:00+07:00",
}
STATUSCHECK = ROOT / ".tools" / "statuscheck" / "bin" / "python"


@dataclass(frozen=True)
class Site:
    url: str  # where it is published
    now: datetime  # when it was built
    files: dict[str, bytes]  # api/v2/*.json, feeds; by path
    folder: Path | None  # the whole built site, to serve


def _tree(folder: Path) -> dict[str, bytes]:
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    return {rel: p.read_bytes() for rel, p in files.items()
            if p.suffix in (".atom", ".rss") or rel.startswith("api/v2/")}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    found = {"golden": Site("https://status.example.com/", datetime.fromisoformat(GOLDEN_NOW),
                            _tree(EXPECTED), EXPECTED)}
    for moment, now in MOMENTS.items():
        work = tmp_path_factory.mktemp(moment)
        build_site(ROOT / "status.yaml", ROOT / "incidents", work / "history", work / "site",
                   now=now)
        found[f"example-{moment}"] = Site("https://status.nusa.example/",
                                          datetime.fromisoformat(now),
                                          _tree(work / "site"), work / "site")
    for name, model in _models():
        ctx = context(model)
        files = {**dict(rendering.render(api.outputs, ctx)),
                 **dict(rendering.render(feeds.outputs, ctx))}
        found[name] = Site(model.config.site.url, model.now, files, None)
    return found


NAMES = ["golden", *(f"example-{m}" for m in MOMENTS), "sample-id", "sample-en", "busy",
         "empty"]


def issue_15(*names: str, reason: str) -> list[str]:
    """NAMES: ``names`` failed before issue 15 for ``reason`` (kept to say what each test
    caught)."""
    return list(NAMES)


def api_json(site: Site) -> dict[str, Any]:
    return {k.removeprefix("api/v2/"): json.loads(v) for k, v in site.files.items()
            if k.startswith("api/v2/")}


# --- 1. Statuspage's types as a JSON Schema ------------------------------------------------

def schema_errors(kind: str, document: Any) -> list[str]:
    validator = Draft202012Validator({**SCHEMA, "$ref": f"#/$defs/{kind}"})
    return sorted(f"{e.json_path}: {e.message}" for e in validator.iter_errors(document))


def test_the_schema_is_valid_and_accepts_real_statuspage_responses() -> None:
    """The schema is no stricter than Statuspage: every captured response passes it."""
    Draft202012Validator.check_schema(SCHEMA)
    kinds = {"components": "Components", "incidents": "Incidents", "status": "StatusResponse",
             "scheduled-maintenances": "ScheduledMaintenances", "summary": "Summary"}
    captures = sorted((FIXTURES / "statuspage").glob("*-*.json"))
    assert len(captures) == 7
    for path in captures:
        kind = kinds[path.stem.split("-", 1)[1]]
        assert schema_errors(kind, json.loads(path.read_text())) == [], path.name


def test_the_schema_rejects_what_typed_clients_reject() -> None:
    summary = json.loads((FIXTURES / "statuspage" / "discord-summary.json").read_text())
    maintenance = json.loads((FIXTURES / "statuspage" / "discord-scheduled-maintenances.json")
                             .read_text())["scheduled_maintenances"][0]
    component = summary["components"][0]
    component |= {"status": "no_data", "created_at": None, "uptime": 99.9}
    del component["page_id"]
    summary["status"]["indicator"] = "unknown"
    summary["incidents"] = [maintenance]  # a maintenance where an incident belongs
    incident_status = "is not one of ['identified', 'investigating', 'monitoring', " \
        "'postmortem', 'resolved']"
    assert schema_errors("Summary", summary) == [
        "$.components[0].created_at: None is not of type 'string'",
        "$.components[0].status: 'no_data' is not one of ['operational', "
        "'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']",
        "$.components[0]: 'page_id' is a required property",
        "$.components[0]: Additional properties are not allowed ('uptime' was unexpected)",
        f"$.incidents[0].incident_updates[0].status: 'completed' {incident_status}",
        f"$.incidents[0].incident_updates[1].status: 'verifying' {incident_status}",
        f"$.incidents[0].incident_updates[2].status: 'in_progress' {incident_status}",
        f"$.incidents[0].incident_updates[3].status: 'scheduled' {incident_status}",
        f"$.incidents[0].status: 'completed' {incident_status}",
        # scheduled_for and scheduled_until: a maintenance's, not an incident's
        "$.incidents[0]: False schema does not allow '2015-09-22T01:00:00.000-07:00'",
        "$.incidents[0]: False schema does not allow '2015-09-22T01:30:00.000-07:00'",
        "$.status.indicator: 'unknown' is not one of ['none', 'minor', 'major', 'critical', "
        "'maintenance']",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_every_api_file_is_what_statuspage_clients_type(sites: dict[str, Site],
                                                        name: str) -> None:
    files = api_json(sites[name])
    assert sorted(files) == sorted(RESPONSES)
    for path, document in files.items():
        assert schema_errors(RESPONSES[path], document) == [], path


@pytest.mark.parametrize("name", issue_15(
    "example-maintenance", "example-after",
    reason="a maintenance gets no in_progress/completed update when its window starts/ends"))
def test_each_incidents_newest_update_says_its_status(sites: dict[str, Site],
                                                      name: str) -> None:
    """Widgets show an incident's newest update as its state: on Statuspage they agree."""
    files = api_json(sites[name])
    for path, kind in (("incidents.json", "incidents"),
                       ("scheduled-maintenances.json", "scheduled_maintenances")):
        for incident in files[path][kind]:
            newest = incident["incident_updates"][0]["status"]
            assert newest == incident["status"], (path, incident["id"])


@pytest.mark.parametrize("name", issue_15(
    "example-maintenance", "example-after",
    reason="the page's updated_at does not move when a maintenance starts or ends"))
def test_the_pages_updated_at_is_its_latest_change(sites: dict[str, Site], name: str) -> None:
    """Clients poll by page.updated_at: no incident shown may have changed after it."""
    files = api_json(sites[name])
    page = datetime.fromisoformat(files["summary.json"]["page"]["updated_at"])
    changes = [datetime.fromisoformat(i["updated_at"])
               for i in files["incidents.json"]["incidents"]
               + files["scheduled-maintenances.json"]["scheduled_maintenances"]]
    assert all(change <= page for change in changes), (page, max(changes))


@pytest.mark.parametrize("name", NAMES)  # example-upcoming and -after said so before issue 15
def test_no_all_clear_while_a_component_has_no_data(sites: dict[str, Site], name: str) -> None:
    files = api_json(sites[name])
    unknown = [c["name"] for c in files["components.json"]["components"]
               if c["data"] == "none"]
    description = files["status.json"]["status"]["description"]
    assert not (unknown and description == "All Systems Operational"), unknown


# --- 2. Python Statuspage clients from PyPI ------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on 127.0.0.1, as a static host would serve the site."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    with serving(server, poll_interval=0.05):
        yield f"http://127.0.0.1:{server.server_address[1]}/"


def _no_proxy() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return env | {"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}


# statuscheck's Statuspage service (services/bases/_statuspageio.py) with its base URL moved
# from https://<id>.statuspage.io/ to the local server; the rest is its CLI's own printing.
STATUSCHECK_SCRIPT = """
import sys
from statuscheck.services.bases._statuspageio import BaseStatusPageAPI

class Kabar(BaseStatusPageAPI):
    name = "Kabar"
    status_url = sys.argv[1]

    def _get_base_url(self):
        return sys.argv[1] + "api/v2/"

Kabar()._print_summary(verbose=True)
"""
LOGIN = "Tingkat kesalahan tinggi dan kegagalan login"
UPGRADE = "Peningkatan basis data utama"
STATUSCHECK_SAYS = {
    "golden": ["Current Kabar status: Major outage", "Registered events:",
               "- [scheduled] Database upgrade", "  Affected components:",
               "    - API [Major outage]", "", "More: {url}"],
    "example-outage": ["Current Kabar status: Major outage", "Registered events:",
                       f"- [identified] {LOGIN}", "  Affected components:",
                       "    - Nusa Chat [Major outage]", "    - Nusa Video [Major outage]",
                       "    - Login dan akun [Major outage]",
                       "    - API [Degraded performance]", "", "More: {url}"],
    "example-upcoming": ["Current Kabar status: No issues", "Registered events:",
                         f"- [scheduled] {UPGRADE}", "  Affected components:",
                         "    - API [Operational]", "    - Dasbor pengembang [Operational]",
                         "", "More: {url}"],
    "example-maintenance": ["Current Kabar status: Maintenance", "Registered events:",
                            f"- [in_progress] {UPGRADE}", "  Affected components:",
                            "    - API [Under maintenance]",
                            "    - Dasbor pengembang [Under maintenance]", "", "More: {url}"],
    "example-after": ["Current Kabar status: No issues"],
}


@pytest.mark.parametrize("name", list(STATUSCHECK_SAYS))
def test_statuscheck_reports_what_the_page_shows(sites: dict[str, Site], name: str) -> None:
    """statuscheck (PyPI 3.11.0, amureki/statuscheck): its attrs models and status maps
    reject any status outside Statuspage's; its CLI prints the page's state and events."""
    if not STATUSCHECK.exists():
        tools.missing("statuscheck is not installed in .tools/statuscheck (see .ci/run)")
    folder = sites[name].folder
    assert folder is not None
    with served(folder) as url:
        run = subprocess.run([str(STATUSCHECK), "-c", STATUSCHECK_SCRIPT, url],
                             capture_output=True, text=True, timeout=60, env=_no_proxy(),
                             check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [line.format(url=url) for line in STATUSCHECK_SAYS[name]]


# (status, status_text, details, [incident names], [maintenance names], non-operational)
EXPORTER_SAYS = {
    "golden": (0, "Minor Outage", "Non-operational components: Apps; API", [],
               ["Database upgrade"], ["Apps", "API"]),
    "example-outage": (
        0, "Critical Outage",
        f"{LOGIN} (affects: Nusa Chat, Nusa Video, Login dan akun, API) - "
        "https://status.nusa.example/incidents/2025-07-16-login-errors.html",
        [LOGIN], [], ["Aplikasi", "Nusa Chat", "Nusa Video", "Login dan akun", "Platform",
                      "API"]),
    # no probe data: Statuspage's enum has no "no data", so the exporter shows 1 (the truth is
    # in the description and the added "data" field)
    "example-upcoming": (1, "Operational", "No Recent Data", [], [UPGRADE], []),
    "example-maintenance": (
        0, "Minor Outage",
        "Non-operational components: Platform; API; Dasbor pengembang", [], [UPGRADE],
        ["Platform", "API", "Dasbor pengembang"]),
    "example-after": (1, "Operational", "No Recent Data", [], [], []),
}


@pytest.mark.parametrize("name", list(EXPORTER_SAYS))
def test_the_prometheus_exporter_reports_what_the_page_shows(
        sites: dict[str, Site], name: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """statuspage-prometheus-exporter (PyPI, mcarvin8/statuspage-prometheus-exporter): the
    check behind its gauges, reading summary.json as it reads any Statuspage page."""
    (tmp_path / "services.json").write_text("{}")
    monkeypatch.setenv("SERVICES_JSON_PATH", str(tmp_path / "services.json"))
    monkeypatch.chdir(tmp_path)  # its cache/ folder
    for key, value in _no_proxy().items():
        monkeypatch.setenv(key, value)
    from statuspage_prometheus_exporter.service_checker import check_status_page_service

    folder = sites[name].folder
    assert folder is not None
    with served(folder) as url:
        result = check_status_page_service("kabar", {"url": url + "api/v2/summary.json"})
    assert result["success"], result
    seen = (result["status"], result["status_text"], result["details"],
            [i["name"] for i in result["incident_metadata"]],
            [m["name"] for m in result["maintenance_metadata"]],
            [c["name"] for c in result["component_metadata"] if c["status_value"] == 0])
    assert seen == EXPORTER_SAYS[name]


# --- 3. The W3C Feed Validator's rules -----------------------------------------------------

def test_the_rules_say_what_the_feed_validator_says() -> None:
    """Each rule fires, with the validator's message, on a feed that breaks it."""
    now = datetime.fromisoformat("2025-07-16T10:00:00+07:00")
    atom = f"""<feed xmlns="{A[1:-1]}"><title>t</title><id>https://x/f.atom</id>
<updated>2025-07-16T02:45:00+00:00</updated><link rel="self" href="https://x/other.atom"/>
<entry><id>https://x/1</id><title>a</title><updated>2025-07-16T02:45:00</updated>
<content type="html">&lt;a href="incidents/1.html"&gt;x&lt;/a&gt;
&lt;script&gt;&lt;/script&gt;</content></entry>
<entry><id>https://x/1</id><title>b</title><updated>2025-07-16T02:45:00+00:00</updated>
<published>2025-07-20T01:00:00+00:00</published></entry>
<entry><id>https://x/2</id><updated>2025-07-16T02:45:00+00:00</updated>
<link rel="alternate" href="https://x/2"/></entry></feed>""".encode()
    assert atom_messages(atom, "https://x/f.atom", now) == [
        "feed: Self reference doesn't match document location",
        "entry[0]: Missing entry element: author",
        "entry[0]/updated: updated must be an RFC-3339 date-time",
        "entry[0]: content should not contain relative URL references",
        "entry[0]: content should not contain script tag",
        "entry[1]: Missing entry element: author",
        "entry[1]: Two entries with the same id",
        "entry[1]/published: Implausible date",
        "entry[1]: Missing content or alternate link",
        "entry[2]: Missing entry element: title",
        "entry[2]: Missing entry element: author",
        "entry[2]: Two entries with the same value for atom:updated",
    ]
    rss = b"""<rss version="2.0"><channel><title>t</title><link>https://x/</link>
<lastBuildDate>Thu, 16 Jul 2025 03:00:00 +0000</lastBuildDate>
<item><title>a</title><guid>tag:x,2025:1</guid><pubDate>2025-07-16T03:00:00Z</pubDate>
<description>&lt;img src="x.png" onerror="alert(1)"&gt;</description></item>
<item><guid isPermaLink="yes">tag:x,2025:1</guid>
<pubDate>Sun, 20 Jul 2025 01:00:00 +0000</pubDate></item>
<item><title>c</title></item></channel></rss>"""
    assert rss_messages(rss, "https://x/f.rss", now) == [
        "channel: Missing channel element: description",
        'channel: Missing atom:link with rel="self"',
        "channel: Incorrect day of week",
        "item[0]: guid must be a full URL, unless isPermaLink attribute is false",
        "item[0]: pubDate must be an RFC-822 date-time",
        "item[0]: description should not contain relative URL references",
        "item[0]: description should not contain onerror attribute",
        "item[1]: item must contain either title or description",
        "item[1]: isPermaLink attribute of guid must be 'true' or 'false'",
        "item[1]: guid values must not be duplicated within a feed",
        "item[1]: Implausible date",
        "item[2]: item should contain a guid element",
    ]


def feeds_of(site: Site) -> Iterator[tuple[str, bytes, bytes]]:
    """(path without extension, RSS bytes, Atom bytes) of every feed of ``site``."""
    for path in sorted(site.files):
        if path.endswith(".atom"):
            stem = path.removesuffix(".atom")
            yield stem, site.files[stem + ".rss"], site.files[path]


def all_messages(site: Site) -> list[str]:
    messages = []
    for stem, rss, atom in feeds_of(site):
        messages += [f"{stem}.rss: {m}" for m in rss_messages(rss, site.url + stem + ".rss",
                                                                site.now)]
        messages += [f"{stem}.atom: {m}" for m in atom_messages(atom, site.url + stem + ".atom",
                                                                  site.now)]
    return messages


@pytest.mark.parametrize("name", NAMES)
def test_every_feed_keeps_the_feed_validators_rules(sites: dict[str, Site], name: str) -> None:
    """All but "Implausible date", which the next test holds (issue 15)."""
    assert sum(1 for _ in feeds_of(sites[name])) >= 4
    assert [m for m in all_messages(sites[name]) if not m.endswith("Implausible date")] == []


UPCOMING = ("golden", "example-upcoming", "sample-id", "sample-en", "busy")


@pytest.mark.parametrize("name", issue_15(
    *UPCOMING, reason="Atom's <published> of an upcoming maintenance is its window's start, "
    "ahead of now: the Feed Validator says 'Implausible date'"))
def test_no_feed_date_is_implausible(sites: dict[str, Site], name: str) -> None:
    assert [m for m in all_messages(sites[name]) if m.endswith("Implausible date")] == []


def _atom_dates(atom: bytes) -> dict[str, tuple[datetime, datetime | None]]:
    """Each entry's (updated, published) by id."""
    dates = {}
    for entry in ET.fromstring(atom).findall(A + "entry"):
        published = entry.findtext(A + "published")
        dates[entry.findtext(A + "id") or ""] = (
            datetime.fromisoformat(entry.findtext(A + "updated") or ""),
            datetime.fromisoformat(published) if published else None)
    return dates


@pytest.mark.parametrize("name", issue_15(
    *UPCOMING, reason="Atom's <published> of a "
    "maintenance is its window's start, after the entry's own <updated>"))
def test_no_atom_entry_is_published_after_its_update(sites: dict[str, Site],
                                                     name: str) -> None:
    """RFC 4287: published is an entry's first availability, updated its latest change."""
    late = [(stem, entry_id) for stem, _rss, atom in feeds_of(sites[name])
            for entry_id, (updated, published) in _atom_dates(atom).items()
            if published is not None and published > updated]
    assert late == []


@pytest.mark.parametrize("name", NAMES)
def test_rss_and_atom_give_each_item_one_date(sites: dict[str, Site], name: str) -> None:
    """RSS has one date: it is Atom's <updated>, so an item moves up in both feeds when an
    update is posted (Atom's <published>, its first announcement, has no RSS twin). Before
    issue 15 RSS said the latest update and Atom a maintenance's window start."""
    differ = []
    for stem, rss, atom in feeds_of(sites[name]):
        atom_dates = _atom_dates(atom)
        for item in ET.fromstring(rss).findall("channel/item"):
            guid = item.findtext("guid") or ""
            pub = parsedate_to_datetime(item.findtext("pubDate") or "")
            if guid in atom_dates and atom_dates[guid][0] != pub:
                differ.append((stem, guid))
    assert differ == []
