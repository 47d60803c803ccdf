"""The RSS and Atom feeds (and the sitemap and robots.txt, the other files for crawlers)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from generator.load.incidents import Incident, Update
from generator.model.compute import IncidentView, SiteModel
from generator.render import feeds, meta
from generator.render.base import context
from tests import rendering, tools
from tests.factories import NOW, sample_model

BASE = "https://status.nusa.example/"
LOGIN = BASE + "incidents/2025-07-16-login.html"
ATOM = "{http://www.w3.org/2005/Atom}"
ATTACKS = ("<script>alert(1)</script> [x](javascript:alert(1)) "
           "<img src=x onerror=alert(1)> [d](data:text/html;base64,PHNjcmlwdD4=) "
           "[v](vbscript:msgbox) [ok](https://ok.example/)")


def sample(language: str = "id") -> SiteModel:
    """The example model without its detection: these tests are about incident items."""
    return replace(sample_model(language), detected=())


def render(model: SiteModel) -> dict[str, bytes]:
    return dict(rendering.render(feeds.outputs, context(model)))


def parse(data: bytes) -> feedparser.FeedParserDict:
    return feedparser.parse(data, sanitize_html=False)


def raw_bodies(files: dict[str, bytes]) -> list[str]:
    """The first item's HTML body exactly as written in history.rss and history.atom."""
    rss = ET.fromstring(files["history.rss"]).find("channel/item/description")
    atom = ET.fromstring(files["history.atom"]).find(f"{ATOM}entry/{ATOM}content")
    assert rss is not None and atom is not None
    return [rss.text or "", atom.text or ""]


def incident(n: int, at: datetime, message: str = "Sudah normal.") -> IncidentView:
    """A resolved one-hour incident ``n`` starting at ``at``, on the API."""
    updates = (Update(at, "investigating", "Lambat."),
               Update(at + timedelta(hours=1), "resolved", message))
    inc = Incident(f"inc-{n:03d}", f"Insiden {n}", {"api": "partial_outage"}, updates)
    return IncidentView(inc, "resolved", "major", at, at + timedelta(hours=1),
                        at + timedelta(hours=1), timedelta(hours=1), False,
                        tuple(reversed(updates)))


def with_update(model: SiteModel, incident_id: str, update: Update) -> SiteModel:
    """``model`` with ``update`` added to an incident, as the model code would show it."""
    views = []
    for view in model.incidents:
        if view.id == incident_id:
            inc = replace(view.incident, updates=view.incident.updates + (update,))
            view = replace(view, incident=inc, updated=update.at,
                           updates=(update,) + view.updates)
        views.append(view)
    return replace(model, incidents=tuple(views), updated=update.at)


def test_every_feed_parses_without_errors_and_links_absolutely() -> None:
    files = render(sample())
    assert sorted(files) == ["components/api.atom", "components/api.rss",
                             "components/chat.atom", "components/chat.rss",
                             "components/login.atom", "components/login.rss",
                             "components/video.atom", "components/video.rss",
                             "history.atom", "history.rss"]
    for name, data in files.items():
        parsed = parse(data)
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert parsed.feed.link.startswith(BASE), name
        selfs = [link.href for link in parsed.feed.links if link.rel == "self"]
        assert selfs == [BASE + name], name
        for entry in parsed.entries:
            assert entry.link.startswith(BASE + "incidents/"), name


def test_site_feed_items_are_newest_update_first_with_permalink_guids() -> None:
    files = render(sample())
    rss, atom = parse(files["history.rss"]), parse(files["history.atom"])
    assert rss.feed.title == "Nusa AI Status: riwayat insiden"
    assert rss.feed.link == BASE + "history.html"
    assert rss.feed.language == "id"
    titles = ["Tingkat kesalahan tinggi dan kegagalan login",
              "[Pemeliharaan] Peningkatan basis data", "API lambat"]
    for parsed in (rss, atom):
        assert [e.title for e in parsed.entries] == titles
        assert [e.id for e in parsed.entries] == [
            LOGIN, BASE + "incidents/2025-07-20-db.html", BASE + "incidents/2025-06-24-api.html"]
    guid = ET.fromstring(files["history.rss"]).find("channel/item/guid")
    assert guid is not None and guid.text == LOGIN
    assert guid.get("isPermaLink") == "true"
    # RSS dates an item by its latest update; Atom also says when it started.
    assert rss.entries[0].published == "Wed, 16 Jul 2025 01:40:00 +0000"
    assert atom.entries[0].updated == "2025-07-16T01:40:00+00:00"
    assert atom.entries[0].published == "2025-07-15T23:15:00+00:00"
    # The feed is dated by its newest item, not the build, so probe runs leave it alone.
    assert rss.feed.updated == "Wed, 16 Jul 2025 01:40:00 +0000"


