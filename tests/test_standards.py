"""Standards in full: Atom (RFC 4287) beyond its schema, RSS 2.0 as readers use it, and the
Statuspage API checked key by key against real Statuspage responses.

jing checks the feeds against RFC 4287's RELAX NG schema (tests/test_feeds.py); the rules the
schema cannot state (its Schematron annotations, which jing skips) are checked here, by a small
checker over the parsed XML. The API is walked against the union of the shapes of the
captures in tests/fixtures/statuspage/.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from generator.model.compute import SiteModel
from generator.render import api, feeds
from generator.render.base import context
from tests import rendering, tools
from tests.conftest import FIXTURES as ALL_FIXTURES
from tests.factories import sample_model
from tests.golden import EXPECTED
from tests.test_api import busy_model

ATOM_NS = "http://www.w3.org/2005/Atom"
A = "{" + ATOM_NS + "}"
XHTML_DIV = "{http://www.w3.org/1999/xhtml}div"
# RFC 3339 date-time as RFC 4287 §3.3 restricts it: upper-case T and Z, seconds required.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
# RFC 822 date-time as RSS 2.0 wants it (four-digit years, as the RSS Advisory Board advises).
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                    r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d ([+-]\d{4}|GMT|UT)")
FIXTURES = ALL_FIXTURES / "statuspage"


# --- the Atom checker ---------------------------------------------------------------------

def _count(parent: ET.Element, name: str) -> int:
    return len(parent.findall(A + name))


def _text_construct(el: ET.Element, where: str) -> list[str]:
    """RFC 4287 §3.1: type is text, html or xhtml; xhtml holds one xhtml:div; others no markup."""
    kind = el.get("type", "text")
    if kind not in ("text", "html", "xhtml"):
        return [f"{where}: type {kind!r} is not text, html or xhtml"]
    children = list(el)
    if kind == "xhtml":
        if len(children) != 1 or children[0].tag != XHTML_DIV:
            return [f"{where}: xhtml content must be one xhtml:div"]
    elif children:
        return [f"{where}: {kind} text holds child elements"]
    return []


def _date(el: ET.Element | None, where: str) -> list[str]:
    if el is None:
        return []
    if not RFC3339.fullmatch(el.text or ""):
        return [f"{where}: {el.text!r} is not an RFC 3339 date-time"]
    return []


def _iri(value: str | None, where: str) -> list[str]:
    if not value or not urlsplit(value).scheme:
        return [f"{where}: {value!r} is not an absolute IRI"]
    return []


def _person(el: ET.Element, where: str) -> list[str]:
    problems = []
    if _count(el, "name") != 1:
        problems.append(f"{where}: a person construct needs exactly one name")
    for name in ("uri", "email"):
        if _count(el, name) > 1:
            problems.append(f"{where}: more than one {name}")
    return problems


def _links(parent: ET.Element, where: str) -> list[str]:
    """§4.2.7: every link has href; at most one alternate per (type, hreflang)."""
    problems = []
    seen = set()
    for link in parent.findall(A + "link"):
        problems += _iri(link.get("href"), f"{where}/link")
        if link.get("rel", "alternate") == "alternate":
            key = (link.get("type"), link.get("hreflang"))
            if key in seen:
                problems.append(f"{where}: two alternate links with type and hreflang {key}")
            seen.add(key)
    return problems


def atom_problems(data: bytes) -> list[str]:
    """Every RFC 4287 rule the RELAX NG schema cannot state, as a list of problems."""
    feed = ET.fromstring(data)
    if feed.tag != A + "feed":
        return [f"root is {feed.tag}, not atom:feed"]
    problems: list[str] = []
    for name in ("id", "title", "updated"):
        if _count(feed, name) != 1:
            problems.append(f"feed: needs exactly one atom:{name}")
    for name in ("generator", "icon", "logo", "rights", "subtitle"):
        if _count(feed, name) > 1:
            problems.append(f"feed: more than one atom:{name}")
    problems += _iri(feed.findtext(A + "id"), "feed/id")
    problems += _date(feed.find(A + "updated"), "feed/updated")
    for name in ("title", "subtitle", "rights"):
        for el in feed.findall(A + name):
            problems += _text_construct(el, f"feed/{name}")
    for author in feed.findall(A + "author"):
        problems += _person(author, "feed/author")
    problems += _links(feed, "feed")
    if not any(link.get("rel") == "self" for link in feed.findall(A + "link")):
        problems.append("feed: no atom:link rel=self (RFC 4287 §4.1.1 SHOULD)")
    entries = feed.findall(A + "entry")
    feed_has_author = _count(feed, "author") > 0
    ids: set[str] = set()
    newest = max((e.findtext(A + "updated") or "" for e in entries), default="")
    for n, entry in enumerate(entries):
        where = f"entry[{n}]"
        for name in ("id", "title", "updated"):
            if _count(entry, name) != 1:
                problems.append(f"{where}: needs exactly one atom:{name}")
        for name in ("content", "published", "rights", "source", "summary"):
            if _count(entry, name) > 1:
                problems.append(f"{where}: more than one atom:{name}")
        entry_id = entry.findtext(A + "id") or ""
        problems += _iri(entry_id, f"{where}/id")
        if entry_id in ids:
            problems.append(f"{where}: id {entry_id} is used by another entry")
        ids.add(entry_id)
        if not feed_has_author and _count(entry, "author") == 0 and entry.find(
                f"{A}source/{A}author") is None:
            problems.append(f"{where}: no atom:author in the entry or the feed (§4.1.1)")
        for name in ("updated", "published"):
            problems += _date(entry.find(A + name), f"{where}/{name}")
        for name in ("title", "summary", "rights"):
            for el in entry.findall(A + name):
                problems += _text_construct(el, f"{where}/{name}")
        content = entry.find(A + "content")
        if content is None:
            if not any(link.get("rel", "alternate") == "alternate"
                       for link in entry.findall(A + "link")):
                problems.append(f"{where}: no content and no alternate link (§4.1.1)")
        elif content.get("src") is not None:
            if entry.find(A + "summary") is None:
                problems.append(f"{where}: content with src needs a summary (§4.1.2)")
        elif content.get("type", "text") in ("text", "html", "xhtml"):
            problems += _text_construct(content, f"{where}/content")
        problems += _links(entry, where)
    # Kabar's own rule: a feed is dated by its newest entry (readers cache by it).
    if newest and (feed.findtext(A + "updated") or "") < newest:
        problems.append("feed: updated is older than its newest entry")
    return problems


def rss_problems(data: bytes, url: str) -> list[str]:
    """What RSS 2.0 readers use: channel basics, RFC 822 dates, guid isPermaLink, self link."""
    root = ET.fromstring(data)
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        return ["not an RSS 2.0 document"]
    problems = []
    for name in ("title", "link", "description", "lastBuildDate"):
        if not (channel.findtext(name) or "").strip():
            problems.append(f"channel: no {name}")
    for name in ("lastBuildDate", "pubDate"):
        value = channel.findtext(name)
        if value is not None and not RFC822.fullmatch(value):
            problems.append(f"channel/{name}: {value!r} is not RFC 822")
    selves = [link.get("href") for link in channel.findall(f"{A}link")
              if link.get("rel") == "self"]
    if selves != [url]:
        problems.append(f"channel: atom:link rel=self is {selves}, not [{url!r}]")
    guids: set[str] = set()
    for n, item in enumerate(channel.findall("item")):
        where = f"item[{n}]"
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"{where}: neither title nor description")
        guid = item.find("guid")
        if guid is None or guid.get("isPermaLink") not in ("true", "false"):
            problems.append(f"{where}: no guid with an explicit isPermaLink")
        else:
            if guid.get("isPermaLink") == "true":
                problems += _iri(guid.text, f"{where}/guid")
            if guid.text in guids:
                problems.append(f"{where}: guid {guid.text} is used by another item")
            guids.add(guid.text or "")
        pub = item.findtext("pubDate")
        if pub is None or not RFC822.fullmatch(pub):
            problems.append(f"{where}: pubDate {pub!r} is not RFC 822")
        else:
            parsedate_to_datetime(pub)
        if not urlsplit(item.findtext("link") or "").scheme:
            problems.append(f"{where}: no absolute link")
    return problems


# --- which feeds ---------------------------------------------------------------------------

def _models() -> Iterator[tuple[str, SiteModel]]:
    yield "sample-id", sample_model("id")
    yield "sample-en", sample_model("en")
    yield "busy", busy_model()
    empty = sample_model("en")
    yield "empty", replace(empty, incidents=(), months=(), detected=(), components=tuple(
        replace(view, incident_ids=()) for view in empty.components))


def all_feeds() -> Iterator[tuple[str, str, bytes]]:
    """(where, feed URL, bytes) of every feed of the golden site and of several models."""
    for path in sorted(EXPECTED.rglob("*.atom")) + sorted(EXPECTED.rglob("*.rss")):
        rel = path.relative_to(EXPECTED).as_posix()
        yield f"golden/{rel}", "https://status.example.com/" + rel, path.read_bytes()
    for name, model in _models():
        for rel, data in rendering.render(feeds.outputs, context(model)):
            assert data is not None
            yield f"{name}/{rel}", model.config.site.url + rel, data


def test_the_checker_catches_what_the_schema_lets_through(tmp_path: Path) -> None:
    """The rules the RELAX NG schema cannot state: this feed passes jing, but not RFC 4287."""
    bad = f"""<feed xmlns="{ATOM_NS}"><id>urn:x</id><title>t</title>
