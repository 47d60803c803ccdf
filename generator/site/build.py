"""``kabar build``: gather everything, compute one model at one ``now``, render, write.

With a cache folder the build remembers what it read and wrote: when no input changed and
the site is as it left it, it stops after a few stats ("nothing changed"); otherwise only
the outputs whose inputs changed are rendered (see ``generator/site/cache.py``). The heavy
modules are imported only when there is work to do, so the first case stays fast.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from generator import clock
from generator.errors import BuildError, counted
from generator.files import input_files, tree_keys
from generator.site.cache import (
    Cache,
    LastBuild,
    build_params,
    input_entries,
    last_build,
    save_build,
)
from generator.site.output import Placed, Staging, WriteReport, recover
from generator.site.static import static_files, static_folder, static_outputs

if TYPE_CHECKING:
    from generator.history import History
    from generator.load.config import ConfigCheck
    from generator.model.compute import SiteModel
    from generator.render.output import Output

# Outputs are dealt out to the workers in chunks of this many.
OUTPUTS = 100

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    """How to build, besides status.yaml: what ``kabar build``'s options say."""

    out: Path = Path("_site")
    incidents: Path = Path("incidents")
    history: Path = Path("history")
    now: str | None = None  # ISO 8601; None: the clock
    strict: bool = False  # a warning fails the build
    cache: Path | None = None  # the cache folder; None: no cache, everything is made
    jobs: int | None = None  # worker processes; None: KABAR_WORKERS, else one per core


@dataclass(frozen=True)
class BuildResult:
    model: SiteModel | None  # None when the cache showed that nothing changed
    report: WriteReport
    warnings: tuple[str, ...]
    seconds: float
    made: tuple[str, ...] = ()  # the outputs made (stale or new), in order; the rest were kept
    workers: frozenset[int] = frozenset()  # the worker processes that did some of the work


def build(config: ConfigCheck, options: BuildOptions) -> BuildResult:
    """Build the site of ``config`` (``check_config``'s result) into ``options.out``; on any
    error raise and leave ``out`` untouched. Every worker has ended when this returns or
    raises (``generator/site/pool.py``)."""
    from generator.site.pool import workers

    out, strict = options.out, options.strict
    check_out(out, config.path, options.incidents, options.history)
    started, started_ns = time.perf_counter(), time.time_ns()
    at = clock.now(options.now)
    store = Cache(options.cache)
    last = last_build(store, out)
    params = build_params(config.path, options.incidents, options.history, out.resolve(),
                          at.isoformat())
    static_dir = static_folder(config.path)
    inputs = input_files(config.path, options.incidents, options.history, static_dir,
                         last.assets) if store.enabled else {}
    recover(out)  # what a build killed mid-write left beside out
    current = tree_keys(out) if out.is_dir() else {}
    if store.enabled and last.unchanged(params, inputs, current):
        _check_strict(strict, last.warnings)
        log.debug("nothing changed since the last build (cache %s)", options.cache)
        return BuildResult(None, WriteReport((), len(last.manifest), (), last.manifest),
                           last.warnings, time.perf_counter() - started)

    jobs = workers(options.jobs)
    pids: set[int] = set()
    with _uncollected() as freeze:
        try:
            model, warnings = load_model(config, options.incidents, options.history, at,
                                         store if store.enabled else None, jobs, pids)
            _check_strict(strict, warnings)
            static = static_outputs(static_files(static_dir), started_ns)
            assets = _assets(model, config.path)
            if store.enabled and assets != last.assets:
                inputs = input_files(config.path, options.incidents, options.history,
                                     static_dir, assets)

            def fresh(output: Output) -> bool:
                """Whether the last build wrote this output from the same key, and it is
                still there."""
                stamp, key = last.manifest.get(output.path), last.outputs.get(output.path)
                return (key is not None and stamp is not None  # else no key is needed yet
                        and tuple(stamp[:2]) == current.get(output.path)
                        and output.key == key)

            staging = Staging(out, last.manifest, current)
            freeze()
            try:
                placed, keys = render(model, staging, fresh if store.enabled else None, jobs,
                                      pids, static)
                report = staging.finish(placed)
            except BaseException:
                staging.discard()  # after the workers have stopped writing into it
                raise
        finally:
            store.flush()  # the incidents parsed are kept for next time, even after a failure
        save_build(store, out, LastBuild(params, input_entries(inputs, started_ns),
                                         dict(report.manifest), keys, warnings, assets))
    helpers = pids - {os.getpid()}
    log.debug("built with %s", counted(len(helpers), "worker process", "worker processes")
              if helpers else "no worker process")
    return BuildResult(model, report, warnings, time.perf_counter() - started,
                       tuple(path for path, made in placed.items() if made is not None),
                       frozenset(helpers))


