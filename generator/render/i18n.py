"""Strings a reader sees, and dates, times and durations, in the site's language and zone."""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, get_day_names
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.units import format_unit
from markupsafe import Markup, escape

from generator.reasons import SEPARATOR
from generator.resources import site_templates
from generator.texts import Text

_TIME = {"en": "HH:mm", "id": "HH.mm"}


@cache
def catalogue(language: str) -> dict[str, str]:
    """The flat ``key -> text`` catalogue of ``language``: its gettext file,
    ``site_templates/i18n/<language>.po`` (msgid the key, msgstr the words), read by Babel."""
    path = site_templates() / "i18n" / f"{language}.po"
    with path.open("rb") as handle:
        found = read_po(handle, locale=language)
    return {str(message.id): str(message.string) for message in found if message.id}


class Translator:
    """``t("key", name=...)`` looks a string up; the other methods format values."""

    def __init__(self, language: str, zone: ZoneInfo, first: str | None = None) -> None:
        self.language = language
        self.first = first or language  # the site's first language: what a text falls back to
        self.tz = zone
        self._strings = catalogue(language)

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self._strings[key]
        except KeyError:
            raise KeyError(f"no {self.language!r} translation for {key!r}") from None
        if not values:
            return text
        return text.format(**{name: self.text(value) if isinstance(value, Text) else value
                              for name, value in values.items()})

    def text(self, value: str) -> str:
        """People's text in this language: its own, else the first language's."""
        if not isinstance(value, Text):
            return value
        texts = value.texts
        return texts.get(self.language) or texts.get(self.first) or str(value)

    def fallback(self, value: str | None) -> str | None:
        """The language ``value`` is shown in when it has no text in this language."""
        if not isinstance(value, Text) or self.language in value.texts:
            return None
        return self.first if self.first in value.texts else next(iter(value.texts))

    def html(self, value: str) -> Markup:
        """People's text as HTML, in a ``<span lang>`` of its own when it is another
        language's."""
        other = self.fallback(value)
        text = escape(self.text(value))
        return Markup(f'<span lang="{other}">{text}</span>') if other else text

    def message(self, update: Any) -> str:
        """An update's Markdown: people's words, or the site's for one Kabar wrote (a
        maintenance starting or ending)."""
        return self(f"update.auto.{update.status}") if update.automatic else update.message

    def reason(self, said: Any) -> str:
        """Why a check failed (a ``Sample``, or anything with ``parts`` and ``error``), in
        the site's language from its reason codes; as recorded when it has none (an older
        history file)."""
        if not said.parts:
            return str(said.error or "")
        words = []
        for code, values in said.parts:
            if code == "status":  # "200, 204 or 3xx"
                values = values | {"expected": values["expected"].replace(
                    " or ", f" {self('reason.or')} ")}
            words.append(self(f"reason.{code}", **values))
        return SEPARATOR.join(words)

    def markup(self, key: str, **values: Any) -> Markup:
        """``t(key)`` as HTML: the values are escaped, unless they are ``Markup`` already."""
        return Markup(escape(self(key))).format(**{
            name: self.html(value) if isinstance(value, Text) else value
            for name, value in values.items()})

    def local(self, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo is self.tz else value.astimezone(self.tz)

    def zone(self, value: dt.datetime) -> str:
        """The zone's abbreviation at ``value`` ("WIB"), or its offset when it has none."""
        return _zone_name(self.local(value).tzname())

    def datetime(self, value: dt.datetime) -> str:
        """``16 Juli 2025 06.15 WIB``."""
        local = self.local(value)
        return _datetime(local.date(), local.hour, local.minute, local.tzname(), self.language)

    def time(self, value: dt.datetime) -> str:
        """``06.15 WIB``."""
        local = self.local(value)
        return f"{_clock(local.hour, local.minute, self.language)} {_zone_name(local.tzname())}"

    def date(self, value: dt.date | dt.datetime) -> str:
        """``16 Juli 2025``."""
        day = self.local(value).date() if isinstance(value, dt.datetime) else value
        return _date(day, "d MMMM y", self.language)

    def short_date(self, value: dt.date) -> str:
        """``16 Jul``."""
        return _date(value, "d MMM", self.language)

    def month(self, value: dt.date) -> str:
        """``Juli 2025`` for any day of July 2025."""
        return _date(value, "LLLL y", self.language)

    def duration(self, value: dt.timedelta) -> str:
        """``2 jam 25 menit``: days, hours and minutes, leaving out zeros; under a minute
        says so ("less than a minute")."""
        minutes = int(value.total_seconds() // 60)
        if minutes < 1:
            return self("duration.under_minute")
        return _duration(minutes, self.language)

    def about(self, value: dt.timedelta) -> str:
        """``3 hours``: one unit, rounded down (minutes under an hour, hours under 2 days)."""
        seconds = value.total_seconds()
        if seconds < 60:
            return self("duration.under_minute")
        if seconds < 3600:
            count, unit = int(seconds // 60), "duration-minute"
        elif seconds < 172800:
            count, unit = int(seconds // 3600), "duration-hour"
        else:
            count, unit = int(seconds // 86400), "duration-day"
        return _unit(count, unit, self.language)

    def number(self, value: float, digits: int = 2) -> str:
        return _number(value, digits, self.language)

    def decimal(self, value: float) -> str:
        """``0,3``: as many digits as it has (a weight of the uptime policy)."""
        return format_decimal(value, locale=self.language)

    def weekdays(self) -> tuple[tuple[int, str], ...]:
        """``((0, "Sen"), …)``: each weekday (0 is Monday) and its short name, in the order
        the language's calendars show them."""
        return _weekdays(self.language)

    def percent(self, value: float | None) -> str:
        """``99,95%``; a dash without data."""
        if value is None:
            return "—"
        return _percent(round(value, 2), self.language)


# Babel is slow and a site of 10,000 incidents shows tens of thousands of times, but only a
# few thousand distinct days and at most 1,440 clock times: each is formatted once.

@lru_cache(maxsize=16384)
def _date(day: dt.date, pattern: str, language: str) -> str:
    return format_date(day, pattern, locale=language)


@lru_cache(maxsize=65536)
def _datetime(day: dt.date, hour: int, minute: int, zone: str | None, language: str) -> str:
    return f"{_date(day, 'd MMMM y', language)} {_clock(hour, minute, language)} {_zone_name(zone)}"


@lru_cache(maxsize=4096)
def _clock(hour: int, minute: int, language: str) -> str:
    return format_datetime(dt.datetime(2000, 1, 1, hour, minute), _TIME[language],
                           locale=language)


@cache
def _weekdays(language: str) -> tuple[tuple[int, str], ...]:
    first = Locale.parse(language).first_week_day
    names = get_day_names("abbreviated", locale=language)
    return tuple(((first + k) % 7, str(names[(first + k) % 7])) for k in range(7))


@lru_cache(maxsize=256)
def _zone_name(name: str | None) -> str:
    return name if name and name[0].isalpha() else f"UTC{name or ''}"


@lru_cache(maxsize=8192)
def _duration(minutes: int, language: str) -> str:
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [format_unit(n, unit, length="long", locale=language)
             for n, unit in ((days, "duration-day"), (hours, "duration-hour"),
                             (mins, "duration-minute")) if n]
    return " ".join(parts) or format_unit(0, "duration-minute", length="long", locale=language)


@lru_cache(maxsize=1024)
def _unit(count: int, unit: str, language: str) -> str:
    return format_unit(count, unit, length="long", locale=language)


@lru_cache(maxsize=16384)
def _number(value: float, digits: int, language: str) -> str:
    return format_decimal(value, format=f"0.{'0' * digits}" if digits else "0", locale=language)


@lru_cache(maxsize=16384)
def _percent(value: float, language: str) -> str:
    """A percentage in the language's form, each distinct one formatted once (Babel is slow,
    and a report of 100 components shows 36,000 of them)."""
    return f"{format_decimal(value, format='0.00', locale=language)}%"
