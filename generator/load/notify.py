"""``notify:`` and ``subscribe:`` in ``status.yaml``: where messages go, and what the page links.

A channel's URL is an Apprise URL, kept as written: its ``${VAR}`` are filled in from the
environment only when a message is sent (``generator/notify/``), and no message here ever
quotes a URL, since it may hold a secret. Any URL the installed apprise accepts is valid, the
webhook URLs that Slack and Discord hand out included: apprise is asked, with each ``${VAR}``
taken to hold a token of digits (``PLACEHOLDER``); a URL with a variable whose scheme is one of
apprise's, or whose scheme is itself a variable, is left to be checked when it is sent.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from generator.load.checker import Checker, did_you_mean
from generator.load.yamlsource import KeyPath
from generator.model.states import EventKind

EVENTS = tuple(kind.value for kind in EventKind)
DEFAULT_EVENTS = tuple(kind.value for kind in EventKind
                       if kind not in (EventKind.DEGRADED, EventKind.UPSTREAM))
NOTIFY_KEYS = ("after", "channels")
CHANNEL_KEYS = ("url", "events", "language")
LINK_KEYS = ("name", "url")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_WIKI = "https://github.com/caronc/apprise/wiki"
PLACEHOLDER = "0123456789"  # what a ${VAR} is taken to hold when apprise checks a URL
_LINK_SCHEMES = ("http", "https", "mailto", "webcal", "irc", "ircs", "xmpp", "matrix")


@dataclass(frozen=True)
class Channel:
    """One place messages go: an Apprise URL with ``${VAR}`` not yet filled in."""

    url: str
    events: tuple[str, ...] = DEFAULT_EVENTS
    index: int = 0  # its place in notify.channels, for messages ("channel 1 (slack)")
    language: str | None = None  # its messages' language; None: the site's first

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


@dataclass(frozen=True)
class Service:
    """What apprise's registry says of one of its schemes."""

    name: str  # "Slack"
    setup_url: str  # where its URL's form is described
    enabled: bool  # False when a package it needs is missing on this machine


@cache
def apprise_services() -> dict[str, Service]:
    """Every scheme the installed apprise knows, its disabled plugins included."""
    import apprise

    with warnings.catch_warnings():  # a plugin may import a deprecated module (imghdr)
        warnings.simplefilter("ignore", DeprecationWarning)
        details = apprise.Apprise().details(show_disabled=True)
    found: dict[str, Service] = {}
    for schema in details.get("schemas", []):
        service = Service(str(schema.get("service_name") or "?"),
                          str(schema.get("setup_url") or _WIKI), bool(schema.get("enabled")))
        for key in ("protocols", "secure_protocols"):
            value = schema.get(key) or ()
            for scheme in (value,) if isinstance(value, str) else value:
                found.setdefault(scheme.lower(), service)
    return found


def apprise_accepts(url: str) -> bool:
    """Whether apprise makes a service of ``url``, as ``Apprise.add`` would; nothing is sent.

    Apprise's log lines are silenced meanwhile: they may quote the URL, which may hold a
    secret.
    """
    import apprise

    logger = logging.getLogger("apprise")
    disabled = logger.disabled
    logger.disabled = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            asset = apprise.AppriseAsset(storage_mode="memory")
            return apprise.Apprise.instantiate(url, asset=asset) is not None
    except Exception:  # noqa: BLE001 - a plugin that raises refuses the URL
        return False
    finally:
        logger.disabled = disabled


def check_notify(check: Checker, value: Any, languages: Sequence[str]) -> Notify | None:
    """``notify:``; a channel's ``language`` is one of the site's ``languages``."""
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
            channel = _channel(check, (*path, "channels", index), item, index, languages)
            if channel is not None:
                channels.append(channel)
    if check.failures > before or after is None:
        return None
    return Notify(after=after, channels=tuple(channels))


def _channel(check: Checker, path: KeyPath, value: Any, index: int,
             languages: Sequence[str]) -> Channel | None:
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
    language = None
    if "language" in data:
        language = check.choice((*path, "language"), data["language"], languages)
    if url is None or check.failures > before:
        return None
    return Channel(url=url, events=events, language=language, index=index)


def _apprise_url(check: Checker, path: KeyPath, value: Any) -> str | None:
    """The URL as written, when apprise accepts it; never quoted in errors."""
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
    # Apprise decides. A ${VAR} stands for a token here: it may hold anything, so a URL
    # with one is also taken when its scheme is apprise's (slack://${SLACK_TOKEN}).
    if apprise_accepts(VARIABLE.sub(PLACEHOLDER, value)):
        return value
    scheme = match.group(1).lower()
    service = apprise_services().get(scheme)
    if service is not None and (VARIABLE.search(value) or not service.enabled):
        return value  # checked when a message is sent, with the variables filled in
    if service is not None:
        check.error(path, f"'url': apprise refuses this {service.name} URL ({scheme}://): a "
                    f"part is missing or malformed; see {service.setup_url} for its form")
    elif scheme in ("http", "https"):  # a web address: said so, not "no such scheme"
        plain = "jsons" if scheme == "https" else "json"
        check.error(path, f"'url': apprise knows no service at this {scheme}:// address: give "
                    "a service's own webhook URL as it hands it out (Slack's, Discord's, ...) "
                    f"or an Apprise URL ({plain}:// for a plain JSON webhook); see {_WIKI}")
    else:
        check.error(path, f"'url': apprise does not support the scheme {scheme!r}"
                    f"{did_you_mean(scheme, apprise_services())}; see {_WIKI} for the URL of "
                    "each service")
    return None


def check_subscribe(check: Checker, value: Any) -> tuple[Link, ...] | None:
    return check_links(check, ("subscribe",), value,
                       '{name: ntfy, url: "https://ntfy.sh/example-status"}')


def check_links(check: Checker, keypath: KeyPath, value: Any,
                example: str) -> tuple[Link, ...] | None:
    """A list of ``{name, url}`` links a visitor can open (``subscribe:``, ``site.links``)."""
    if not isinstance(value, list):
        check.expected(keypath, f"a list of links like {example}", value)
        return None
    before = check.failures
    links: list[Link] = []
    for index, item in enumerate(value):
        path: KeyPath = (*keypath, index)
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
