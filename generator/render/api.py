"""The Statuspage public API (v2) under ``api/v2/``, so existing clients and widgets work.

Field names, types and enumerations follow Statuspage's public v2 API, with one extension:
a component (or group) without fresh data has ``"status": "no_data"``. Statuspage has no such
value, and every value it does have would be a lie: ``operational`` hides that nobody knows
(the rule is that "no data" is never shown as operational), and a degraded or outage value
claims a failure nobody saw. Clients that test ``status != "operational"`` treat it as not
healthy, which is the honest reading.

Ids are stable across builds: components keep their ``status.yaml`` id, incidents their file
stem, groups get ``group-<slug of name>``, the page a hash of the site's URL, and each update a
hash of its incident id, time and status. Times are ISO 8601 in the site's time zone, with
its offset. Files are indented by 2 (``incidents.json`` holds at most FEED_ITEMS incidents,
so size stays small) and their key order is fixed, so the same model gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from generator.config import Component
from generator.incidents import Update
from generator.model import FEED_ITEMS, ComponentView, IncidentView, SiteModel
from generator.render import RenderContext

Json = dict[str, Any]

INCIDENT_LIMIT = FEED_ITEMS  # Statuspage's incidents.json holds the 50 most recent


def render(ctx: RenderContext) -> Iterator[tuple[str, bytes]]:
    api = StatuspageApi(ctx.model)
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
        yield f"api/v2/{name}", dump(data)


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

    def __init__(self, model: SiteModel) -> None:
        self.model = model
        self.tz = ZoneInfo(model.config.site.timezone)
        self.page_id = short_id("page", model.config.site.url)
        self.updated = self.time(model.updated)
        self.components = self._components()
        self._by_id = {c["id"]: c for c in self.components if not c["group"]}

    def time(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.astimezone(self.tz).isoformat(timespec="seconds")

    @property
    def page(self) -> Json:
        site = self.model.config.site
        return {"id": self.page_id, "name": site.title, "url": site.url,
                "time_zone": site.timezone, "updated_at": self.updated}

    @property
    def status(self) -> Json:
        return {"indicator": self.model.indicator, "description": self.model.description}

    def _components(self) -> list[Json]:
        """Groups (``group: true``) and components in page order; positions count from 1."""
        taken = [c.id for c in self.model.components]
        result: list[Json] = []
        top = 0
        for group in self.model.groups:
            gid: str | None = None
            if group.name is not None:
                top += 1
                gid = group_id(group.name, taken)
                taken.append(gid)
                result.append(self._object(gid, group.name, group.state, top, None, None,
                                           None, True)
                              | {"components": [v.id for v in group.components]})
            for n, view in enumerate(group.components, start=1):
                if gid is None:
                    top += 1
                result.append(self._component(view, n if gid else top, gid))
        return result

    def _component(self, view: ComponentView, position: int, gid: str | None) -> Json:
        c: Component = view.component
        created = None
        if c.since is not None:
            created = datetime(c.since.year, c.since.month, c.since.day, tzinfo=self.tz)
        # created_at and start_date are null when status.yaml does not say since when the
        # component exists: a made-up date would change from build to build.
        return self._object(c.id, c.name, view.state, position, c.description, created,
                            gid, False)

    def _object(self, oid: str, name: str, state: str, position: int,
                description: str | None, created: datetime | None,
                gid: str | None, is_group: bool) -> Json:
        return {
            "id": oid,
            "name": name,
            "status": state,  # one of Statuspage's states, or "no_data" (see the docstring)
            "created_at": self.time(created),
            "updated_at": self.updated,
            "position": position,
            "description": description,
            "showcase": False,
            "start_date": created.date().isoformat() if created else None,
            "group_id": gid,
            "page_id": self.page_id,
            "group": is_group,
            "only_show_if_degraded": False,
        }

    def incidents(self, views: Iterable[IncidentView]) -> list[Json]:
        return [self.incident(v) for v in views]

    def incident(self, view: IncidentView) -> Json:
        inc = view.incident
        chronological = tuple(reversed(view.updates))
        created = chronological[0].at if chronological else view.start
        data: Json = {
            "id": inc.id,
            "name": inc.title,
            "status": view.status,
            "created_at": self.time(created),
            "updated_at": self.time(view.updated),
            "monitoring_at": self.time(_first_at(chronological, "monitoring")),
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
        if view.status not in ("resolved", "completed"):
            return None
        return _first_at(chronological, view.status) or view.end

    def _update(self, view: IncidentView, update: Update,
                chronological: tuple[Update, ...]) -> Json:
        at = self.time(update.at)
        return {
            "id": short_id(view.id, update.at.isoformat(), update.status),
            "status": update.status,
            "body": update.message,
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
            starts, ends = update.status == "in_progress", update.status == "completed"
        else:
            starts, ends = update is chronological[0], update.status == "resolved"
        if not (starts or ends):
            return None
        changes = []
        for cid, state in inc.components.items():
            component = self.model.config.component(cid)
            if component is None:
                continue
            old, new = (state, "operational") if ends else ("operational", state)
            changes.append({"code": cid, "name": component.name, "old_status": old,
                            "new_status": new})
        return changes


def _first_at(updates: tuple[Update, ...], status: str) -> datetime | None:
    return next((u.at for u in updates if u.status == status), None)
