"""``notify:`` and ``subscribe:`` in ``status.yaml``: where messages go, and what the page links.

A channel's URL is an Apprise URL, kept as written: its ``${VAR}`` are filled in from the
environment only when a message is sent (``generator/notify/``), and no message here ever
quotes a URL, since it may hold a secret. Its scheme is checked against the schemes that
the installed apprise supports (unless the scheme itself is a variable).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from generator.load.checker import Checker, did_you_mean
from generator.load.yamlsource import KeyPath

EVENTS = ("outage", "degraded", "recovery", "incident", "maintenance")
DEFAULT_EVENTS = ("outage", "recovery", "incident", "maintenance")
NOTIFY_KEYS = ("after", "channels")
CHANNEL_KEYS = ("url", "events")
LINK_KEYS = ("name", "url")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_LINK_SCHEMES = ("http", "https", "mailto", "webcal", "irc", "ircs", "xmpp", "matrix")


@dataclass(frozen=True)
class Channel:
    """One place messages go: an Apprise URL with ``${VAR}`` not yet filled in."""

    url: str
    events: tuple[str, ...] = DEFAULT_EVENTS
    index: int = 0  # its place in notify.channels, for messages ("channel 1 (slack)")

    @property
    def scheme(self) -> str:
        """The URL's scheme as written ("slack"), or "?" when a variable gives it."""
        match = _SCHEME.match(self.url)
        return match.group(1).lower() if match else "?"

    @property
    def label(self) -> str:
        return f"channel {self.index + 1} ({self.scheme})"


@dataclass(frozen=True)
class Notify:
    after: int = 2  # a measured change counts once it holds for this many runs in a row
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True)
class Link:
    """A place visitors can follow the page: an ntfy topic, a chat channel, a mailing list."""

    name: str
    url: str


@cache
def apprise_schemes() -> frozenset[str]:
    """Every scheme the installed apprise knows, its disabled plugins included."""
    import apprise

    with warnings.catch_warnings():  # a plugin may import a deprecated module (imghdr)
        warnings.simplefilter("ignore", DeprecationWarning)
        details = apprise.Apprise().details(show_disabled=True)
    found: set[str] = set()
    for schema in details.get("schemas", []):
        for key in ("protocols", "secure_protocols"):
            value = schema.get(key) or ()
            found.update(v.lower() for v in ((value,) if isinstance(value, str) else value))
    return frozenset(found)


def check_notify(check: Checker, value: Any) -> Notify | None:
    path: KeyPath = ("notify",)
    data = check.mapping(path, value, NOTIFY_KEYS, ("channels",),
                         what="a mapping with 'channels' (and optionally 'after')")
    if data is None:
        return None
    before = check.failures
    after = check.integer((*path, "after"), data["after"], 1) if "after" in data else 2
    channels: list[Channel] = []
    raw = data.get("channels")
    if "channels" in data and (not isinstance(raw, list) or not raw):
        check.expected((*path, "channels"), "a list of channels, each with an Apprise url", raw)
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            channel = _channel(check, (*path, "channels", index), item, index)
            if channel is not None:
                channels.append(channel)
    if check.failures > before or after is None:
        return None
    return Notify(after=after, channels=tuple(channels))


def _channel(check: Checker, path: KeyPath, value: Any, index: int) -> Channel | None:
    data = check.mapping(path, value, CHANNEL_KEYS, ("url",),
                         what="a mapping with an Apprise url, like {url: \"ntfys://ntfy.sh/"
                              "${NTFY_TOPIC}\"}")
    if data is None:
        return None
    before = check.failures
    url = _apprise_url(check, (*path, "url"), data["url"]) if "url" in data else None
    events: tuple[str, ...] = DEFAULT_EVENTS
    if "events" in data:
        raw = data["events"]
        if not isinstance(raw, list) or not raw:
            check.expected((*path, "events"), f"a list of events from {', '.join(EVENTS)}", raw)
        else:
            chosen = [check.choice((*path, "events", n), item, EVENTS)
                      for n, item in enumerate(raw)]
            events = tuple(event for event in EVENTS if event in chosen)
    if url is None or check.failures > before:
        return None
    return Channel(url=url, events=events, index=index)


def _apprise_url(check: Checker, path: KeyPath, value: Any) -> str | None:
    """The URL as written, when its scheme is one apprise supports; never quoted in errors."""
    if not isinstance(value, str) or not value.strip():
        check.error(path, "'url': expected an Apprise URL like \"slack://${SLACK_TOKEN}\" or "
                    "\"ntfys://ntfy.sh/${NTFY_TOPIC}\" (put secrets in ${VARIABLES})")
        return None
    if VARIABLE.match(value):
        return value  # the variable holds the scheme too: checked when a message is sent
    match = _SCHEME.match(value)
    if not match:
        check.error(path, "'url': expected an Apprise URL that starts with a scheme, like "
                    "slack://, discord://, ntfys://, mailtos:// or json://")
        return None
    scheme = match.group(1).lower()
    known = apprise_schemes()
    if scheme not in known:
        check.error(path, f"'url': apprise does not support the scheme {scheme!r}"
                    f"{did_you_mean(scheme, known)}; see "
                    "https://github.com/caronc/apprise/wiki for the URL of each service")
        return None
    return value


def check_subscribe(check: Checker, value: Any) -> tuple[Link, ...] | None:
    if not isinstance(value, list):
        check.expected(("subscribe",), "a list of links like {name: ntfy, url: "
                       "\"https://ntfy.sh/example-status\"}", value)
        return None
    before = check.failures
    links: list[Link] = []
    for index, item in enumerate(value):
        path: KeyPath = ("subscribe", index)
        data = check.mapping(path, item, LINK_KEYS, LINK_KEYS,
                             what="a mapping with a name and a url")
        if data is None:
            continue
        name = check.string((*path, "name"), data["name"]) if "name" in data else None
        url = _link(check, (*path, "url"), data["url"]) if "url" in data else None
        if name is not None and url is not None:
            links.append(Link(name, url))
    return tuple(links) if check.failures == before else None


def _link(check: Checker, path: KeyPath, value: Any) -> str | None:
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:
        parts = None
    if parts and parts.scheme.lower() in _LINK_SCHEMES and (parts.netloc or parts.path):
        return str(value)
    check.expected(path, f"a URL visitors can open, starting with one of "
                   f"{', '.join(s + ':' for s in _LINK_SCHEMES)}", value)
    return None
