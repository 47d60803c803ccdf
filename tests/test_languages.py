"""A site in several languages: the first at ``/``, each other at ``/<lang>/``."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.sitebuild import build_site

NOW = "2025-07-16T07:30+07:00"
URL = "https://status.nusa.example/"


def _build(site: Path, out: str = "_site", cache: str | None = None) -> Path:
    build_site(site / "status.yaml", site / "incidents", site / "history", site / out, now=NOW,
               cache=site / cache if cache else None)
    return site / out


def _languages(site: Path, line: str) -> None:
    path = site / "status.yaml"
    text = re.sub(r"(?m)^  languages?:.*$", line, path.read_text(encoding="utf-8"), count=1)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example site (id, en) built once."""
    import shutil

    from tests.conftest import ROOT

    site = tmp_path_factory.mktemp("two")
    shutil.copy(ROOT / "status.yaml", site / "status.yaml")
    shutil.copytree(ROOT / "incidents", site / "incidents")
    return _build(site)


def _files(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}


def _alternates(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_every_page_and_feed_again_under_the_second_language(two: Path) -> None:
    files = _files(two)
    english = {path.removeprefix("en/") for path in files if path.startswith("en/")}
    localised = {path for path in files if path.endswith((".html", ".rss", ".atom", ".ics"))
                 and not path.startswith("en/")}
    assert english == localised
    assert not any(path.startswith("en/api/") or path.startswith("en/badge") for path in files)
    assert '<html lang="en">' in (two / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="id">' in (two / "index.html").read_text(encoding="utf-8")
    rss = (two / "en" / "history.rss").read_text(encoding="utf-8")
    assert "<language>en</language>" in rss and f"<link>{URL}en/history.html</link>" in rss
    ics = (two / "en" / "maintenance.ics").read_text(encoding="utf-8")
    assert "X-WR-CALNAME:Status Nusa AI: maintenance" in ics


def test_each_page_names_itself_and_its_translation(two: Path) -> None:
    for path in ("index.html", "components/chat.html", "uptime/index.html",
                 "incidents/2025-07-16-login-errors.html"):
        shown = "" if path == "index.html" else path
        for page in (two / path, two / "en" / path):
            alternates = _alternates(page.read_text(encoding="utf-8"))
            assert alternates == {"id": URL + shown, "en": URL + "en/" + shown,
                                  "x-default": URL + shown}, page


def test_every_link_of_every_page_leads_to_a_file_of_the_site(two: Path) -> None:
    files = _files(two)
    for page in sorted(files):
        if not page.endswith(".html") or page.endswith("404.html"):
            continue
        html = (two / page).read_text(encoding="utf-8")
        for href in re.findall(r'(?:href|src)="([^"#]+)', html):
            if href.startswith(("data:", "webcal:", "mailto:")) or "://" in href:
                continue
            target = urlsplit(urljoin(f"http://x/{page}", href)).path.lstrip("/")
            assert target in files, f"{page} links {href}, which is not a file of the site"


def test_the_language_switch_is_a_plain_link_to_the_same_page(two: Path) -> None:
    english = (two / "en" / "components" / "chat.html").read_text(encoding="utf-8")
    assert ('<nav class=langs aria-label="Language"><a href="../../components/chat.html" '
            'hreflang="id" lang="id">Bahasa Indonesia</a></nav>') in english
    home = (two / "index.html").read_text(encoding="utf-8")
    assert '<a href="en/index.html" hreflang="en" lang="en">English</a>' in home


def test_the_404_page_links_absolutely_in_its_language(two: Path) -> None:
    english = (two / "en" / "404.html").read_text(encoding="utf-8")
    assert f'href="{URL}en/history.html"' in english
    assert f'<a href="{URL}" hreflang="id" lang="id">Bahasa Indonesia</a>' in english
    root = (two / "404.html").read_text(encoding="utf-8")
    assert f'href="{URL}history.html"' in root and f'href="{URL}en/"' in root


def test_the_sitemap_lists_every_language(two: Path) -> None:
    sitemap = (two / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{URL}</loc>" in sitemap and f"<loc>{URL}en/</loc>" in sitemap
    assert f"<loc>{URL}en/components/chat.html</loc>" in sitemap


def test_a_site_of_one_language_has_no_folder_and_no_switch(example_site: Path) -> None:
    _languages(example_site, "  language: id")
    out = _build(example_site)
    assert not (out / "en").exists()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert 'hreflang' not in home and "class=langs" not in home


def test_an_unchanged_rebuild_in_two_languages_writes_nothing(example_site: Path) -> None:
    first = build_site(example_site / "status.yaml", example_site / "incidents",
                       example_site / "history", example_site / "_site", now=NOW,
                       cache=example_site / ".cache")
    assert any(path.startswith("en/") for path in first.report.written)
    (example_site / "incidents" / "2025-07-16-login-errors.yaml").touch()
    again = build_site(example_site / "status.yaml", example_site / "incidents",
                       example_site / "history", example_site / "_site", now=NOW,
                       cache=example_site / ".cache")
    assert again.report.written == () and again.report.removed == ()


@pytest.mark.parametrize(("line", "error"), [
    pytest.param("  languages: [id, fr]", "status.yaml:9:19: error: 'languages[1]': expected "
                 "one of en, id; got 'fr'", id="unknown"),
    pytest.param("  languages: [en, en]", "status.yaml:9:19: error: 'languages[1]': 'en' is "
                 "listed twice; list each language once", id="twice"),
    pytest.param("  languages: []", "status.yaml:9:14: error: 'languages': expected a list of "
                 "languages like [en, id]; got []", id="empty"),
    pytest.param("  language: id\n  languages: [id]", "status.yaml:10:3: error: 'languages': "
                 "give either 'language' or 'languages' (its first is the site's main "
                 "language), not both", id="both"),
])
def test_languages_are_checked(example_site: Path, line: str, error: str) -> None:
    from generator.load.config import check_config

    _languages(example_site, line)
    problems = [str(p) for p in check_config(example_site / "status.yaml").problems]
    assert [p.removeprefix(str(example_site) + "/") for p in problems] == [error]


def test_every_text_of_the_example_is_english_under_en(two: Path) -> None:
    page = (two / "en" / "incidents" / "2025-07-16-login-errors.html").read_text(
        encoding="utf-8")
    assert "<h1>Elevated error rates and login failures</h1>" in page
    assert "Most users are <strong>stuck at the login screen</strong>" in page
    assert "Login and accounts" in page
    assert "Tingkat kesalahan" not in page and "<span lang=" not in page
    home = (two / "en" / "index.html").read_text(encoding="utf-8")
    assert "<h3>Apps</h3>" in home and "Aplikasi" not in home
    root = (two / "incidents" / "2025-07-16-login-errors.html").read_text(encoding="utf-8")
    assert "<h1>Tingkat kesalahan tinggi dan kegagalan login</h1>" in root
    api = (two / "api" / "v2" / "incidents.json").read_text(encoding="utf-8")
    assert "Tingkat kesalahan tinggi" in api and "Elevated error rates" not in api


INCIDENT = """\
title: {en: Login failures}
components: {api: major_outage}
updates:
  - at: 2025-07-16 06:15
    status: investigating
    message:
      id: Pengguna tertahan.
"""


def test_a_missing_translation_falls_back_marked_and_is_warned(example_site: Path) -> None:
    from generator.errors import BuildError
    from generator.load.site import load_site

    (example_site / "incidents" / "2025-07-16-x.yaml").write_text(INCIDENT, encoding="utf-8")
    _, _, warnings = load_site(example_site / "status.yaml", example_site / "incidents")
    shown = [str(w).removeprefix(str(example_site) + "/") for w in warnings]
    assert [w for w in shown if "2025-07-16-x" in w] == [
        "incidents/2025-07-16-x.yaml:1:8: warning: 'title': no id text; its pages show the "
        "id one",
        "incidents/2025-07-16-x.yaml:7:7: warning: 'message': no en text; its pages show the "
        "id one"]
    out = _build(example_site)
    root = (out / "incidents" / "2025-07-16-x.html").read_text(encoding="utf-8")
    assert '<h1><span lang="en">Login failures</span></h1>' in root
    english = (out / "en" / "incidents" / "2025-07-16-x.html").read_text(encoding="utf-8")
    assert '<div class=msg><div lang="id"><p>Pengguna tertahan.</p>\n</div></div>' in english
    assert "<h1>Login failures</h1>" in english
    with pytest.raises(BuildError, match="--strict"):
        build_site(example_site / "status.yaml", example_site / "incidents",
                   example_site / "history", example_site / "strict", now=NOW, strict=True)
    assert not (example_site / "strict").exists()


def test_a_text_in_a_language_the_site_lacks_is_warned(example_site: Path) -> None:
    from generator.load.site import load_site

    _languages(example_site, "  language: id")
    _, _, warnings = load_site(example_site / "status.yaml", example_site / "incidents")
    first = str(warnings[0]).removeprefix(str(example_site) + "/")
    assert first == ("incidents/2025-06-19-api-latency.yaml:4:3: warning: 'en': not a "
                     "language of this site (site.languages: id), so no page shows it; add it "
                     "there or remove this text")


def test_texts_in_two_languages_survive_the_incident_cache(example_site: Path) -> None:
    for _ in range(2):  # the second build reads the incidents from the cache
        out = _build(example_site, cache=".cache")
        (example_site / "_site" / "index.html").unlink()  # so that it builds again
        page = (out / "en" / "incidents" / "2025-06-19-api-latency.html").read_text(
            encoding="utf-8")
        assert "<h1>High latency on the API and Nusa Chat</h1>" in page
