"""The model: everything every output shows, computed once at one ``now``.

Renderers only read it. Status rules follow DESIGN.md ("Computing status").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from generator.history import ComponentHistory, History, Sample
from generator.load.config import Component, Config
from generator.load.incidents import Incident
from generator.model import timeline
from generator.model.incidents import IncidentView as IncidentView
from generator.model.incidents import applies
from generator.model.incidents import incident_view as incident_view
from generator.model.states import (
    STARTED,
    ComponentState,
    Overall,
)
from generator.model.states import Indicator as Indicator
from generator.model.timeline import BAR_DAYS as BAR_DAYS
from generator.model.timeline import NO_DATA as NO_DATA
from generator.model.timeline import PROBE_STATES, RANK, Segment, Touch, worst
from generator.model.timeline import STATES as STATES
from generator.model.timeline import UPTIME_WINDOWS as UPTIME_WINDOWS
from generator.model.timeline import DayBar as DayBar

RECENT_DAYS = 14
FEED_ITEMS = 50


@dataclass(frozen=True)
class ComponentView:
    """A component now: the worse of its two witnesses, people's word and its probe's."""

    component: Component
    state: str  # one of STATES or NO_DATA: the worse of ``declared`` and ``measured``
    source: str  # the witness of ``state``: "incident" | "maintenance" | "probe" | "declared"
    #              (no probe, no incident: operational by declaration) | "none" (no data)
    last: Sample | None  # the latest probe result, fresh or not
    bars: tuple[DayBar, ...]  # BAR_DAYS bars, oldest first
    uptime: Mapping[str, float | None]  # UPTIME_WINDOWS key -> percent, None without data
    latency: tuple[tuple[datetime, float], ...]  # raw points of the last 24 h, oldest first
    daily_latency: tuple[tuple[date, float], ...]  # mean per day of the last 90 days
    incident_ids: tuple[str, ...]  # incidents and maintenances naming it, newest first
    detected: datetime | None  # when monitoring saw an outage that no open incident covers
    first_seen: datetime | None = None  # ``since``, else the earliest probe or incident known
    # How much time with data each uptime figure rests on (UPTIME_WINDOWS key -> time), so a
    # new probe says "99.2 % over 3 hours of data". None: every window is covered.
    uptime_data: Mapping[str, timedelta] | None = None
    # The two witnesses: the open incidents' (or a maintenance's) state, None when none names
    # it; the fresh probe's, NO_DATA without one, None for a component without a probe or
    # while a maintenance masks it.
    declared: str | None = None
    measured: str | None = None
    changed: datetime | None = None  # when ``state`` began (its ``updated_at``)
    # UPTIME_WINDOWS keys with probe data that all fell in maintenance: nothing to count yet.
    maintenance_only: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.component.id

    @property
    def disagree(self) -> bool:
        """People's word and the probe differ: the page names both."""
        return (self.declared is not None and self.measured not in (None, NO_DATA)
                and self.declared != self.measured)


@dataclass(frozen=True)
class Group:
    name: str | None  # None for components without a group
    components: tuple[ComponentView, ...]
    state: str  # the worst of its components

    @property
    def changed(self) -> datetime | None:
        """When one of its components last changed state."""
        return max((c.changed for c in self.components if c.changed), default=None)


@dataclass(frozen=True)
class Detection:
    """An outage seen by monitoring that no open incident describes yet."""

    component_id: str
    since: datetime
    state: str  # degraded_performance | major_outage
    # The newest incident naming the component that people resolved while the probe kept
    # failing (the page must not say "no incident has been posted yet").
    resolved: IncidentView | None = None


@dataclass(frozen=True)
class Month:
    start: date  # its first day, in the site's time zone
    incidents: tuple[IncidentView, ...]  # incidents and maintenances that started that month

    @property
    def key(self) -> str:
        """``2025-07``: the name of its page."""
        return f"{self.start:%Y-%m}"

    @property
    def path(self) -> str:
        return f"history/{self.key}.html"


