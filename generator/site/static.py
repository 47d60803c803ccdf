"""``static/``: files of the site's folder copied into the site as they are.

``static/CNAME`` becomes the site's ``CNAME``, ``static/.well-known/security.txt`` its
``.well-known/security.txt``, ``static/img/team.png`` its ``img/team.png``. They are outputs
like any other, so a build keeps them (a file put into the built site by hand is removed by
the next build; one in ``static/`` stays), writes them only when they change, and fails,
naming both, when one would take the place of a file or folder Kabar writes. Each is keyed by
its stat (time, size, inode), so an unchanged rebuild does not read it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path

from generator.errors import BuildError
from generator.files import StatKey, tree_keys
from generator.render.output import Output, digest
from generator.site.cache import racy

FOLDER = "static"


def static_folder(config_path: Path) -> Path:
    """The ``static/`` folder beside ``status.yaml``."""
    return config_path.parent / FOLDER


def static_files(folder: Path) -> dict[str, tuple[str, StatKey]]:
    """``site path -> (file, stat key)`` of every file under ``folder`` (none without it).

    A symbolic link is followed when it stays inside the site's folder; one that leads out
    of it is an error, as it is for ``status.yaml`` and incident files.
    """
    if not folder.is_dir():
        return {}
    root = os.path.realpath(folder.parent)
    found: dict[str, tuple[str, StatKey]] = {}
    for name, key in sorted(tree_keys(folder).items()):
        path = os.path.join(folder, name)
        if os.path.commonpath([os.path.realpath(path), root]) != root:
            raise BuildError(f"{FOLDER}/{name}: a symbolic link to a file outside the site's "
                             "folder; put the file itself there")
        found[name] = (path, key)
    return found


def static_outputs(files: Mapping[str, tuple[str, StatKey]], since_ns: int) -> list[Output]:
    """An output for each static file, keyed by its stat; a file changed within the racy
    window of ``since_ns`` is read and compared on every build, as the cache does."""
    outputs = []
    for name, (path, key) in files.items():
        stat = os.stat(path)
        stamp = None if racy((key,), since_ns) else digest("static", name, key, stat.st_ino)
        outputs.append(Output(name, stamp, partial(_read, name, path)))
    return outputs


def _read(name: str, path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise BuildError(f"{FOLDER}/{name}: cannot read: {exc.strerror or exc}") from None


def check_clashes(static: Iterable[str], made: Iterable[str]) -> None:
    """Raise when a static file would replace one of Kabar's outputs or a folder of them."""
    made = set(made)
    folders: dict[str, str] = {}  # a folder of Kabar's outputs -> one output in it
    for path in sorted(made):
        parts = path.split("/")
        for n in range(1, len(parts)):
            folders.setdefault("/".join(parts[:n]), path)
    for name in static:
        if name in made:
            raise BuildError(f"{FOLDER}/{name}: Kabar writes {name} itself; rename the file "
                             f"or remove it from {FOLDER}/")
        if name in folders:
            raise BuildError(f"{FOLDER}/{name}: Kabar writes the folder {name}/ (for "
                             f"{folders[name]}); rename the file or remove it from {FOLDER}/")
        parts = name.split("/")
        for n in range(1, len(parts)):
            above = "/".join(parts[:n])
            if above in made:
                raise BuildError(f"{FOLDER}/{name}: Kabar writes {above} as a file, so "
                                 f"{FOLDER}/{above}/ cannot be a folder; rename it")
