"""The W3C Feed Validator's rules that no XML schema states, checked over a feed's bytes.

The validator (github.com/w3c/feedvalidator, ``src/feedvalidator/``) is on neither PyPI nor
npm, so CI cannot run it; these checks restate its rules, each reported with the validator's
own message (``i18n/en.py``) so a finding reads as the validator would print it. Where each
rule lives there:

- ``MissingElement`` "Missing %(parent)s element: %(element)s": ``feed.py``
  ``validate_metadata`` (feed title, id, updated), ``entry.py`` (title, id, updated, author
  unless the feed has one), ``channel.py``/``item.py`` for RSS.
- ``MissingSelf``/``MissingAtomSelfLink`` and ``SelfDoesntMatchLocation``: ``feed.py``,
  ``channel.py``, ``link.py`` (rel=self must be the URL the feed was fetched from).
- ``DuplicateEntries`` "Two entries with the same id" (``entry.py`` ``do_id``),
  ``DuplicateUpdated`` "Two entries with the same value for atom:updated" (``do_updated``),
  ``DuplicateValue`` for RSS guids (``item.py`` ``do_guid``).
- ``InvalidRFC3339Date`` and ``InvalidRFC2822Date``/``IncorrectDOW``/
  ``ProblematicalRFC822Date``: ``validators.py`` ``rfc3339`` and ``rfc822``.
- ``ImplausibleDate`` "Implausible date": ``validators.py`` ``implausible_822`` (more than 10
  minutes ahead of the validator's clock, or before 1990) and ``implausible_8601`` (on
  Python 3 its fallback: more than a day ahead, or before 1990). Here the clock is the
  build's ``now``: what the validator would say had it run when the site was built.
- ``guid`` (``item.py``): isPermaLink is ``true`` or ``false`` (``InvalidBooleanAttribute``),
  a permalink guid is a full URL and not ``tag:``/``urn:uuid:`` (``InvalidHttpGUID``,
  ``InvalidPermalink``); ``MissingGuid`` for an RSS 2.0 item without one.
- ``MissingContentOrAlternate`` (``entry.py``), ``ItemMustContainTitleOrDescription``.
- HTML in content and descriptions (``validators.py`` ``absUrlMixin``, ``htmlEater``):
  ``ContainsRelRef`` for a relative ``a href``/``img src``, ``SecurityRisk`` for an element
  outside its allow-list, ``SecurityRiskAttr`` for an ``on…`` attribute.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*)?(Z|[+-]\d\d:\d\d)")
# validators.py rfc822.rfc2822_re: the form the validator calls valid; its looser rfc822_re
# (two-digit years, zones as letters) is only "Problematical".
RFC2822 = re.compile(r"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d\d? (Jan|Feb|Mar|Apr|May|Jun|Jul|"
                     r"Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d(:\d\d)? ([+-]?\d\d[03]0|UT|GMT|"
                     r"EST|EDT|CST|CDT|MST|MDT|PST|PDT|Z)")
# htmlEater's allow-list, cut to the elements an incident's Markdown can make.
SAFE_TAGS = frozenset("a abbr b blockquote br code del div em h1 h2 h3 h4 h5 h6 hr i img ins "
                      "kbd li ol p pre q s small span strong sub sup table tbody td th thead "
                      "tr ul".split())
ATOM_AHEAD = timedelta(days=1)  # implausible_8601's granularity on Python 3
RSS_AHEAD = timedelta(minutes=10)  # implausible_822's


def _implausible(value: datetime, now: datetime, ahead: timedelta) -> bool:
    return value > now + ahead or value.year < 1990


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"should not contain {tag} tag")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"should not contain {name} attribute")
            if (tag, name) in (("a", "href"), ("img", "src")) and value is not None \
                    and not re.match(r"\w+:", value.strip()):
                self.problems.append("should not contain relative URL references")


def html_problems(html: str, where: str) -> list[str]:
    parser = _Html()
    parser.feed(html)
    parser.close()
    return [f"{where} {p}" for p in parser.problems]


def atom_messages(data: bytes, url: str, now: datetime) -> list[str]:
    """The validator's messages for an Atom feed published at ``url``, checked at ``now``."""
    feed = ET.fromstring(data)
    out: list[str] = []

    def date(el: ET.Element, where: str) -> None:
        text = el.text or ""
        if not RFC3339.fullmatch(text):
            out.append(f"{where}: {el.tag.removeprefix(A)} must be an RFC-3339 date-time")
        elif _implausible(datetime.fromisoformat(text.replace("Z", "+00:00")), now, ATOM_AHEAD):
            out.append(f"{where}: Implausible date")

    for name in ("title", "id", "updated"):
        if feed.find(A + name) is None:
            out.append(f"feed: Missing feed element: {name}")
    selves = [link.get("href") for link in feed.findall(A + "link") if link.get("rel") == "self"]
    if not selves:
        out.append('feed: Missing atom:link with rel="self"')
    elif any(href != url for href in selves):
        out.append("feed: Self reference doesn't match document location")
    if (updated := feed.find(A + "updated")) is not None:
        date(updated, "feed")
    ids: set[str] = set()
    stamps: set[str] = set()
    for n, entry in enumerate(feed.findall(A + "entry")):
        where = f"entry[{n}]"
        for name in ("title", "id", "updated"):
            if entry.find(A + name) is None:
                out.append(f"{where}: Missing entry element: {name}")
        if entry.find(A + "author") is None and feed.find(A + "author") is None:
            out.append(f"{where}: Missing entry element: author")
        entry_id = entry.findtext(A + "id")
        if entry_id in ids:
            out.append(f"{where}: Two entries with the same id")
        ids.add(entry_id or "")
        for name in ("updated", "published"):
            if (el := entry.find(A + name)) is not None:
                date(el, f"{where}/{name}")
        stamp = entry.findtext(A + "updated")
        if stamp in stamps:
            out.append(f"{where}: Two entries with the same value for atom:updated")
        stamps.add(stamp or "")
        content = entry.find(A + "content")
        alternate = any(link.get("rel", "alternate") == "alternate"
                        for link in entry.findall(A + "link"))
        if content is None and entry.find(A + "summary") is None and not alternate:
            out.append(f"{where}: Missing content or alternate link")
        if content is not None and content.get("type") == "html":
            out += html_problems(content.text or "", f"{where}: content")
    return out


