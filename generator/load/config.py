"""``status.yaml``: the site and its components, loaded and validated."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from generator.errors import Problem, ValidationError
from generator.load import yamlsource
from generator.load.checker import Checker, did_you_mean, display_path
from generator.load.notify import Link, Notify, check_notify, check_subscribe
from generator.load.yamlsource import KeyPath

LANGUAGES = ("en", "id")
PROBE_KINDS = ("http", "tcp", "dns", "tls")


@dataclass(frozen=True)
class Expect:
    """What a successful HTTP answer looks like."""

    status: tuple[str, ...] = ("2xx", "3xx")  # codes ("200") and classes ("3xx")
    contains: str | None = None
    not_contains: str | None = None
    json_path: str | None = None  # dotted path into the JSON body, e.g. "status.indicator"
    json_equals: Any = None


@dataclass(frozen=True)
class Probe:
    """How to check one component."""

    kind: str  # one of PROBE_KINDS
    target: str  # URL for http, host:port for tcp/tls, a name for dns
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)  # raw, ${VAR} not yet expanded
    body: str | None = None
    timeout: timedelta = timedelta(seconds=10)
    expect: Expect = Expect()
    degraded_over: timedelta | None = None
    retries: int = 1
    cert_expiry_within: timedelta | None = None
    resolver: str | None = None  # "host:port" of a DNS server to ask instead of the system's
    max_body: int = 5 * 1024 * 1024  # bytes of a response body read for the checks, at most


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    group: str | None = None
    description: str | None = None
    probe: Probe | None = None
    since: date | None = None  # the first day it existed; earlier days show "no data"


@dataclass(frozen=True)
class Site:
    title: str
    url: str  # absolute, always ends with "/"
    description: str = ""
    timezone: str = "UTC"
    language: str = "en"
    interval: timedelta = timedelta(minutes=5)
    # The zone named by ``timezone``, made once: every stage takes it from here.
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Config:
    site: Site
    components: tuple[Component, ...]
    path: Path = Path("status.yaml")
    notify: Notify | None = None  # where messages about changes go (generator/notify/)
    subscribe: tuple[Link, ...] = ()  # links shown in the page's Subscribe block

    def component(self, component_id: str) -> Component | None:
        for component in self.components:
            if component.id == component_id:
                return component
        return None




log = logging.getLogger(__name__)

ROOT_KEYS = ("site", "components", "notify", "subscribe")
SITE_KEYS = ("title", "url", "description", "timezone", "language", "interval")
COMPONENT_KEYS = ("id", "name", "group", "description", "probe", "since")
PROBE_KEYS = (*PROBE_KINDS, "method", "headers", "body", "timeout", "expect", "degraded_over",
              "retries", "cert_expiry_within", "resolver", "max_body")
EXPECT_KEYS = ("status", "contains", "not_contains", "json")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HTTP_ONLY = ("method", "headers", "body", "expect", "max_body")
_SIZE = re.compile(r"\s*([1-9][0-9]*)\s*(KB|MB|GB)\s*")
_SIZE_UNITS = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
_COMPONENT_ID = re.compile(r"[a-z0-9-]+")
_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):([1-9][0-9]{0,4})")
_HOST = re.compile(r"[^\s:/\[\]]+")
_STATUS = re.compile(r"[1-5](?:\d\d|xx)")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class ConfigCheck:
    """What :func:`check_config` found, including what incidents can be checked against."""

    config: Config | None  # None when there is any error
    problems: tuple[Problem, ...]  # errors and warnings
    component_ids: frozenset[str] | None  # ids that parsed; None when the list is unreadable
    zone: ZoneInfo  # the site's, or UTC when it is missing or not valid


def load_config(path: Path) -> Config:
    """Load and validate ``status.yaml``; raise ``ValidationError`` with every problem."""
    checked = check_config(path)
    if checked.config is None:
        raise ValidationError(list(checked.problems))
    for problem in checked.problems:
        log.warning("%s", problem)
    return checked.config


def check_config(path: Path) -> ConfigCheck:
    """Read ``status.yaml`` collecting every problem instead of stopping at the first."""
    problems: list[Problem] = []
    if yamlsource.escapes(path, path.parent):
        return ConfigCheck(None, (Problem(display_path(path), 1, 1, "a symbolic link to a file "
                                          "outside its folder; put the file itself there"),),
                           None, ZoneInfo("UTC"))
    try:
        source = yamlsource.load(path, display_path(path))
    except ValidationError as exc:
        return ConfigCheck(None, tuple(exc.problems), None, ZoneInfo("UTC"))
    check = Checker(source, problems)
    root: dict[str, Any] | None = None
    if source.data is None:
        check.error((), "the file is empty; expected the keys 'site' and 'components'")
    else:
        root = check.mapping((), source.data, ROOT_KEYS, ("site", "components"),
                             what="a mapping with the keys 'site' and 'components'")
    root = root or {}
    site = _site(check, root["site"]) if "site" in root else None
    components, ids = _components(check, root["components"]) if "components" in root else (
        None, None)
    zone = site.zone if site else ZoneInfo(_valid_timezone(root.get("site")))
    extra: dict[str, Any] = {}
    if "notify" in root:
        extra["notify"] = check_notify(check, root["notify"])
    if "subscribe" in root:
        extra["subscribe"] = check_subscribe(check, root["subscribe"])
    config = None
    if site and components is not None and not check.failures:
        config = Config(site, components, path, **extra)
    return ConfigCheck(config, tuple(problems), ids, zone)


def _valid_timezone(site: Any) -> str:
    name = site.get("timezone") if isinstance(site, dict) else None
    return name if isinstance(name, str) and _zone(name) else "UTC"


def _zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _site(check: Checker, value: Any) -> Site | None:
    path: KeyPath = ("site",)
    data = check.mapping(path, value, SITE_KEYS, ("title", "url"))
    if data is None:
        return None
    before = check.failures
    title = check.string((*path, "title"), data["title"]) if "title" in data else None
    url = _url(check, (*path, "url"), data["url"], "https://status.example.com/") if (
        "url" in data) else None
    fields: dict[str, Any] = {}
    if "description" in data:
        fields["description"] = check.string((*path, "description"), data["description"],
                                             nonempty=False)
    if "timezone" in data:
        zone = data["timezone"]
        if isinstance(zone, str) and _zone(zone):
            fields["timezone"] = zone
        else:
            hint = did_you_mean(zone, available_timezones()) if isinstance(zone, str) else ""
            if isinstance(zone, str) and zone[:1] in "+-" and zone[1:2].isdigit():
                hint = " (an offset is not a zone: name the zone, like Asia/Jakarta)"
            check.expected((*path, "timezone"), "an IANA time zone like Asia/Jakarta or UTC",
                           zone, hint)
    if "language" in data:
        fields["language"] = check.choice((*path, "language"), data["language"], LANGUAGES)
    if "interval" in data:
        fields["interval"] = check.duration((*path, "interval"), data["interval"])
    if title is None or url is None or check.failures > before:
        return None
    return Site(title=title, url=url if url.endswith("/") else url + "/", **fields)


def _url(check: Checker, path: KeyPath, value: Any, example: str) -> str | None:
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:  # such as an unclosed "[" in the host
        parts = None
    if parts and parts.scheme in ("http", "https") and parts.netloc:
        return str(value)
    check.expected(path, f"an absolute http(s) URL like {example}", value)
    return None


def _components(check: Checker, value: Any) -> tuple[tuple[Component, ...] | None,
                                                      frozenset[str] | None]:
    if not isinstance(value, list) or not value:
        check.expected(("components",), "a list of components, each with an id and a name",
                       value)
        return None, None
    components: list[Component] = []
    seen: dict[str, int] = {}  # id -> the line it was first given on
    for index, item in enumerate(value):
        component = _component(check, ("components", index), item, seen)
        if component:
            components.append(component)
    return tuple(components), frozenset(seen)


def _component(check: Checker, path: KeyPath, value: Any, seen: dict[str, int]) -> \
        Component | None:
    data = check.mapping(path, value, COMPONENT_KEYS, ("id", "name"),
                         what="a mapping with at least an id and a name")
    if data is None:
        return None
    before = check.failures
    component_id = data.get("id")
    if "id" in data:
        where = check.source.where((*path, "id"))
        if not isinstance(component_id, str) or not _COMPONENT_ID.fullmatch(component_id):
            check.expected((*path, "id"), "lowercase letters, digits and '-' like api-gateway",
                           component_id)
        elif component_id in seen:
            check.error((*path, "id"), f"'id': {component_id!r} is already the id of the "
                        f"component at line {seen[component_id]}; ids must be unique")
        else:
            seen[component_id] = where[0]
    name = check.string((*path, "name"), data["name"]) if "name" in data else None
    fields: dict[str, Any] = {}
    for key in ("group", "description"):
        if key in data:
            fields[key] = check.string((*path, key), data[key])
    if "since" in data:
        fields["since"] = _day(check, (*path, "since"), data["since"])
    if "probe" in data:
        fields["probe"] = _probe(check, (*path, "probe"), data["probe"])
    if check.failures > before or not isinstance(component_id, str) or name is None:
        return None
    return Component(id=component_id, name=name, **fields)


def _day(check: Checker, path: KeyPath, value: Any) -> date | None:
    hint = ""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            hint = f" (there is no {value})"
    check.expected(path, "a date like 2025-07-16", value, hint)
    return None


def _probe(check: Checker, path: KeyPath, value: Any) -> Probe | None:
    data = check.mapping(path, value, PROBE_KEYS, what="a mapping with one of http, tcp, "
                         "dns, tls")
    if data is None:
        return None
    before = check.failures
    kinds = [kind for kind in PROBE_KINDS if kind in data]
    if len(kinds) != 1:
        got = " and ".join(repr(kind) for kind in kinds) or "none"
        where = (*path, kinds[1]) if kinds else path
        check.error(where, f"'probe': expected exactly one of http, tcp, dns, tls; got {got}",
                    key=bool(kinds))
        return None
    kind = kinds[0]
    target = _target(check, (*path, kind), kind, data[kind])
    fields: dict[str, Any] = {}
    if "method" in data:
        fields["method"] = check.choice((*path, "method"), data["method"], HTTP_METHODS)
    if "headers" in data:
        headers = data["headers"]
        if isinstance(headers, dict):
            fields["headers"] = {name: check.string((*path, "headers", name), text,
                                                    nonempty=False)
                                 for name, text in headers.items()}
        else:
            check.expected((*path, "headers"), "a mapping of header names to values", headers)
    if "body" in data:
        fields["body"] = check.string((*path, "body"), data["body"], nonempty=False)
    for key in ("timeout", "degraded_over", "cert_expiry_within"):
        if key in data:
            fields[key] = check.duration((*path, key), data[key])
    if "retries" in data:
        fields["retries"] = check.integer((*path, "retries"), data["retries"], 0)
    if "resolver" in data:
        fields["resolver"] = _host_port(check, (*path, "resolver"), data["resolver"],
                                        "host:port like 1.1.1.1:53")
    if "expect" in data:
        fields["expect"] = _expect(check, (*path, "expect"), data["expect"])
    if "max_body" in data:
        fields["max_body"] = _size(check, (*path, "max_body"), data["max_body"])
    _probe_warnings(check, path, kind, data, fields)
    if target is None or check.failures > before:
        return None
    return Probe(kind=kind, target=target, **fields)


def _probe_warnings(check: Checker, path: KeyPath, kind: str, data: dict[str, Any],
                    fields: dict[str, Any]) -> None:
    """Settings that are valid but do nothing here, or can never take effect."""
    for key in _HTTP_ONLY if kind != "http" else ():
        if key in data:
            check.warn((*path, key), f"{key!r}: only http probes use it; this is a {kind} "
                       "probe", key=True)
    plain_http = kind == "http" and str(data[kind]).startswith("http:")
    if "cert_expiry_within" in data and (kind in ("tcp", "dns") or plain_http):
        check.warn((*path, "cert_expiry_within"), "'cert_expiry_within': only https and tls "
                   "probes have a certificate", key=True)
    slow, timeout = fields.get("degraded_over"), fields.get("timeout", Probe.timeout)
    if slow and timeout and slow >= timeout:
        check.warn((*path, "degraded_over"), f"'degraded_over': {data['degraded_over']} is not "
                   f"below the timeout ({data.get('timeout', '10s')}), so it never applies")


def _size(check: Checker, path: KeyPath, value: Any) -> int | None:
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match:
        return int(match.group(1)) * _SIZE_UNITS[match.group(2)]
    check.expected(path, "a size like 512KB, 5MB or 1GB", value)
    return None


def _target(check: Checker, path: KeyPath, kind: str, value: Any) -> str | None:
    if kind == "http":
        return _url(check, path, value, "https://example.com/health")
    if kind == "dns":
        if isinstance(value, str) and _HOST.fullmatch(value):
            return value
        check.expected(path, "a host name like example.com", value)
        return None
    return _host_port(check, path, value, "host:port like db.example.com:5432")


def _host_port(check: Checker, path: KeyPath, value: Any, what: str) -> str | None:
    match = _HOST_PORT.fullmatch(value) if isinstance(value, str) else None
    if match and 0 < int(match.group(1)) < 65536:
        return str(value)
    check.expected(path, what, value)
    return None


def _expect(check: Checker, path: KeyPath, value: Any) -> Expect | None:
    data = check.mapping(path, value, EXPECT_KEYS)
    if data is None:
        return None
    before = check.failures
    fields: dict[str, Any] = {}
    if "status" in data:
        raw = data["status"]
        items = raw if isinstance(raw, list) else [raw]
        codes = []
        for index, code in enumerate(items):
            where = (*path, "status", index) if isinstance(raw, list) else (*path, "status")
            text = str(code).lower() if isinstance(code, int | str) else ""
            if isinstance(code, bool) or not _STATUS.fullmatch(text):
                check.expected(where, "an HTTP status like 200 or a class like 3xx", code)
            codes.append(text)
        if not items:
            check.expected((*path, "status"), "a status like 200 or 3xx, or a list of them", raw)
        fields["status"] = tuple(codes)
    for key in ("contains", "not_contains"):
        if key in data:
            fields[key] = check.string((*path, key), data[key])
    if "json" in data:
        json = check.mapping((*path, "json"), data["json"], ("path", "equals"),
                             ("path", "equals"))
        if json is not None and "path" in json:
            fields["json_path"] = check.string((*path, "json", "path"), json["path"])
            fields["json_equals"] = json.get("equals")
    return Expect(**fields) if check.failures == before else None
