"""The model's names: probe outcomes, component states, the indicator, impacts, incident
and maintenance statuses. One place owns them; loaders check input against them, renderers
map them to words (the catalogue's ``state.<value>``, ``overall.<value>``,
``status.<value>``) and colours (``generator/render/palette.py``). Each is a ``StrEnum``:
its value is what the files hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class ProbeState(StrEnum):
    """A probe's outcome, as results files and ``history/`` hold it."""

    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


class ComponentState(StrEnum):
    """A component's state, worst first; "no data" is not a Statuspage state: it never
    counts as operational."""

    MAJOR_OUTAGE = "major_outage"
    PARTIAL_OUTAGE = "partial_outage"
    DEGRADED_PERFORMANCE = "degraded_performance"
    UNDER_MAINTENANCE = "under_maintenance"
    OPERATIONAL = "operational"
    NO_DATA = "no_data"


NO_DATA = ComponentState.NO_DATA
# The Statuspage states, worst first (no data left out).
STATES = tuple(state for state in ComponentState if state is not NO_DATA)
# What an incident may say of a component it names, as status.yaml lists them.
INCIDENT_STATES = (ComponentState.DEGRADED_PERFORMANCE, ComponentState.PARTIAL_OUTAGE,
                   ComponentState.MAJOR_OUTAGE, ComponentState.UNDER_MAINTENANCE)
# What an incident that is not a maintenance declares (``kabar new --component ID=STATE``).
OUTAGE_STATES = INCIDENT_STATES[:3]


class Indicator(StrEnum):
    """The page's overall state: Statuspage's indicator, plus "no data" when nothing is known.

    Computed once in the model; the banner, the badge, the API and the feeds all read it.
    """

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"
    MAINTENANCE = "maintenance"
    NONE = "none"
    NO_DATA = "no_data"

    @property
    def statuspage(self) -> str:
        """The value in Statuspage's enumeration: "no data" is ``none`` there."""
        return "none" if self is Indicator.NO_DATA else self.value


# The indicator a component state raises (operational and no data raise none).
INDICATOR_OF = {ComponentState.MAJOR_OUTAGE: Indicator.CRITICAL,
                ComponentState.PARTIAL_OUTAGE: Indicator.MAJOR,
                ComponentState.DEGRADED_PERFORMANCE: Indicator.MINOR,
                ComponentState.UNDER_MAINTENANCE: Indicator.MAINTENANCE}


class Overall(StrEnum):
    """The page's overall state in Statuspage's own words (``status.description``).

    Real Statuspage pages roll their components up so (captured responses:
    ``tests/fixtures/statuspage/README.md``): degraded components are "Partially Degraded
    Service" (every one: "Degraded System Service"), a partial outage is a "Minor Service
    Outage" (every one: "Partial System Outage"), a major outage a "Partial System Outage"
    (every one: "Major System Outage").
    """

    MAJOR_SYSTEM_OUTAGE = "major_system_outage"
    PARTIAL_SYSTEM_OUTAGE = "partial_system_outage"
    MINOR_SERVICE_OUTAGE = "minor_service_outage"
    DEGRADED_SYSTEM_SERVICE = "degraded_system_service"
    PARTIALLY_DEGRADED_SERVICE = "partially_degraded_service"
    SERVICE_UNDER_MAINTENANCE = "service_under_maintenance"
    ALL_SYSTEMS_OPERATIONAL = "all_systems_operational"
    NO_RECENT_DATA = "no_recent_data"

    @property
    def description(self) -> str:
        """Statuspage's English description: "Partially Degraded Service"."""
        return self.value.replace("_", " ").title()

    @property
    def indicator(self) -> Indicator:
        return _OVERALL_INDICATOR[self]


_OVERALL_INDICATOR = {
    Overall.MAJOR_SYSTEM_OUTAGE: Indicator.CRITICAL,
    Overall.PARTIAL_SYSTEM_OUTAGE: Indicator.MAJOR,
    Overall.MINOR_SERVICE_OUTAGE: Indicator.MINOR,
    Overall.DEGRADED_SYSTEM_SERVICE: Indicator.MINOR,
    Overall.PARTIALLY_DEGRADED_SERVICE: Indicator.MINOR,
    Overall.SERVICE_UNDER_MAINTENANCE: Indicator.MAINTENANCE,
    Overall.ALL_SYSTEMS_OPERATIONAL: Indicator.NONE,
    Overall.NO_RECENT_DATA: Indicator.NO_DATA,
}


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


def rollup(states: Sequence[ComponentState]) -> Overall:
    """The page's overall state from its components', as Statuspage rolls them up.

    The worst state decides; when every component is in it (a one-component site whose only
    component is down included) it is the harsher of Statuspage's two words. A component
    without fresh data is never taken as operational: with nothing worse known the page says
    "No Recent Data", never "All Systems Operational".
    """
    known = [state for state in states if state is not ComponentState.NO_DATA]
    top = min(known, key=STATES.index, default=None)  # STATES is worst first
    if top in _ROLLUP:
        some, every = _ROLLUP[top]
        return every if all(state is top for state in states) else some
    if len(known) < len(states):
        return Overall.NO_RECENT_DATA
    return Overall.ALL_SYSTEMS_OPERATIONAL


class Impact(StrEnum):
    """An incident's impact, as declared or derived from the states it names."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class IncidentStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


# A maintenance that has begun and is not over.
STARTED = (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)

class EventKind(StrEnum):
    """What a notification channel may ask for (``notify.channels[].events``)."""

    OUTAGE = "outage"
    DEGRADED = "degraded"
    RECOVERY = "recovery"
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"
    UPSTREAM = "upstream"  # a vendor's shown component changing (off by default)


class Action(StrEnum):
    """What an incident or maintenance event says happened."""

    PUBLISHED = "published"
    UPDATED = "updated"
    RESOLVED = "resolved"
    STARTED = "started"
    COMPLETED = "completed"


# An update's status: an incident's or a maintenance's.
Status = IncidentStatus | MaintenanceStatus


# Looked up, not called: calling an enum costs ten times as much, once per update.
_STATUSES: dict[str, Status] = {status.value: status for status in (*IncidentStatus,
                                                                    *MaintenanceStatus)}


def status_of(value: str) -> Status:
    """The status named ``value`` (the two enumerations share no value)."""
    status = _STATUSES.get(value)
    if status is None:
        raise ValueError(f"{value!r} is not an incident or maintenance status")
    return status