@dataclass(frozen=True)
class SiteModel:
    config: Config
    now: datetime
    overall: Overall  # the one overall state every output shows, in Statuspage's words
    components: tuple[ComponentView, ...]  # in status.yaml order
    groups: tuple[Group, ...]  # in order of first appearance
    incidents: tuple[IncidentView, ...]  # every incident and maintenance, newest start first
    months: tuple[Month, ...]  # newest first; history pages
    detected: tuple[Detection, ...]
    updated: datetime  # the latest change of anything shown (an update, a state), else now
    warnings: tuple[str, ...] = ()

    @property
    def indicator(self) -> Indicator:
        return self.overall.indicator

    @property
    def description(self) -> str:
        """Statuspage's English text, e.g. "Partially Degraded Service"."""
        return self.overall.description

    @property
    def data(self) -> str:
        """What the API's added ``data`` field says of the page: "current" when every
        probed component has fresh data, "partial" when some lack it, "none" when all do."""
        missing = sum(view.state == NO_DATA for view in self.components)
        return ("current" if not missing else "none" if missing == len(self.components)
                else "partial")

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
        return tuple(v for v in self.incidents if v.status in STARTED)

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
    """Compute the whole model at ``now``; nothing after ``now`` exists."""
    views = [view for incident in incidents if (view := incident_view(incident, now))]
    views.sort(key=lambda view: (view.start, view.id), reverse=True)
    naming: dict[str, list[IncidentView]] = {}  # component id -> its views, newest first
    for view in views:
        for component_id in view.incident.components:
            naming.setdefault(component_id, []).append(view)

    tz = config.site.zone
    days, bounds = timeline.day_bounds(now.astimezone(tz).date(), tz)
    components: list[ComponentView] = []
    detected: list[Detection] = []
    for component in config.components:
        component_view, detection = _component_view(
            config, component, naming.get(component.id, []), history.of(component.id), now,
            days, bounds)
        components.append(component_view)
        if detection is not None:
            detected.append(detection)

    by_group: dict[str | None, list[ComponentView]] = {}
    for member in components:
        by_group.setdefault(member.component.group, []).append(member)
    groups = tuple(Group(name, tuple(members), worst(member.state for member in members))
                   for name, members in by_group.items())

    by_month: dict[date, list[IncidentView]] = {}  # views are newest first, so months are too
    for view in views:
        by_month.setdefault(view.start.astimezone(tz).date().replace(day=1), []).append(view)
    months = tuple(Month(start, tuple(members)) for start, members in by_month.items())

    # Every time a reader sees moves with what it describes: the newest update (people's or
    # a maintenance's start and end) and the newest change of a component's state.
    known = [view.updates[0].at for view in views if view.updates]
    known += [member.changed for member in components if member.changed is not None]
    return SiteModel(config=config, now=now, overall=overall_of(components),
                     components=tuple(components), groups=groups, incidents=tuple(views),
                     months=months, detected=tuple(detected),
                     updated=max(known, default=now), warnings=history.warnings)


# The rollup of each worst state: (some components in it, every component in it).
_ROLLUP = {
    ComponentState.MAJOR_OUTAGE: (Overall.PARTIAL_SYSTEM_OUTAGE, Overall.MAJOR_SYSTEM_OUTAGE),
    ComponentState.PARTIAL_OUTAGE: (Overall.MINOR_SERVICE_OUTAGE,
                                    Overall.PARTIAL_SYSTEM_OUTAGE),
    ComponentState.DEGRADED_PERFORMANCE: (Overall.PARTIALLY_DEGRADED_SERVICE,
                                          Overall.DEGRADED_SYSTEM_SERVICE),
    ComponentState.UNDER_MAINTENANCE: (Overall.SERVICE_UNDER_MAINTENANCE,
                                       Overall.SERVICE_UNDER_MAINTENANCE),
}


def overall_of(components: Sequence[ComponentView]) -> Overall:
    """The page's overall state, as Statuspage rolls its components up.

    The worst state decides; when every component is in it (a one-component site whose only
    component is down included) it is the harsher of Statuspage's two words. A component
    without fresh data is never taken as operational: with nothing worse known the page says
    "No Recent Data", never "All Systems Operational".
    """
    states = [ComponentState(view.state) for view in components]
    known = [state for state in states if state is not NO_DATA]
    if not components:
        return Overall.ALL_SYSTEMS_OPERATIONAL
    top = ComponentState(worst(known))
    if top in _ROLLUP:
        some, every = _ROLLUP[top]
        return every if all(state is top for state in states) else some
    if len(known) < len(states):
        return Overall.NO_RECENT_DATA
    return Overall.ALL_SYSTEMS_OPERATIONAL


