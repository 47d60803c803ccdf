"""Writing the site: all or nothing, and only the files whose bytes changed.

The new site is assembled in a temporary folder beside the old one, each changed file
written there as soon as it is made (by whichever process made it); unchanged files are
hard-linked from the old site (so they keep their inode and time); then the folders are
swapped. A build that fails before the swap leaves the old site as it was.

With the last build's manifest (``path -> (mtime_ns, size, sha256)``), a file still on disk
with the manifest's time and size is compared by digest instead of being read, and a file
given as ``None`` ("keep") is taken from the old site unread.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import secrets
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import BuildError
from generator.files import StatKey, create, tree_keys

log = logging.getLogger(__name__)

FileStamp = tuple[int, int, str]  # (mtime_ns, size, sha256 hex) of a file of the site


@dataclass(frozen=True)
class WriteReport:
    written: tuple[str, ...]  # new or changed
    unchanged: int
    removed: tuple[str, ...]
    manifest: Mapping[str, FileStamp] = field(default_factory=dict)  # what ``out`` now holds

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


# Every site Kabar builds has it; a folder without it is someone else's, and is not replaced.
SITE_MARK = "api/v2/status.json"


def _guard(out: Path, current: Mapping[str, StatKey]) -> None:
    """Refuse to replace a folder Kabar did not build (``--out .``, ``--out ~/Documents``)."""
    if out.exists() and not out.is_dir():
        raise BuildError(f"--out {out}: that is a file, not a folder; give the site a folder "
                         "of its own, e.g. --out _site")
    here = Path.cwd().resolve()
    target = out.resolve()
    if target == here or target in here.parents:
        raise BuildError(f"--out {out}: that is the current folder or holds it; "
                         "give the site a folder of its own, e.g. --out _site")
    if current and SITE_MARK not in current:
        raise BuildError(f"--out {out}: the folder holds files Kabar did not build, and a "
                         "build replaces the whole folder; choose a new folder or empty it")


Placed = tuple[FileStamp, bool]  # a made file's stamp, and whether it was written


class Staging:
    """The new site, assembled in a folder beside ``out`` as its files are made.

    ``put`` writes a made file there unless ``out`` already holds the same bytes; any
    process may call it once ``open`` has made the folders (a forked worker writes its own
    files). ``finish`` hard-links the files it did not write from the old site (so they keep
    their inode and time) and swaps the folders, or removes the staging folder when nothing
    changed; ``discard`` removes it after a failure, leaving ``out`` as it was.
    """

    def __init__(self, out: Path, manifest: Mapping[str, FileStamp] | None = None,
                 current: Mapping[str, StatKey] | None = None) -> None:
        recover(out)
        if current is None:
            current = tree_keys(out) if out.is_dir() else {}
        _guard(out, current)
        self.out = out
        self.old = manifest or {}
        self.current = current
        self.folder: str | None = None

    def open(self, names: Iterable[str]) -> None:
        """Make the staging folder and the folders ``names`` go into (before forking)."""
        folder = self._folder()
        try:
            for name in sorted({os.path.dirname(name) for name in names} - {""}):
                os.makedirs(os.path.join(folder, name), exist_ok=True)
        except OSError as exc:
            raise self._error(exc) from None

    def put(self, name: str, data: bytes) -> Placed:
        """Stage ``name`` with ``data``: written, unless ``out`` holds those bytes already."""
        if name.startswith("/") or ".." in Path(name).parts:
            raise BuildError(f"refusing to write outside the site: {name}")
        on_disk = self.current.get(name)
        stamp = self.old.get(name)
        sha = hashlib.sha256(data).hexdigest()
        if stamp is not None and on_disk is not None and tuple(stamp[:2]) == on_disk:
            same = stamp[2] == sha  # trusted: the manifest's digest stands for the bytes
        else:
            same = on_disk is not None and _same(self.out / name, data)
        if same and on_disk is not None:
            return (*on_disk, sha), False
        target = os.path.join(self._folder(), name)
        try:
            try:
                stat = create(target, data)
            except FileNotFoundError:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                stat = create(target, data)
        except OSError as exc:
            raise self._error(exc) from None
        return (stat.st_mtime_ns, stat.st_size, sha), True

    def finish(self, placed: Mapping[str, Placed | None]) -> WriteReport:
        """Make ``out`` hold exactly the files of ``placed`` (``None``: keep the old file,
        which must still match the manifest); nothing is touched when nothing changed."""
        stamps: dict[str, FileStamp] = {}
        written: list[str] = []
        for name, made in placed.items():
            if made is not None:
                stamps[name] = made[0]
                if made[1]:
                    written.append(name)
                continue
            stamp, on_disk = self.old.get(name), self.current.get(name)
            if stamp is None or on_disk is None or tuple(stamp[:2]) != on_disk:
                raise BuildError(f"{self.out / name}: changed since the last build; "
                                 "build again")
            stamps[name] = stamp
        removed = tuple(sorted(self.current.keys() - placed.keys()))
        if self.out.is_dir() and not written and not removed:
            self.discard()
            return WriteReport((), len(placed), (), stamps)
        changed = set(written)
        old_site = os.fspath(self.out)
        try:
            folder = self._folder()
            kept = placed.keys() - changed
            for name in sorted({os.path.dirname(name) for name in kept} - {""}):
                os.makedirs(os.path.join(folder, name), exist_ok=True)
            for name in kept:
                source, target = os.path.join(old_site, name), os.path.join(folder, name)
                try:
                    os.link(source, target)
                    continue
                except OSError:
                    # Another file system: copy instead, and learn its new time.
                    shutil.copyfile(source, target)
                    stat = os.stat(target)
                stamps[name] = (stat.st_mtime_ns, stat.st_size, stamps[name][2])
            _swap(Path(folder), self.out)
        except OSError as exc:
            self.discard()
            raise self._error(exc) from None
        except BaseException:
            self.discard()
            raise
        self.folder = None  # it is the site now
        written.sort()
        return WriteReport(tuple(written), len(placed) - len(written), removed, stamps)

    def discard(self) -> None:
        """Remove the staging folder and all it holds; ``out`` stays as it was."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def _folder(self) -> str:
        if self.folder is None:
            try:
                self.out.parent.mkdir(parents=True, exist_ok=True)
                self.folder = _new_folder(self.out.parent, f".{self.out.name}.new-")
            except OSError as exc:
                raise self._error(exc) from None
        return self.folder

    def _error(self, exc: OSError) -> BuildError:
        return BuildError(f"{self.out}: cannot write the site: {exc.strerror or exc}")


