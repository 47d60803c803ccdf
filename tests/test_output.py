"""The site writer: all or nothing, and nothing rewritten when nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import BuildError
from generator.output import write_site


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file()}


def test_first_write_creates_every_file(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    report = write_site(out, [("index.html", b"<p>hi"), ("api/v2/status.json", b"{}")])
    assert _tree(out) == {"index.html": b"<p>hi", "api/v2/status.json": b"{}"}
    assert report.written == ("api/v2/status.json", "index.html")


def test_unchanged_rebuild_touches_no_file(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    files = [("index.html", b"<p>hi"), ("a/b.txt", b"b")]
    write_site(out, files)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    report = write_site(out, files)
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    assert not report.changed
    assert before == after


def test_one_change_rewrites_only_that_file(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    write_site(out, [("index.html", b"old"), ("keep.txt", b"same"), ("gone.txt", b"x")])
    kept = (out / "keep.txt").stat()
    report = write_site(out, [("index.html", b"new"), ("keep.txt", b"same")])
    assert report.written == ("index.html",)
    assert report.removed == ("gone.txt",)
    assert _tree(out) == {"index.html": b"new", "keep.txt": b"same"}
    now = (out / "keep.txt").stat()
    assert (now.st_ino, now.st_mtime_ns) == (kept.st_ino, kept.st_mtime_ns)


def test_failure_while_rendering_leaves_old_site(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    write_site(out, [("index.html", b"good")])

    def broken():  # a renderer that fails half way
        yield "index.html", b"half"
        raise BuildError("template error")

    with pytest.raises(BuildError):
        write_site(out, broken())
    assert _tree(out) == {"index.html": b"good"}
    assert [p.name for p in tmp_path.iterdir()] == ["_site"]  # no staging folder left


def test_refuses_paths_outside_the_site(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="refusing to write outside the site: ../evil"):
        write_site(tmp_path / "_site", [("../evil", b"x")])
