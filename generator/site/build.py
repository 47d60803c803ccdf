"""``kabar build``: gather everything, compute one model at one ``now``, render, write.

With a cache folder the build remembers what it read and wrote: when no input changed and
the site is as it left it, it stops after a few stats ("nothing changed"); otherwise only
the outputs whose inputs changed are rendered (see ``generator/site/cache.py``). The heavy
modules are imported only when there is work to do, so the first case stays fast.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import clock
from generator.errors import BuildError, counted
from generator.files import Inputs, StatKey, input_files, tree_keys
from generator.render.output import digest
from generator.site.cache import Cache, engine_stamp, racy
from generator.site.output import FileStamp, Placed, Staging, WriteReport, recover
from generator.site.static import static_files, static_folder, static_outputs

if TYPE_CHECKING:
    from generator.load.incidents import Incident
    from generator.model.compute import SiteModel
    from generator.render.output import Output
    from generator.site.pool import Pool

# Markdown ahead: chunks of this many messages; outputs: of this many outputs.
TEXTS = 200
OUTPUTS = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    model: SiteModel | None  # None when the cache showed that nothing changed
    report: WriteReport
    warnings: tuple[str, ...]
    seconds: float
    made: tuple[str, ...] = ()  # the outputs made (stale or new), in order; the rest were kept
    workers: frozenset[int] = frozenset()  # the worker processes that did some of the work


def load_model(config_path: Path, incidents_dir: Path, history_dir: Path,
               now: datetime, cache: Cache | None = None,
               loaded: Callable[[tuple[Incident, ...]], None] | None = None,
               jobs: int = 1, pids: set[int] | None = None,
               ) -> tuple[SiteModel, tuple[str, ...]]:
    """Load config, incidents and history, and compute the model at ``now``; ``loaded``
    is called with the incidents as soon as they are parsed without error. ``jobs``
    workers parse the incident files (``pids`` gets who parsed them)."""
    from generator.history.read import read_history
    from generator.load.site import load_site
    from generator.model.compute import compute
    from generator.site.inputs import cached_incidents

    config, incidents, problems = load_site(config_path, incidents_dir, now,
                                            partial(cached_incidents, cache, parsed=loaded,
                                                    jobs=jobs, pids=pids))
    history = read_history(history_dir, config, now)
    model = compute(config, incidents, history, now)
    warnings = tuple(str(p) for p in problems) + model.warnings
    return model, warnings


def render(model: SiteModel, staging: Staging, fresh: Callable[[Output], bool] | None = None,
           markdown: tuple[Sequence[str], Pool[list[str]]] | None = None, jobs: int = 1,
           pids: set[int] | None = None, static: Sequence[Output] = (),
           ) -> tuple[dict[str, Placed | None], dict[str, str]]:
    """Every output of the site, each stale one made and put into ``staging`` as soon as it
    is made (by ``jobs`` workers when there are many); ``None`` for one that ``fresh`` says
    the last build already wrote. With the outputs' keys, for the next build. ``markdown``:
    messages and the workers that have been rendering them ahead (see ``build``); ``pids``
    gets the worker processes that did some of the work; ``static``: the files of
    ``static/``, which may take the place of no other output."""
    from generator.render.base import contexts
    from generator.render.markdown import remember
    from generator.render.outputs import site_outputs
    from generator.site.pool import MINIMUM, Pool, chunked
    from generator.site.static import check_clashes

    found = pids if pids is not None else set()
    with _template_errors():
        declared = list(site_outputs(contexts(model)))
    check_clashes((output.path for output in static), (output.path for output in declared))
    declared += static
    stale = [output for output in declared if fresh is None or not fresh(output)]
    if stale:
        staging.open(output.path for output in stale)  # the folders, before forking
    if markdown is not None:
        texts, ahead = markdown
        remember(zip(texts, (html for part in ahead.results() for html in part), strict=True))
        found.update(ahead.pids)

    def make(chunk: Sequence[Output]) -> list[Placed]:
        with _template_errors():  # in whichever process makes it
            return [staging.put(output.path, output.make()) for output in chunk]

    if jobs > 1 and len(stale) >= MINIMUM:
        with Pool(*chunked(make, stale, OUTPUTS), jobs) as pool:
            placed = [each for part in pool.results() for each in part]
        found.update(pool.pids)
    else:
        placed = make(stale)
    made = dict(zip((output.path for output in stale), placed, strict=True))
    keys = {output.path: output.key for output in declared if output.key is not None}
    return {output.path: made.get(output.path) for output in declared}, keys


@contextmanager
def _template_errors() -> Iterator[None]:
    """A template's error as one line with its place, as any other build error."""
    import jinja2

    try:
        yield
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if isinstance(
            exc, jinja2.TemplateSyntaxError) else ""
        raise BuildError(f"{where}template error: {exc}") from None


