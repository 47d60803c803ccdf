"""Hostile text is inert in every output: pages, RSS, Atom, JSON, badges and the calendar.

A site whose every piece of text is an attack (site title and description, component names,
descriptions and groups, incident titles, messages and postmortems) is built for real, and
each output is parsed the way its readers parse it: an HTML parser on the pages and on the
feeds' HTML, feedparser, an XML parser on the SVG badges, JSON, an RFC 5545 unfolder.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
import yaml

from tests.sitebuild import build_site
from tests.tools import ROOT

NOW = "2025-07-16T10:00:00+07:00"
SCRIPT = '<script>alert("x")</script>'
ATTACK = (f'{SCRIPT}<img src=x onerror=alert(1)><svg onload=alert(2)><b>bold</b>'
          '<a href="javascript:alert(3)">j</a><iframe src="data:text/html,x"></iframe>'
          '" \' & </title></text>]]>')
MARKDOWN = (f"{ATTACK}\n\n[js](javascript:alert(4)) [js2](JaVaScRiPt:alert(5)) "
            "[data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) "
            "![img](javascript:alert(6)) <javascript:alert(7)> [ok](https://ok.example/)\n\n"
            '<div onclick="alert(8)">raw</div>')
ICS_BREAK = "Upgrade\r\nATTENDEE:mailto:evil@example.com\nBEGIN:VALARM"
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "foreignobject", "base", "form",
                  "meta", "style", "img", "svg", "div", "b"}
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "data"}
BAD_SCHEMES = re.compile(r"^\s*(javascript|vbscript|data):", re.I)


def write_site(root: Path) -> None:
    status = {
        "site": {"title": f"Nusa {SCRIPT}", "url": "https://status.nusa.example/",
                 "description": ATTACK, "timezone": "Asia/Jakarta", "language": "en",
                 "interval": "5m"},
        "components": [
            {"id": "api", "name": f"API {ATTACK}", "group": f"Group {ATTACK}",
             "description": ATTACK},
            {"id": "chat", "name": '"><svg/onload=alert(9)>', "description": ATTACK},
        ],
    }
    (root / "status.yaml").write_text(yaml.safe_dump(status, allow_unicode=True))
    incidents = root / "incidents"
    incidents.mkdir()
    outage = {"title": f"Outage {ATTACK}", "components": {"api": "major_outage",
                                                          "chat": "partial_outage"},
              "updates": [{"at": "2025-07-16 06:15", "status": "investigating",
                           "message": MARKDOWN},
                          {"at": "2025-07-16 07:00", "status": "identified",
                           "message": ATTACK}],
              "postmortem": MARKDOWN}
    (incidents / "2025-07-16-outage.yaml").write_text(yaml.safe_dump(outage))
    maintenance = {"title": ICS_BREAK + ATTACK,
                   "maintenance": {"start": "2025-07-16 09:00", "end": "2025-07-16 11:00"},
                   "components": {"api": "under_maintenance"},
                   "updates": [{"at": "2025-07-14 10:00", "status": "scheduled",
                                "message": MARKDOWN + "\r\nEND:VEVENT"}]}
    (incidents / "2025-07-16-upgrade.yaml").write_text(yaml.safe_dump(maintenance))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile site, built: its output folder."""
    root = tmp_path_factory.mktemp("hostile")
    write_site(root)
    out = root / "_site"
    build_site(root / "status.yaml", root / "incidents", root / "history", out, now=NOW)
    return out


