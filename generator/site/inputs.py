"""The incident loader with a cache wrapped around it, and the input files' stat keys.

A file whose stat key (mtime, size) is as the last build saw it is not read again; one whose
key changed but whose bytes did not (a fresh checkout) is read but not parsed. The problems
of a file are cached with it, so they are still reported. The files left to parse are shared
among the build's workers when there are many (``generator/site/pool.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.errors import Problem, ValidationError
from generator.files import prefetch, stat_key
from generator.load import yamlsource
from generator.load.incidents import (
    Checked,
    Incident,
    Update,
    Window,
    check_text,
    collect,
    incident_files,
    stem,
)
from generator.model.states import ComponentState, status_of
from generator.render.output import digest
from generator.site.cache import Cache, racy
from generator.site.pool import split_map
from generator.texts import decode, encode

log = logging.getLogger(__name__)


def cached_incidents(cache: Cache | None, directory: Path, component_ids: frozenset[str] | None,
                     zone: ZoneInfo, jobs: int = 1, pids: set[int] | None = None,
                     meanwhile: Callable[[], object] = lambda: None,
                     ) -> tuple[tuple[Incident, ...], list[Problem]]:
    """``load.incidents.check_incidents``, reading and parsing only what changed since the
    last build that used ``cache`` (None: no cache). ``jobs`` workers parse the files when
    there are many (``pids`` gets the processes that did), while this process calls
    ``meanwhile()``; it is called in any case."""
    listing = incident_files(directory)
    names = listing.names
    started = time.time_ns()
    keys = {name: stat_key(listing.path(name)) for name in names}
    deps = digest(listing.base, sorted(component_ids) if component_ids is not None else None,
                  zone.key)
    known = _cached(cache, deps)
    results: dict[str, Checked] = {}
    digests: dict[str, str] = {}
    todo: list[str] = []
    for name in names:
        entry = known.get(name)
        if entry is not None and entry[0] and tuple(entry[:2]) == keys[name]:
            checked = _decode(entry[3:], entry[2])
            if checked is not None:
                results[name], digests[name] = checked, entry[2]
                continue
        todo.append(name)
    if todo:
        # A file whose time changed (a fresh checkout) but whose bytes did not is not parsed.
        parse = partial(_check_files, component_ids, zone)
        files = [(listing.path(name), listing.shown(name), stem(name),
                  entry[2] if (entry := known.get(name)) is not None else "") for name in todo]
        parsed_files = split_map(parse, files, jobs=jobs, pids=pids, meanwhile=meanwhile)
        for name, (sha, checked) in zip(todo, parsed_files, strict=True):
            cached = _decode(known[name][3:], sha) if checked is None else checked
            if cached is None:  # damaged after all: parse it here
                _, cached = _check_files(component_ids, zone, [
                    (listing.path(name), listing.shown(name), stem(name), "")])[0]
                assert cached is not None
            results[name], digests[name] = cached, sha
    else:
        meanwhile()
    incidents, problems = collect(listing, [results[name] for name in names])
    if cache is not None and (todo or len(known) != len(names)):
        # A file changed within RACY_NS of being read might change again unseen by its
        # stat key: it is saved without one, so its bytes are compared next time.
        cache.save_later("incidents", lambda: {"deps": deps, "files": {
            name: [*(key if not racy((key,), started) else (0, 0)), digests[name],
                   *_encode(results[name])]
            for name in names if (key := keys[name]) is not None}})
    return incidents, problems


def _cached(cache: Cache | None, deps: str) -> dict[str, list[Any]]:
    document = cache.load("incidents") if cache is not None else None
    if not isinstance(document, dict) or document.get("deps") != deps:
        return {}
    files = document.get("files")
    if not isinstance(files, dict):
        return {}
    return {name: entry for name, entry in files.items()
            if isinstance(entry, list) and len(entry) == 5 and isinstance(entry[2], str)}


def _check_files(component_ids: frozenset[str] | None, zone: ZoneInfo,
                 jobs: Sequence[tuple[str, str, str, str]]) -> list[tuple[str, Checked | None]]:
    """Check each ``(path, shown path, id, digest)``: ``(its digest, None)`` when the file
    still has ``digest``, else ``(its digest, what checking it found)``. Runs in a worker
    process too: it receives all it needs as arguments."""
    results: list[tuple[str, Checked | None]] = []
    prefetch(path for path, _, _, _ in jobs)
    for path, shown, incident_id, known in jobs:
        try:
            text, sha = yamlsource.read_text(Path(path), shown)
        except ValidationError as exc:
            results.append(("", (None, list(exc.problems))))
            continue
        if sha == known:
            results.append((sha, None))
            continue
        results.append((sha, check_text(text, shown, incident_id, component_ids, zone, sha)))
    return results


# The cache's JSON form of a checked file: [incident or null, [problem, ...]].

def _encode(checked: Checked) -> list[Any]:
    incident, problems = checked
    found = [[p.path, p.line, p.col, p.message, p.severity] for p in problems]
    if incident is None:
        return [None, found]
    window = incident.maintenance
    return [[incident.id, encode(incident.title), list(incident.components.items()),
             [[u.at.isoformat(), u.status, encode(u.message)] for u in incident.updates],
             incident.impact, encode(incident.postmortem),
             None if window is None else [window.start.isoformat(), window.end.isoformat()],
             incident.path], found]


def _decode(data: list[Any], sha: str) -> Checked | None:
    """A cached checked file whose bytes have the SHA-256 ``sha``, or None when the entry is
    not one (a damaged cache)."""
    try:
        encoded, found = data
        problems = [Problem(path, line, col, message, severity)
                    for path, line, col, message, severity in found]
        if encoded is None:
            return None, problems
        ident, title, components, updates, impact, postmortem, window, path = encoded
        return Incident(
            id=ident, title=decode(title) or "",
            components={cid: ComponentState(state) for cid, state in components},
            updates=tuple(Update(datetime.fromisoformat(at), status_of(status),
                                 decode(message) or "")
                          for at, status, message in updates),
            impact=impact, postmortem=decode(postmortem), path=path, digest=sha,
            maintenance=None if window is None else Window(
                datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])),
        ), problems
    except (TypeError, ValueError) as exc:
        log.debug("ignoring a damaged cache entry (%s)", exc)
        return None
