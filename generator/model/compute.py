"""The model: everything every output shows, computed once at one ``now``.

Renderers only read it. Status rules follow DESIGN.md ("Computing status").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from generator.history import ComponentHistory, History, Sample
from generator.load.config import Component, Config
from generator.load.incidents import Incident, Update
from generator.model import timeline
from generator.model.states import INDICATOR_OF, STARTED, ComponentState, IncidentStatus
from generator.model.states import Indicator as Indicator
from generator.model.states import MaintenanceStatus as Maintenance
from generator.model.timeline import BAR_DAYS as BAR_DAYS
from generator.model.timeline import NO_DATA as NO_DATA
from generator.model.timeline import PROBE_STATES, RANK, Segment, Touch, worst
from generator.model.timeline import STATES as STATES
from generator.model.timeline import UPTIME_WINDOWS as UPTIME_WINDOWS
from generator.model.timeline import DayBar as DayBar

INDICATORS = tuple(Indicator)
RECENT_DAYS = 14
FEED_ITEMS = 50


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
    first_seen: datetime | None = None  # ``since``, else the earliest probe or incident known
    # How much time with data each uptime figure rests on (UPTIME_WINDOWS key -> time), so a
    # new probe says "99.2 % over 3 hours of data". None: every window is covered.
    uptime_data: Mapping[str, timedelta] | None = None

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
    indicator: Indicator  # the one overall state every output shows
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

    known = [view.updates[0].at for view in views if view.updates]
    known += [member.last.at for member in components if member.last is not None]
    indicator, description = indicator_of(components)
    return SiteModel(config=config, now=now, indicator=indicator, description=description,
                     components=tuple(components), groups=groups, incidents=tuple(views),
                     months=months, detected=tuple(detected),
                     updated=max(known, default=now), warnings=history.warnings)


_DESCRIPTION = {Indicator.CRITICAL: "Major System Outage",
                Indicator.MAJOR: "Partial System Outage",
                Indicator.MINOR: "Minor Service Outage",
                Indicator.MAINTENANCE: "Service Under Maintenance",
                Indicator.NONE: "All Systems Operational",
                Indicator.NO_DATA: "No Recent Data"}


def indicator_of(components: Sequence[ComponentView]) -> tuple[Indicator, str]:
    """The indicator and its English description over the known states.

    Components without fresh data are left out; when none has any, it is NO_DATA.
    """
    known = [view.state for view in components if view.state != NO_DATA]
    if components and not known:
        indicator = Indicator.NO_DATA
    else:
        indicator = INDICATOR_OF.get(ComponentState(worst(known)), Indicator.NONE)
    return indicator, _DESCRIPTION[indicator]


def incident_view(incident: Incident, now: datetime) -> IncidentView | None:
    """The incident as known at ``now``; None when nothing of it is known yet."""
    known = sorted((u for u in incident.updates if u.at <= now), key=lambda u: u.at)
    window = incident.maintenance
    if window is None:
        if not known:
            return None
        start = known[0].at
        end = next((u.at for u in known if u.status == IncidentStatus.RESOLVED), None)
        status = known[-1].status
        is_open = end is None
        updated = known[-1].at
    else:
        if incident.updates and not known:
            return None
        status, start, end = _maintenance(window.start, window.end, known, now)
        is_open = status != Maintenance.COMPLETED
        moments = [u.at for u in known] + [start if start <= now else None,
                                           end if not is_open else None]
        updated = max((at for at in moments if at is not None), default=start)
    # As declared, else the indicator its worst state raises ("maintenance" included).
    impact = incident.impact or INDICATOR_OF.get(
        ComponentState(worst(incident.components.values())), Indicator.NONE).value
    duration = None if is_open or end is None else end - start
    return IncidentView(incident=incident, status=status, impact=impact, start=start, end=end,
                        updated=updated, duration=duration, is_open=is_open,
                        updates=tuple(reversed(known)))


def _maintenance(start: datetime, end: datetime, known: Sequence[Update],
                 now: datetime) -> tuple[str, datetime, datetime]:
    """A maintenance's status, start and end: by its window unless an update says otherwise."""
    latest = known[-1].status if known else None
    if latest in (*STARTED, Maintenance.COMPLETED):
        status = str(latest)
    else:
        status = (Maintenance.SCHEDULED if now < start else Maintenance.IN_PROGRESS
                  if now < end else Maintenance.COMPLETED)
    started = next((u.at for u in known if u.status in STARTED), None)
    if started is not None and started < start:  # began before its window
        start = started
    completed = next((u.at for u in known if u.status == Maintenance.COMPLETED), None)
    overran = any(u.status in STARTED and u.at >= end for u in known)
    if completed is not None and (completed < end or overran):
        end = max(completed, start)
    return status, start, end