def load_model(config: ConfigCheck, incidents_dir: Path, history_dir: Path, now: datetime,
               cache: Cache | None = None, jobs: int = 1, pids: set[int] | None = None,
               ) -> tuple[SiteModel, tuple[str, ...]]:
    """Load the incidents and the history and compute the model at ``now``, with the
    warnings. ``jobs`` workers parse the incident files (``pids`` gets who parsed them)
    while this process reads the history."""
    from generator.history.read import read_history
    from generator.load.site import load_site
    from generator.model.compute import compute
    from generator.site.inputs import cached_incidents
    from generator.site.pool import MINIMUM, aside

    history: list[History] = []

    def read() -> None:  # with a status.yaml that has errors, load_site raises next
        if config.config is not None:
            history.append(read_history(history_dir, config.config, now))
        # While the workers parse, this process has time to spare: the renderers' modules
        # (0.08 s) are imported now rather than after the model, when the other core waits.
        import generator.render.outputs  # noqa: F401

    loaded, incidents, problems = load_site(config, incidents_dir, now, partial(
        cached_incidents, cache, jobs=jobs, pids=pids, meanwhile=read))
    # The incidents parsed are kept for next time, by a worker while the model is computed
    # here (when there are many: it ends before the build forks its others).
    save = cache.pending() if cache is not None else None
    with (aside(save, jobs if len(incidents) >= MINIMUM else 1) if save is not None
          else nullcontext()):
        model = compute(loaded, incidents, history[0], now)
    return model, tuple(str(p) for p in problems) + model.warnings


def render(model: SiteModel, staging: Staging, fresh: Callable[[Output], bool] | None = None,
           jobs: int = 1, pids: set[int] | None = None, static: Sequence[Output] = (),
           ) -> tuple[dict[str, Placed | None], dict[str, str]]:
    """Every output of the site, each stale one made and put into ``staging`` as soon as it
    is made (by ``jobs`` workers when there are many); ``None`` for one that ``fresh`` says
    the last build already wrote. With the outputs' keys, for the next build. ``pids`` gets
    the worker processes that did some of the work; ``static``: the files of ``static/``,
    which may take the place of no other output."""
    from generator.render.base import contexts
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

    def make(chunk: Sequence[Output]) -> list[tuple[Placed, str | None]]:
        with _template_errors():  # in whichever process makes it, with its key
            return [(staging.put(output.path, output.make()), output.key) for output in chunk]

    if jobs > 1 and len(stale) >= MINIMUM:
        with Pool(*chunked(make, stale, OUTPUTS), jobs) as pool:
            placed = [each for part in pool.results() for each in part]
        found.update(pool.pids)
    else:
        found.add(os.getpid())
        placed = make(stale)
    made = dict(zip((output.path for output in stale), placed, strict=True))
    keys = {}
    for output in declared:
        key = made[output.path][1] if output.path in made else output.key
        if key is not None:
            keys[output.path] = key
    return {output.path: made[output.path][0] if output.path in made else None
            for output in declared}, keys


@contextmanager
def _uncollected() -> Iterator[Callable[[], None]]:
    """Collections off while the build loads (a million objects and no garbage cycles: a
    collection would only scan them, 0.15 s each on the bench's cold build); ``freeze()``
    then puts what exists out of the collector's sight to the end of the build (in a forked
    worker a collection would also write to every page they are on) and turns collections
    back on for what is made after. At the end, everything is as it was."""
    collecting = gc.isenabled()
    gc.disable()

    def freeze() -> None:
        gc.freeze()
        if collecting:
            gc.enable()

    try:
        yield freeze
    finally:
        gc.unfreeze()
        if collecting:
            gc.enable()


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


def _assets(model: SiteModel, config_path: Path) -> tuple[str, ...]:
    """The image files status.yaml names (logo, favicon): inputs of the build too."""
    from generator.render.brand import images

    return tuple(sorted({os.path.join(config_path.parent, image.name)
                         for image in images(model.config.site)}))


def _check_strict(strict: bool, warnings: tuple[str, ...]) -> None:
    if strict and warnings:
        for warning in warnings:  # the build stops here: show what stopped it
            log.warning("%s", warning)
        raise BuildError(f"{counted(len(warnings), 'warning')} and --strict is on; fix them first")
