"""The Statuspage v2 API files: Statuspage's shapes, field by field, and stable ids."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from generator.load.incidents import Incident, Update, Window
from generator.model.compute import IncidentView, SiteModel
from generator.render import api
from generator.render.base import context
from tests import rendering
from tests.factories import NOW, sample_model

Check = Callable[[Any], bool]


def is_time(value: Any) -> bool:
    """As Statuspage writes times: ISO 8601 with milliseconds and an explicit offset."""
    return isinstance(value, str) and bool(re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}([+-]\d\d:\d\d|Z)", value)) and \
        datetime.fromisoformat(value).tzinfo is not None


def is_date(value: Any) -> bool:
    return isinstance(value, str) and date.fromisoformat(value).isoformat() == value


def one_of(*values: str) -> Check:
    return lambda v: v in values


def nullable(check: Check) -> Check:
    return lambda v: v is None or check(v)


def of(kind: type) -> Check:
    # bool is an int in Python; Statuspage's integers are never booleans.
    return lambda v: isinstance(v, kind) and not (kind is int and isinstance(v, bool))


def is_id(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"[a-z0-9-]+", value))


def is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("https://status.nusa.example/")


def list_of_str(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# Statuspage's enumerations only; "no data" is told in the added "data" field (see api.py).
COMPONENT_STATUS = one_of("operational", "degraded_performance", "partial_outage",
                          "major_outage", "under_maintenance")
DATA = one_of("current", "none")
STR, INT, BOOL, LIST = of(str), of(int), of(bool), of(list)

# The expectations: every field of every object, with its type or enumeration.
SHAPES: dict[str, dict[str, Check]] = {
    "page": {"id": is_id, "name": STR, "url": is_url, "time_zone": STR,
             "updated_at": is_time},
    "status": {"indicator": one_of("none", "minor", "major", "critical", "maintenance"),
               "description": STR, "data": one_of("current", "partial", "none"),
               "built_at": is_time},
    "component": {"id": is_id, "name": STR, "status": COMPONENT_STATUS,
                  "created_at": is_time, "updated_at": is_time, "position": INT,
                  "description": nullable(STR), "showcase": BOOL,
                  "start_date": nullable(is_date), "group_id": nullable(is_id),
                  "page_id": is_id, "group": BOOL, "only_show_if_degraded": BOOL,
                  "data": DATA},
    "group": {"id": is_id, "name": STR, "status": COMPONENT_STATUS,
              "created_at": is_time, "updated_at": is_time, "position": INT,
              "description": nullable(STR), "showcase": BOOL,
              "start_date": nullable(is_date), "group_id": lambda v: v is None,
              "page_id": is_id, "group": lambda v: v is True,
              "only_show_if_degraded": BOOL, "data": DATA, "components": list_of_str},
    "incident": {"id": is_id, "name": STR,
                 "status": one_of("investigating", "identified", "monitoring", "resolved",
                                  "postmortem"),
                 "created_at": is_time, "updated_at": is_time,
                 "monitoring_at": nullable(is_time), "resolved_at": nullable(is_time),
                 "impact": one_of("none", "minor", "major", "critical"),
                 "shortlink": is_url, "started_at": is_time, "page_id": is_id,
                 "incident_updates": LIST, "components": LIST},
    "maintenance": {"id": is_id, "name": STR,
                    "status": one_of("scheduled", "in_progress", "verifying", "completed"),
                    "created_at": is_time, "updated_at": is_time,
                    "monitoring_at": nullable(is_time), "resolved_at": nullable(is_time),
                    "impact": one_of("none", "minor", "major", "critical", "maintenance"),
                    "shortlink": is_url, "started_at": is_time, "page_id": is_id,
                    "incident_updates": LIST, "components": LIST,
                    "scheduled_for": is_time, "scheduled_until": is_time},
    "update": {"id": is_id, "status": STR, "body": STR, "incident_id": is_id,
               "created_at": is_time, "updated_at": is_time, "display_at": is_time,
               "affected_components": nullable(LIST), "deliver_notifications": BOOL,
               "custom_tweet": nullable(STR), "tweet_id": nullable(STR)},
    "affected": {"code": is_id, "name": STR, "old_status": COMPONENT_STATUS,
                 "new_status": COMPONENT_STATUS},
}
FILES = {
    "summary.json": ("page", "components", "incidents", "scheduled_maintenances", "status"),
    "status.json": ("page", "status"),
    "components.json": ("page", "components"),
    "incidents.json": ("page", "incidents"),
    "incidents/unresolved.json": ("page", "incidents"),
    "scheduled-maintenances.json": ("page", "scheduled_maintenances"),
    "scheduled-maintenances/upcoming.json": ("page", "scheduled_maintenances"),
    "scheduled-maintenances/active.json": ("page", "scheduled_maintenances"),
}


def check(kind: str, obj: Any, where: str) -> None:
    shape = SHAPES[kind]
    assert isinstance(obj, dict), where
    assert list(obj) == list(shape), f"{where}: fields {list(obj)}"
    for field, ok in shape.items():
        assert ok(obj[field]), f"{where}.{field} = {obj[field]!r}"


def check_incident(kind: str, obj: dict[str, Any], where: str) -> None:
    check(kind, obj, where)
    for n, update in enumerate(obj["incident_updates"]):
        check("update", update, f"{where}.incident_updates[{n}]")
        assert update["incident_id"] == obj["id"]
        for m, change in enumerate(update["affected_components"] or []):
            check("affected", change, f"{where}.incident_updates[{n}].affected[{m}]")
    for n, component in enumerate(obj["components"]):
        check("component", component, f"{where}.components[{n}]")


def render(model: SiteModel) -> dict[str, Any]:
    files = dict(rendering.render(api.outputs, context(model)))
    assert sorted(files) == sorted(f"api/v2/{name}" for name in FILES)
    return {name.removeprefix("api/v2/"): json.loads(data) for name, data in files.items()}


def busy_model() -> SiteModel:
    """The sample, plus an open incident being monitored, maintenance under way, no data."""
    model = sample_model()

    def at(hours: float) -> datetime:
        return NOW - timedelta(hours=hours)

    updates = (Update(at(2), "investigating", "Video lambat."),
               Update(at(1), "monitoring", "Perbaikan diterapkan."))
    open_inc = Incident("2025-07-16-video", "Video lambat", {"video": "partial_outage"},
                        updates)
    v_open = IncidentView(open_inc, "monitoring", "major", at(2), None, at(1), None, True,
                          tuple(reversed(updates)))
    window = Window(at(0.5), NOW + timedelta(hours=1))
    work = (Update(at(3), "scheduled", "Kami akan memindahkan server."),
            Update(at(0.5), "in_progress", "Pemindahan dimulai."))
    mnt = Incident("2025-07-16-move", "Pemindahan server", {"chat": "under_maintenance"},
                   work, maintenance=window)
    v_mnt = IncidentView(mnt, "in_progress", "maintenance", window.start, window.end, at(0.5),
                         None, True, tuple(reversed(work)))
    login = replace(model.components[3], state="no_data")
    # Newest start first, as the model orders them.
    return replace(model, incidents=(model.incidents[0], v_mnt, v_open) + model.incidents[1:],
                   components=model.components[:3] + (login,),
                   groups=model.groups[:2] + (replace(model.groups[2], components=(login,),
                                                      state="no_data"),))


def test_every_file_has_statuspage_shape_field_by_field() -> None:
    for model in (sample_model(), sample_model("en"), busy_model()):
        files = render(model)
        for name, keys in FILES.items():
            data = files[name]
            assert tuple(data) == keys, name
            check("page", data["page"], f"{name}.page")
            if "status" in data:
                check("status", data["status"], f"{name}.status")
            for n, obj in enumerate(data.get("components", [])):
                check("group" if obj["group"] else "component", obj,
                      f"{name}.components[{n}]")
            for n, obj in enumerate(data.get("incidents", [])):
                check_incident("incident", obj, f"{name}.incidents[{n}]")
            for n, obj in enumerate(data.get("scheduled_maintenances", [])):
                check_incident("maintenance", obj, f"{name}.scheduled_maintenances[{n}]")


def test_summary_reports_the_page_status_and_what_is_open() -> None:
    files = render(busy_model())
    summary = files["summary.json"]
    assert summary["page"] == {"id": summary["page"]["id"], "name": "Nusa AI Status",
                               "url": "https://status.nusa.example/",
                               "time_zone": "Asia/Jakarta",
                               "updated_at": "2025-07-16T10:00:00.000+07:00"}
    assert summary["status"] == {"indicator": "minor",
                                 "description": "Partially Degraded Service",
                                 "data": "partial",
                                 # the build's now: a client can tell a page nobody rebuilt
                                 "built_at": "2025-07-16T10:00:00.000+07:00"}
    assert files["status.json"] == {"page": summary["page"], "status": summary["status"]}
    assert [i["id"] for i in summary["incidents"]] == ["2025-07-16-video"]
    assert [m["id"] for m in summary["scheduled_maintenances"]] == [
        "2025-07-16-move", "2025-07-20-db"]
    assert [i["id"] for i in files["incidents/unresolved.json"]["incidents"]] == [
        "2025-07-16-video"]
    assert [m["id"] for m in files["scheduled-maintenances/active.json"][
        "scheduled_maintenances"]] == ["2025-07-16-move"]
    assert [m["id"] for m in files["scheduled-maintenances/upcoming.json"][
        "scheduled_maintenances"]] == ["2025-07-20-db"]


def test_components_come_grouped_in_page_order() -> None:
    components = render(sample_model())["components.json"]["components"]
    assert [(c["id"], c["group"], c["group_id"], c["position"]) for c in components] == [
        ("group-aplikasi", True, None, 1), ("chat", False, "group-aplikasi", 1),
        ("video", False, "group-aplikasi", 2), ("group-platform", True, None, 2),
        ("api", False, "group-platform", 1), ("login", False, None, 3)]
    assert components[0]["components"] == ["chat", "video"]
    assert components[0]["status"] == "operational"
    assert components[3]["status"] == "degraded_performance"
    assert components[5]["created_at"] == "2025-06-01T00:00:00.000+07:00"
    assert components[5]["start_date"] == "2025-06-01"


def test_a_component_without_data_keeps_to_the_enum_and_says_so_in_data() -> None:
    components = render(busy_model())["components.json"]["components"]
    login = next(c for c in components if c["id"] == "login")
    assert (login["status"], login["data"]) == ("operational", "none")
    chat = next(c for c in components if c["id"] == "chat")
    assert (chat["status"], chat["data"]) == ("operational", "current")


def test_incident_fields_follow_its_updates() -> None:
    files = render(busy_model())
    incidents = {i["id"]: i for i in files["incidents.json"]["incidents"]}
    assert list(incidents) == ["2025-07-16-video", "2025-07-16-login", "2025-06-24-api"]
    login = incidents["2025-07-16-login"]
    assert (login["status"], login["impact"]) == ("resolved", "critical")
    assert login["created_at"] == login["started_at"] == "2025-07-16T06:15:00.000+07:00"
    assert login["monitoring_at"] == "2025-07-16T08:10:00.000+07:00"
    assert login["resolved_at"] == login["updated_at"] == "2025-07-16T08:40:00.000+07:00"
    assert login["shortlink"] == "https://status.nusa.example/incidents/2025-07-16-login.html"
    assert [u["status"] for u in login["incident_updates"]] == [
        "resolved", "monitoring", "identified", "investigating"]
    assert [c["id"] for c in login["components"]] == ["chat", "video", "api"]
    first, last = login["incident_updates"][-1], login["incident_updates"][0]
    assert first["affected_components"][0] == {
        "code": "chat", "name": "Aplikasi - Nusa Chat", "old_status": "operational",
        "new_status": "major_outage"}
    assert last["affected_components"][2] == {
        "code": "api", "name": "Platform - API", "old_status": "degraded_performance",
        "new_status": "operational"}
    assert login["incident_updates"][1]["affected_components"] is None
    video = incidents["2025-07-16-video"]
    assert (video["status"], video["resolved_at"]) == ("monitoring", None)


def test_maintenance_has_its_window_and_stays_out_of_incidents() -> None:
    files = render(busy_model())
    move = files["scheduled-maintenances/active.json"]["scheduled_maintenances"][0]
    assert (move["scheduled_for"], move["scheduled_until"]) == (
        "2025-07-16T09:30:00.000+07:00", "2025-07-16T11:00:00.000+07:00")
    assert move["impact"] == "maintenance"
    started = move["incident_updates"][0]
    assert started["affected_components"] == [{
        "code": "chat", "name": "Aplikasi - Nusa Chat", "old_status": "operational",
        "new_status": "under_maintenance"}]
    all_ids = [m["id"] for m in files["scheduled-maintenances.json"]["scheduled_maintenances"]]
    assert all_ids == ["2025-07-20-db", "2025-07-16-move"]
    assert not set(all_ids) & {i["id"] for i in files["incidents.json"]["incidents"]}


def test_incidents_json_holds_the_latest_50() -> None:
    model = sample_model()
    start = NOW - timedelta(days=100)
    views = []
    for n in range(60):
        at = start + timedelta(days=n)
        ups = (Update(at, "resolved", "Selesai."),)
        views.append(IncidentView(Incident(f"inc-{n:02d}", f"Insiden {n}", {}, ups),
                                  "resolved", "none", at, at, at, timedelta(0), False, ups))
    files = render(replace(model, incidents=tuple(reversed(views))))
    ids = [i["id"] for i in files["incidents.json"]["incidents"]]
    assert ids == [f"inc-{n:02d}" for n in range(59, 9, -1)]


def test_ids_and_bytes_are_stable_across_builds() -> None:
    first = dict(rendering.render(api.outputs, context(sample_model())))
    assert first == dict(rendering.render(api.outputs, context(sample_model())))
    # Adding an incident changes no id that existed before.
    before, after = render(sample_model()), render(busy_model())

    def ids(files: dict[str, Any]) -> set[str]:
        found = {files["summary.json"]["page"]["id"]}
        found |= {c["id"] for c in files["components.json"]["components"]}
        for key, name in (("incidents", "incidents.json"),
                          ("scheduled_maintenances", "scheduled-maintenances.json")):
            for inc in files[name][key]:
                found |= {inc["id"]} | {u["id"] for u in inc["incident_updates"]}
        return found

    assert ids(before) <= ids(after)
    assert len(ids(after)) == len(ids(before)) + 2 + 4  # 2 incidents, 4 updates
    page_id = before["summary.json"]["page"]["id"]
    moved = render(replace(sample_model(), config=replace(
        sample_model().config, site=replace(sample_model().config.site,
                                            url="https://status.other.example/"))))
    assert moved["summary.json"]["page"]["id"] != page_id


def test_group_ids_are_slugs_that_never_clash_with_components() -> None:
    assert api.group_id("Aplikasi Web") == "group-aplikasi-web"
    assert api.group_id("Aplikasi", taken=["group-aplikasi"]) == \
        "group-" + api.short_id("group", "Aplikasi")
    assert api.group_id("日本") == "group-" + api.short_id("group", "日本")
