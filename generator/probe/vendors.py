"""One adapter per status platform: a vendor's answer mapped onto Kabar's five states.

Each adapter reads a whole answer (bytes) and returns the vendor's overall state and the
state of each component the upstream names, or raises :class:`Unreadable` with a reason
code: an answer that is not the platform's shape is never taken as an outage. The mappings,
the platforms' words on the left:

- Statuspage (``api/v2/summary.json``): components' ``status`` are Kabar's own states; the
  overall state is the worse of the worst component and ``status.indicator`` (none,
  minor → degraded_performance, major → partial_outage, critical → major_outage,
  maintenance → under_maintenance), so an open incident that flags no component still shows.
- incident.io (the widget API): each ongoing incident's ``current_worst_impact``
  (degraded_performance, partial_outage, full_outage → major_outage), each in-progress
  maintenance → under_maintenance; a component no event names is operational.
- Instatus (``summary.json``): ``page.status`` UP → operational, …UNDERMAINTENANCE →
  under_maintenance, HASISSUES → the worst ``impact`` of its active incidents (MAJOROUTAGE →
  major_outage, PARTIALOUTAGE and MINOROUTAGE → partial_outage, DEGRADEDPERFORMANCE →
  degraded_performance; degraded_performance when none says).
- Better Stack (``index.json``): resources' ``status`` operational, degraded →
  degraded_performance, downtime → major_outage, maintenance → under_maintenance,
  not_monitored → operational (nothing is known against it); the overall state is the
  worst resource's, a downtime of only some resources being a partial_outage.
- RSS and Atom: an item whose text does not say "resolved" or "completed", dated within
  ``FEED_OPEN_FOR``, is trouble (degraded_performance: a feed says no severity), or
  under_maintenance when it says a maintenance is in progress.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from generator.load.upstreams import Upstream
from generator.model.states import STATES, ComponentState

FEED_OPEN_FOR = timedelta(days=3)  # an open feed item older than this is stale, not trouble

_OK = ComponentState.OPERATIONAL
_DEGRADED = ComponentState.DEGRADED_PERFORMANCE
_PARTIAL = ComponentState.PARTIAL_OUTAGE
_MAJOR = ComponentState.MAJOR_OUTAGE
_MAINTENANCE = ComponentState.UNDER_MAINTENANCE
_RANK = {state: rank for rank, state in enumerate(STATES)}


class Unreadable(Exception):
    """The answer is not what the platform serves: a reason code and its values."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class Reading:
    state: ComponentState  # the overall state, or the worst of the components shown
    components: Mapping[str, ComponentState] = field(default_factory=dict)


def worst(states: Iterable[ComponentState]) -> ComponentState:
    return min(states, key=_RANK.__getitem__, default=_OK)


def _shown(upstream: Upstream, overall: ComponentState,
           states: Callable[[str], ComponentState | None]) -> Reading:
    """The reading for ``upstream``: its chosen components (each must be known), or the
    overall state."""
    if not upstream.components:
        return Reading(overall)
    chosen: dict[str, ComponentState] = {}
    for name in upstream.components:
        state = states(name)
        if state is None:
            raise Unreadable("upstream_no_component", name=repr(name))
        chosen[name] = state
    return Reading(worst(chosen.values()), chosen)


