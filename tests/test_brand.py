"""A site's own look (``site.logo``, ``favicon``, ``accent``, ``links``) and its own files
(``static/``), built by the real pipeline. The browser's view of a branded site (the Nu HTML
Checker, axe in both themes, the 14 KB budget) is in tests/test_quality.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.errors import BuildError, ValidationError
from generator.load.brand import (
    DARK_BACKGROUNDS,
    LIGHT_BACKGROUNDS,
    TEXT_CONTRAST,
    contrast,
)
from generator.load.config import load_config
from tests.branding import ACCENT, HELP, brand
from tests.conftest import ROOT
from tests.sitebuild import build_site

NOW = "2025-07-16T12:00:00+07:00"


def _build(config: Path, out: Path, cache: Path | None = None) -> str:
    report = build_site(config, config.parent / "incidents", config.parent / "history", out,
                        now=NOW, cache=cache).report
    return f"{len(report.written)} written, {len(report.removed)} removed"


def _css_colours(block: str) -> dict[str, str]:
    return dict(re.findall(r"--(bg|card|soft):\s*(#[0-9a-f]{3,6})", block))


def _long(colour: str) -> str:
    return "#" + "".join(c * 2 for c in colour[1:]) if len(colour) == 4 else colour


def test_the_contrast_check_knows_the_backgrounds_of_both_themes() -> None:
    css = (ROOT / "site_templates" / "style.css").read_text(encoding="utf-8")
    light, dark = css.split("@media (prefers-color-scheme: dark)", 1)
    assert {_long(c) for c in _css_colours(light).values()} == set(LIGHT_BACKGROUNDS)
    assert {_long(c) for c in _css_colours(dark).values()} == set(DARK_BACKGROUNDS)


@pytest.mark.parametrize(("accent", "where", "message"), [
    pytest.param('"#7fb3d5"', "6:11", "'accent': #7fb3d5 has a contrast of 2.11:1 against "
                 "the light theme's background #f6f8fa; links need 4.5:1 (WCAG AA): try "
                 "#3678a4", id="too-light"),
    pytest.param('{light: "#0a6b4f", dark: "#1f3a8a"}', "6:36", "'dark': #1f3a8a has a "
                 "contrast of 1.67:1 against the dark theme's background #151b23; links need "
                 "4.5:1 (WCAG AA): try #5f7edb", id="too-dark-in-the-dark-theme"),
    pytest.param("teal", "6:11", "'accent': expected a colour written as \"#rrggbb\" or "
                 "\"#rgb\", like \"#0a6b4f\" (in quotes: YAML reads # as a comment); got "
                 "'teal'", id="not-a-colour"),
])
def test_an_unreadable_accent_is_one_line_naming_the_contrast_and_a_colour_that_passes(
        tmp_path: Path, accent: str, where: str, message: str) -> None:
    config = tmp_path / "status.yaml"
    config.write_text("site:\n  title: T\n  url: https://status.example.com/\n"
                      "  timezone: UTC\n  interval: 5m\n"
                      f"  accent: {accent}\ncomponents:\n  - {{id: api, name: API}}\n")
    with pytest.raises(ValidationError) as caught:
        load_config(config)
    assert [str(p) for p in caught.value.problems] == [
        f"{config}:{where}: error: {message}"]
    suggested = message.rsplit("try ", 1)[-1] if "try " in message else None
    if suggested:  # the colour it suggests passes where the given one failed
        dark = "dark theme" in message
        backgrounds = DARK_BACKGROUNDS if dark else LIGHT_BACKGROUNDS
        assert min(contrast(suggested, b) for b in backgrounds) >= TEXT_CONTRAST
        fixed = accent.replace("#1f3a8a", suggested) if dark else f'"{suggested}"'
        config.write_text(config.read_text().replace(accent, fixed))
        assert load_config(config).site.accent is not None


def test_one_accent_colour_gets_a_readable_shade_in_the_dark_theme(example_site: Path) -> None:
    accent = load_config(brand(example_site)).site.accent
    assert accent is not None and accent.light == ACCENT
    assert min(contrast(accent.light, b) for b in LIGHT_BACKGROUNDS) >= TEXT_CONTRAST
    assert min(contrast(accent.dark, b) for b in DARK_BACKGROUNDS) >= TEXT_CONTRAST
    assert contrast(ACCENT, DARK_BACKGROUNDS[1]) < TEXT_CONTRAST  # as given it would not read


def _header(page: str) -> str:
    return page[page.index("<header"):page.index("</header>")]


def test_every_page_shows_the_logo_the_links_and_the_accent_in_both_themes(
        example_site: Path) -> None:
    config = brand(example_site)
    out = example_site / "_site"
    _build(config, out)
    accent = load_config(config).site.accent
    assert accent is not None
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        page = path.read_text(encoding="utf-8")
        header = _header(page)
        # the light logo in an <img>, the dark one for the dark theme, both inline
        assert re.search(r'<img src="data:image/svg\+xml,[^"]+" alt="">', header), path
        assert '<source srcset="data:image/svg+xml,' in header
        assert 'media="(prefers-color-scheme: dark)"' in header
        assert f'<a href="{HELP}">Pusat bantuan</a></nav>' in header, path
        assert re.search(r'<link rel="icon" href="data:image/png;base64,[^"]+">', page), path
        assert f":root{{--link:{accent.light}}}" in page
        assert f"@media (prefers-color-scheme:dark){{:root{{--link:{accent.dark}}}}}" in page


def test_a_large_logo_is_a_file_of_the_site_that_every_page_links(example_site: Path) -> None:
    config = brand(example_site, big_logo=True)
    out = example_site / "_site"
    _build(config, out)
    assets = sorted(p.relative_to(out).as_posix() for p in (out / "assets").iterdir())
    assert len(assets) == 1 and re.fullmatch(r"assets/big-[0-9a-f]{8}\.png", assets[0])
    assert (out / assets[0]).read_bytes() == (example_site / "big.png").read_bytes()
    for name in ("index.html", "components/api.html", "incidents/2025-07-16-login-errors.html"):
        src = re.search(r'<img src="([^"]+)" alt="">', _header(
            (out / name).read_text(encoding="utf-8")))
        assert src is not None
        assert ((out / name).parent / src.group(1)).resolve() == (out / assets[0]).resolve()
    # a new logo is a new name: no reader's cache keeps showing the old one
    (example_site / "big.png").write_bytes((example_site / "big.png").read_bytes()[:-12] + bytes(
        12))  # different bytes, same type
    assert _build(config, out).endswith("1 removed")


def test_a_changed_logo_is_rebuilt_even_when_nothing_else_changed(example_site: Path) -> None:
    config = brand(example_site)
    out, cache = example_site / "_site", example_site / ".kabar-cache"
    _build(config, out, cache)
    assert _build(config, out, cache) == "0 written, 0 removed"
    (example_site / "logo.svg").write_text(
        (example_site / "logo.svg").read_text().replace(ACCENT, "#123456"))
    assert _build(config, out, cache) != "0 written, 0 removed"
    assert "%23123456" in (out / "index.html").read_text(encoding="utf-8")


def _static(folder: Path) -> None:
    (folder / "static" / ".well-known").mkdir(parents=True)
    (folder / "static" / "CNAME").write_text("status.nusa.example\n")
    (folder / "static" / ".well-known" / "security.txt").write_text("Contact: mailto:x@y\n")
    (folder / "static" / "img").mkdir()
    (folder / "static" / "img" / "team.png").write_bytes(b"\x89PNG not really")


def test_static_files_are_copied_as_they_are_and_kept_by_every_build(example_site: Path) -> None:
    config = brand(example_site)
    out, cache = example_site / "_site", example_site / ".kabar-cache"
    _build(config, out, cache)
    (out / "CNAME").write_text("status.nusa.example\n")  # by hand: the next build removes it
    assert _build(config, out, cache) == "0 written, 1 removed"
    _static(example_site)
    assert _build(config, out, cache) == "3 written, 0 removed"
    for name in ("CNAME", ".well-known/security.txt", "img/team.png"):
        assert (out / name).read_bytes() == (example_site / "static" / name).read_bytes()
    assert _build(config, out, cache) == "0 written, 0 removed"
    assert _build(config, out, None) == "0 written, 0 removed"  # and without the cache
    (example_site / "static" / "CNAME").write_text("status.example.org\n")
    assert _build(config, out, cache) == "1 written, 0 removed"
    assert (out / "CNAME").read_text() == "status.example.org\n"


@pytest.mark.parametrize(("name", "message"), [
    ("index.html", "static/index.html: Kabar writes index.html itself; rename the file or "
     "remove it from static/"),
    ("api/v2", "static/api/v2: Kabar writes the folder api/v2/ (for "
     "api/v2/components.json); rename the file or remove it from static/"),
    ("badge.svg/x.png", "static/badge.svg/x.png: Kabar writes badge.svg as a file, so "
     "static/badge.svg/ cannot be a folder; rename it"),
])
def test_a_static_file_in_the_place_of_an_output_fails_the_build_naming_both(
        example_site: Path, name: str, message: str) -> None:
    config = brand(example_site)
    out = example_site / "_site"
    _build(config, out)
    before = (out / "index.html").read_bytes()
    file = example_site / "static" / name
    file.parent.mkdir(parents=True)
    file.write_text("mine")
    with pytest.raises(BuildError) as caught:
        _build(config, out)
    assert str(caught.value) == message
    assert (out / "index.html").read_bytes() == before  # the last site stays
