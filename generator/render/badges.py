"""Status badges: ``badge.svg`` for the page, ``components/<id>.svg`` for each component.

Flat badges in the shields.io style. Text widths are estimated from a table of Verdana 11px
advance widths (what shields.io measures with), so no font is needed at build time.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from xml.sax.saxutils import escape, quoteattr

from generator.render.base import RenderContext
from generator.render.output import Output
from generator.render.palette import INDICATOR_BADGE, STATE_BADGE

LABEL_COLOUR = "#555"

# Verdana 11px advance widths in pixels, for the printable ASCII characters.
_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
    "abcdefghijklmnopqrstuvwxyz{|}~",
    (3.87, 4.33, 5.05, 9.0, 7.0, 12.3, 7.98, 2.95, 4.99, 4.99, 7.0, 9.0, 4.0, 4.99, 4.0,
     4.99, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 4.99, 4.99, 9.0, 9.0, 9.0,
     6.0, 11.0, 7.52, 7.54, 7.68, 8.48, 6.96, 6.32, 8.53, 8.27, 4.63, 5.0, 7.62, 6.12,
     9.27, 8.23, 8.66, 6.63, 8.66, 7.64, 7.52, 6.78, 8.05, 7.52, 10.87, 7.54, 6.77, 7.54,
     4.99, 4.99, 4.99, 9.0, 7.0, 7.0, 6.61, 6.87, 5.73, 6.87, 6.55, 3.87, 6.87, 6.96,
     3.02, 3.79, 6.51, 3.02, 10.7, 6.96, 6.68, 6.87, 6.87, 4.69, 5.73, 4.33, 6.96, 6.51,
     8.98, 6.51, 6.51, 5.78, 6.98, 4.99, 6.98, 9.0),
    strict=True))
_WIDE = 7.5  # anything outside the table: letters with accents, CJK is underestimated
PADDING = 6  # each side of each half
HEIGHT = 20


def text_width(text: str) -> float:
    """Estimated width in pixels of ``text`` in Verdana 11px."""
    return sum(_WIDTHS.get(ch, _WIDE) for ch in text)


def badge(label: str, message: str, colour: str) -> bytes:
    """A flat badge ``label | message`` with its message on ``colour``."""
    left = round(text_width(label)) + 2 * PADDING
    right = round(text_width(message)) + 2 * PADDING
    total = left + right
    name = f"{label}: {message}"
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" \
role="img" aria-label={quoteattr(name)}>
<title>{escape(name)}</title>
<linearGradient id="s" x2="0" y2="100%">
<stop offset="0" stop-color="#bbb" stop-opacity=".1"/>
<stop offset="1" stop-opacity=".1"/>
</linearGradient>
<clipPath id="r"><rect width="{total}" height="{HEIGHT}" rx="3" fill="#fff"/></clipPath>
<g clip-path="url(#r)">
<rect width="{left}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>
<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{colour}"/>
<rect width="{total}" height="{HEIGHT}" fill="url(#s)"/>
</g>
<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" \
font-size="11">
<text x="{left / 2:g}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">\
{escape(label)}</text>
<text x="{left / 2:g}" y="14">{escape(label)}</text>
<text x="{left + right / 2:g}" y="15" fill="#010101" fill-opacity=".3" aria-hidden="true">\
{escape(message)}</text>
<text x="{left + right / 2:g}" y="14">{escape(message)}</text>
</g>
</svg>
"""
    return svg.encode("utf-8")


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """The site's badge and one per component; each shows the state ``now``."""
    model = ctx.model
    label = model.config.site.title or ctx.t("badge.label")
    yield Output("badge.svg", None, partial(badge, label, ctx.t(f"overall.{model.overall}"),
                                            INDICATOR_BADGE[model.indicator]))
    for view in model.components:
        yield Output(f"components/{view.id}.svg", None, partial(
            badge, ctx.t.text(view.component.name), ctx.t(f"state.{view.state}"),
            STATE_BADGE[view.state]))