def build(config_path: Path, incidents_dir: Path, history_dir: Path, out: Path,
          now: str | None = None, strict: bool = False,
          cache: Path | None = None, jobs: int | None = None) -> BuildResult:
    """Build the site into ``out``; on any error raise and leave ``out`` untouched.

    ``cache`` is the cache folder (None: no cache, everything is rendered); ``jobs`` how
    many worker processes may share the work (None: ``KABAR_WORKERS``, else one per core;
    see ``generator/site/pool.py``). Every worker has ended when this returns or raises.
    """
    check_out(out, config_path, incidents_dir, history_dir)
    started = time.perf_counter()
    started_ns = time.time_ns()
    at = clock.now(now)
    store = Cache(cache)
    params = _params(config_path, incidents_dir, history_dir, out, at)
    last = _last_build(store, out)
    static_dir = static_folder(config_path)
    inputs = input_files(config_path, incidents_dir, history_dir, static_dir,
                         last["assets"]) if store.enabled else {}
    recover(out)  # what a build killed mid-write left beside out
    current = tree_keys(out) if out.is_dir() else {}
    manifest: dict[str, FileStamp] = last["manifest"]
    if (store.enabled and last["params"] == params and _matches(manifest, current)
            and _same_inputs(last["inputs"], inputs)):
        warnings = tuple(last["warnings"])
        _check_strict(strict, warnings)
        log.debug("nothing changed since the last build (cache %s)", cache)
        return BuildResult(None, WriteReport((), len(manifest), (), manifest), warnings,
                           time.perf_counter() - started)

    from generator.site.pool import MINIMUM, Pool, chunked, workers

    count = workers(jobs)
    pids: set[int] = set()
    keys: dict[str, str] = last["outputs"]
    ahead: list[tuple[list[str], Pool[list[str]]]] = []

    def loaded(incidents: tuple[Incident, ...]) -> None:
        """With nothing built before, every message will be rendered: workers start on
        them while this process reads the history and computes the model."""
        if keys or count < 2:
            return
        from generator.render.markdown import render_texts
        from generator.texts import texts as each

        texts = list(dict.fromkeys(text for incident in incidents for value in (
            *(update.message for update in incident.updates), incident.postmortem)
            for text in each(value) if text))
        if len(texts) >= MINIMUM:
            ahead.append((texts, Pool(*chunked(render_texts, texts, TEXTS), count)))

    try:
        # Loading makes a million objects and no garbage cycles: collecting would only scan
        # them (about 1 s of CPU of 14 for the bench's cold build, with collection off).
        collecting = gc.isenabled()
        gc.disable()
        try:
            model, warnings = load_model(config_path, incidents_dir, history_dir, at,
                                         store if store.enabled else None, loaded, count, pids)
        finally:
            if collecting:
                gc.enable()
        _check_strict(strict, warnings)
        static = static_outputs(static_files(static_dir), started_ns)
        assets = _assets(model, config_path)
        if store.enabled and assets != last["assets"]:
            inputs = input_files(config_path, incidents_dir, history_dir, static_dir, assets)

        def fresh(output: Output) -> bool:
            """Whether the last build wrote this output from the same key, and it is still
            there."""
            stamp = manifest.get(output.path)
            return (output.key is not None and keys.get(output.path) == output.key
                    and stamp is not None and tuple(stamp[:2]) == current.get(output.path))

        staging = Staging(out, manifest, current)
        gc.freeze()  # the model lives to the end: collections skip it, forked workers too
        try:
            placed, output_keys = render(model, staging, fresh if store.enabled else None,
                                         ahead[0] if ahead else None, count, pids, static)
            report = staging.finish(placed)
        except BaseException:
            staging.discard()  # after the workers have stopped writing into it
            raise
        finally:
            gc.unfreeze()
    finally:
        for _, pool in ahead:  # done by now, unless the build failed
            pool.close()
    store.save("build", {
        "out": str(out.resolve()), "params": params,
        "inputs": _input_entries(inputs, started_ns),
        "manifest": {path: list(stamp) for path, stamp in report.manifest.items()},
        "outputs": output_keys, "warnings": list(warnings), "assets": assets})
    return BuildResult(model, report, warnings, time.perf_counter() - started,
                       tuple(path for path, made in placed.items() if made is not None),
                       frozenset(pids - {os.getpid()}))


