"""Writing the site: all or nothing, and only the files whose bytes changed.

The new site is assembled in a temporary folder beside the old one; unchanged files are
hard-linked from the old site (so they keep their inode and time), changed ones written;
then the folders are swapped. A build that fails before the swap leaves the old site as it was.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import BuildError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]  # new or changed
    unchanged: int
    removed: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


def _same(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def write_site(out: Path, files: Iterable[tuple[str, bytes]]) -> WriteReport:
    """Make ``out`` hold exactly ``files``; touch nothing when nothing changed."""
    wanted = dict(files)
    for name in wanted:
        if name.startswith("/") or ".." in Path(name).parts:
            raise BuildError(f"refusing to write outside the site: {name}")
    old = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} \
        if out.is_dir() else set()
    written = tuple(sorted(n for n, data in wanted.items() if not _same(out / n, data)))
    removed = tuple(sorted(old - wanted.keys()))
    if out.is_dir() and not written and not removed:
        return WriteReport((), len(wanted), ())

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        changed = set(written)
        for name, data in wanted.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if name not in changed:
                try:
                    os.link(out / name, target)
                    continue
                except OSError:
                    pass  # another file system: copy instead
            target.write_bytes(data)
        _swap(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildError(f"{out}: cannot write the site: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return WriteReport(written, len(wanted) - len(written), removed)


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(retired)
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except OSError:
        os.replace(retired, out)  # put the old site back
        raise
    shutil.rmtree(retired, ignore_errors=True)
