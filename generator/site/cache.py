"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

``LastBuild`` is the fingerprint of a build: the parameters besides the files (``params``),
every input file's stat key (``inputs``; a file changed within ``RACY_NS`` of being read is
kept with its digest instead, git's racy rule), what it wrote (``manifest``: each file's
time, size and digest) and each output's key. A build whose parameters and inputs match and
whose site is as the manifest says does nothing; otherwise it makes only the outputs whose
key changed (``generator/site/build.py``).

A folder (``.kabar-cache/`` by default) of JSON files, safe to delete. JSON and not pickle:
the folder sits in the site's repository, and a pull request must not be able to run code
in CI by committing a crafted cache file. Every file carries a stamp of the Kabar version,
its own source and ``site_templates/``, so an upgrade or a template edit starts afresh; a
damaged or foreign file is ignored (with a debug log) and never breaks a build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import WriteError
from generator.files import Inputs, StatKey, atomic_write
from generator.render.output import digest, templates_digest
from generator.site.output import FileStamp

log = logging.getLogger(__name__)

DEFAULT_FOLDER = Path(".kabar-cache")
FORMAT = 2
# A file whose mtime is this close to when it was read may still change within the same
# mtime tick (1 s on some file systems); its stat key is not trusted (git's "racy" rule).
RACY_NS = 2_000_000_000


@cache
def engine_stamp() -> str:
    """What invalidates every cached thing: the version, the engine's code and the templates."""
    code = Path(__file__).resolve().parent.parent
    stats = []
    for path in sorted(code.rglob("*.py")):
        stat = path.stat()
        stats.append((path.relative_to(code).as_posix(), stat.st_mtime_ns, stat.st_size))
    return digest(FORMAT, __version__, stats, templates_digest())


def racy(keys: Iterable[StatKey | None], since_ns: int) -> bool:
    """Whether any of ``keys`` was modified too close to ``since_ns`` to be trusted."""
    return any(key is not None and key[0] > since_ns - RACY_NS for key in keys)


class Cache:
    """Named JSON documents in one folder; ``folder=None`` is a cache that keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._later: dict[str, Callable[[], Any]] = {}

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def load(self, name: str) -> Any:
        """The document saved as ``name``, or None when missing, damaged or stale."""
        if self.folder is None:
            return None
        path = self.folder / f"{name}.json"
        try:
            with path.open("rb") as handle:
                document = json.load(handle)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.debug("%s: ignoring a damaged cache file (%s)", path, exc)
            return None
        if not isinstance(document, dict) or document.get("stamp") != engine_stamp():
            log.debug("%s: ignoring a cache file from another Kabar or template set", path)
            return None
        return document.get("data")

    def save_later(self, name: str, make: Callable[[], Any]) -> None:
        """Save ``make()`` as ``name`` at the next ``flush``: the build does it while it
        computes the model (the incidents' entries take 0.1 s to encode on the bench)."""
        if self.folder is not None:
            self._later[name] = make

    def flush(self) -> None:
        """Save what ``save_later`` was given."""
        save = self.pending()
        if save is not None:
            save()

    def pending(self) -> Callable[[], None] | None:
        """What ``flush`` would save, taken out of this cache to be saved elsewhere (by a
        worker: see ``generator/site/build.py``); None when there is nothing to save."""
        later, self._later = self._later, {}
        if not later:
            return None

        def save() -> None:
            for name, make in later.items():
                self.save(name, make())

        return save

    def save(self, name: str, data: Any) -> None:
        """Save ``data`` as ``name``; a failure only logs, the build goes on."""
        if self.folder is None:
            return
        path = self.folder / f"{name}.json"
        try:
            text = json.dumps({"stamp": engine_stamp(), "data": data}, separators=(",", ":"))
            atomic_write(path, text.encode("utf-8"), sync=False)  # safe to lose
        except (WriteError, TypeError, ValueError) as exc:
            log.debug("%s: cannot save the cache (%s)", path, exc)


@dataclass(frozen=True)
class LastBuild:
    """What the last build into a folder saved; empty when there is none."""

    params: str | None = None
    inputs: Any = None  # name -> [mtime_ns, size, digest] (``input_entries``)
    manifest: dict[str, FileStamp] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # path -> the key it was made from
    warnings: tuple[str, ...] = ()
    assets: tuple[str, ...] = ()  # the image files status.yaml named: inputs too

    def unchanged(self, params: str, inputs: Inputs, current: Mapping[str, StatKey]) -> bool:
        """Whether a build with ``params`` and ``inputs`` would make what ``current`` (the
        site on disk) already holds."""
        return (self.params == params and self.manifest.keys() == current.keys()
                and all(stamp[:2] == current[path] for path, stamp in self.manifest.items())
                and _same_inputs(self.inputs, inputs))


def build_params(*parts: object) -> str:
    """A digest of what, besides the input files, decides the output (``now``, the paths),
    with the engine's stamp."""
    return digest(engine_stamp(), os.getcwd(), *map(str, parts))


def last_build(store: Cache, out: Path) -> LastBuild:
    """What the last build into ``out`` saved in ``store``."""
    document = store.load("build")
    if not isinstance(document, dict) or document.get("out") != str(out.resolve()):
        return LastBuild()
    try:
        return LastBuild(
            document.get("params"), document.get("inputs"),
            {str(path): (int(m), int(s), str(h))
             for path, (m, s, h) in document["manifest"].items()},
            {str(path): str(key) for path, key in document["outputs"].items()},
            tuple(str(line) for line in document["warnings"]),
            tuple(str(path) for path in document.get("assets", [])))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        log.debug("ignoring a damaged build cache (%s)", exc)
        return LastBuild()


def save_build(store: Cache, out: Path, made: LastBuild) -> None:
    """Save ``made`` as the last build into ``out``."""
    store.save("build", {
        "out": str(out.resolve()), "params": made.params, "inputs": made.inputs,
        "manifest": {path: list(stamp) for path, stamp in made.manifest.items()},
        "outputs": made.outputs, "warnings": list(made.warnings), "assets": list(made.assets)})


def file_digest(path: str) -> str:
    """The SHA-256 of a file's bytes; empty when it cannot be read."""
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
        if entry[1] != key[1] or not entry[2] or file_digest(path) != entry[2]:
            return False
    return True


def input_entries(inputs: Inputs, started_ns: int) -> dict[str, list[Any]]:
    """What ``LastBuild.inputs`` keeps of ``inputs`` read from ``started_ns``, for
    ``_same_inputs`` to compare next time. A file changed within RACY_NS of this build
    might change again without its stat key showing it: its bytes are kept to compare."""
    entries: dict[str, list[Any]] = {}
    for name, (path, key) in inputs.items():
        if key is None:
            continue
        if racy((key,), started_ns):
            entries[name] = [0, key[1], file_digest(path)]
        else:
            entries[name] = [key[0], key[1], ""]
    return entries