def check_out(out: Path, config_path: Path, incidents_dir: Path, history_dir: Path) -> None:
    """Refuse an ``out`` that is, holds or lies inside a folder the build reads: a build
    replaces its whole folder, so the inputs would be deleted or read back as incidents."""
    target = out.resolve()
    site = config_path.parent.resolve()
    fix = ("; a build replaces its whole --out folder, so build into a folder of its own, "
           "like --out _site")
    if target == site or target in site.parents:
        raise BuildError(f"--out {out}: that folder holds {config_path}{fix}")
    for what, folder in (("the incident files' folder", incidents_dir),
                         ("the history folder", history_dir),
                         ("the static files' folder", config_path.parent / "static")):
        inside = folder.resolve()
        relation = ("is" if target == inside else "is inside" if inside in target.parents
                    else "holds" if target in inside.parents else "")
        if relation:
            raise BuildError(f"--out {out}: that {relation} {what} ({folder}), which the "
                             f"build reads{fix}")


def _assets(model: SiteModel, config_path: Path) -> list[str]:
    """The image files status.yaml names (logo, favicon): inputs of the build too."""
    from generator.render.brand import images

    return sorted({os.path.join(config_path.parent, image.name)
                   for image in images(model.config.site)})


def _check_strict(strict: bool, warnings: tuple[str, ...]) -> None:
    if strict and warnings:
        for warning in warnings:  # the build stops here: show what stopped it
            log.warning("%s", warning)
        raise BuildError(f"{counted(len(warnings), 'warning')} and --strict is on; fix them first")


def _params(config_path: Path, incidents_dir: Path, history_dir: Path, out: Path,
            at: datetime) -> str:
    """A digest of what, besides the input files, decides the output."""
    return digest(engine_stamp(), os.getcwd(), str(config_path), str(incidents_dir),
                  str(history_dir), str(out.resolve()), at.isoformat())


def _file_digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


def _same_inputs(stored: Any, inputs: Inputs) -> bool:
    """Whether every input is as the last build saw it: same stat key, or same bytes."""
    if not isinstance(stored, dict) or stored.keys() != inputs.keys():
        return False
    for name, (path, key) in inputs.items():
        entry = stored[name]
        if not (isinstance(entry, list) and len(entry) == 3) or key is None:
            return False
        if entry[0] and tuple(entry[:2]) == key:
            continue
        if entry[1] != key[1] or not entry[2] or _file_digest(path) != entry[2]:
            return False
    return True


def _input_entries(inputs: Inputs, started_ns: int) -> dict[str, list[Any]]:
    """What ``_same_inputs`` compares next time. A file changed within RACY_NS of this build
    might change again without its stat key showing it: its bytes are kept to compare."""
    entries: dict[str, list[Any]] = {}
    for name, (path, key) in inputs.items():
        if key is None:
            continue
        if racy((key,), started_ns):
            entries[name] = [0, key[1], _file_digest(path)]
        else:
            entries[name] = [key[0], key[1], ""]
    return entries


def _last_build(store: Cache, out: Path) -> dict[str, Any]:
    """What the last build into ``out`` saved; empty parts when there is none."""
    empty: dict[str, Any] = {"params": None, "inputs": None, "manifest": {}, "outputs": {},
                             "warnings": [], "assets": []}
    document = store.load("build")
    if not isinstance(document, dict) or document.get("out") != str(out.resolve()):
        return empty
    try:
        manifest = {str(path): (int(m), int(s), str(h))
                    for path, (m, s, h) in document["manifest"].items()}
        outputs = {str(path): str(key) for path, key in document["outputs"].items()}
        warnings = [str(line) for line in document["warnings"]]
        assets = [str(path) for path in document.get("assets", [])]
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        log.debug("ignoring a damaged build cache (%s)", exc)
        return empty
    return {"params": document.get("params"), "inputs": document.get("inputs"),
            "manifest": manifest, "outputs": outputs, "warnings": warnings, "assets": assets}


def _matches(manifest: dict[str, FileStamp], current: dict[str, StatKey]) -> bool:
    """Whether the site on disk is what the manifest says (names, times and sizes)."""
    return manifest.keys() == current.keys() and all(
        stamp[:2] == current[path] for path, stamp in manifest.items())

