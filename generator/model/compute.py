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
from generator.model import timeline, uptime
from generator.model.incidents import IncidentView as IncidentView
from generator.model.incidents import applied
from generator.model.incidents import incident_view as incident_view
from generator.model.states import (
    STARTED,
    ComponentState,
    MaintenanceStatus,
    Overall,
    rollup,
)
from generator.model.states import Indicator as Indicator
from generator.model.timeline import BAR_DAYS as BAR_DAYS
from generator.model.timeline import NO_DATA as NO_DATA
from generator.model.timeline import PROBE_STATES, RANK, Segment, Touch, worst
from generator.model.timeline import STATES as STATES
from generator.model.timeline import UPTIME_WINDOWS as UPTIME_WINDOWS
from generator.model.timeline import DayBar as DayBar
from generator.model.upstreams import DEGRADED_RANK, affecting, upstream_views
from generator.model.upstreams import UpstreamView as UpstreamView
from generator.model.uptime import Report as Report

RECENT_DAYS = 14
FEED_ITEMS = 50


@dataclass(frozen=True)
class ComponentView:
    """A component now: the worse of its two witnesses, people's word and its probe's."""

    component: Component
    state: ComponentState  # the worse of ``declared`` and ``measured`` (NO_DATA: neither)
    source: str  # the witness of ``state``: "incident" | "maintenance" | "probe" | "upstream"
    #              | "declared"
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
    declared: ComponentState | None = None
    measured: ComponentState | None = None
    changed: datetime | None = None  # when ``state`` began (its ``updated_at``)
    # The upstreams in trouble now that hold it at degraded_performance (``affects:``).
    vendors: tuple[str, ...] = ()
    # Its uptime report: minutes by state per day and month of the last 12 months (the
    # windows of ``uptime`` but 24h are sums of its last days).
    report: Report | None = None
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
    state: ComponentState  # the worst of its components

    @property
    def changed(self) -> datetime | None:
        """When one of its components last changed state."""
        return max((c.changed for c in self.components if c.changed), default=None)


@dataclass(frozen=True)
class Detection:
    """An outage seen by monitoring that no open incident describes yet."""

    component_id: str
    since: datetime
    state: ComponentState  # degraded_performance | major_outage
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
    upstreams: tuple[UpstreamView, ...] = ()  # the vendors, in status.yaml order

    def upstreams_of(self, component_id: str) -> tuple[UpstreamView, ...]:
        """The upstreams whose trouble degrades ``component_id``."""
        return tuple(v for v in self.upstreams if component_id in v.upstream.affects)

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
        return tuple(v for v in reversed(self.incidents) if v.status == MaintenanceStatus.SCHEDULED)

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
    upstreams = upstream_views(config, naming, history.upstreams, now, days, bounds)
    vendors = affecting(upstreams)
    components: list[ComponentView] = []
    detected: list[Detection] = []
    for component in config.components:
        component_view, detection = _component_view(
            config, component, naming.get(component.id, []), history.of(component.id), now,
            days, bounds, vendors.get(component.id, ()))
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
    return SiteModel(config=config, now=now, overall=rollup([view.state for view in components]),
                     components=tuple(components), groups=groups, incidents=tuple(views),
                     months=months, detected=tuple(detected),
                     updated=max(known, default=now), warnings=history.warnings,
                     upstreams=upstreams)


