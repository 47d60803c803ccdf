"""A scenario driver for tests/test_one_truth.py: a site on disk, runs recorded into its
history through the real ``record`` (or real probes against 127.0.0.1), incidents and
maintenances as files, ``kabar notify`` against a local webhook and the real build at a fixed
``now``; then every output read back the way its reader reads it.

Nothing here computes a state: it writes inputs and parses outputs (HTML by its markup, the
API as JSON, feeds as XML, the calendar with icalendar, the badge's SVG title, the messages as
the webhook took them). The words come from the catalogues (``site_templates/i18n/*.po``).
``agree`` holds what every scenario's outputs must share, whatever the story.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

from icalendar import Calendar

from generator.clock import isoformat
from generator.history.record import record
from generator.load.config import load_config
from generator.load.results import Result, Run, read_run, write_run
from generator.model.states import Overall
from generator.notify import notify
from generator.probe import run_probes
from generator.render.i18n import Translator
from tests.conftest import ROOT
from tests.notify_receivers import Webhook
from tests.sitebuild import build_site

T0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
TITLE = "Truth"
HOST = "status.example.test"
ATOM = "{http://www.w3.org/2005/Atom}"
# A probe that is never run: the runs of these sites are written as results files.
NEVER_RUN = {"api": '{http: "http://127.0.0.1:9/health"}', "web": '{tcp: "127.0.0.1:9"}',
             "docs": None}
NAMES = {"api": "API", "web": "Website", "docs": "Docs"}


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


def local(minute: float) -> str:
    """A time as an incident file writes it (the sites are in UTC)."""
    return f"{at(minute):%Y-%m-%d %H:%M}"


@cache
def catalogue(language: str) -> dict[str, str]:
    """The words a reader sees, read from the catalogue file itself."""
    from babel.messages.pofile import read_po

    with (ROOT / "site_templates" / "i18n" / f"{language}.po").open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


@dataclass(frozen=True)
class Row:
    """A component's row on index.html."""

    name: str
    state: str  # the words shown
    witnesses: str | None  # the line naming both witnesses, when shown
    bars: str  # the bars' markup


@dataclass(frozen=True)
class Page:
    banner: str
    banner_class: str  # i-<indicator>
    updated: str  # "Last updated …" line
    rows: dict[str, Row]  # by component id
    notices: list[tuple[str, str]]  # (component id, text) of each "detected by monitoring"
    sections: list[str]  # the h2 headings, in order


@dataclass(frozen=True)
class Item:
    title: str
    guid: str
    body: str
    date: str  # RSS pubDate / Atom updated, as written