class Live(HTMLParser):
    """What a browser would run or load: elements, event handlers, unsafe URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRS and value and BAD_SCHEMES.match(value):
                # The page's own favicon is an inline SVG image; nothing from the input.
                if not (tag == "link" and values.get("rel") == "icon"
                        and value.startswith("data:image/svg+xml,") and "alert" not in value):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def live(markup: str) -> Live:
    parser = Live()
    parser.feed(markup)
    parser.close()
    return parser


def test_pages_show_the_attack_as_text_and_run_nothing(out_dir: Path) -> None:
    pages = sorted(out_dir.rglob("*.html"))
    assert len(pages) >= 6
    # The templates' own elements, and what CommonMark makes of a message.
    ours = {"a", "article", "b", "body", "br", "dd", "desc", "div", "dl", "dt", "footer",
            "h1", "h2", "h3", "head", "header", "html", "i", "li", "line", "link", "main",
            "meta", "nav", "ol", "p", "polygon", "polyline", "span", "strong", "style", "svg",
            "text", "time", "title", "ul", "em", "code", "pre", "blockquote", "hr", "h4",
            "h5", "h6", "img", "small", "section", "details", "summary",
            # the uptime report's tables
            "table", "caption", "thead", "tbody", "tr", "th", "td"}
    # The one script the templates write (the last check's "N min ago"); any other is live.
    own = re.search(r"<script>.*?</script>", (ROOT / "site_templates" / "macros.html").read_text(),
                    re.S)
    assert own is not None
    for page in pages:
        markup = page.read_text().replace(own.group(0), "")
        # and base.html's, on every page: the reader's own time beside the site's
        markup = re.sub(r'<script data-yours="[^"<]*">[^<]*</script>', "", markup, count=1)
        parsed = live(markup)
        assert parsed.problems == [], page
        assert "script" not in parsed.tags and "iframe" not in parsed.tags, page
        assert set(parsed.tags) <= ours, (page, set(parsed.tags) - ours)
        # An attack element would need its raw "<"; only escaped forms may be in the bytes.
        for raw in ("<script", "<iframe", "<img src=x", "<svg onload", "<svg/onload",
                    "<div onclick", "<b>bold"):
            assert raw not in markup, (page, raw)
    index = live((out_dir / "index.html").read_text())
    assert f"API {ATTACK}" in "".join(index.text)  # shown, as text
    incident = live((out_dir / "incidents/2025-07-16-outage.html").read_text())
    text = "".join(incident.text)
    assert f"Outage {ATTACK}" in text and SCRIPT in text
    assert '<a href="https://ok.example/">ok</a>' in (
        out_dir / "incidents/2025-07-16-outage.html").read_text()


def _rss_plain(data: bytes) -> list[str]:
    """The RSS titles and channel description, as a reader that renders them as HTML sees them."""
    channel = ET.fromstring(data).find("channel")
    assert channel is not None
    found = [channel.findtext("title") or "", channel.findtext("description") or ""]
    found += [item.findtext("title") or "" for item in channel.findall("item")]
    return found


def test_rss_titles_and_channel_description_stay_text_after_one_html_decode(
        out_dir: Path) -> None:
    feeds = sorted(out_dir.rglob("*.rss"))
    assert len(feeds) == 3
    for feed in feeds:
        for text in _rss_plain(feed.read_bytes()):
            parsed = live(text)  # a reader renders it as HTML: no element may appear
            assert parsed.tags == [], (feed, text)
            assert parsed.problems == [], (feed, text)
    titles = _rss_plain((out_dir / "history.rss").read_bytes())
    # After the reader's one decode, the words are there as they were written.
    assert html.unescape(titles[1]) == ATTACK
    assert f"Outage {ATTACK}" in [html.unescape(t) for t in titles]


def test_feed_bodies_are_safe_html(out_dir: Path) -> None:
    for feed in sorted(out_dir.rglob("*.rss")) + sorted(out_dir.rglob("*.atom")):
        root = ET.fromstring(feed.read_bytes())
        bodies = [el.text or "" for el in root.iter()
                  if el.tag in ("description", "{http://www.w3.org/2005/Atom}content",
                                "{http://www.w3.org/2005/Atom}summary")]
        assert bodies
        for body in bodies:
            parsed = live(body)
            assert parsed.problems == [], (feed, body)
            assert not {"script", "iframe", "img", "svg", "div"} & set(parsed.tags), feed


def test_feedparser_sanitised_output_holds_no_markup_from_the_input(out_dir: Path) -> None:
    """feedparser as a reader uses it: its HTML values are safe, its text values are text."""
    seen = set()
    for feed in sorted(out_dir.rglob("*.rss")) + sorted(out_dir.rglob("*.atom")):
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
        details = [parsed.feed.get("title_detail"), parsed.feed.get("subtitle_detail")]
        for entry in parsed.entries:
            details += [entry.get("title_detail"), entry.get("summary_detail"),
                        *entry.get("content", [])]
        for detail in filter(None, details):
            seen.add(detail.type)
            if detail.type in ("text/html", "application/xhtml+xml"):
                assert live(detail.value).problems == [], (feed, detail.value)
                assert not {"script", "iframe", "img", "svg"} & set(live(detail.value).tags)
            else:  # plain text: a reader shows it as text, markup and all
                assert detail.type == "text/plain", (feed, detail)
    assert seen == {"text/plain", "text/html"}


def test_json_keeps_the_text_exactly_and_parses(out_dir: Path) -> None:
    summary = json.loads((out_dir / "api/v2/summary.json").read_text())
    assert summary["page"]["name"] == f"Nusa {SCRIPT}"
    names = {c["id"]: c["name"] for c in summary["components"]}
    assert names["api"] == f"API {ATTACK}"
    assert names["chat"] == '"><svg/onload=alert(9)>'
    assert any(c["group"] and c["name"] == f"Group {ATTACK}" for c in summary["components"])
    for path in (out_dir / "api").rglob("*.json"):
        json.loads(path.read_text())  # every file parses


def test_badges_are_well_formed_svg_with_the_text_as_text(out_dir: Path) -> None:
    svg = "{http://www.w3.org/2000/svg}"
    for path in [out_dir / "badge.svg", *sorted((out_dir / "components").glob("*.svg"))]:
        root = ET.fromstring(path.read_bytes())  # well-formed, or this raises
        tags = {el.tag.removeprefix(svg) for el in root.iter()}
        assert tags <= {"svg", "title", "linearGradient", "stop", "clipPath", "rect", "g",
                        "text"}, path
        assert not any(name.startswith("on") for el in root.iter() for name in el.attrib)
    api = ET.fromstring((out_dir / "components/api.svg").read_bytes())
    assert api.findtext(f"{svg}title", "").startswith(f"API {ATTACK}: ")
    chat = ET.fromstring((out_dir / "components/chat.svg").read_bytes())
    assert chat.get("aria-label", "").startswith('"><svg/onload=alert(9)>: ')


def _unfold(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # only CRLF line ends
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def test_calendar_text_cannot_add_properties_or_components(out_dir: Path) -> None:
    lines = _unfold((out_dir / "maintenance.ics").read_bytes())
    names = [re.match(r"[A-Z-]+", line).group(0) for line in lines]  # type: ignore[union-attr]
    assert names == ["BEGIN", "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME",
                     "BEGIN", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION",
                     "URL", "STATUS", "SEQUENCE", "END", "END"]
    values = dict(line.split(":", 1) for line in lines if line.startswith(
        ("SUMMARY", "X-WR-CALNAME", "DESCRIPTION")))
    assert _unescape(values["SUMMARY"]) == (ICS_BREAK + ATTACK).replace("\r\n", "\n")
    assert SCRIPT in _unescape(values["X-WR-CALNAME"])
    assert "END:VEVENT" in _unescape(values["DESCRIPTION"])  # text, not a line
