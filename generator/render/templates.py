"""What each page template gets: a typed context per template (as MkDocs's TemplateContext).

Besides these, every template sees the names of ``_Pages``'s shared globals (the model, the
site, the formatting helpers, and ``m``, the macros of ``macros.html``) and its filters (``t``
for the site's words, ``when``, ``date``, ``datetime``, ``duration``, ``month``, ``zone``,
``state`` for a state's badge, ``minutes`` for a tally's, ``incident_title`` for an id's,
``incident_row`` for an incident in a list).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypedDict

from markupsafe import Markup

from generator.model.compute import ComponentView, IncidentView, Month


class Feed(NamedTuple):
    """A ``<link rel="alternate">`` in the page's head (a tuple: a template reads its fields
    as attributes, which a dict answers only after a failed attribute lookup)."""

    type: str
    href: str
    title: str


class PageContext(TypedDict):
    """What every page template gets (404.html gets only this)."""

    root: str  # the way back to this language's root: "", "../" or, on 404.html, its URL
    top: str  # the way back to the site's root (shared files: the API, images)
    lang: str  # the page's language
    alternates: tuple[tuple[str, str], ...]  # (hreflang, absolute URL), x-default last
    switch: tuple[tuple[str, str, str], ...]  # the other languages: (code, name, link)
    home: str
    page_title: str
    description: str
    canonical: str | None
    head: Markup  # the feeds' links, the icon, the style (macros.html's ``head``)
    brand: Markup  # the site's name (and logo) and links in the header (``brand``)


class IndexContext(PageContext):
    indicator_key: str  # the catalogue's words for the indicator
    indicator_class: str


class IncidentContext(PageContext):
    v: IncidentView
    affected: list[Markup]  # each component it names with its state (``affected_row``)
    impact_class: str


class ComponentContext(PageContext):
    cv: ComponentView
    incidents: list[IncidentView]  # the newest
    more: bool  # there are older ones
    chart_day: Markup | None
    chart_days: Markup | None


class HistoryContext(PageContext):
    heading: str
    shown: Sequence[Month]  # in full
    others: Sequence[Month]  # linked
    single: bool  # one month's page
    older: Month | None
    newer: Month | None


class ReportContext(PageContext):
    policy: str  # the uptime policy in force, in words: every figure links to it
    intro: Markup
    heading: str
    shown: tuple[ComponentView, ...]  # every component (the index) or one (its own page)
    calendars: bool  # a calendar of days for each month (a component's own page)


TemplateContext = (PageContext | IndexContext | IncidentContext | ComponentContext
                   | HistoryContext | ReportContext)
