"""Response-time charts as inline SVG: no JavaScript, readable at any width.

The line is drawn in a nested SVG that stretches to the width (its stroke does not scale);
labels sit in the outer SVG at percentages, so text keeps its size on a phone. The values'
labels stand left of the plot, in a margin the stylesheet keeps (``.chart``), where the line
never passes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from markupsafe import Markup, escape

from generator.render.i18n import Translator

HEIGHT = 180
PLOT_TOP = 22
PLOT_HEIGHT = 128
LABEL_Y = 172


def recent_chart(t: Translator, chart_id: str, latency: Sequence[tuple[datetime, float]],
                 now: datetime) -> Markup | None:
    """The last 24 hours of raw response times, or None without data."""
    span = timedelta(hours=24)
    start = now - span
    points = [((at - start) / span, ms) for at, ms in latency if start <= at <= now]
    if not points:
        return None
    steps = sorted(b[0] - a[0] for a, b in zip(points, points[1:], strict=False))
    typical = steps[len(steps) // 2] if steps else 1.0
    labels = [(i / 4, _clock(t, start + span * i / 4)) for i in range(5)]
    return _chart(t, f"{chart_id}-24h", points, labels, t("page.latency_24h", zone=t.zone(now)),
                  max_gap=max(typical * 3, 1 / 96))


def daily_chart(t: Translator, chart_id: str, daily: Sequence[tuple[date, float]],
                days: int, now: datetime) -> Markup | None:
    """The mean response time of each of the last ``days`` days, or None without data."""
    today = t.local(now).date()
    first = today - timedelta(days=days - 1)
    width = max(days - 1, 1)
    points = [((day - first).days / width, ms) for day, ms in daily if first <= day <= today]
    if not points:
        return None
    marks = sorted({0, width // 3, 2 * width // 3, width})
    labels = [(n / width, t.short_date(first + timedelta(days=n))) for n in marks]
    return _chart(t, f"{chart_id}-{days}d", points, labels,
                  t("page.latency_days", days=days), max_gap=1.5 / width)


def _clock(t: Translator, value: datetime) -> str:
    """``06.15``: the time without its zone, which the heading names once."""
    return t.time(value).rsplit(" ", 1)[0]


def _ceiling(value: float) -> float:
    """A round number at least 10% above ``value``: 1, 2, 2.5 or 5 times a power of ten."""
    target = max(value * 1.1, 1.0)
    power = 10.0 ** math.floor(math.log10(target))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= target:
            return step * power
    return 10 * power


def _segments(points: Sequence[tuple[float, float]],
              max_gap: float) -> list[list[tuple[float, float]]]:
    """Split the line where data is missing, so a gap is not drawn as a slope."""
    segments: list[list[tuple[float, float]]] = [[points[0]]]
    for prev, point in zip(points, points[1:], strict=False):
        if point[0] - prev[0] > max_gap:
            segments.append([])
        segments[-1].append(point)
    return segments


def _chart(t: Translator, chart_id: str, points: Sequence[tuple[float, float]],
           labels: Sequence[tuple[float, str]], title: str, max_gap: float) -> Markup:
    values = [ms for _, ms in points]
    top = _ceiling(max(values))

    def ms(value: float) -> str:
        return t("page.ms", value=t.number(value, 0))

    desc = t("page.chart_description", average=ms(sum(values) / len(values)),
             fastest=ms(min(values)), slowest=ms(max(values)))
    parts = [f'<svg class=chart role=img aria-labelledby="{chart_id}-t {chart_id}-d" '
             f'width="100%" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
             f'<title id="{chart_id}-t">{escape(title)}</title>',
             f'<desc id="{chart_id}-d">{escape(desc)}</desc>']
    for share in (1.0, 0.5, 0.0):
        y = PLOT_TOP + PLOT_HEIGHT * (1 - share)
        parts.append(f'<line class=grid x1="0" x2="100%" y1="{y:.1f}" y2="{y:.1f}"/>')
    parts.append(f'<svg y="{PLOT_TOP}" width="100%" height="{PLOT_HEIGHT}" overflow="visible" '
                 f'viewBox="0 0 1000 100" preserveAspectRatio="none">')
    for segment in _segments(points, max_gap):
        line = " ".join(f"{x * 1000:.1f},{100 - ms_ / top * 100:.1f}" for x, ms_ in segment)
        first, last = segment[0][0] * 1000, segment[-1][0] * 1000
        parts.append(f'<polygon class=area points="{first:.1f},100 {line} {last:.1f},100"/>')
        # A lone point (or a burst within a pixel) would be an invisible line: draw a dot.
        dot = " class=dot" if last - first < 2 else ""
        if len(segment) == 1:
            line = f"{line} {line}"
        parts.append(f'<polyline{dot} points="{line}" vector-effect="non-scaling-stroke"/>')
    parts.append("</svg>")
    for share in (1.0, 0.5, 0.0):
        # Beside its grid line, in the margin left of the plot (outside the SVG's box).
        y = PLOT_TOP + PLOT_HEIGHT * (1 - share) + 4
        parts.append(f'<text class=value x="-6" y="{y:.1f}" text-anchor="end">'
                     f"{escape(ms(top * share))}</text>")
    for n, (x, text) in enumerate(labels):
        anchor = "start" if n == 0 else "end" if n == len(labels) - 1 else "middle"
        parts.append(f'<text x="{x * 100:.2f}%" y="{LABEL_Y}" text-anchor="{anchor}">'
                     f"{escape(text)}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above
