"""Incidents and maintenances as known at one ``now``: their status, times and updates.

A maintenance is ``scheduled`` before its window, ``in_progress`` inside it and ``completed``
after it unless an update says otherwise; when its window starts and ends it gets the
``in_progress`` and ``completed`` updates people did not write (Statuspage posts them too).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from operator import attrgetter

from generator.load.incidents import Incident, Update
from generator.model.states import (
    INDICATOR_OF,
    STARTED,
    IncidentStatus,
    Indicator,
    Status,
)
from generator.model.states import MaintenanceStatus as Maintenance
from generator.model.timeline import RANK, worst


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    status: Status  # the current status: latest update's, or the maintenance lifecycle's
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
    def published(self) -> datetime:
        """When it was first made known: its first update, never after ``updated``."""
        return min(self.updates[-1].at, self.updated) if self.updates else self.updated

    @property
    def written(self) -> Update | None:
        """The newest update people wrote (not a maintenance's automatic start or end)."""
        return next((update for update in self.updates if not update.automatic), None)

    @property
    def path(self) -> str:
        return f"incidents/{self.incident.id}.html"



def incident_view(incident: Incident, now: datetime) -> IncidentView | None:
    """The incident as known at ``now``; None when nothing of it is known yet."""
    known = [u for u in incident.updates if u.at <= now]
    known.sort(key=_AT)
    window = incident.maintenance
    if window is None:
        if not known:
            return None
        start = known[0].at
        end = next((u.at for u in known if u.status == IncidentStatus.RESOLVED), None)
        status: Status = known[-1].status
        is_open = end is None
        updated = known[-1].at
    else:
        if incident.updates and not known:
            return None
        status, start, end = _maintenance(window.start, window.end, known, now)
        is_open = status != Maintenance.COMPLETED
        known = _with_lifecycle(known, status, start, end)
        # An upcoming maintenance nobody has written an update for: known since today (a
        # date ahead of now would be implausible in a feed; midnight moves once a day).
        updated = known[-1].at if known else min(start, datetime.combine(
            now.astimezone(UTC).date(), time(), UTC))
    # As declared, else the indicator its worst state raises ("maintenance" included).
    impact = incident.impact or INDICATOR_OF.get(
        worst(incident.components.values()), Indicator.NONE).value
    duration = None if is_open or end is None else end - start
    return IncidentView(incident=incident, status=status, impact=impact, start=start, end=end,
                        updated=updated, duration=duration, is_open=is_open,
                        updates=tuple(reversed(known)))


_AT = attrgetter("at")


def _with_lifecycle(known: list[Update], status: Status, start: datetime,
                    end: datetime) -> list[Update]:
    """A maintenance's updates with the ``in_progress`` and ``completed`` updates its window
    makes when it starts and ends, unless people wrote them (Statuspage posts them too)."""
    said = {update.status for update in known}
    made = []
    if status != Maintenance.SCHEDULED and not said & set(STARTED):
        made.append(Update(start, Maintenance.IN_PROGRESS, "", automatic=True))
    if status == Maintenance.COMPLETED and Maintenance.COMPLETED not in said:
        made.append(Update(end, Maintenance.COMPLETED, "", automatic=True))
    return sorted([*known, *made], key=lambda u: u.at) if made else known


def _maintenance(start: datetime, end: datetime, known: Sequence[Update],
                 now: datetime) -> tuple[Maintenance, datetime, datetime]:
    """A maintenance's status, start and end: by its window unless an update says otherwise."""
    latest = known[-1].status if known else None
    status: Maintenance
    if latest in (*STARTED, Maintenance.COMPLETED):
        status = Maintenance(latest)
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


def applies(view: IncidentView, now: datetime) -> tuple[datetime, datetime] | None:
    """When the view changed its components' state, up to ``now``; None if it has not yet."""
    if not view.incident.is_maintenance:
        return view.start, view.end or now
    if view.status in STARTED:
        return view.start, now
    if view.status == Maintenance.COMPLETED:
        return view.start, min(view.end or now, now)
    return None


def applied(views: Sequence[IncidentView], target: str,
            now: datetime) -> Iterator[tuple[IncidentView, int, float, float]]:
    """Each view that has changed ``target``'s state by ``now``: with the rank of the state
    it declares (``RANK``) and when it applied, in POSIX seconds."""
    for view in views:
        span = applies(view, now)
        if span is not None:
            yield (view, RANK[view.incident.components[target]], span[0].timestamp(),
                   span[1].timestamp())