def _new_folder(parent: Path, prefix: str) -> str:
    """A new empty folder in ``parent``; unlike ``mkdtemp`` (0700) it follows the umask, so
    a web server running as another user can read the site."""
    for _ in range(100):
        path = os.path.join(parent, prefix + secrets.token_hex(4))
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{parent}: no free name for {prefix}…")


def _swap(staging: Path, out: Path) -> None:
    """Put ``staging`` in the place of ``out`` so that ``out`` is, at every moment, the old
    site or the new one: one atomic exchange where the system has it (Linux), else two
    renames, which a crash between them leaves for :func:`recover` to undo."""
    if not out.exists():
        os.replace(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # it holds the old site now
        return
    retired = _new_folder(out.parent, f".{out.name}.old-")
    os.rmdir(retired)
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except OSError:
        os.replace(retired, out)  # put the old site back
        raise
    shutil.rmtree(retired, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                 _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # this kernel or file system cannot: fall back to two renames
    raise OSError(code, os.strerror(code), os.fspath(first))


def recover(out: Path) -> None:
    """Undo what a build killed mid-write left beside ``out``.

    A staging folder (``.NAME.new-…``) is removed. A retired site (``.NAME.old-…``) is put
    back when ``out`` is missing (killed between the two renames of :func:`_swap`), else
    removed. Only folders that hold a Kabar site are touched.
    """
    try:
        leftovers = [entry for entry in os.scandir(out.parent)
                     if entry.name.startswith((f".{out.name}.new-", f".{out.name}.old-"))
                     and entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for entry in sorted(leftovers, key=lambda item: item.name):
        if not os.path.exists(os.path.join(entry.path, SITE_MARK)) and ".new-" not in entry.name:
            continue
        if ".old-" in entry.name and not out.exists():
            os.replace(entry.path, out)
            log.warning("%s: put back the site an interrupted build had moved aside", out)
        else:
            shutil.rmtree(entry.path, ignore_errors=True)
