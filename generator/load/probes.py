"""``status.yaml``'s probes: how each component is checked, loaded and validated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from generator.load.checker import Checker
from generator.load.yamlsource import KeyPath

PROBE_KINDS = ("http", "tcp", "dns", "tls")
PROBE_KEYS = (*PROBE_KINDS, "method", "headers", "body", "timeout", "expect", "degraded_over",
              "retries", "cert_expiry_within", "resolver", "max_body")
EXPECT_KEYS = ("status", "contains", "not_contains", "json")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_HTTP_ONLY = ("method", "headers", "body", "expect", "max_body")
_SIZE = re.compile(r"\s*([1-9][0-9]*)\s*(KB|MB|GB)\s*")
_SIZE_UNITS = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):([1-9][0-9]{0,4})")
_HOST = re.compile(r"[^\s:/\[\]]+")
_STATUS = re.compile(r"[1-5](?:\d\d|xx)")


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


def check_url(check: Checker, path: KeyPath, value: Any, example: str) -> str | None:
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
    except ValueError:  # such as an unclosed "[" in the host
        parts = None
    if parts and parts.scheme in ("http", "https") and parts.netloc:
        return str(value)
    check.expected(path, f"an absolute http(s) URL like {example}", value)
    return None


def check_probe(check: Checker, path: KeyPath, value: Any) -> Probe | None:
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
        fields["max_body"] = check_size(check, (*path, "max_body"), data["max_body"])
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


def check_size(check: Checker, path: KeyPath, value: Any) -> int | None:
    match = _SIZE.fullmatch(value) if isinstance(value, str) else None
    if match:
        return int(match.group(1)) * _SIZE_UNITS[match.group(2)]
    check.expected(path, "a size like 512KB, 5MB or 1GB", value)
    return None


def _target(check: Checker, path: KeyPath, kind: str, value: Any) -> str | None:
    if kind == "http":
        return check_url(check, path, value, "https://example.com/health")
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
