"""``incidents/*.yaml``: incidents and scheduled maintenance, loaded and validated."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.errors import Problem, ValidationError
from generator.files import prefetch
from generator.load import yamlsource
from generator.load.checker import Checker, did_you_mean, display_path
from generator.load.config import Config
from generator.load.yamlsource import KeyPath
from generator.model.states import (
    INCIDENT_STATES,
    ComponentState,
    Impact,
    IncidentStatus,
    MaintenanceStatus,
    Status,
    status_of,
)

log = logging.getLogger(__name__)

# The model's names, as the files spell them.
IMPACTS = tuple(impact.value for impact in Impact)
COMPONENT_STATES = tuple(state.value for state in INCIDENT_STATES)
_COMPONENT_STATE = {state.value: state for state in INCIDENT_STATES}  # cheaper than calling
INCIDENT_STATUSES = tuple(status.value for status in IncidentStatus)
MAINTENANCE_STATUSES = tuple(status.value for status in MaintenanceStatus)
INCIDENT_KEYS = ("title", "impact", "components", "updates", "postmortem", "maintenance")
UPDATE_KEYS = ("at", "status", "message")
_STEM = re.compile(r"[a-z0-9][a-z0-9._-]*")


@dataclass(frozen=True)
class Update:
    at: datetime  # aware, UTC
    status: Status
    message: str  # Markdown
    # Written by Kabar, not people: a maintenance's in_progress and completed updates when its
    # window starts and ends. Its message is empty; pages say it in the site's words.
    automatic: bool = False


@dataclass(frozen=True)
class Window:
    start: datetime  # aware, UTC
    end: datetime


@dataclass(frozen=True)
class Incident:
    """An incident or, when ``maintenance`` is set, a scheduled maintenance."""

    id: str  # the file's stem
    title: str
    components: Mapping[str, ComponentState]  # component id -> state during the incident
    updates: tuple[Update, ...]  # oldest first
    impact: str | None = None  # as declared; Model derives it when None
    postmortem: str | None = None
    maintenance: Window | None = None
    path: str = ""  # as shown in messages, e.g. incidents/2025-07-16-login.yaml
    # The SHA-256 of the file it was read from ("" when not read from one): with its id, path
    # and the component ids and zone it was checked against, the file decides every field.
    digest: str = field(default="", compare=False, repr=False)

    @property
    def is_maintenance(self) -> bool:
        return self.maintenance is not None


def load_incidents(directory: Path, config: Config) -> tuple[Incident, ...]:
    """Load and validate every ``*.yaml`` in ``directory``; raise ``ValidationError``."""
    ids = frozenset(component.id for component in config.components)
    incidents, problems = check_incidents(directory, ids, config.site.zone)
    if any(problem.severity == "error" for problem in problems):
        raise ValidationError(problems)
    for problem in problems:
        log.warning("%s", problem)
    return incidents


def check_incidents(directory: Path, component_ids: frozenset[str] | None,
                    zone: ZoneInfo) -> tuple[tuple[Incident, ...], list[Problem]]:
    """Read every incident file, collecting all problems; valid incidents come back by id.

    ``component_ids`` None skips the check of component ids (status.yaml had none to offer);
    times without an offset are in ``zone``.
    """
    listing = incident_files(directory)
    prefetch(listing.path(name) for name in listing.names)
    results = [check_file(listing.path(name), listing.shown(name), stem(name), component_ids,
                          zone) for name in listing.names]
    return collect(listing, results)


@dataclass(frozen=True)
class Listing:
    """The incident files of a folder: their names (sorted) and the problems of the listing."""

    folder: str
    base: str  # the folder as shown in messages, with its "/" ("" for the current folder)
    names: tuple[str, ...]
    problems: tuple[Problem, ...]

    def path(self, name: str) -> str:
        return os.path.join(self.folder, name)

    def shown(self, name: str) -> str:
        return self.base + yamlsource.printable(name)


def incident_files(directory: Path) -> Listing:
    """The ``*.yaml`` and ``*.yml`` files in ``directory``; a link out of it is a problem."""
    problems: list[Problem] = []
    folder = os.fspath(directory)
    if not directory.is_dir():
        if directory.exists():
            problems.append(Problem(display_path(directory), 1, 1,
                                    "expected a folder of incident files; got a file"))
        return Listing(folder, "", (), tuple(problems))
    base = display_path(directory) + "/"
    if base == "./":
        base = ""
    names = []
    with os.scandir(folder) as listing:
        for item in listing:
            if _suffix(item.name) not in (".yaml", ".yml"):
                unread = _unread(item)
                if unread:
                    where, why = unread
                    problems.append(Problem(base + yamlsource.printable(where), 1, 1, why,
                                            "warning"))
                continue
            if item.is_symlink() and yamlsource.escapes(Path(item.path), directory):
                # Never read: its text could reach an error message, a log or the site.
                problems.append(Problem(base + yamlsource.printable(item.name), 1, 1,
                                        "a symbolic link to a file outside the incidents "
                                        "folder; put the incident file itself in the folder"))
                continue
            names.append(item.name)
    names.sort()
    return Listing(folder, base, tuple(names), tuple(problems))


def _unread(item: os.DirEntry[str]) -> tuple[str, str] | None:
    """A name that looks meant as an incident but is not read: where, and the fix."""
    name = item.name
    if name.startswith("."):
        return None
    if item.is_dir(follow_symlinks=False):
        found = sorted(p.relative_to(item.path).as_posix() for p in Path(item.path).rglob("*")
                       if _suffix(p.name).lower() in (".yaml", ".yml") and p.is_file())
        if not found:
            return None
        more = f" (and {len(found) - 1} more in {name}/)" if len(found) > 1 else ""
        return (f"{name}/{found[0]}", f"not read{more}: incident files are read from the "
                "incidents folder itself, not from its sub-folders; move it up into the "
                "incidents folder")
    suffix = _suffix(name)
    if suffix.lower() in (".yaml", ".yml"):
        return name, ("not read: only names ending in .yaml or .yml are, in lower case; "
                      f"rename it to {yamlsource.printable(name[:-len(suffix)])}"
                      f"{suffix.lower()}")
    lower = name.lower()
    for inner in (".yaml.", ".yml."):
        at = lower.rfind(inner)
        if at > 0 and suffix.lower() in (".txt", ".text"):
            kept = name[:at] + inner[:-1].lower()
            return name, (f"not read: the name ends in {suffix}, and only names ending in "
                          f".yaml or .yml are; rename it to {yamlsource.printable(kept)}")
    return None


Checked = tuple["Incident | None", list[Problem]]


def collect(listing: Listing, results: Sequence[Checked],
            ) -> tuple[tuple[Incident, ...], list[Problem]]:
    """The incidents and problems of checked files (one result per name of ``listing``),
    with the ids checked across files."""
    problems = list(listing.problems)
    first: dict[str, str] = {}  # incident id -> the file that has it
    incidents: list[Incident] = []
    for name, (incident, found) in zip(listing.names, results, strict=True):
        _check_id(stem(name), listing.shown(name), first, problems)
        problems.extend(found)
        if incident is not None:
            incidents.append(incident)
    return tuple(incidents), problems


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without making a Path for each of 10,000 names."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def stem(name: str) -> str:
    """An incident file's id: its name without the suffix."""
    suffix = _suffix(name)
    return name[:-len(suffix)] if suffix else name


