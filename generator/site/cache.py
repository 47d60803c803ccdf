"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

A folder (``.kabar-cache/`` by default) of JSON files, safe to delete. JSON and not pickle:
the folder sits in the site's repository, and a pull request must not be able to run code
in CI by committing a crafted cache file. Every file carries a stamp of the Kabar version,
its own source and ``site_templates/``, so an upgrade or a template edit starts afresh; a
damaged or foreign file is ignored (with a debug log) and never breaks a build.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import WriteError
from generator.files import StatKey, atomic_write
from generator.render.output import digest, templates_digest

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