def test_item_body_lists_every_update_newest_first_like_statuspage() -> None:
    rss_body, atom_body = raw_bodies(render(sample()))
    assert rss_body == atom_body
    body = rss_body
    assert body.startswith("<p><small>16 Juli 2025 08.40 WIB</small><br>"
                           "<strong>Selesai</strong> - Tingkat kesalahan kembali normal.</p>")
    assert body.index("08.40 WIB") < body.index("08.10 WIB") < body.index("06.15 WIB")
    assert "pengguna <strong>tertahan</strong> di layar login" in body
    assert "<p>Komponen terdampak: Nusa Chat, Nusa Video, API</p>" in body


def test_english_site_prefixes_maintenance_in_english() -> None:
    files = render(sample("en"))
    assert parse(files["history.rss"]).entries[1].title == "[Maintenance] Peningkatan basis data"
    assert raw_bodies(files)[0].startswith(
        "<p><small>16 July 2025 08:40 WIB</small><br><strong>Resolved</strong> - ")


def test_component_feed_holds_only_incidents_naming_it() -> None:
    files = render(sample())
    api = parse(files["components/api.rss"])
    assert [e.id for e in api.entries] == [
        LOGIN, BASE + "incidents/2025-07-20-db.html", BASE + "incidents/2025-06-24-api.html"]
    assert api.feed.title == "Nusa AI Status: API"
    assert api.feed.link == BASE + "components/api.html"
    chat = parse(files["components/chat.atom"])
    assert [e.id for e in chat.entries] == [LOGIN]
    assert parse(files["components/login.atom"]).entries == []


def test_a_new_update_moves_the_item_date_and_order() -> None:
    model = sample()
    later = Update(NOW + timedelta(hours=2), "scheduled", "Jadwal tetap.")
    changed = render(with_update(model, "2025-07-20-db", later))
    rss, atom = parse(changed["history.rss"]), parse(changed["history.atom"])
    assert rss.entries[0].id == BASE + "incidents/2025-07-20-db.html"
    assert rss.entries[0].published == "Wed, 16 Jul 2025 05:00:00 +0000"
    assert atom.entries[0].updated == "2025-07-16T05:00:00+00:00"
    # Atom's <published> is when it was announced (its first update), never after <updated>:
    # the window's start lies ahead (the W3C Feed Validator: "Implausible date"). RSS's one
    # date is Atom's <updated>: both move with a new update.
    assert atom.entries[0].published == "2025-07-14T03:00:00+00:00"
    assert "Jadwal tetap." in rss.entries[0].description
    assert changed["history.rss"] != render(model)["history.rss"]


def test_feeds_hold_the_latest_50_items() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    views = tuple(incident(n, start + timedelta(days=n)) for n in range(60))
    model = replace(sample(), incidents=tuple(reversed(views)),
                    components=tuple(replace(c, incident_ids=())
                                     for c in sample().components))
    for name in ("history.rss", "history.atom"):
        entries = parse(render(model)[name]).entries
        assert len(entries) == 50
        assert entries[0].title == "Insiden 59"
        assert entries[-1].title == "Insiden 10"


def test_same_model_gives_the_same_bytes() -> None:
    assert render(sample()) == render(sample())
    assert b"<generator>Kabar</generator>" in render(sample())["history.rss"]


