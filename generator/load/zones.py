"""What to say when ``site.timezone`` is not an IANA zone: the zone its author meant."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

from generator.load.checker import did_you_mean

# "GMT+7", "UTC+07:00", "+0530", "UTC-3": a UTC offset, not a zone.
_OFFSET = re.compile(r"(?:GMT|UTC|UT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)

# One city a reader would recognise for each offset in use, at its standard time (some of
# them move an hour for summer: that is what a zone is for).
_CITIES = {
    (-11, 0): "Pacific/Pago_Pago", (-10, 0): "Pacific/Honolulu", (-9, 0): "America/Anchorage",
    (-8, 0): "America/Los_Angeles", (-7, 0): "America/Denver", (-6, 0): "America/Mexico_City",
    (-5, 0): "America/New_York", (-4, 0): "America/Halifax", (-3, -30): "America/St_Johns",
    (-3, 0): "America/Sao_Paulo", (-2, 0): "Atlantic/South_Georgia", (-1, 0): "Atlantic/Azores",
    (0, 0): "Europe/London", (1, 0): "Europe/Berlin", (2, 0): "Africa/Johannesburg",
    (3, 0): "Europe/Istanbul", (3, 30): "Asia/Tehran", (4, 0): "Asia/Dubai",
    (4, 30): "Asia/Kabul", (5, 0): "Asia/Karachi", (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu", (6, 0): "Asia/Dhaka", (6, 30): "Asia/Yangon",
    (7, 0): "Asia/Jakarta", (8, 0): "Asia/Singapore", (9, 0): "Asia/Tokyo",
    (9, 30): "Australia/Darwin", (10, 0): "Australia/Brisbane", (11, 0): "Pacific/Noumea",
    (12, 0): "Pacific/Auckland", (13, 0): "Pacific/Tongatapu", (14, 0): "Pacific/Kiritimati",
}


def zone_hint(value: object) -> str:
    """`` (did you mean …)`` for a misspelt zone, or the zones that match an offset."""
    if isinstance(value, int) and not isinstance(value, bool) and -12 <= value <= 14:
        return _offset_hint(value, 0, f"{value:+d}")  # YAML reads `+7` as the number 7
    if not isinstance(value, str):
        return ""
    offset = _OFFSET.fullmatch(value.strip())
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        hours, minutes = int(offset.group(2)), int(offset.group(3) or 0)
        if hours <= 14 and minutes < 60:
            return _offset_hint(sign * hours, sign * minutes, value)
        return f" ({value} is not an offset any zone has: name the zone, like Asia/Jakarta)"
    return did_you_mean(value, available_timezones())


def _offset_hint(hours: int, minutes: int, written: str) -> str:
    utc = f"UTC{hours:+d}" + (f":{abs(minutes):02d}" if minutes else "")
    if (hours, minutes) == (0, 0):
        return f" ({written} is an offset, not a zone: write UTC, or a city such as Europe/London)"
    city = _CITIES.get((hours, minutes))
    choices = []
    if not minutes and -12 <= hours <= 14:
        # The Etc zones follow POSIX: Etc/GMT-7 is seven hours ahead of UTC.
        choices.append(f"Etc/GMT{-hours:+d} ({utc}; note the inverted sign)")
    if city:
        choices.append(f"a city such as {city}")
    if not choices:
        return f" ({written} is an offset, not a zone: name a city in the zone {utc})"
    return f" ({written} is an offset, not a zone: write {' or '.join(choices)})"
