"""What a renderer declares: an output's path, a key of what it shows, and how to make it.

Renderers say what they would make and from what; the build (``generator/site/build.py``)
decides which outputs are stale, by key, against the last build, and makes only those
(Sphinx splits ``get_outdated_docs`` from ``write_doc`` the same way).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any

from generator import resources


class Output:
    """One file of the site: its ``path`` inside the site ("incidents/2025-07-16-login.html"),
    its ``key`` and how to ``make`` it.

    The key is a digest of all the file shows, or None when it shows ``now`` (made every
    build). A renderer may give the function that computes it instead: the key is then
    computed when first asked for, which a cold build does in the worker that makes the file
    (nothing to compare it with before), not while declaring every output on one core.
    """

    __slots__ = ("path", "make", "_key")

    def __init__(self, path: str, key: str | None | Callable[[], str | None],
                 make: Callable[[], bytes]) -> None:
        self.path = path
        self.make = make
        self._key = key

    @property
    def key(self) -> str | None:
        if callable(self._key):
            self._key = self._key()
        return self._key

    def under(self, prefix: str) -> Output:
        """The same output in a folder of its own (another language's pages)."""
        return Output(prefix + self.path, self._key, self.make)

    def __repr__(self) -> str:
        return f"Output({self.path!r})"


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
