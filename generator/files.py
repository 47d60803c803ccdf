"""The one file module: the atomic write, the append, the stat keys and the walk over inputs.

Every file Kabar writes goes through here: results files, history lines, new incidents, the
sent-notifications record, the cache and each page of the site.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from generator.errors import WriteError

StatKey = tuple[int, int]  # (mtime_ns, size)
Inputs = dict[str, tuple[str, "StatKey | None"]]  # name -> (file, stat key)


def write_all(handle: int, data: bytes) -> None:
    """Write all of ``data`` to an open file descriptor (``os.write`` may write less)."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def create(path: str, data: bytes) -> os.stat_result:
    """Create ``path`` holding ``data``; its stat once written (os.open: no buffered file)."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0),
                     0o666)
    try:
        write_all(handle, data)
        return os.fstat(handle)
    finally:
        os.close(handle)


def prefetch(paths: Iterable[str]) -> None:
    """Ask the kernel to start reading each regular file of ``paths`` now, so that reading
    them one by one finds them in memory: many reads in flight instead of one at a time (on
    a cold cache 10,000 incident files are read in 0.16 s instead of 0.65 s). A hint only:
    where the system has no ``posix_fadvise``, or a file cannot be opened, nothing happens."""
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:  # pragma: no cover - macOS, Windows
        return
    for path in paths:
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(handle).st_mode):  # a FIFO or a device: left alone
                advise(handle, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(handle)


def atomic_write(path: Path, data: bytes, sync: bool = True) -> None:
    """Write ``data`` to ``path`` so a reader sees the old file or the new one, never half.

    The file follows the umask (0644 under 022), as any other written file; a full disk or a
    read-only folder is one ``WriteError`` and leaves the old file as it was. ``sync=False``
    skips the fsync, for a file that may be lost in a crash (the build cache).
    """
    tmp = ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}.tmp")
            try:
                handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        else:
            raise FileExistsError(f"{path}: no free temporary name")
        try:
            write_all(handle, data)
            if sync:
                os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise


def append_lines(path: Path, lines: Sequence[str]) -> None:
    """Append whole lines with one ``write`` and fsync; a torn last line stays on its own."""
    data = "".join(line + "\n" for line in lines).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # never glue a new line onto an interrupted one
        try:
            write_all(fd, data)
            os.fsync(fd)
        except OSError as exc:
            os.ftruncate(fd, size)  # a full disk: take back the part that was written
            if not size:
                os.unlink(path)
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    finally:
        os.close(fd)


def stat_key(path: str | Path) -> StatKey | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def tree_keys(folder: Path) -> dict[str, StatKey]:
    """``relative path -> (mtime_ns, size)`` of every file under ``folder``."""
    found: dict[str, StatKey] = {}
    pending = [("", str(folder))]
    while pending:
        prefix, directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            name = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append((name + "/", entry.path))
                elif entry.is_file():
                    stat = entry.stat()
                    found[name] = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                continue
    return found


def input_files(config_path: Path, incidents_dir: Path, history_dir: Path,
                static_dir: Path | None = None, extra: Iterable[str] = ()) -> Inputs:
    """Every input of a build, with its stat key: status.yaml, each entry of the incidents
    folder, each file under the history folder and under ``static_dir``, and ``extra`` files
    (the images status.yaml names)."""
    found: Inputs = {"config": (os.fspath(config_path), stat_key(config_path))}
    if incidents_dir.is_dir():
        folder = os.fspath(incidents_dir)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            found["incidents/" + name] = (path, stat_key(path))
    for prefix, tree in (("history/", history_dir), ("static/", static_dir)):
        if tree is None:
            continue
        base = os.fspath(tree)
        for name, key in tree_keys(tree).items():
            found[prefix + name] = (os.path.join(base, name), key)
    for path in extra:
        found["file:" + path] = (path, stat_key(path))
    return found