def _json(body: bytes, platform: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        start = body.lstrip()[:15].lower()
        what = "an HTML page" if start.startswith((b"<!doctype", b"<html")) else \
            "an XML document" if start.startswith(b"<") else "unreadable"
        raise Unreadable("upstream_not_json", platform=platform, detail=what) from None


def _shape(platform: str, detail: str) -> Unreadable:
    return Unreadable("upstream_not_platform", platform=platform, detail=detail)


def _state(value: Any, table: Mapping[str, ComponentState], platform: str) -> ComponentState:
    if isinstance(value, str) and value in table:
        return table[value]
    raise _shape(platform, f"unknown status {value!r}")


_SP_STATES = {state.value: state for state in STATES}
_SP_INDICATOR = {"none": _OK, "minor": _DEGRADED, "major": _PARTIAL, "critical": _MAJOR,
                 "maintenance": _MAINTENANCE}


def statuspage(body: bytes, upstream: Upstream, at: datetime) -> Reading:
    data = _json(body, "Statuspage")
    status = data.get("status") if isinstance(data, dict) else None
    components = data.get("components") if isinstance(data, dict) else None
    if not isinstance(status, dict) or not isinstance(components, list):
        raise _shape("Statuspage", "no status and components")
    by_name: dict[str, ComponentState] = {}
    for item in components:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            by_name.setdefault(item["name"].strip(), _state(item.get("status"), _SP_STATES,
                                                             "Statuspage"))
    overall = worst([_state(status.get("indicator"), _SP_INDICATOR, "Statuspage"),
                     *by_name.values()])
    return _shown(upstream, overall, by_name.get)


_IO_IMPACT = {"operational": _OK, "degraded_performance": _DEGRADED,
              "partial_outage": _PARTIAL, "full_outage": _MAJOR}


def incidentio(body: bytes, upstream: Upstream, at: datetime) -> Reading:
    data = _json(body, "incident.io")
    if not isinstance(data, dict) or "ongoing_incidents" not in data:
        raise _shape("incident.io", "no ongoing_incidents")
    named: dict[str, list[ComponentState]] = {}
    events: list[ComponentState] = []
    for incident in data.get("ongoing_incidents") or ():
        impact = _state(incident.get("current_worst_impact"), _IO_IMPACT, "incident.io")
        events.append(impact)
        for component in incident.get("affected_components") or ():
            status = component.get("current_status", impact)
            state = _state(status, _IO_IMPACT, "incident.io") if isinstance(status, str) \
                else impact
            named.setdefault(str(component.get("name", "")).strip(), []).append(state)
    for maintenance in data.get("in_progress_maintenances") or ():
        events.append(_MAINTENANCE)
        for component in maintenance.get("affected_components") or ():
            named.setdefault(str(component.get("name", "")).strip(), []).append(_MAINTENANCE)
    return _shown(upstream, worst(events), lambda name: worst(named.get(name, ())))


_INSTATUS_IMPACT = {"MAJOROUTAGE": _MAJOR, "PARTIALOUTAGE": _PARTIAL, "MINOROUTAGE": _PARTIAL,
                    "DEGRADEDPERFORMANCE": _DEGRADED, "UNDERMAINTENANCE": _MAINTENANCE,
                    "OPERATIONAL": _DEGRADED}  # an incident that says operational: still one


def instatus(body: bytes, upstream: Upstream, at: datetime) -> Reading:
    data = _json(body, "Instatus")
    page = data.get("page") if isinstance(data, dict) else None
    status = page.get("status") if isinstance(page, dict) else None
    if not isinstance(status, str):
        raise _shape("Instatus", "no page.status")
    if status == "UP":
        return Reading(_OK)
    if status.endswith("UNDERMAINTENANCE"):
        return Reading(_MAINTENANCE)
    for prefix in ("ALL", "SOME", "ONE"):  # the v2 words: ALLMAJOROUTAGE, ONEPARTIALOUTAGE…
        if status.startswith(prefix) and status[len(prefix):] in _INSTATUS_IMPACT:
            return Reading(_INSTATUS_IMPACT[status[len(prefix):]])
    if status != "HASISSUES":
        raise _shape("Instatus", f"unknown status {status!r}")
    impacts = [_INSTATUS_IMPACT.get(str(item.get("impact")), _DEGRADED)
               for item in data.get("activeIncidents") or () if isinstance(item, dict)]
    return Reading(worst(impacts) if impacts else _DEGRADED)


_BS_STATES = {"operational": _OK, "degraded": _DEGRADED, "downtime": _MAJOR,
              "maintenance": _MAINTENANCE, "not_monitored": _OK}


def betterstack(body: bytes, upstream: Upstream, at: datetime) -> Reading:
    data = _json(body, "Better Stack")
    page = data.get("data") if isinstance(data, dict) else None
    if not isinstance(page, dict) or page.get("type") != "status_page":
        raise _shape("Better Stack", "no status_page")
    attributes = page.get("attributes") or {}
    overall = _state(attributes.get("aggregate_state"), _BS_STATES, "Better Stack")
    by_name: dict[str, ComponentState] = {}
    for item in data.get("included") or ():
        if isinstance(item, dict) and item.get("type") == "status_page_resource":
            fields = item.get("attributes") or {}
            name = fields.get("public_name") or fields.get("resource_name")
            if isinstance(name, str):
                by_name.setdefault(name.strip(), _state(fields.get("status"), _BS_STATES,
                                                        "Better Stack"))
    if overall is _MAJOR and any(state is not _MAJOR for state in by_name.values()):
        overall = _PARTIAL  # some resources are down, not all
    return _shown(upstream, overall, by_name.get)


_ATOM = "{http://www.w3.org/2005/Atom}"
_TAG = re.compile(r"<[^>]*>")
_DONE = re.compile(r"\b(resolved|completed)\b", re.IGNORECASE)
_IN_PROGRESS = re.compile(r"\bin progress\b", re.IGNORECASE)


def feed(body: bytes, upstream: Upstream, at: datetime) -> Reading:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        start = body.lstrip()[:15].lower()
        what = "an HTML page" if start.startswith((b"<!doctype", b"<html")) else str(exc)
        raise Unreadable("upstream_not_feed", detail=what) from None
    if root.tag == "rss":
        items = [(_text(item, "title"), " ".join(_text(item, key) for key in (
            "description", "{http://purl.org/rss/1.0/modules/content/}encoded")),
            _rfc822(_text(item, "pubDate"))) for item in root.iterfind("channel/item")]
    elif root.tag == f"{_ATOM}feed":
        items = [(_text(entry, f"{_ATOM}title"),
                  _text(entry, f"{_ATOM}content") + " " + _text(entry, f"{_ATOM}summary"),
                  _iso(_text(entry, f"{_ATOM}updated") or _text(entry, f"{_ATOM}published")))
                 for entry in root.iterfind(f"{_ATOM}entry")]
    elif root.tag.lower() == "html":
        raise Unreadable("upstream_not_feed", detail="an HTML page")
    else:
        raise Unreadable("upstream_not_feed", detail=f"its root is <{root.tag}>")
    states: list[ComponentState] = []
    for title, text, when in items:
        words = _TAG.sub(" ", html.unescape(f"{title} {text}"))
        if _DONE.search(words) or (when is not None and at - when > FEED_OPEN_FOR):
            continue
        if "maintenance" in words.lower():
            if _IN_PROGRESS.search(words):
                states.append(_MAINTENANCE)
            continue  # a maintenance announced, not begun
        states.append(_DEGRADED)
    return Reading(worst(states))


def _text(element: ElementTree.Element, key: str) -> str:
    found = element.find(key)
    return (found.text or "") if found is not None else ""


def _rfc822(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _iso(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


Adapter = Callable[[bytes, Upstream, datetime], Reading]
ADAPTERS: dict[str, Adapter] = {"statuspage": statuspage, "incidentio": incidentio,
                                "instatus": instatus, "betterstack": betterstack, "feed": feed}
