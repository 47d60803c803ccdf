"""The site's logo, favicon and accent on every page (``site.logo``, ``favicon``, ``accent``).

A small image is inlined as a ``data:`` URL, so the home page stays one request; the home page
must arrive within 14 KB gzipped, and an image repeats on every page, so one whose URL would
pass INLINE_LIMIT is written once as a file of the site (``assets/<name>-<digest>.<ext>``,
its name changing with its bytes) and linked. An SVG is inlined as text (it compresses as
the page does), a raster image in base64. Images are shown through ``<img>``, where an SVG's
scripts never run.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
from collections.abc import Iterator
from functools import cache, partial
from urllib.parse import quote

from generator.load.brand import Accent, Image
from generator.load.config import Site
from generator.render.base import RenderContext
from generator.render.output import Output

# Bytes of a data: URL; larger images are files of the site. The home page of 20 components
# is about 6 KB gzipped; three images (logo, dark logo, favicon) in base64 at this size add
# at most about 7 KB gzipped, which keeps it within 14 KB.
INLINE_LIMIT = 3072


@cache
def data_url(image: Image) -> str | None:
    """``image`` as a ``data:`` URL, or None when it is too large to repeat on every page."""
    if image.mime == "image/svg+xml":
        try:
            text = image.data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            url = f"data:{image.mime}," + quote(" ".join(text.split()), safe="='/:")
            return url if len(url) <= INLINE_LIMIT else None
    url = f"data:{image.mime};base64," + base64.b64encode(image.data).decode("ascii")
    return url if len(url) <= INLINE_LIMIT else None


@cache
def asset_path(image: Image) -> str:
    """Where a large image is written: ``assets/logo-3f2a9c1d.png``."""
    stem, ext = posixpath.splitext(posixpath.basename(image.name))
    return f"assets/{stem}-{hashlib.sha256(image.data).hexdigest()[:8]}{ext.lower()}"


def image_url(image: Image, root: str) -> str:
    """The URL a page at ``root`` (its way back to the site's root) shows ``image`` by."""
    return data_url(image) or root + asset_path(image)


def images(site: Site) -> tuple[Image, ...]:
    found = [site.favicon] if site.favicon else []
    if site.logo:
        found += [site.logo.light] + ([site.logo.dark] if site.logo.dark else [])
    return tuple(found)


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """A file of the site for each image too large to inline; keyed by its bytes."""
    seen = set()
    for image in images(ctx.model.config.site):
        path = asset_path(image)
        if data_url(image) is None and path not in seen:
            seen.add(path)
            yield Output(path, hashlib.sha256(image.data).hexdigest(),
                         partial(bytes, image.data))


def accent_css(accent: Accent | None) -> str:
    """The rules that set the links' and focus ring's colour in each theme."""
    if accent is None:
        return ""
    return (f":root{{--link:{accent.light}}}"
            f"@media (prefers-color-scheme:dark){{:root{{--link:{accent.dark}}}}}")