def check_file(path: str, shown: str, incident_id: str, component_ids: frozenset[str] | None,
               zone: ZoneInfo) -> Checked:
    """Read and check one incident file."""
    try:
        text, sha = yamlsource.read_text(Path(path), shown)
    except ValidationError as exc:
        return None, list(exc.problems)
    return check_text(text, shown, incident_id, component_ids, zone, sha)


def check_text(text: str, shown: str, incident_id: str, component_ids: frozenset[str] | None,
               zone: ZoneInfo, digest: str = "") -> Checked:
    """Parse and check one incident file's text (whose bytes have the SHA-256 ``digest``);
    times without an offset are in ``zone``."""
    try:
        source = yamlsource.loads_fast(text, shown)
    except ValidationError as exc:
        return None, list(exc.problems)
    problems: list[Problem] = []
    incident = _incident(Checker(source, problems), incident_id, component_ids, zone, zone.key,
                         digest)
    return incident, problems


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
              tz: tzinfo, tzname: str, digest: str) -> Incident | None:
    if check.source.data is None:
        check.error((), "the file is empty; expected at least 'title' and 'updates'")
        return None
    data = check.mapping((), check.source.data, INCIDENT_KEYS, ("title",),
                         what="a mapping with 'title', 'components' and 'updates'")
    if data is None:
        return None
    title = check.text(("title",), data["title"]) if "title" in data else None
    fields: dict[str, Any] = {}
    if "impact" in data:
        fields["impact"] = check.choice(("impact",), data["impact"], IMPACTS)
    if "postmortem" in data:
        fields["postmortem"] = check.text(("postmortem",), data["postmortem"])
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
                    path=check.source.path, digest=digest, **fields)


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
              component_ids: frozenset[str] | None) -> dict[str, ComponentState]:
    if not isinstance(value, dict):
        check.expected(("components",), "a mapping of component id to state like "
                       "{api: major_outage}", value)
        return {}
    affected: dict[str, ComponentState] = {}
    for component_id, state in value.items():
        if component_ids is not None and component_id not in component_ids:
            choices = (", ".join(sorted(component_ids)) if len(component_ids) <= 12 else
                       f"the {len(component_ids)} ids in the site's components")
            check.error(("components", component_id),
                        f"{component_id!r}: unknown component id; expected one of {choices}"
                        f"{did_you_mean(component_id, component_ids)}", key=True)
        checked = check.choice(("components", component_id), state, COMPONENT_STATES)
        if checked:
            affected[component_id] = _COMPONENT_STATE[checked]
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
        message = check.text((*path, "message"), data["message"]) if (
            "message" in data) else None
        if at is not None and status is not None and message is not None:
            parsed.append((Update(at, status_of(status), message), index))
    # Oldest first; the final update (resolved, completed) sorts after others of its minute.
    final = (MaintenanceStatus.COMPLETED if maintenance else IncidentStatus.RESOLVED).value
    parsed.sort(key=lambda pair: (pair[0].at, pair[0].status == final))
    last = next((i for i, (update, _) in enumerate(parsed) if update.status == final), None)
    if last is not None and last + 1 < len(parsed):
        line = check.source.where(("updates", parsed[last][1]))[0]
        for _, index in parsed[last + 1:]:
            check.error(("updates", index), f"'updates[{index}]': comes after the {final!r} "
                        f"update on line {line}; nothing may follow {final!r}, so make the "
                        f"latest update the {final} one")
    return tuple(update for update, _ in parsed)