def _component_view(config: Config, component: Component, views: Sequence[IncidentView],
                    history: ComponentHistory, now: datetime, days: Sequence[date],
                    bounds: Sequence[float]) -> tuple[ComponentView, Detection | None]:
    """One component's state, bars, uptime and latency, from one sweep of its intervals.

    Its state is the worse of two witnesses: the open incidents naming it (or a maintenance
    in progress) and its fresh probe. A maintenance masks the probe: inside its window what
    the probe measures is neither the state, nor downtime, nor an outage on the bars.
    """
    interval = config.site.interval
    now_ts = now.timestamp()
    low = min(bounds[0], (now - max(UPTIME_WINDOWS.values())).timestamp())
    if component.since is not None:
        low = max(low, datetime.combine(component.since, time(), config.site.zone).timestamp())
    intervals: list[Segment] = []
    touches: list[Touch] = []
    windows: list[tuple[float, float]] = []  # maintenance, which masks the probe
    best, source = len(STATES), "none"
    in_maintenance = False
    for view in views:
        applied = applies(view, now)
        if applied is None:
            continue
        rank = RANK[view.incident.components[component.id]]
        start, end = applied[0].timestamp(), applied[1].timestamp()
        touches.append(Touch(start, end, view.id))
        intervals.append(Segment(max(start, low), end, rank))
        if view.incident.is_maintenance:
            windows.append((start, end))
            in_maintenance = in_maintenance or view.status in STARTED
        if view.is_open and rank < best:
            best, source = rank, "maintenance" if view.incident.is_maintenance else "incident"

    probed: list[Segment] | None = None
    measured_all: list[Segment] = []  # before maintenance masks them
    if component.probe is None:
        intervals.append(Segment(low, now_ts, RANK[ComponentState.OPERATIONAL]))
    else:
        measured_all = timeline.probe_intervals(history.spans, now, low, interval)
        probed = timeline.mask(measured_all, windows)
        intervals += probed

    last = timeline.last_sample(history, now)
    declared = STATES[best] if best < len(STATES) else None
    measured: str | None = None
    if component.probe is not None and not in_maintenance:
        fresh = last is not None and now - last.at <= 3 * interval
        measured = PROBE_STATES[last.state] if fresh and last and last.state in PROBE_STATES \
            else NO_DATA
    if measured not in (None, NO_DATA) and RANK[measured] < best:
        state, source = str(measured), "probe"
    elif declared is not None:
        state = declared
    elif component.probe is None or in_maintenance:
        state, source = ComponentState.OPERATIONAL, "declared"
    else:
        state = NO_DATA
    detection = None
    if declared is None and last is not None and measured not in (
            None, NO_DATA, ComponentState.OPERATIONAL):
        since = timeline.bad_since(history.spans, last, interval)
        resolved = next((view for view in views if not view.is_open and view.end is not None
                         and not view.incident.is_maintenance and view.end >= since), None)
        detection = Detection(component.id, since, str(measured), resolved)

    segments = timeline.sweep(intervals)
    covered = probed if probed is not None else [Segment(low, now_ts, 0)]
    uptime_data = {key: timedelta(seconds=sum(
        max(0.0, min(end, now_ts) - max(start, now_ts - window.total_seconds()))
        for start, end, _ in covered)) for key, window in UPTIME_WINDOWS.items()}
    uptime = timeline.uptime(segments, now_ts, probed)
    masked = frozenset(key for key, window in UPTIME_WINDOWS.items() if uptime[key] is None
                       and any(end > now_ts - window.total_seconds() and start < now_ts
                               for start, end, _ in measured_all))
    first_seen = _first_seen(config, component, views, history, now)
    changed = timeline.state_since(segments, RANK.get(state), now_ts,
                                   3 * interval.total_seconds())
    result = ComponentView(
        component=component, state=state, source=source, last=last,
        bars=timeline.day_bars(segments, touches, days, bounds, component.since),
        uptime=uptime, maintenance_only=masked,
        latency=timeline.latency_points(history.recent, now),
        daily_latency=timeline.daily_latency(history.recent, history.daily_latency, days,
                                             bounds, now),
        incident_ids=tuple(view.id for view in views),
        detected=None if detection is None else detection.since,
        first_seen=first_seen, uptime_data=uptime_data, declared=declared,
        measured=measured,
        changed=first_seen if changed is None else datetime.fromtimestamp(changed, now.tzinfo))
    return result, detection


def _first_seen(config: Config, component: Component, views: Sequence[IncidentView],
                history: ComponentHistory, now: datetime) -> datetime | None:
    """Since when the component exists: ``since``, else the earliest probe or incident known."""
    if component.since is not None:
        return datetime.combine(component.since, time(), config.site.zone)
    known = [view.start for view in views if view.start <= now]
    if history.spans:
        known.append(history.spans[0].start)
    if history.recent:
        known.append(history.recent[0].at)
    return min(known, default=None)