class _Markup(HTMLParser):
    """Collects the tags and attributes of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]


def test_attack_strings_in_a_message_come_out_harmless() -> None:
    model = sample()
    model = replace(model, incidents=(incident(1, NOW, ATTACKS),) + model.incidents)
    files = render(model)
    bodies = [parse(files["history.rss"]).entries[0].description,
              parse(files["history.atom"]).entries[0].content[0].value]
    assert bodies[0].startswith("<p><small>16 Juli 2025 11.00 WIB</small>")
    for html in bodies + raw_bodies(files):
        assert "<script" not in html and "<img" not in html
        found = _Markup()
        found.feed(html)
        assert "script" not in found.tags and "img" not in found.tags
        assert not [k for k, _ in found.attrs if k.startswith("on")]
        hrefs = [v for k, v in found.attrs if k in ("href", "src")]
        assert hrefs == ["https://ok.example/"]  # the safe link stays a link
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text


def test_empty_feeds_are_still_valid() -> None:
    model = replace(sample(), incidents=(), months=(),
                    components=tuple(replace(c, incident_ids=())
                                     for c in sample().components))
    for name, data in render(model).items():
        parsed = parse(data)
        assert parsed.bozo == 0, name
        assert parsed.entries == []
        assert parsed.feed.title


def _jing(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    jing = tools.executable("jing")
    return subprocess.run([jing, "-c", str(tools.atom_schema()), *map(str, paths)],
                          capture_output=True, text=True, check=False, timeout=120)


def test_atom_feeds_validate_against_rfc_4287(tmp_path: Path) -> None:
    empty = replace(sample(), incidents=(),
                    components=tuple(replace(c, incident_ids=())
                                     for c in sample().components))
    paths = []
    for label, model in (("sample", sample()), ("en", sample("en")),
                         ("empty", empty)):
        for name, data in render(model).items():
            if name.endswith(".atom"):
                path = tmp_path / f"{label}-{name.replace('/', '-')}"
                path.write_bytes(data)
                paths.append(path)
    result = _jing(paths)
    assert result.returncode == 0, result.stdout
    # The validator does reject a feed that breaks the schema (an entry without an id).
    broken = tmp_path / "broken.atom"
    broken.write_text(paths[0].read_text().replace(f"<id>{LOGIN}</id>", "", 1))
    assert _jing([broken]).returncode != 0


# sitemap.xml and robots.txt

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_lists_every_html_page_from_the_model() -> None:
    files = dict(rendering.render(meta.outputs, context(sample())))
    root = ET.fromstring(files["sitemap.xml"])
    locs = [u.findtext(f"{SITEMAP}loc") for u in root.iter(f"{SITEMAP}url")]
    assert locs == [
        BASE, BASE + "history.html", BASE + "uptime/index.html",
        *(BASE + f"uptime/{cid}.html" for cid in ("chat", "video", "api", "login")),
        BASE + "history/2025-07.html",
        BASE + "history/2025-06.html", BASE + "components/chat.html",
        BASE + "components/video.html", BASE + "components/api.html",
        BASE + "components/login.html", BASE + "incidents/2025-07-20-db.html", LOGIN,
        BASE + "incidents/2025-06-24-api.html"]
    lastmods = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod")
                for u in root.iter(f"{SITEMAP}url")}
    assert lastmods[LOGIN] == "2025-07-16T01:40:00Z"


def test_robots_allows_everything_and_names_the_sitemap() -> None:
    files = dict(rendering.render(meta.outputs, context(sample())))
    assert files["robots.txt"] == (
        b"User-agent: *\nAllow: /\n\nSitemap: https://status.nusa.example/sitemap.xml\n")


@pytest.mark.parametrize(("language", "subtitle"), [
    ("en", "Incidents and maintenance affecting API"),
    ("id", "Insiden dan pemeliharaan yang memengaruhi API"),
], ids=["en", "id"])
def test_component_feed_is_described_in_the_site_language(language: str, subtitle: str) -> None:
    feed = parse(render(sample(language))["components/api.atom"]).feed
    assert feed.subtitle == subtitle
    assert feed.language == language


def test_an_outage_detected_by_monitoring_is_an_item_like_the_page_notice() -> None:
    model = sample_model("en")  # monitoring sees the API degraded, no incident posted yet
    (detection,) = model.detected
    files = render(model)
    for name in ("history.rss", "history.atom", "components/api.rss", "components/api.atom"):
        entry = parse(files[name]).entries[0]
        assert entry.title == "Degraded performance on API, detected by monitoring"
        assert entry.link == BASE + "components/api.html"
        assert entry.id == BASE + "components/api.html#detected-20250716T024800Z"
        assert "detected by monitoring at 16 July 2025 09:48 WIB" in entry.summary
    assert parse(files["history.rss"]).feed.updated == "Wed, 16 Jul 2025 02:48:00 +0000"
    # Only the component that is down gets it in its own feed.
    assert all("detected" not in e.title for e in parse(files["components/chat.rss"]).entries)
    assert detection.component_id == "api"