<updated>2025-07-16T02:45:00+00:00</updated><link rel="self" href="https://x/f.atom"/>
<entry><id>https://x/1</id><title>a</title><updated>2025-07-16T02:45:00</updated>
<content type="html">x</content></entry>
<entry><id>https://x/1</id><title>b</title><updated>2025-07-16T02:50:00Z</updated></entry>
</feed>""".encode()
    path = tmp_path / "bad.atom"
    path.write_bytes(bad)
    jing = subprocess.run([tools.executable("jing"), "-c", str(tools.atom_schema()), str(path)],
                          capture_output=True, text=True, check=False, timeout=120)
    assert jing.returncode == 0, jing.stdout
    assert atom_problems(bad) == [
        "entry[0]: no atom:author in the entry or the feed (§4.1.1)",
        "entry[0]/updated: '2025-07-16T02:45:00' is not an RFC 3339 date-time",
        "entry[1]: id https://x/1 is used by another entry",
        "entry[1]: no atom:author in the entry or the feed (§4.1.1)",
        "entry[1]: no content and no alternate link (§4.1.1)",
        "feed: updated is older than its newest entry",
    ]


def test_every_atom_feed_keeps_every_rule_of_rfc_4287() -> None:
    checked = 0
    for where, _url, data in all_feeds():
        if where.endswith(".atom"):
            assert atom_problems(data) == [], where
            checked += 1
    assert checked >= 20


def test_every_atom_feed_names_the_site_as_its_author() -> None:
    data = rendering.render(feeds.outputs, context(sample_model("en")))
    atom = ET.fromstring(dict(data)["history.atom"])
    author = atom.find(A + "author")
    assert author is not None
    assert (author.findtext(A + "name"), author.findtext(A + "uri")) == (
        "Nusa AI Status", "https://status.nusa.example/")


def test_every_rss_feed_carries_what_readers_use() -> None:
    checked = 0
    for where, url, data in all_feeds():
        if where.endswith(".rss"):
            assert rss_problems(data, url) == [], where
            checked += 1
    assert checked >= 20


def test_rss_guids_are_permalinks_for_incidents_and_not_for_detections() -> None:
    files = dict(rendering.render(feeds.outputs, context(sample_model("en"))))
    items = ET.fromstring(files["history.rss"]).findall("channel/item")
    kinds = [(item.findtext("guid", "").split("#")[0].rsplit("/", 2)[-2],
              item.find("guid").get("isPermaLink")) for item in items]  # type: ignore[union-attr]
    assert kinds == [("components", "false"), ("incidents", "true"), ("incidents", "true"),
                     ("incidents", "true")]


# --- the Statuspage API against real captures ----------------------------------------------

# Statuspage's documented enumerations (developer.statuspage.io, the public v2 API). The
# captures hold only some of these values; a test below checks they hold no other.
ENUMS: dict[tuple[str, str], set[str]] = {
    ("component", "status"): {"operational", "degraded_performance", "partial_outage",
                              "major_outage", "under_maintenance"},
    ("status", "indicator"): {"none", "minor", "major", "critical", "maintenance"},
    ("incident", "status"): {"investigating", "identified", "monitoring", "resolved",
                             "postmortem", "scheduled", "in_progress", "verifying", "completed"},
    ("incident", "impact"): {"none", "minor", "major", "critical", "maintenance"},
    ("update", "status"): {"investigating", "identified", "monitoring", "resolved",
                           "postmortem", "scheduled", "in_progress", "verifying", "completed"},
    ("affected", "old_status"): {"operational", "degraded_performance", "partial_outage",
                                 "major_outage", "under_maintenance"},
    ("affected", "new_status"): {"operational", "degraded_performance", "partial_outage",
                                 "major_outage", "under_maintenance"},
}
# Kabar's documented additions (generator/render/api.py): the truth about data (its values),
# and when the files were built (a time, written as Statuspage writes times).
EXTENSIONS: dict[tuple[str, str], set[str] | str] = {
    ("component", "data"): {"current", "none"}, ("status", "data"): {"current", "partial", "none"},
    ("status", "built_at"): "time"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)")
CHILDREN = {"components": "component", "incidents": "incident",
            "scheduled_maintenances": "incident", "incident_updates": "update",
            "affected_components": "affected", "page": "page", "status": "status"}

Shapes = dict[str, dict[str, set[str]]]  # kind -> key -> type tags (and "=value" for enums)


def tag(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        if TIME.fullmatch(value):
            return "time"
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            return "date"
        return "string"
    if isinstance(value, list):
        return "list" if not value or not isinstance(value[0], str) else "list of strings"
    return type(value).__name__


def walk(kind: str, obj: dict[str, Any], where: str) -> Iterator[tuple[str, str, str, Any]]:
    """(kind, key, where, value) for every key of ``obj`` and of the objects inside it."""
    for key, value in obj.items():
        yield kind, key, f"{where}.{key}", value
        child = CHILDREN.get(key)
        if child is None or (kind in ("component", "affected") and key == "components"):
            continue
        if isinstance(value, dict):
            yield from walk(child, value, f"{where}.{key}")
        for n, item in enumerate(value if isinstance(value, list) else []):
            if isinstance(item, dict):
                yield from walk(child, item, f"{where}.{key}[{n}]")


def capture_shapes() -> Shapes:
    shapes: Shapes = {}
    for path in sorted(FIXTURES.glob("*.json")):
        for kind, key, _where, value in walk("file", json.loads(path.read_text()), path.name):
            shapes.setdefault(kind, {}).setdefault(key, set()).add(tag(value))
            if (kind, key) in ENUMS:
                shapes[kind][key].add(f"={value}")
    return shapes


def shape_problems(files: dict[str, bytes], shapes: Shapes) -> list[str]:
    problems = []
    for name, data in files.items():
        for kind, key, where, value in walk("file", json.loads(data), name):
            known = shapes.get(kind, {}).get(key)
            if (kind, key) in EXTENSIONS:
                allowed = EXTENSIONS[kind, key]
                if tag(value) != allowed if isinstance(allowed, str) else value not in allowed:
                    problems.append(f"{where}: {value!r} outside Kabar's documented values")
                continue
            if known is None:
                problems.append(f"{where}: no Statuspage response has this key")
                continue
            if tag(value) not in known:
                problems.append(f"{where}: {tag(value)} {value!r}, Statuspage writes "
                                f"{sorted(t for t in known if not t.startswith('='))}")
            if (kind, key) in ENUMS and value not in ENUMS[kind, key]:
                problems.append(f"{where}: {value!r} is not in Statuspage's enumeration")
    return problems


def test_the_captures_use_only_the_documented_enumerations() -> None:
    shapes = capture_shapes()
    for (kind, key), values in ENUMS.items():
        seen = {t[1:] for t in shapes[kind][key] if t.startswith("=")}
        assert seen and seen <= values, (kind, key, seen)
    assert {"group", "components"} <= set(shapes["component"])  # a capture has groups


def _api_files() -> Iterator[tuple[str, dict[str, bytes]]]:
    golden = {p.relative_to(EXPECTED).as_posix(): p.read_bytes()
              for p in (EXPECTED / "api" / "v2").rglob("*.json")}  # Statuspage's API
    yield "golden", golden
    for name, model in _models():
        yield name, dict(rendering.render(api.outputs, context(model)))


@pytest.mark.parametrize("which", ["golden", "sample-id", "sample-en", "busy", "empty"])
def test_every_key_type_and_enum_kabar_writes_is_one_statuspage_writes(which: str) -> None:
    shapes = capture_shapes()
    files = dict(_api_files())[which]
    assert len(files) == 8
    assert shape_problems(files, shapes) == []


def test_the_walk_catches_what_strict_clients_trip_on() -> None:
    """The issue's findings, as the walk reports them."""
    bad = {"summary.json": json.dumps({
        "page": {"id": "x", "name": "n", "url": "https://x/", "time_zone": "Asia/Jakarta",
                 "updated_at": "2025-07-16T07:05:00+07:00"},
        "components": [{"id": "c", "status": "no_data", "created_at": None}]}).encode()}
    assert shape_problems(bad, capture_shapes()) == [
        "summary.json.page.updated_at: string '2025-07-16T07:05:00+07:00', "
        "Statuspage writes ['time']",
        "summary.json.components[0].status: 'no_data' is not in Statuspage's enumeration",
        "summary.json.components[0].created_at: null None, Statuspage writes ['time']",
    ]