def _applies(view: IncidentView, now: datetime) -> tuple[datetime, datetime] | None:
    """When the view changed its components' state, up to ``now``; None if it has not yet."""
    if not view.incident.is_maintenance:
        return view.start, view.end or now
    if view.status in STARTED:
        return view.start, now
    if view.status == Maintenance.COMPLETED:
        return view.start, min(view.end or now, now)
    return None


def _component_view(config: Config, component: Component, views: Sequence[IncidentView],
                    history: ComponentHistory, now: datetime, days: Sequence[date],
                    bounds: Sequence[float]) -> tuple[ComponentView, Detection | None]:
    """One component's state, bars, uptime and latency, from one sweep of its intervals."""
    interval = config.site.interval
    now_ts = now.timestamp()
    low = min(bounds[0], (now - max(UPTIME_WINDOWS.values())).timestamp())
    if component.since is not None:
        low = max(low, datetime.combine(component.since, time(), config.site.zone).timestamp())
    intervals: list[Segment] = []
    touches: list[Touch] = []
    best, source = len(STATES), "none"
    for view in views:
        applied = _applies(view, now)
        if applied is None:
            continue
        rank = RANK[view.incident.components[component.id]]
        start, end = applied[0].timestamp(), applied[1].timestamp()
        touches.append(Touch(start, end, view.id))
        intervals.append(Segment(max(start, low), end, rank))
        if view.is_open and rank < best:
            best, source = rank, "maintenance" if view.incident.is_maintenance else "incident"

    measured: list[Segment] | None = None
    if component.probe is None:
        intervals.append(Segment(low, now_ts, RANK[ComponentState.OPERATIONAL]))
    else:
        measured = list(timeline.probe_intervals(history.spans, now, low, interval))
        intervals += measured

    last = timeline.last_sample(history, now)
    detection = None
    if best < len(STATES):
        state = STATES[best]
    elif component.probe is None:
        state, source = ComponentState.OPERATIONAL, "declared"
    elif last is not None and now - last.at <= 3 * interval and last.state in PROBE_STATES:
        state, source = PROBE_STATES[last.state], "probe"
        if state != ComponentState.OPERATIONAL:
            since = timeline.bad_since(history.spans, last, interval)
            detection = Detection(component.id, since, state)
    else:
        state = NO_DATA

    segments = timeline.sweep(intervals)
    covered = measured if measured is not None else [Segment(low, now_ts, 0)]
    uptime_data = {key: timedelta(seconds=sum(
        max(0.0, min(end, now_ts) - max(start, now_ts - window.total_seconds()))
        for start, end, _ in covered)) for key, window in UPTIME_WINDOWS.items()}
    result = ComponentView(
        component=component, state=state, source=source, last=last,
        bars=timeline.day_bars(segments, touches, days, bounds, component.since),
        uptime=timeline.uptime(segments, now_ts, measured),
        latency=timeline.latency_points(history.recent, now),
        daily_latency=timeline.daily_latency(history.recent, history.daily_latency, days,
                                             bounds, now),
        incident_ids=tuple(view.id for view in views),
        detected=None if detection is None else detection.since,
        first_seen=_first_seen(config, component, views, history, now), uptime_data=uptime_data)
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
