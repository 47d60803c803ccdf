"""``site.logo``, ``site.favicon``, ``site.accent`` and ``site.links``: a site's own look.

Images are files in the site's folder (beside ``status.yaml``), read here once and checked by
their first bytes; how a page carries them (inline or as a file of the site) is the
renderer's choice (``generator/render/brand.py``). The accent colour colours links and the
focus ring, so it must be readable as text: WCAG AA asks 4.5:1 against every background a
link sits on, in the light theme and in the dark one.
"""

from __future__ import annotations

import colorsys
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.load.checker import Checker, label, shown
from generator.load.yamlsource import KeyPath

# The backgrounds links sit on in each theme (site_templates/style.css: --bg, --card,
# --soft); tests/test_brand.py keeps these in step with the stylesheet.
LIGHT_BACKGROUNDS = ("#ffffff", "#f6f8fa")
DARK_BACKGROUNDS = ("#0d1117", "#151b23")
TEXT_CONTRAST = 4.5  # WCAG 2.x AA, normal text
MAX_IMAGE = 256 * 1024  # a logo or an icon larger than this is a mistake, not a logo

# An image's type by its file name's ending, and the first bytes its file must start with.
IMAGE_TYPES: dict[str, str] = {".svg": "image/svg+xml", ".png": "image/png",
                               ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                               ".gif": "image/gif", ".webp": "image/webp",
                               ".ico": "image/x-icon"}
_MAGIC: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"), "image/x-icon": (b"\x00\x00\x01\x00",)}


@dataclass(frozen=True)
class Image:
    """An image file of the site's folder, as read when the config was loaded."""

    name: str  # as written in status.yaml, e.g. "logo.svg"
    mime: str
    data: bytes = b""

    def __repr__(self) -> str:  # what keys the site's outputs: the bytes' digest, not repr
        return f"Image({self.name!r}, {self.mime!r}, {hashlib.sha256(self.data).hexdigest()})"


@dataclass(frozen=True)
class Logo:
    light: Image
    dark: Image | None = None  # shown instead in the dark theme


@dataclass(frozen=True)
class Accent:
    """The link and focus colour of each theme, both readable on that theme's backgrounds."""

    light: str  # "#0a6b4f"
    dark: str


def check_logo(check: Checker, path: KeyPath, value: Any, folder: Path) -> Logo | None:
    """``logo: logo.svg`` or ``logo: {light: logo.svg, dark: logo-white.svg}``."""
    if isinstance(value, dict):
        data = check.mapping(path, value, ("light", "dark"), ("light",),
                             what="a file name, or {light: FILE, dark: FILE}")
        if data is None or "light" not in data:
            return None
        light = check_image(check, (*path, "light"), data["light"], folder)
        dark = check_image(check, (*path, "dark"), data["dark"], folder) if (
            "dark" in data) else None
        return Logo(light, dark) if light and ("dark" not in data or dark) else None
    image = check_image(check, path, value, folder)
    return Logo(image) if image else None


def check_image(check: Checker, path: KeyPath, value: Any, folder: Path) -> Image | None:
    """A file in the site's folder that is an image of one of IMAGE_TYPES."""
    kinds = ", ".join(IMAGE_TYPES)
    if not isinstance(value, str) or not value.strip():
        check.expected(path, f"the name of an image file in the site's folder ({kinds})",
                       value)
        return None
    mime = IMAGE_TYPES.get(os.path.splitext(value)[1].lower())
    if mime is None:
        check.expected(path, f"an image file ending in one of {kinds}", value)
        return None
    file = folder / value
    root = os.path.realpath(folder)
    if os.path.isabs(value) or os.path.commonpath([os.path.realpath(file), root]) != root:
        check.error(path, f"{label(path)}: {shown(value)} is outside the site's folder; put "
                    "the file beside status.yaml and name it from there")
        return None
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        check.error(path, f"{label(path)}: there is no file {shown(value)} in the folder "
                    "of status.yaml")
        return None
    except OSError as exc:
        check.error(path, f"{label(path)}: cannot read {shown(value)}: "
                    f"{exc.strerror or exc}")
        return None
    if len(data) > MAX_IMAGE:
        check.error(path, f"{label(path)}: {shown(value)} is {len(data) // 1024} KB; a logo "
                    f"or an icon should be under {MAX_IMAGE // 1024} KB (an SVG, or a PNG "
                    "of the size it is shown at)")
        return None
    if not _looks_like(mime, data):
        check.error(path, f"{label(path)}: {shown(value)} is not a {mime.split('/')[1]} "
                    "image (its first bytes say otherwise); export it again or rename it")
        return None
    return Image(value, mime, data)