def rss_messages(data: bytes, url: str, now: datetime) -> list[str]:
    """The validator's messages for an RSS 2.0 feed published at ``url``, checked at ``now``."""
    channel = ET.fromstring(data).find("channel")
    if channel is None:
        return ["rss: Missing rss element: channel"]
    out: list[str] = []

    def date(el: ET.Element, where: str) -> None:
        text = el.text or ""
        name = el.tag
        if not RFC2822.fullmatch(text):
            out.append(f"{where}: {name} must be an RFC-822 date-time")
            return
        value = parsedate_to_datetime(text)
        if "," in text and value.strftime("%a") != text[:3]:
            out.append(f"{where}: Incorrect day of week")
        elif _implausible(value, now, RSS_AHEAD):
            out.append(f"{where}: Implausible date")

    for name in ("title", "link", "description"):
        if channel.find(name) is None:
            out.append(f"channel: Missing channel element: {name}")
    selves = [link.get("href") for link in channel.findall(A + "link")
              if link.get("rel") == "self"]
    if not selves:
        out.append('channel: Missing atom:link with rel="self"')
    elif any(href != url for href in selves):
        out.append("channel: Self reference doesn't match document location")
    for name in ("pubDate", "lastBuildDate"):
        if (el := channel.find(name)) is not None:
            date(el, "channel")
    guids: set[str] = set()
    for n, item in enumerate(channel.findall("item")):
        where = f"item[{n}]"
        if item.find("title") is None and item.find("description") is None:
            out.append(f"{where}: item must contain either title or description")
        guid = item.find("guid")
        if guid is None:
            out.append(f"{where}: item should contain a guid element")
        else:
            permalink = guid.get("isPermaLink", "true")
            text = (guid.text or "").strip()
            if permalink not in ("true", "false"):
                out.append(f"{where}: isPermaLink attribute of guid must be 'true' or 'false'")
            elif permalink == "true" and (not re.match(r"[a-zA-Z][\w+.-]*://", text)
                                          or text.lower().startswith(("tag:", "urn:uuid:"))):
                out.append(f"{where}: guid must be a full URL, unless isPermaLink attribute "
                           "is false")
            if text in guids:
                out.append(f"{where}: guid values must not be duplicated within a feed")
            guids.add(text)
        if (el := item.find("pubDate")) is not None:
            date(el, where)
        if (description := item.find("description")) is not None:
            out += html_problems(description.text or "", f"{where}: description")
    return out
