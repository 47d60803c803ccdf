"""The model: everything every output shows, computed once at one ``now``.

Renderers only read it. Status rules follow DESIGN.md ("Computing status").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from generator.config import Component, Config
from generator.history import History, Sample
from generator.incidents import Incident, Update

# Worst first. "no_data" is not a Statuspage state: it never counts as operational.
STATES = ("major_outage", "partial_outage", "degraded_performance", "under_maintenance",
          "operational")
NO_DATA = "no_data"
INDICATORS = ("critical", "major", "minor", "maintenance", "none")
UPTIME_WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7),
                  "30d": timedelta(days=30), "90d": timedelta(days=90)}
BAR_DAYS = 90
RECENT_DAYS = 14
FEED_ITEMS = 50


@dataclass(frozen=True)
class DayBar:
    day: date  # in the site's time zone
    state: str  # one of STATES or NO_DATA
    minutes: Mapping[str, int]  # minutes that day in each non-operational state
    incidents: tuple[str, ...]  # ids of the incidents and maintenances that touch the day


@dataclass(frozen=True)
class ComponentView:
    component: Component
    state: str  # one of STATES or NO_DATA
    source: str  # "incident" | "maintenance" | "probe" | "declared" | "none"
    last: Sample | None  # the latest probe result, fresh or not
    bars: tuple[DayBar, ...]  # BAR_DAYS bars, oldest first
    uptime: Mapping[str, float | None]  # UPTIME_WINDOWS key -> percent, None without data
    latency: tuple[tuple[datetime, float], ...]  # raw points of the last 24 h, oldest first
    daily_latency: tuple[tuple[date, float], ...]  # mean per day of the last 90 days
    incident_ids: tuple[str, ...]  # incidents and maintenances naming it, newest first
    detected: datetime | None  # when monitoring saw an outage that no open incident covers

    @property
    def id(self) -> str:
        return self.component.id


@dataclass(frozen=True)
class Group:
    name: str | None  # None for components without a group
    components: tuple[ComponentView, ...]
    state: str  # the worst of its components


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    status: str  # the current status: latest update's, or the maintenance lifecycle's
    impact: str  # declared, else derived from the worst component state
    start: datetime  # first update; for maintenance, the window's start
    end: datetime | None  # the resolved update; for maintenance, the window's end
    updated: datetime  # the latest update (or start); feeds move their date with it
    duration: timedelta | None  # end - start, None while open
    is_open: bool  # an unresolved incident, or a maintenance not yet completed
    updates: tuple[Update, ...]  # newest first

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def path(self) -> str:
        return f"incidents/{self.incident.id}.html"


@dataclass(frozen=True)
class Detection:
    """An outage seen by monitoring that no open incident describes yet."""

    component_id: str
    since: datetime
    state: str  # degraded_performance | major_outage


@dataclass(frozen=True)
class Month:
    key: str  # "2025-07", in the site's time zone
    incidents: tuple[IncidentView, ...]  # incidents and maintenances that started that month


@dataclass(frozen=True)
class SiteModel:
    config: Config
    now: datetime
    indicator: str  # one of INDICATORS
    description: str  # Statuspage's English text, e.g. "All Systems Operational"
    components: tuple[ComponentView, ...]  # in status.yaml order
    groups: tuple[Group, ...]  # in order of first appearance
    incidents: tuple[IncidentView, ...]  # every incident and maintenance, newest start first
    months: tuple[Month, ...]  # newest first; history pages
    detected: tuple[Detection, ...]
    updated: datetime  # the newest update or probe, else now
    warnings: tuple[str, ...] = ()

    def incident(self, incident_id: str) -> IncidentView:
        return self._by_id[incident_id]

    def component(self, component_id: str) -> ComponentView:
        return self._by_component[component_id]

    @property
    def _by_id(self) -> dict[str, IncidentView]:
        cached: dict[str, IncidentView] | None = self.__dict__.get("_ids")
        if cached is None:
            cached = {view.id: view for view in self.incidents}
            object.__setattr__(self, "_ids", cached)
        return cached

    @property
    def _by_component(self) -> dict[str, ComponentView]:
        cached: dict[str, ComponentView] | None = self.__dict__.get("_cids")
        if cached is None:
            cached = {view.id: view for view in self.components}
            object.__setattr__(self, "_cids", cached)
        return cached

    @property
    def open_incidents(self) -> tuple[IncidentView, ...]:
        return tuple(v for v in self.incidents if v.is_open and not v.incident.is_maintenance)

    @property
    def active_maintenances(self) -> tuple[IncidentView, ...]:
        return tuple(v for v in self.incidents if v.status in ("in_progress", "verifying"))

    @property
    def upcoming_maintenances(self) -> tuple[IncidentView, ...]:
        return tuple(v for v in reversed(self.incidents) if v.status == "scheduled")

    @property
    def recent_incidents(self) -> tuple[IncidentView, ...]:
        """Incidents (not maintenance) of the last RECENT_DAYS days, open ones included."""
        since = self.now - timedelta(days=RECENT_DAYS)
        return tuple(v for v in self.incidents if not v.incident.is_maintenance
                     and (v.end is None or v.end >= since))


def compute(config: Config, incidents: tuple[Incident, ...], history: History,
            now: datetime) -> SiteModel:
    """Compute the whole model at ``now``."""
    raise NotImplementedError