def _looks_like(mime: str, data: bytes) -> bool:
    if mime == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if mime == "image/svg+xml":
        try:
            return "<svg" in data[:4096].decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
    return data.startswith(_MAGIC[mime])


def check_accent(check: Checker, path: KeyPath, value: Any) -> Accent | None:
    """``accent: "#0a6b4f"`` (the light theme's; the dark theme gets a lighter shade of it
    that reads as well) or ``accent: {light: "#0a6b4f", dark: "#5fd3a9"}``."""
    if isinstance(value, dict):
        data = check.mapping(path, value, ("light", "dark"), ("light", "dark"),
                             what='a colour like "#0a6b4f", or {light: COLOUR, dark: COLOUR}')
        if data is None or not {"light", "dark"} <= data.keys():
            return None
        light = _readable(check, (*path, "light"), data["light"], "light")
        dark = _readable(check, (*path, "dark"), data["dark"], "dark")
        return Accent(light, dark) if light and dark else None
    light = _readable(check, path, value, "light")
    if light is None:
        return None
    dark = light if _worst(light, DARK_BACKGROUNDS)[0] >= TEXT_CONTRAST else passing(
        light, DARK_BACKGROUNDS)
    return Accent(light, dark)


def _readable(check: Checker, path: KeyPath, value: Any, theme: str) -> str | None:
    colour = parse_colour(value)
    if colour is None:
        check.expected(path, 'a colour written as "#rrggbb" or "#rgb", like "#0a6b4f" '
                       "(in quotes: YAML reads # as a comment)", value)
        return None
    backgrounds = LIGHT_BACKGROUNDS if theme == "light" else DARK_BACKGROUNDS
    ratio, background = _worst(colour, backgrounds)
    if ratio >= TEXT_CONTRAST:
        return colour
    check.error(path, f"{label(path)}: {value} has a contrast of {_ratio(ratio)} against the "
                f"{theme} theme's background {background}; links need {TEXT_CONTRAST}:1 "
                f"(WCAG AA): try {passing(colour, backgrounds)}")
    return None


def _ratio(ratio: float) -> str:
    return f"{int(ratio * 100) / 100:g}:1"  # cut, never rounded up to a passing figure


def parse_colour(value: Any) -> str | None:
    """``"#0A6B4F"`` or ``"#0a6"`` as ``"#0a6b4f"``; None when it is not a hex colour."""
    if not isinstance(value, str) or not value.startswith("#"):
        return None
    digits = value[1:].lower()
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) != 6 or any(c not in "0123456789abcdef" for c in digits):
        return None
    return "#" + digits


def luminance(colour: str) -> float:
    """The relative luminance of ``#rrggbb`` (WCAG 2.x)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[n:n + 2], 16) for n in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    a, b = sorted((luminance(first), luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _worst(colour: str, backgrounds: tuple[str, ...]) -> tuple[float, str]:
    return min((contrast(colour, background), background) for background in backgrounds)


def passing(colour: str, backgrounds: tuple[str, ...]) -> str:
    """The shade of ``colour`` (same hue and saturation) nearest to it that reaches
    TEXT_CONTRAST on every one of ``backgrounds``: darker on light ones, lighter on dark."""
    r, g, b = (int(colour[n:n + 2], 16) / 255 for n in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    darker = luminance(backgrounds[0]) > 0.5
    for step in range(1, 201):
        shade = max(0.0, lightness - step / 200) if darker else min(1.0, lightness + step / 200)
        red, green, blue = colorsys.hls_to_rgb(hue, shade, saturation)
        candidate = "#" + "".join(f"{round(c * 255):02x}" for c in (red, green, blue))
        if _worst(candidate, backgrounds)[0] >= TEXT_CONTRAST:
            return candidate
    return "#000000" if darker else "#ffffff"
