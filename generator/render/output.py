"""What a renderer declares: an output's path, a key of what it shows, and how to make it.

Renderers say what they would make and from what; the build (``generator/site/build.py``)
decides which outputs are stale, by key, against the last build, and makes only those
(Sphinx splits ``get_outdated_docs`` from ``write_doc`` the same way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator import resources


@dataclass(frozen=True)
class Output:
    """One file of the site."""

    path: str  # inside the site, e.g. "incidents/2025-07-16-login.html"
    key: str | None  # a digest of all the file shows; None: it shows ``now``, made every build
    make: Callable[[], bytes]


def digest(*parts: Any) -> str:
    """A short, stable hex digest of ``parts`` (their reprs): an output's key."""
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


@cache
def templates_digest() -> str:
    """A digest of every file under ``site_templates/`` (names and bytes): part of every key."""
    root = resources.site_templates()
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:32]
