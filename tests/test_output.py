"""The site writer: all or nothing, and nothing rewritten when nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import BuildError
from generator.site.output import SITE_MARK
from tests.writing import write_site


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
    files = [("index.html", b"<p>hi"), ("a/b.txt", b"b"), (SITE_MARK, b"{}")]
    write_site(out, files)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    report = write_site(out, files)
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    assert not report.changed
    assert before == after


def test_one_change_rewrites_only_that_file(tmp_path: Path) -> None:
    out = tmp_path / "_site"
    write_site(out, [("index.html", b"old"), ("keep.txt", b"same"), ("gone.txt", b"x"),
                     (SITE_MARK, b"{}")])
    kept = (out / "keep.txt").stat()
    report = write_site(out, [("index.html", b"new"), ("keep.txt", b"same"), (SITE_MARK, b"{}")])
    assert report.written == ("index.html",)
    assert report.removed == ("gone.txt",)
    assert _tree(out) == {"index.html": b"new", "keep.txt": b"same", SITE_MARK: b"{}"}
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


def test_refuses_to_replace_a_folder_kabar_did_not_build(tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.odt").write_bytes(b"years of work")
    with pytest.raises(BuildError, match="the folder holds files Kabar did not build"):
        write_site(documents, [("index.html", b"<p>hi"), (SITE_MARK, b"{}")])
    assert (documents / "thesis.odt").read_bytes() == b"years of work"


def test_refuses_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BuildError, match=r"^--out \.: that is the current folder or holds it"):
        write_site(Path("."), [("index.html", b"<p>hi"), (SITE_MARK, b"{}")])
