"""What happened that people should hear about: measured changes, incident updates, maintenance.

Each event has a stable key, the same in every run that sees it, so that what was sent can be
remembered (``sent.py``) and never sent twice.

Measured changes come from the raw runs of ``history/`` (``generator/history/__init__.py``): a
component's state counts once it holds for ``notify.after`` runs in a row (a single failed
run says nothing). Runs recorded as unknown, runs without the component, and runs inside a
maintenance of the component are skipped, as if they had not happened: a component under
maintenance sends no measured change, and after the maintenance it is compared with its state
before it. The key names the component, the state and the first run of the streak, e.g.
``measured/api/down/2026-11-24T22:00:00Z``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from generator.clock import isoformat
from generator.history import Observed
from generator.history.files import RawRun, raw_files, raw_runs
from generator.load.config import Config
from generator.load.incidents import Incident, Update
from generator.model.compute import IncidentView, incident_view
from generator.model.states import (
    STARTED,
    Action,
    EventKind,
    IncidentStatus,
    MaintenanceStatus,
    ProbeState,
)
from generator.model.upstreams import TROUBLE
from generator.reasons import Part

LOOKBACK = timedelta(hours=36)  # the runs read; longer than FRESH, so a cut streak is stale
FRESH = timedelta(hours=24)  # an older event is not sent (a new channel hears no old news)
KIND = {ProbeState.DOWN: EventKind.OUTAGE, ProbeState.DEGRADED: EventKind.DEGRADED,
        ProbeState.UP: EventKind.RECOVERY}


@dataclass(frozen=True)
class Event:
    key: str  # stable across runs: what notified.json remembers
    kind: EventKind  # a channel's events
    at: datetime  # when it became known: its freshness, and when its key may be forgotten
    since: datetime  # what the message says: a streak's first run, an update's time
    component: str | None = None  # measured events
    error: str | None = None  # measured: the last check's error (English)
    parts: tuple[Part, ...] = ()  # and its reasons, to say it in the channel's language
    previous: datetime | None = None  # recovery: when the bad state began
    episode: frozenset[str] = frozenset()  # recovery: the bad kinds it ends
    view: IncidentView | None = None  # incident and maintenance events
    update: Update | None = None  # incident events: the update it announces
    action: Action | None = None  # incident and maintenance events: what happened
    # upstream events: the upstream, the vendor's component (None: its overall status), the
    # state it now says and the one it said before
    upstream: str | None = None
    vendor_component: str | None = None
    state: str | None = None
    was: str | None = None


def due_events(config: Config, incidents: Sequence[Incident], history: Path,
               now: datetime) -> list[Event]:
    """Every event of the last ``FRESH`` hours, oldest first.

    The sort is stable and on time alone: updates of one incident stamped in the same minute
    (``kabar new`` stamps to the minute) keep the order of their file, as
    ``incident_events`` gives them.
    """
    views = [view for incident in incidents if (view := incident_view(incident, now))]
    masked = _maintenance_mask(views, now)
    after = config.notify.after if config.notify else 2
    runs = recent_runs(history, config, now)
    events = measured_events(config, runs, after, masked)
    events += upstream_events(config, runs, after)
    events += incident_events(views)
    return sorted((e for e in events if now - FRESH <= e.at <= now), key=lambda e: e.at)


def recent_runs(history: Path, config: Config, now: datetime) -> list[RawRun]:
    """The raw runs of the last ``LOOKBACK``, oldest first; damaged lines are skipped."""
    ids = {component.id for component in config.components}
    first = (now - LOOKBACK).date()
    runs: list[RawRun] = []
    for day, path in sorted(raw_files(history).items()):
        if first <= day <= now.date():
            runs += (r for r in raw_runs(path, [], ids) if now - LOOKBACK <= r.at <= now)
    return sorted(runs, key=lambda run: run.at)


Mask = Callable[[str, datetime], bool]


def _maintenance_mask(views: Iterable[IncidentView], now: datetime) -> Mask:
    """Whether a run of a component fell inside one of its maintenances: from the start up
    to (not including) the end, as the page has it; one still in progress has no end yet."""
    windows: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for view in views:
        if not view.incident.is_maintenance or view.status == MaintenanceStatus.SCHEDULED:
            continue
        end = None if view.status in STARTED else (view.end or now)
        for component in view.incident.components:
            windows.setdefault(component, []).append((view.start, end))

    def masked(component: str, at: datetime) -> bool:
        return any(start <= at and (end is None or at < end)
                   for start, end in windows.get(component, ()))

    return masked


def measured_events(config: Config, runs: Sequence[RawRun], after: int,
                    masked: Mask) -> list[Event]:
    """Per probed component, each change of state that held for ``after`` runs in a row."""
    events: list[Event] = []
    for component in config.components:
        if component.probe is None:
            continue
        confirmed: Observed | None = None
        confirmed_since: datetime | None = None
        episode: set[str] = set()
        streak: Observed | None = None
        start: datetime | None = None
        length = 0
        vendors = [u.id for u in config.upstreams if component.id in u.affects]
        for run in runs:
            sample = run.samples.get(component.id)
            if run.unknown is not None or sample is None or masked(component.id, run.at):
                continue
            if sample.state == ProbeState.UP and any(_trouble(run, vendor) for vendor in vendors):
                # affects: (model/upstreams.py)
                sample = replace(sample, state=ProbeState.DEGRADED)
            if sample.state == streak:
                length += 1
            else:
                streak, start, length = sample.state, run.at, 1
            if length != after or streak == confirmed or start is None:
                continue
            previous, previous_since = confirmed, confirmed_since
            confirmed, confirmed_since = streak, start
            if previous is None and streak == ProbeState.UP:
                continue  # the first state known is the baseline, not a recovery
            kind = KIND[ProbeState(streak)]
            events.append(Event(
                key=f"measured/{component.id}/{streak}/{isoformat(start)}", kind=kind,
                at=run.at, since=start, component=component.id,
                error=sample.error if streak != ProbeState.UP else None,
                parts=sample.parts if streak != ProbeState.UP else (),
                previous=previous_since if streak == ProbeState.UP else None,
                episode=frozenset(episode) if streak == ProbeState.UP else frozenset()))
            if streak == ProbeState.UP:
                episode.clear()
            else:
                episode.add(kind)
    return events


def _trouble(run: RawRun, upstream_id: str) -> bool:
    reading = run.upstreams.get(upstream_id)
    return reading is not None and reading.state in TROUBLE


def upstream_events(config: Config, runs: Sequence[RawRun], after: int) -> list[Event]:
    """Per upstream, each change of what it shows (each chosen component, else its overall
    state) that held for ``after`` readings in a row. Readings that could not read the page
    are skipped; the first state known is the baseline. Key:
    ``upstream/github/Actions/major_outage/2026-11-24T22:00:00Z``."""
    events: list[Event] = []
    for upstream in config.upstreams:
        for name in upstream.components or (None,):
            confirmed: str | None = None
            streak: str | None = None
            start: datetime | None = None
            length = 0
            for run in runs:
                reading = run.upstreams.get(upstream.id)
                state = None if reading is None or reading.state is None else (
                    reading.components.get(name) if name else reading.state)
                if state is None:
                    continue
                if state == streak:
                    length += 1
                else:
                    streak, start, length = state, run.at, 1
                if length != after or streak == confirmed or start is None:
                    continue
                was, confirmed = confirmed, streak
                if was is None:
                    continue
                events.append(Event(
                    key=f"upstream/{upstream.id}/{name or ''}/{streak}/{isoformat(start)}",
                    kind=EventKind.UPSTREAM, at=run.at, since=start, upstream=upstream.id,
                    vendor_component=name, state=streak, was=was))
    return events


def incident_events(views: Iterable[IncidentView]) -> list[Event]:
    """An incident's updates (published, updated, resolved); a maintenance's start and end."""
    events: list[Event] = []
    for view in views:
        ident = view.incident.id
        if view.incident.is_maintenance:
            if view.status in (*STARTED, MaintenanceStatus.COMPLETED):
                events.append(Event(f"maintenance/{ident}/started", EventKind.MAINTENANCE,
                                    view.start, view.start, view=view, action=Action.STARTED))
            if view.status == MaintenanceStatus.COMPLETED and view.end is not None:
                events.append(Event(f"maintenance/{ident}/completed", EventKind.MAINTENANCE,
                                    view.end, view.end, view=view, action=Action.COMPLETED))
            continue
        for n, update in enumerate(reversed(view.updates)):  # oldest first, ties as filed
            action = (Action.PUBLISHED if n == 0 else Action.RESOLVED
                      if update.status == IncidentStatus.RESOLVED else Action.UPDATED)
            events.append(Event(f"incident/{ident}/{isoformat(update.at)}/{update.status}",
                                EventKind.INCIDENT, update.at, update.at, view=view,
                                update=update, action=action))
    return events
