"""Messages from contributors are CommonMark, rendered with raw HTML and unsafe links removed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from generator.render.base import context
from generator.render.markdown import render_markdown
from generator.render.pages import render
from tests.factories import sample_model

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
    page = dict(render(context(model)))[outage.path].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in page
    assert "[more](javascript:alert(1))" in page  # shown as text, never as a link
    assert 'href="javascript' not in page.lower()
