"""Write a whole site of given files through ``generator.site.output.Staging``, as a build
does once its files are made (tests only: the build puts each file as it is made)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.files import StatKey
from generator.site.output import FileStamp, Staging, WriteReport


def write_site(out: Path, files: Iterable[tuple[str, bytes | None]],
               manifest: Mapping[str, FileStamp] | None = None,
               current: Mapping[str, StatKey] | None = None) -> WriteReport:
    """Make ``out`` hold exactly ``files``; touch nothing when nothing changed.

    ``manifest`` is what the last build wrote and ``current`` the ``(mtime_ns, size)`` of
    what ``out`` holds now (scanned when not given). ``None`` bytes keep the old file, which
    must still match the manifest.
    """
    staging = Staging(out, manifest, current)
    try:
        placed = {name: None if data is None else staging.put(name, data)
                  for name, data in files}
        return staging.finish(placed)
    except BaseException:
        staging.discard()
        raise
