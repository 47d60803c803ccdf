"""The Statuspage public API (v2) under ``api/v2/``, so existing clients and widgets work.

Field names, types and enumerations are Statuspage's only, checked field by field against
captured Statuspage responses (``tests/fixtures/statuspage/``). Times are written as
Statuspage writes them: in the site's time zone with its offset and milliseconds
(``2025-07-16T06:15:00.000+07:00``; ``Z`` for a UTC site). No ``null`` where Statuspage always
has a value: a component's ``created_at`` is its ``since`` date, else the earliest probe (in
the 90 days of history a build reads) or incident Kabar knows of it, else the page's
``updated_at``; set ``since`` for a date that never moves.

"No data" is not in Statuspage's enumerations. A component (or group) without fresh data
says ``"status": "operational"``, as Statuspage does for a component nobody has flagged, and
tells the truth in one added field that every component, group and the page's status carry:
``"data": "current"`` when Kabar knows the state now, ``"data": "none"`` when it has no fresh
data. The page's status says ``"data": "partial"`` when some components lack fresh data, and
with nothing worse known its indicator is then ``none`` with the description "No Recent Data"
(never "All Systems Operational" while a probed component has no fresh data).

The page's status also carries ``"built_at"``: the build's time (its ``now``), written as
Statuspage writes times, so a client can tell a page whose scheduled job stopped: its
``updated_at`` may be old for good reasons, its ``built_at`` only when nothing rebuilt it.

Ids are stable across builds: components keep their ``status.yaml`` id, incidents their file
stem, groups get ``group-<slug of name>``, the page a hash of the site's URL, and each update a
hash of its incident id, time and status. Files are indented by 2 (``incidents.json`` holds at
most FEED_ITEMS incidents, so size stays small) and their key order is fixed, so the same
model gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import partial
from itertools import islice
from typing import Any

from generator.load.config import Component
from generator.load.incidents import Update
from generator.model.compute import FEED_ITEMS, ComponentView, IncidentView, SiteModel
from generator.model.states import (
    NO_DATA,
    ComponentState,
    IncidentStatus,
    MaintenanceStatus,
    Status,
)
from generator.render.base import RenderContext
from generator.render.i18n import Translator
from generator.render.output import Output

Json = dict[str, Any]

INCIDENT_LIMIT = FEED_ITEMS  # Statuspage's incidents.json holds the 50 most recent
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})


def outputs(ctx: RenderContext) -> Iterator[Output]:
    """The Statuspage v2 files; each shows ``now`` (the page's ``updated_at``)."""
    api = StatuspageApi(ctx.model, ctx.t)
    model = ctx.model
    incidents = [v for v in model.incidents if not v.incident.is_maintenance]
    maintenances = [v for v in model.incidents if v.incident.is_maintenance]
    page = {"page": api.page}
    status = {"status": api.status}
    files: dict[str, Json] = {
        "summary.json": {
            **page,
            "components": api.components,
            "incidents": api.incidents(model.open_incidents),
            "scheduled_maintenances": api.incidents(
                model.active_maintenances + model.upcoming_maintenances),
            **status,
        },
        "status.json": {**page, **status},
        "components.json": {**page, "components": api.components},
        "incidents.json": {**page, "incidents": api.incidents(
            islice(incidents, INCIDENT_LIMIT))},
        "incidents/unresolved.json": {**page, "incidents": api.incidents(
            model.open_incidents)},
        "scheduled-maintenances.json": {**page, "scheduled_maintenances": api.incidents(
            islice(maintenances, INCIDENT_LIMIT))},
        "scheduled-maintenances/upcoming.json": {**page, "scheduled_maintenances": api.incidents(
            model.upcoming_maintenances)},
        "scheduled-maintenances/active.json": {**page, "scheduled_maintenances": api.incidents(
            model.active_maintenances)},
    }
    for name, data in files.items():
        yield Output(f"api/v2/{name}", None, partial(dump, data))


def dump(data: Json) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def short_id(*parts: str) -> str:
    """A 12-character id, like Statuspage's, derived from ``parts`` alone."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def group_id(name: str, taken: Iterable[str] = ()) -> str:
    """``group-<slug>``; a hash instead when the name has no ASCII letters or would clash."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    candidate = f"group-{slug}" if slug else ""
    if not candidate or candidate in set(taken):
        candidate = f"group-{short_id('group', name)}"
    return candidate


class StatuspageApi:
    """Builds Statuspage-shaped objects from the model; component objects are built once."""

    def __init__(self, model: SiteModel, t: Translator) -> None:
        self.model = model
        self.t = t
        self.tz = model.config.site.zone
        self.page_id = short_id("page", model.config.site.url)
        self.updated = self.time(model.updated)
        self.components = self._components()
        self._by_id = {c["id"]: c for c in self.components if not c["group"]}

    def time(self, value: datetime | None) -> str | None:
        """A time as Statuspage writes it: the page's zone, milliseconds, ``Z`` for UTC."""
        if value is None:
            return None
        text = value.astimezone(self.tz).isoformat(timespec="milliseconds")
        if self.model.config.site.timezone in UTC_ZONES:
            text = text.removesuffix("+00:00") + "Z"
        return text

    @property
    def page(self) -> Json:
        site = self.model.config.site
        return {"id": self.page_id, "name": site.title, "url": site.url,
                "time_zone": site.timezone, "updated_at": self.updated}

    @property
    def status(self) -> Json:
        indicator = self.model.indicator
        return {"indicator": indicator.statuspage, "description": self.model.description,
                "data": self.model.data, "built_at": self.time(self.model.now)}

    def _components(self) -> list[Json]:
        """Groups (``group: true``) and components in page order; positions count from 1."""
        taken = [c.id for c in self.model.components]
        result: list[Json] = []
        top = 0
        for group in self.model.groups:
            gid: str | None = None
            if group.name is not None:
                top += 1
                gid = group_id(self.t.text(group.name), taken)
                taken.append(gid)
                known = [v.first_seen for v in group.components if v.first_seen]
                result.append(self._object(gid, self.t.text(group.name), group.state, top, None,
                                           min(known, default=None), group.changed, None,
                                           None, True)
                              | {"components": [v.id for v in group.components]})
            for n, view in enumerate(group.components, start=1):
                if gid is None:
                    top += 1
                result.append(self._component(view, n if gid else top, gid))
        return result

    def _component(self, view: ComponentView, position: int, gid: str | None) -> Json:
        c: Component = view.component
        description = None if c.description is None else self.t.text(c.description)
        return self._object(c.id, self.t.text(c.name), view.state, position, description,
                            view.first_seen, view.changed, c.since, gid, False)

    def _object(self, oid: str, name: str, state: str, position: int,
                description: str | None, created: datetime | None, changed: datetime | None,
                start: date | None, gid: str | None, is_group: bool) -> Json:
        created_at = self.time(created) or self.updated
        return {
            "id": oid,
            "name": name,
            # no data is "operational" there: see the docstring
            "status": ComponentState.OPERATIONAL.value if state == NO_DATA else state,
            "created_at": created_at,
            # when its state last changed, never before it was created
            "updated_at": max(self.time(changed) or created_at, created_at,
                              key=lambda text: datetime.fromisoformat(text)),
            "position": position,
            "description": description,
            "showcase": False,
            "start_date": start.isoformat() if start else None,
            "group_id": gid,
            "page_id": self.page_id,
            "group": is_group,
            "only_show_if_degraded": False,
            "data": "none" if state == NO_DATA else "current",
        }

    def incidents(self, views: Iterable[IncidentView]) -> list[Json]:
        return [self.incident(v) for v in views]

    def incident(self, view: IncidentView) -> Json:
        inc = view.incident
        chronological = tuple(reversed(view.updates))
        created = chronological[0].at if chronological else view.start
        data: Json = {
            "id": inc.id,
            "name": self.t.text(inc.title),
            "status": view.status,
            "created_at": self.time(created),
            "updated_at": self.time(view.updated),
            "monitoring_at": self.time(_first_at(chronological, IncidentStatus.MONITORING)),
            "resolved_at": self.time(self._resolved_at(view, chronological)),
            "impact": view.impact,
            "shortlink": self.model.config.site.url + view.path,
            "started_at": self.time(view.start),
            "page_id": self.page_id,
            "incident_updates": [self._update(view, u, chronological)
                                 for u in view.updates],
            "components": [self._by_id[i] for i in inc.components if i in self._by_id],
        }
        if inc.maintenance is not None:
            data["scheduled_for"] = self.time(inc.maintenance.start)
            data["scheduled_until"] = self.time(inc.maintenance.end)
        return data

    @staticmethod
    def _resolved_at(view: IncidentView, chronological: tuple[Update, ...]) -> datetime | None:
        if view.status not in (IncidentStatus.RESOLVED, MaintenanceStatus.COMPLETED):
            return None
        return _first_at(chronological, view.status) or view.end

    def _update(self, view: IncidentView, update: Update,
                chronological: tuple[Update, ...]) -> Json:
        at = self.time(update.at)
        return {
            "id": short_id(view.id, update.at.isoformat(), update.status),
            "status": update.status,
            "body": self.t.text(self.t.message(update)),
            "incident_id": view.id,
            "created_at": at,
            "updated_at": at,
            "display_at": at,
            "affected_components": self._affected(view, update, chronological),
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }

    def _affected(self, view: IncidentView, update: Update,
                  chronological: tuple[Update, ...]) -> list[Json] | None:
        """The component changes an update stands for, as Statuspage records them.

        An incident's first update moves its components to their declared state and its
        resolving update moves them back; for maintenance, ``in_progress`` and ``completed``
        do. Other updates change no component: null, as on Statuspage.
        """
        inc = view.incident
        if inc.is_maintenance:
            starts = update.status == MaintenanceStatus.IN_PROGRESS
            ends = update.status == MaintenanceStatus.COMPLETED
        else:
            starts, ends = update is chronological[0], update.status == IncidentStatus.RESOLVED
        if not (starts or ends):
            return None
        changes = []
        for cid, state in inc.components.items():
            component = self.model.config.component(cid)
            if component is None:
                continue
            operational = ComponentState.OPERATIONAL
            old, new = (state, operational) if ends else (operational, state)
            # Statuspage names a grouped component "Group - Component"
            name = self.t.text(component.name) if component.group is None \
                else f"{self.t.text(component.group)} - {self.t.text(component.name)}"
            changes.append({"code": cid, "name": name, "old_status": old, "new_status": new})
        return changes


def _first_at(updates: tuple[Update, ...], status: Status) -> datetime | None:
    return next((u.at for u in updates if u.status == status), None)