def _component_view(config: Config, component: Component, views: Sequence[IncidentView],
                    history: ComponentHistory, now: datetime, days: Sequence[date],
                    bounds: Sequence[float], vendors: Sequence[UpstreamView] = ()
                    ) -> tuple[ComponentView, Detection | None]:
    """One component's state, bars, uptime and latency, from one sweep of its intervals.

    Its state is the worse of two witnesses: the open incidents naming it (or a maintenance
    in progress) and its fresh probe. A maintenance masks the probe: inside its window what
    the probe measures is neither the state, nor downtime, nor an outage on the bars.
    """
    interval = config.site.interval
    tz = config.site.zone
    now_ts = now.timestamp()
    today = now.astimezone(tz).date()
    low = datetime.combine(uptime.report_start(today), time(), tz).timestamp()
    if component.since is not None:
        low = max(low, datetime.combine(component.since, time(), tz).timestamp())
    intervals: list[Segment] = []
    touches: list[Touch] = []
    windows: list[tuple[float, float]] = []  # maintenance, which masks the probe
    best, source = len(STATES), "none"
    in_maintenance = False
    for view, rank, start, end in applied(views, component.id, now):
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

    for vendor in vendors:  # an upstream in trouble: at least degraded (model/upstreams.py)
        intervals += timeline.mask([Segment(max(start, low), end, rank) for start, end, rank
                                    in vendor.troubled() if end > low], windows)

    last = timeline.last_sample(history, now)
    declared = STATES[best] if best < len(STATES) else None
    measured: ComponentState | None = None
    if component.probe is not None and not in_maintenance:
        fresh = last is not None and now - last.at <= 3 * interval
        measured = PROBE_STATES[last.state] if fresh and last and last.state in PROBE_STATES \
            else NO_DATA
    state: ComponentState
    if measured is not None and measured is not NO_DATA and RANK[measured] < best:
        state, source = measured, "probe"
    elif declared is not None:
        state = declared
    elif component.probe is None or in_maintenance:
        state, source = ComponentState.OPERATIONAL, "declared"
    else:
        state = NO_DATA
    raised = tuple(v.id for v in vendors if v.trouble)
    if raised and not in_maintenance and (state == NO_DATA or RANK[state] > DEGRADED_RANK):
        state, source = ComponentState.DEGRADED_PERFORMANCE, "upstream"
    detection = None
    if declared is None and last is not None and measured is not None and measured not in (
            NO_DATA, ComponentState.OPERATIONAL):
        since = timeline.bad_since(history.spans, last, interval)
        # What a maintenance masked was no outage: one that outlasts it began at its end.
        since = max([since, *(datetime.fromtimestamp(end, since.tzinfo) for _, end in windows
                              if end <= last.at.timestamp())])
        resolved = next((view for view in views if not view.is_open and view.end is not None
                         and not view.incident.is_maintenance and view.end >= since), None)
        detection = Detection(component.id, since, measured, resolved)

    # Minute by minute (generator/model/uptime.py): the bars and every figure read the grid.
    swept = timeline.sweep(intervals)
    grid = uptime.to_grid(swept)
    segments = [Segment(start * 60.0, end * 60.0, rank) for start, end, rank in grid]
    probes = uptime.probe_minutes(probed or ())
    first_seen = _first_seen(config, component, views, history, now)
    changed = timeline.state_since(swept, RANK.get(state), now_ts,
                                   3 * interval.total_seconds())
    if state == NO_DATA and last is not None:  # not before its latest check went stale
        changed = max(changed or 0.0, (last.at + 3 * interval).timestamp())
    # Observed from the first thing known of it (a probe without any: not yet); without a
    # probe, operational by declaration from ``since`` or the report's first day.
    observed_from = round(low / 60)
    if component.probe is not None:
        observed_from = max(observed_from, uptime.minute(first_seen or now))
    report = uptime.report(grid, probes, touches, observed_from, uptime.minute(now), today, tz,
                           config.uptime, component.probe is not None)
    figures, uptime_data = uptime.windows(grid, probes, report, observed_from, now, tz,
                                          config.uptime, component.probe is not None)
    # Windows whose probe data all fell in maintenance: nothing to count yet, and it says so.
    masked = frozenset(key for key, window in UPTIME_WINDOWS.items() if figures[key] is None
                       and any(end > now_ts - window.total_seconds() and start < now_ts
                               for start, end, _ in measured_all))
    result = ComponentView(
        component=component, state=state, source=source, last=last,
        bars=timeline.day_bars(segments, touches, days, bounds, component.since),
        uptime=figures, maintenance_only=masked,
        latency=timeline.latency_points(history.recent, now),
        daily_latency=timeline.daily_latency(history.recent, history.daily_latency, days,
                                             bounds, now),
        incident_ids=tuple(view.id for view in views),
        detected=None if detection is None else detection.since,
        first_seen=first_seen, uptime_data=uptime_data, declared=declared,
        measured=measured, vendors=raised,
        changed=first_seen if changed is None else datetime.fromtimestamp(changed, now.tzinfo),
        report=report)
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
