"""``incidents/*.yaml``: incidents and scheduled maintenance, loaded and validated."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator import yamlsource
from generator.cache import Cache, digest, racy, stat_key
from generator.config import Config
from generator.errors import Problem, ValidationError
from generator.parallel import split_map
from generator.validate import Checker, did_you_mean, display_path
from generator.yamlsource import KeyPath

log = logging.getLogger(__name__)

IMPACTS = ("none", "minor", "major", "critical")
COMPONENT_STATES = ("degraded_performance", "partial_outage", "major_outage", "under_maintenance")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")
INCIDENT_KEYS = ("title", "impact", "components", "updates", "postmortem", "maintenance")
UPDATE_KEYS = ("at", "status", "message")
_STEM = re.compile(r"[a-z0-9][a-z0-9._-]*")


@dataclass(frozen=True)
class Update:
    at: datetime  # aware, UTC
    status: str
    message: str  # Markdown


@dataclass(frozen=True)
class Window:
    start: datetime  # aware, UTC
    end: datetime


@dataclass(frozen=True)
class Incident:
    """An incident or, when ``maintenance`` is set, a scheduled maintenance."""

    id: str  # the file's stem
    title: str
    components: Mapping[str, str]  # component id -> state during the incident
    updates: tuple[Update, ...]  # oldest first
    impact: str | None = None  # as declared; Model derives it when None
    postmortem: str | None = None
    maintenance: Window | None = None
    path: str = ""  # as shown in messages, e.g. incidents/2025-07-16-login.yaml

    @property
    def is_maintenance(self) -> bool:
        return self.maintenance is not None


def load_incidents(directory: Path, config: Config) -> tuple[Incident, ...]:
    """Load and validate every ``*.yaml`` in ``directory``; raise ``ValidationError``."""
    ids = frozenset(component.id for component in config.components)
    incidents, problems = check_incidents(directory, ids, config.site.timezone)
    if any(problem.severity == "error" for problem in problems):
        raise ValidationError(problems)
    for problem in problems:
        log.warning("%s", problem)
    return incidents


def check_incidents(directory: Path, component_ids: frozenset[str] | None,
                    timezone: str, cache: Cache | None = None,
                    ) -> tuple[tuple[Incident, ...], list[Problem]]:
    """Read every incident file, collecting all problems; valid incidents come back by id.

    ``component_ids`` None skips the check of component ids (status.yaml had none to offer);
    times without an offset are in ``timezone``. With a ``cache``, a file whose stat key
    is unchanged is not parsed again (its problems are cached with it, so they are still
    reported); the others are parsed on two cores when there are many.
    """
    problems: list[Problem] = []
    if not directory.is_dir():
        if directory.exists():
            problems.append(Problem(display_path(directory), 1, 1,
                                    "expected a folder of incident files; got a file"))
        return (), problems
    base = display_path(directory) + "/"
    if base == "./":
        base = ""
    names = []
    folder = os.fspath(directory)
    with os.scandir(folder) as listing:
        for item in listing:
            if _suffix(item.name) not in (".yaml", ".yml"):
                continue
            if item.is_symlink() and yamlsource.escapes(Path(item.path), directory):
                # Never read: its text could reach an error message, a log or the site.
                problems.append(Problem(base + yamlsource.printable(item.name), 1, 1,
                                        "a symbolic link to a file outside the incidents "
                                        "folder; put the incident file itself in the folder"))
                continue
            names.append(item.name)
    names.sort()
    started = time.time_ns()
    keys = {name: stat_key(os.path.join(folder, name)) for name in names}
    deps = digest(base, sorted(component_ids) if component_ids is not None else None, timezone)
    known = _cached(cache, deps)
    results: dict[str, Checked] = {}
    digests: dict[str, str] = {}
    todo: list[str] = []
    for name in names:
        entry = known.get(name)
        if entry is not None and entry[0] and tuple(entry[:2]) == keys[name]:
            checked = _decode(entry[3:])
            if checked is not None:
                results[name], digests[name] = checked, entry[2]
                continue
        todo.append(name)
    if todo:
        # A file whose time changed (a fresh checkout) but whose bytes did not is not parsed.
        parse = partial(_check_files, component_ids, timezone)
        jobs = [(os.path.join(folder, name), base + yamlsource.printable(name), _stem(name),
                 entry[2] if (entry := known.get(name)) is not None else "") for name in todo]
        for name, (sha, checked) in zip(todo, split_map(parse, jobs), strict=True):
            cached = _decode(known[name][3:]) if checked is None else checked
            if cached is None:  # damaged after all: parse it here
                _, cached = _check_files(component_ids, timezone,
                                         [(os.path.join(folder, name),
                                           base + yamlsource.printable(name),
                                           _stem(name), "")])[0]
                assert cached is not None
            results[name], digests[name] = cached, sha
    if cache is not None and (todo or len(known) != len(names)):
        # A file changed within RACY_NS of being read might change again unseen by its
        # stat key: it is saved without one, so its bytes are compared next time.
        cache.save("incidents", {"deps": deps, "files": {
            name: [*(key if not racy((key,), started) else (0, 0)), digests[name],
                   *_encode(results[name])]
            for name in names if (key := keys[name]) is not None}})
    first: dict[str, str] = {}  # incident id -> the file that has it
    incidents: list[Incident] = []
    for name in names:
        _check_id(_stem(name), base + yamlsource.printable(name), first, problems)
        incident, found = results[name]
        problems.extend(found)
        if incident is not None:
            incidents.append(incident)
    return tuple(incidents), problems


Checked = tuple["Incident | None", list[Problem]]


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without making a Path for each of 10,000 names."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _stem(name: str) -> str:
    suffix = _suffix(name)
    return name[:-len(suffix)] if suffix else name


def _cached(cache: Cache | None, deps: str) -> dict[str, list[Any]]:
    document = cache.load("incidents") if cache is not None else None
    if not isinstance(document, dict) or document.get("deps") != deps:
        return {}
    files = document.get("files")
    if not isinstance(files, dict):
        return {}
    return {name: entry for name, entry in files.items()
            if isinstance(entry, list) and len(entry) == 5 and isinstance(entry[2], str)}


def _check_files(component_ids: frozenset[str] | None, timezone: str,
                 jobs: Sequence[tuple[str, str, str, str]]) -> list[tuple[str, Checked | None]]:
    """Check each ``(path, shown path, id, digest)``: ``(its digest, None)`` when the file
    still has ``digest``, else ``(its digest, what checking it found)``. Runs in a worker
    process too."""
    tz = ZoneInfo(timezone)
    results: list[tuple[str, Checked | None]] = []
    for path, shown, stem, known in jobs:
        try:
            text, sha = yamlsource.read_text(Path(path), shown)
        except ValidationError as exc:
            results.append(("", (None, list(exc.problems))))
            continue
        if sha == known:
            results.append((sha, None))
            continue
        try:
            source = yamlsource.loads_fast(text, shown)
        except ValidationError as exc:
            results.append((sha, (None, list(exc.problems))))
            continue
        problems: list[Problem] = []
        incident = _incident(Checker(source, problems), stem, component_ids, tz, timezone)
        results.append((sha, (incident, problems)))
    return results


def _check_id(stem: str, shown: str, first: dict[str, str], problems: list[Problem]) -> None:
    if not _STEM.fullmatch(stem):
        better = re.sub(r"[^a-z0-9._-]+", "-", stem.lower()).strip("-._") or "incident"
        problems.append(Problem(shown, 1, 1, f"incident id {stem!r} (the file name) is not "
                                "URL-safe; rename the file to lowercase letters, digits, "
                                f"'.', '_' and '-', like {better + '.yaml'!r}"))
    if stem in first:
        problems.append(Problem(shown, 1, 1, f"incident id {stem!r} is also the id of "
                                f"{first[stem]}; rename or remove one of the two files"))
    else:
        first[stem] = shown


def _incident(check: Checker, incident_id: str, component_ids: frozenset[str] | None,
              tz: tzinfo, tzname: str) -> Incident | None:
    if check.source.data is None:
        check.error((), "the file is empty; expected at least 'title' and 'updates'")
        return None
    data = check.mapping((), check.source.data, INCIDENT_KEYS, ("title",),
                         what="a mapping with 'title', 'components' and 'updates'")
    if data is None:
        return None
    title = check.string(("title",), data["title"]) if "title" in data else None
    fields: dict[str, Any] = {}
    if "impact" in data:
        fields["impact"] = check.choice(("impact",), data["impact"], IMPACTS)
    if "postmortem" in data:
        fields["postmortem"] = check.string(("postmortem",), data["postmortem"])
    maintenance = "maintenance" in data
    if maintenance:
        fields["maintenance"] = _window(check, data["maintenance"], tz, tzname)
    components = _affected(check, data["components"], component_ids) if (
        "components" in data) else {}
    updates: tuple[Update, ...] = ()
    if "updates" in data:
        updates = _updates(check, data["updates"], maintenance, tz, tzname)
    elif not maintenance:
        check.error((), "'updates': required key is missing")
    if check.failures or title is None:
        return None
    return Incident(id=incident_id, title=title, components=components, updates=updates,
                    path=check.source.path, **fields)


def _window(check: Checker, value: Any, tz: tzinfo, tzname: str) -> Window | None:
    data = check.mapping(("maintenance",), value, ("start", "end"), ("start", "end"),
                         what="a mapping with start and end")
    if data is None:
        return None
    start = check.time(("maintenance", "start"), data["start"], tz, tzname) if (
        "start" in data) else None
    end = check.time(("maintenance", "end"), data["end"], tz, tzname) if "end" in data else None
    if start is None or end is None:
        return None
    if end <= start:
        check.expected(("maintenance", "end"), f"a time after start ({data['start']})",
                       data["end"])
        return None
    return Window(start, end)


def _affected(check: Checker, value: Any,
              component_ids: frozenset[str] | None) -> dict[str, str]:
    if not isinstance(value, dict):
        check.expected(("components",), "a mapping of component id to state like "
                       "{api: major_outage}", value)
        return {}
    affected: dict[str, str] = {}
    for component_id, state in value.items():
        if component_ids is not None and component_id not in component_ids:
            choices = (", ".join(sorted(component_ids)) if len(component_ids) <= 12 else
                       f"the {len(component_ids)} ids in the site's components")
            check.error(("components", component_id),
                        f"{component_id!r}: unknown component id; expected one of {choices}"
                        f"{did_you_mean(component_id, component_ids)}", key=True)
        checked = check.choice(("components", component_id), state, COMPONENT_STATES)
        if checked:
            affected[component_id] = checked
    return affected


def _updates(check: Checker, value: Any, maintenance: bool, tz: tzinfo,
             tzname: str) -> tuple[Update, ...]:
    if not isinstance(value, list) or not (value or maintenance):
        what = "at least one update" if isinstance(value, list) else (
            "a list of updates, each with at, status and message")
        hint = " (start each update with '- ')" if isinstance(value, dict) else ""
        check.expected(("updates",), what, value, hint)
        return ()
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    parsed: list[tuple[Update, int]] = []
    for index, item in enumerate(value):
        path: KeyPath = ("updates", index)
        data = check.mapping(path, item, UPDATE_KEYS, UPDATE_KEYS,
                             what="a mapping with at, status and message")
        if data is None:
            continue
        at = check.time((*path, "at"), data["at"], tz, tzname) if "at" in data else None
        status = check.choice((*path, "status"), data["status"], statuses) if (
            "status" in data) else None
        message = check.string((*path, "message"), data["message"]) if (
            "message" in data) else None
        if at is not None and status is not None and message is not None:
            parsed.append((Update(at, status, message), index))
    # Oldest first; the final update (resolved, completed) sorts after others of its minute.
    final = "completed" if maintenance else "resolved"
    parsed.sort(key=lambda pair: (pair[0].at, pair[0].status == final))
    last = next((i for i, (update, _) in enumerate(parsed) if update.status == final), None)
    if last is not None and last + 1 < len(parsed):
        line = check.source.where(("updates", parsed[last][1]))[0]
        for _, index in parsed[last + 1:]:
            check.error(("updates", index), f"'updates[{index}]': comes after the {final!r} "
                        f"update on line {line}; nothing may follow {final!r}, so make the "
                        f"latest update the {final} one")
    return tuple(update for update, _ in parsed)


# The cache's JSON form of a checked file: [incident or null, [problem, ...]].

def _encode(checked: Checked) -> list[Any]:
    incident, problems = checked
    found = [[p.path, p.line, p.col, p.message, p.severity] for p in problems]
    if incident is None:
        return [None, found]
    window = incident.maintenance
    return [[incident.id, incident.title, list(incident.components.items()),
             [[u.at.isoformat(), u.status, u.message] for u in incident.updates],
             incident.impact, incident.postmortem,
             None if window is None else [window.start.isoformat(), window.end.isoformat()],
             incident.path], found]


def _decode(data: list[Any]) -> Checked | None:
    """A cached checked file, or None when the entry is not one (a damaged cache)."""
    try:
        encoded, found = data
        problems = [Problem(path, line, col, message, severity)
                    for path, line, col, message, severity in found]
        if encoded is None:
            return None, problems
        ident, title, components, updates, impact, postmortem, window, path = encoded
        return Incident(
            id=ident, title=title, components=dict(components),
            updates=tuple(Update(datetime.fromisoformat(at), status, message)
                          for at, status, message in updates),
            impact=impact, postmortem=postmortem, path=path,
            maintenance=None if window is None else Window(
                datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])),
        ), problems
    except (TypeError, ValueError) as exc:
        log.debug("ignoring a damaged cache entry (%s)", exc)
        return None