@dataclass(frozen=True)
class Outputs:
    now: datetime
    language: str
    page: Page
    api: dict[str, Any]  # api/v2 file name -> its JSON
    badge: str  # the badge's <title>
    component_badges: dict[str, str]
    rss: list[Item]
    atom: list[Item]
    calendar: list[dict[str, str]]  # VEVENTs: uid, summary, dtstart, dtend, status
    messages: list[tuple[str, str]]  # (title, body) every notification sent, in order

    def words(self, key: str, **values: Any) -> str:
        return catalogue(self.language)[key].format(**values)


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def read_page(text: str) -> Page:
    banner = re.search(r'<h1 class="banner (i-[a-z-]+)">([^<]*)</h1>', text)
    updated = re.search(r"<p class=meta>((?:[^<]|</?time[^>]*>)*)</p>", text)
    assert banner is not None and updated is not None, "index.html: no banner"
    rows = {}
    for found in re.finditer(
            r'<div class=comp><div class=row><a href="components/([a-z0-9-]+)\.html">([^<]*)'
            r'</a><span class="st [^"]*">([^<]*)</span></div>\s*'
            r'(?:<p class="meta wit">([^<]*)</p>\s*)?(<div class=bars .*?</div>)', text):
        ident, name, state, witnesses, bars = found.groups()
        rows[ident] = Row(html.unescape(name), html.unescape(state),
                          None if witnesses is None else html.unescape(witnesses), bars)
    notices = [(found.group(1), _text(found.group(0))) for found in re.finditer(
        r'<p class="notice [^"]*">.*?href="[^"]*components/([a-z0-9-]+)\.html".*?</p>', text)]
    sections = [_text(h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", text)]
    return Page(html.unescape(banner.group(2)), banner.group(1),
                html.unescape(re.sub(r"<[^>]+>", "", updated.group(1))), rows, notices,
                sections)


def read_rss(data: bytes) -> list[Item]:
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    return [Item(html.unescape(item.findtext("title", "")), item.findtext("guid", ""),
                 item.findtext("description", ""), item.findtext("pubDate", ""))
            for item in channel.findall("item")]


def read_atom(data: bytes) -> list[Item]:
    return [Item(entry.findtext(f"{ATOM}title", ""), entry.findtext(f"{ATOM}id", ""),
                 entry.findtext(f"{ATOM}content", ""), entry.findtext(f"{ATOM}updated", ""))
            for entry in ET.fromstring(data).findall(f"{ATOM}entry")]


def read_calendar(data: bytes) -> list[dict[str, str]]:
    return [{key: str(event.get(key)) for key in ("uid", "summary", "status")}
            | {"dtstart": event.decoded("dtstart").isoformat(),
               "dtend": event.decoded("dtend").isoformat()}
            for event in Calendar.from_ical(data).walk("VEVENT")]


def badge_title(data: bytes) -> str:
    found = re.search(r"<title>([^<]*)</title>", data.decode())
    assert found is not None
    return html.unescape(found.group(1))


class Story:
    """One site and what happens to it, minute by minute from T0."""

    def __init__(self, root: Path, hook: Webhook, components: tuple[str, ...],
                 language: str = "en", probes: dict[str, str] | None = None,
                 control: str | None = None) -> None:
        self.root = root
        self.hook = hook
        self.language = language
        self.components = components
        (root / "incidents").mkdir(parents=True)
        (root / "results").mkdir()
        lines = [f'site: {{title: {TITLE}, url: "https://{HOST}/", '
                 f"timezone: UTC, language: {language}, interval: 5m}}", "components:"]
        for ident in components:
            probe = (probes or {}).get(ident, NEVER_RUN[ident])
            lines.append(f"  - {{id: {ident}, name: {NAMES[ident]}"
                         + (f", probe: {probe}}}" if probe else "}"))
        if control is not None:
            lines.append(f"control: {control}")
        lines += ["notify:", "  after: 2",
                  f'  channels: [{{url: "json://127.0.0.1:{hook.port}/{root.name}", '
                  "events: [outage, degraded, recovery, incident, maintenance]}]"]
        (root / "status.yaml").write_text("\n".join(lines) + "\n")
        self.config = load_config(root / "status.yaml")
        self._messages_before = len(hook.received)

    def file(self, stem: str, text: str) -> None:
        (self.root / "incidents" / f"{stem}.yaml").write_text(text)

    def run(self, minute: float, **states: str) -> None:
        """A recorded run from one location: each component's probe outcome (up, degraded,
        down); a component left out was not probed. Then ``kabar notify`` as at that run."""
        self.run_from(minute, {"default": states})

    def run_from(self, minute: float, locations: dict[str, dict[str, str]],
                 quorum: int = 1) -> None:
        """A run from several locations, merged with ``quorum``; then ``kabar notify``."""
        paths = []
        for location, outcome in locations.items():
            results = tuple(Result(ident, at(minute), state, 80.0 if state != "down" else None,
                                   None if state == "down" else 200,
                                   "connection refused" if state == "down" else None,
                                   reason="refused" if state == "down" else None)
                            for ident, state in outcome.items())
            path = self.root / "results" / f"{minute}-{location}.json"
            write_run(Run(location, at(minute), at(minute) + timedelta(seconds=1), results),
                      path)
            paths.append(path)
        record(self.root / "history", paths, self.config, quorum)
        self.notify(minute)

    def probe(self, minute: float) -> Run:
        """A real ``kabar probe`` run (its servers on 127.0.0.1), its times moved to
        ``minute``; recorded, then notified, as the scheduled job does."""
        real = run_probes(self.config, retry_pause=0)
        shift = at(minute) - real.started
        moved = dataclasses.replace(
            real, started=real.started + shift, finished=real.finished + shift,
            results=tuple(dataclasses.replace(r, at=r.at + shift) for r in real.results))
        path = self.root / "results" / f"{minute}-probe.json"
        write_run(moved, path)
        record(self.root / "history", [path], self.config)
        self.notify(minute)
        return read_run(path)

    def notify(self, minute: float) -> None:
        outcome = notify(load_config(self.root / "status.yaml"), self.root / "incidents",
                         self.root / "history", at(minute), out=lambda line: None)
        assert outcome.failures == (), outcome.failures

    def build(self, minute: float) -> Outputs:
        """The real build at ``minute`` into a fresh folder, after notifying as at then."""
        self.notify(minute)
        out = self.root / f"site-{minute}"
        build_site(self.root / "status.yaml", self.root / "incidents", self.root / "history", out,
                   now=isoformat(at(minute)), cache=None, jobs=1)
        api_dir = out / "api" / "v2"
        api = {name: json.loads((api_dir / f"{name}.json").read_text()) for name in (
            "status", "summary", "components", "incidents", "scheduled-maintenances",
            "scheduled-maintenances/upcoming", "scheduled-maintenances/active",
            "incidents/unresolved")}
        messages = [(r.json()["title"], r.json()["message"])
                    for r in self.hook.received[self._messages_before:]
                    if r.path == f"/{self.root.name}"]
        return Outputs(
            now=at(minute), language=self.language,
            page=read_page((out / "index.html").read_text()), api=api,
            badge=badge_title((out / "badge.svg").read_bytes()),
            component_badges={ident: badge_title((out / "components" / f"{ident}.svg")
                                                 .read_bytes()) for ident in self.components},
            rss=read_rss((out / "history.rss").read_bytes()),
            atom=read_atom((out / "history.atom").read_bytes()),
            calendar=read_calendar((out / "maintenance.ics").read_bytes()),
            messages=messages)


def api_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def agree(out: Outputs) -> None:
    """What every scenario's outputs share, whatever the story."""
    status, summary = out.api["status"], out.api["summary"]
    components = out.api["components"]["components"]
    assert summary["status"] == status["status"]
    assert summary["page"] == status["page"] == out.api["components"]["page"]
    assert summary["components"] == components

    # One overall state: the API's indicator and description, the banner, the badge.
    overall = Overall(status["status"]["description"].lower().replace(" ", "_"))
    assert status["status"]["indicator"] == overall.indicator.statuspage
    words = out.words(f"overall.{overall}")
    assert out.page.banner == words
    assert out.page.banner_class == f"i-{overall.indicator.replace('_', '-')}"
    assert out.badge == f"{TITLE}: {words}"

    # Never "All Systems Operational" while a probed component has no fresh data.
    everything_fine = out.words("overall.all_systems_operational")
    unknown = [c for c in components if not c["group"] and c["data"] == "none"]
    if unknown:
        assert status["status"]["description"] != "All Systems Operational"
        assert everything_fine not in (out.page.banner, out.badge.split(": ", 1)[1])
    data = status["status"]["data"]
    assert data == ("current" if not unknown else "none" if len(unknown) == len(components)
                    else "partial")

    # Each component: the API's state (and its "data"), the page's row and its badge.
    for component in components:
        shown = ("state.no_data" if component["data"] == "none"
                 else f"state.{component['status']}")
        row = out.page.rows[component["id"]]
        assert (row.name, row.state) == (component["name"], out.words(shown))
        assert out.component_badges[component["id"]] == f"{row.name}: {out.words(shown)}"

    # The summary's lists are the API's other files; the page has a section for each one
    # that is not empty.
    unresolved = out.api["incidents/unresolved"]["incidents"]
    active = out.api["scheduled-maintenances/active"]["scheduled_maintenances"]
    upcoming = out.api["scheduled-maintenances/upcoming"]["scheduled_maintenances"]
    assert summary["incidents"] == unresolved
    assert summary["scheduled_maintenances"] == active + upcoming
    for heading, shown in (("page.open_incidents", unresolved),
                           ("page.active_maintenance", active),
                           ("page.upcoming_maintenance", upcoming)):
        assert (out.words(heading) in out.page.sections) == bool(shown), heading

    # Both feeds hold the same items: each notice on the page, then each incident and
    # maintenance the API lists, dated as the API dates it.
    assert [(i.title, i.guid) for i in out.rss] == [(i.title, i.guid) for i in out.atom]
    for rss, atom in zip(out.rss, out.atom, strict=True):
        assert parsedate_to_datetime(rss.date) == api_time(atom.date), rss.title
    detections = [i for i in out.rss if "#detected-" in i.guid]
    assert [i.guid.split("components/")[1].split(".html")[0] for i in detections] == [
        ident for ident, _ in out.page.notices]
    listed = [*out.api["incidents"]["incidents"],
              *out.api["scheduled-maintenances"]["scheduled_maintenances"]]
    assert sorted(i.guid for i in out.rss if i not in detections) == sorted(
        f"https://{HOST}/incidents/{incident['id']}.html" for incident in listed)
    dated = {f"https://{HOST}/incidents/{i['id']}.html": api_time(i["updated_at"])
             for i in listed}
    assert {i.guid: api_time(i.date) for i in out.atom if "#detected-" not in i.guid} == dated
    # The calendar holds every maintenance the API lists, in the same window, and nothing else.
    assert sorted((e["uid"], api_time(e["dtstart"]), api_time(e["dtend"]))
                  for e in out.calendar) == sorted(
        (f"{m['id']}@{HOST}", api_time(m["scheduled_for"]), api_time(m["scheduled_until"]))
        for m in out.api["scheduled-maintenances"]["scheduled_maintenances"])

    # updated_at moves with what it describes: the page's is its latest change, shown as such.
    changes = [api_time(c["updated_at"]) for c in components]
    changes += [api_time(i["updated_at"]) for i in listed]
    updated = api_time(status["page"]["updated_at"])
    assert updated == max(changes, default=updated) <= out.now
    translator = Translator(out.language, updated.tzinfo)  # type: ignore[arg-type]
    assert out.page.updated == out.words("page.updated", time=translator.datetime(updated))
