"""``status.yaml``: the site and its components, loaded and validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Config:
    site: Site
    components: tuple[Component, ...]
    path: Path = Path("status.yaml")

    def component(self, component_id: str) -> Component | None:
        for component in self.components:
            if component.id == component_id:
                return component
        return None


def load_config(path: Path) -> Config:
    """Load and validate ``status.yaml``; raise ``ValidationError`` with every problem."""
    raise NotImplementedError
