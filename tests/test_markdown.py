"""Messages from contributors are CommonMark, rendered with raw HTML and unsafe links removed."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.base import context
from generator.render.markdown import render_markdown, render_texts
from generator.render.pages import outputs
from tests.factories import sample_model
from tests.rendering import render

ATTACKS = {
    "script": "<script>alert(1)</script>",
    "img-onerror": '<img src=x onerror="alert(1)">',
    "javascript-link": "[click](javascript:alert(1))",
    "javascript-mixed-case": "[click](JaVaScRiPt:alert(1))",
    "javascript-entity": "[click](&#106;avascript:alert(1))",
    "javascript-tab": "[click](java\tscript:alert(1))",
    "data-link": "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "vbscript-link": "[v](vbscript:msgbox(1))",
    "autolink-javascript": "<javascript:alert(1)>",
    "image-data": "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "raw-anchor": '<a href="javascript:alert(1)">x</a>',
    "reference-link": "[x][r]\n\n[r]: javascript:alert(1)",
}


@pytest.mark.parametrize("text", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_strings_come_out_harmless(text: str) -> None:
    html = str(render_markdown(text)).lower()
    assert "<script" not in html
    assert "<img src=\"x\"" not in html and "onerror=" not in html.replace("onerror=&quot;", "")
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert f'href="{scheme}' not in html and f'src="{scheme}' not in html
    assert "<a href=\"javascript" not in html


@pytest.mark.parametrize(("text", "html"), [
    ("**bold** and _em_", "<p><strong>bold</strong> and <em>em</em></p>\n"),
    ("[status](https://status.example.com/)",
     '<p><a href="https://status.example.com/">status</a></p>\n'),
    ("[June](2025-06-19-api-latency.html)",
     '<p><a href="2025-06-19-api-latency.html">June</a></p>\n'),
    ("[mail](mailto:ops@example.com)", '<p><a href="mailto:ops@example.com">mail</a></p>\n'),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
    ("a <b>tag</b>", "<p>a &lt;b&gt;tag&lt;/b&gt;</p>\n"),
], ids=["emphasis", "https-link", "relative-link", "mailto", "list", "raw-html-as-text"])
def test_safe_markdown_renders(text: str, html: str) -> None:
    assert str(render_markdown(text)) == html


def test_incident_page_shows_an_attack_as_text() -> None:
    model = sample_model("en")
    outage = model.incidents[1]
    attack = "Fixed. <script>alert(1)</script> [more](javascript:alert(1))"
    updates = (replace(outage.updates[0], message=attack), *outage.updates[1:])
    model = replace(model, incidents=(model.incidents[0], replace(outage, updates=updates),
                                      model.incidents[2]))
    page = dict(render(outputs, context(model)))[outage.path].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "[more](javascript:alert(1))" in page  # shown as text, never as a link
    assert 'href="javascript' not in page.lower()


# Hostile messages and what Kabar rendered for each with markdown-it-py ("commonmark", html
# off, its link filter), before it moved to cmark: the same bytes are expected now.
HOSTILE = json.loads((Path(__file__).parent / "fixtures" / "markdown" / "hostile.json")
                     .read_text(encoding="utf-8"))
_TAGS = {"p", "em", "strong", "a", "img", "code", "pre", "ul", "ol", "li", "blockquote",
         "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"},
               "code": {"class"}}


class _Live(HTMLParser):
    """Everything in rendered HTML that could run or load: a tag or attribute the renderer
    never writes itself, a link Kabar refuses, raw HTML that came through."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name not in _ATTRIBUTES.get(tag, set()):
                self.found.append(f"<{tag} {name}>")
            elif name in ("href", "src"):
                cleaned = "".join(ch for ch in value or "" if ch.isprintable()
                                  and not ch.isspace()).lower()
                scheme = cleaned.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
                if ":" in scheme and not cleaned.startswith(
                        ("http:", "https:", "mailto:", "tel:")):
                    self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        if data != " raw HTML omitted ":
            self.found.append(f"<!--{data}-->")

    def handle_pi(self, data: str) -> None:
        self.found.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.found.append(f"<![{data}]>")


def live(rendered: str) -> list[str]:
    parser = _Live()
    parser.feed(rendered)
    parser.close()
    return parser.found


@pytest.mark.parametrize("case", HOSTILE, ids=[f"{n:02d}" for n in range(len(HOSTILE))])
def test_hostile_messages_render_as_they_did_and_stay_inert(case: dict[str, str]) -> None:
    rendered = str(render_markdown(case["markdown"]))
    assert live(rendered) == []
    assert rendered == case["html"]


def test_the_inertness_check_sees_live_html() -> None:
    assert live('<p><a href="JaVa&#x09;Script:alert(1)">x</a></p>') == [
        "<a href='JaVa\\tScript:alert(1)'>"]
    assert live('<p><img src="x" onerror="alert(1)" /></p>') == ["<img onerror>"]
    assert live("<p><script>alert(1)</script></p>") == ["<script>"]
    assert live('<p><a href="https://ok.example/">x</a> <a href="a.html">y</a></p>') == []


_PIECES = ["<", ">", "[", "]", "(", ")", "!", "*", "_", "`", "\\", "&", "#", ";", ":", " ",
           "\n", "\n\n", "> ", "- ", "1. ", "    ", "\t", "\"", "'", "x", "alert(1)",
           "javascript:", "JaVaScRiPt:", "java\tscript:", "data:", "data:image/png,",
           "vbscript:", "file:", "https://ok.example/", "mailto:ops@ok.example", "&#106;",
           "&#x6A;", "&colon;", "&#58;", "<script>", "</script>", "<b>", "<a href=", "<img src=",
           " onerror=", "<!--", "-->", "<?", "<![CDATA[", "[r]: ", "]:", "](", "<https://ok>",
           "<javascript:x>"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=16).map("".join))
def test_any_mix_of_hostile_pieces_stays_inert(text: str) -> None:
    assert live(str(render_markdown(text))) == []


def test_a_text_holding_every_placeholder_omits_its_tags_and_shows_its_links() -> None:
    text = "\u2e2e\u2e18\u203d\u2e4e\u2e41 <b>x</b> [y](javascript:alert(1))"
    assert str(render_markdown(text)) == (
        "<p>\u2e2e\u2e18\u203d\u2e4e\u2e41 <!-- raw HTML omitted -->x<!-- raw HTML omitted --> "
        "[y](javascript:alert(1))</p>\n")


def test_render_texts_and_the_memo_give_the_same_html() -> None:
    texts = [case["markdown"] for case in HOSTILE[:10]]
    assert render_texts(texts) == [case["html"] for case in HOSTILE[:10]]
    assert html.escape("<") in render_texts(["a <b>"])[0]
