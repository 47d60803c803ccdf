"""Faults: a build or record killed at any moment, a full disk, a read-only folder, damaged
history, an --out that is a file, and files a web server running as another user can read."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.errors import BuildError, HistoryError, WriteError
from generator.files import atomic_write
from generator.history.read import read_history
from generator.history.record import record
from generator.load.config import Config, load_config
from generator.load.results import Result, Run, write_run
from generator.site.output import SITE_MARK, recover
from tests.conftest import ROOT
from tests.writing import write_site

NOW_A = "2025-07-16T10:00+07:00"
NOW_B = "2025-07-18T10:00+07:00"


def _env() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("GITHUB_ACTIONS", "SOURCE_DATE_EPOCH")}
    environ["PYTHONPATH"] = str(ROOT)
    return environ


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def site_dir(example_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example site; the current folder is it."""
    monkeypatch.chdir(example_site)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return example_site


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".new-" in p.name or ".old-" in p.name)


# Killed builds and records ----------------------------------------------------------------

def test_a_build_killed_at_any_moment_leaves_a_whole_site(site_dir: Path) -> None:
    """SIGKILL after random delays: ``_site`` is always the old site or the new one, whole."""
    build = [sys.executable, "-m", "generator", "build"]
    assert subprocess.run([*build, "--now", NOW_B], cwd=site_dir, env=_env()).returncode == 0
    new = _tree(site_dir / "_site")
    assert subprocess.run([*build, "--now", NOW_A], cwd=site_dir, env=_env()).returncode == 0
    old = _tree(site_dir / "_site")
    assert old != new
    chance = random.Random(8)
    outcomes = []
    for _ in range(12):
        process = subprocess.Popen([*build, "--now", NOW_B], cwd=site_dir, env=_env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.02, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = _tree(site_dir / "_site")
        assert now in (old, new)
        outcomes.append("new" if now == new else "old")
        # The next build cleans up after the killed one and is right, cache and all.
        assert subprocess.run([*build, "--now", NOW_A], cwd=site_dir, env=_env(),
                              capture_output=True).returncode == 0
        assert _tree(site_dir / "_site") == old
        assert _leftovers(site_dir) == []
    assert "old" in outcomes  # some kills did land before the swap


def test_a_build_killed_between_two_renames_is_put_back(tmp_path: Path) -> None:
    """Where there is no atomic exchange the swap is two renames; a kill between them
    leaves the old site aside, and the next build puts it back before anything else."""
    out = tmp_path / "_site"
    write_site(out, [(SITE_MARK, b"{}"), ("index.html", b"old")])
    os.replace(out, tmp_path / "._site.old-1234abcd")  # killed here
    (tmp_path / "._site.new-99999999").mkdir()  # and a staging folder, half full
    (tmp_path / "._site.new-99999999" / "index.html").write_bytes(b"ne")
    recover(out)
    assert _tree(out) == {SITE_MARK: b"{}", "index.html": b"old"}
    assert _leftovers(tmp_path) == []
    report = write_site(out, [(SITE_MARK, b"{}"), ("index.html", b"new")])
    assert report.written == ("index.html",)
    assert _tree(out) == {SITE_MARK: b"{}", "index.html": b"new"}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "status.yaml").write_text(
        "site: {title: T, url: 'https://status.example.com/', interval: 5m}\n"
        "components:\n  - {id: api, name: API, probe: {http: 'https://api.example.com/'}}\n")
    return load_config(tmp_path / "status.yaml")


def _run(at: datetime, state: str = "up") -> Run:
    return Run("default", at, at, (Result("api", at, state, 12.0),))


def _results(tmp_path: Path, runs: list[Run]) -> Iterator[Path]:
    for n, run in enumerate(runs):
        path = tmp_path / "results" / f"{n}.json"
        write_run(run, path)
        yield path


T0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)


def test_a_record_cut_off_anywhere_keeps_what_was_recorded(tmp_path: Path,
                                                           config: Config) -> None:
    """What a kill during the append can leave: the new line cut at any byte. Every earlier
    run stays readable, the cut one costs a warning, and the next record is whole."""
    history = tmp_path / "history"
    files = list(_results(tmp_path, [_run(T0 + timedelta(minutes=5 * n)) for n in range(4)]))
    for path in files[:2]:
        record(history, [path], config)
    raw = history / "raw" / "2026-11-24.jsonl"
    kept = raw.read_bytes()
    record(history, [files[2]], config)
    whole = raw.read_bytes()
    for cut in range(len(kept) + 1, len(whole) - 1):
        raw.write_bytes(whole[:cut])
        read = read_history(history, config, T0 + timedelta(hours=1))
        assert [s.at for s in read.of("api").recent] == [T0, T0 + timedelta(minutes=5)]
        assert read.warnings == (f"{raw}:3: warning: truncated last line (an interrupted "
                                 "write); skipped",)
        record(history, [files[3]], config)  # the next run starts on a line of its own
        read = read_history(history, config, T0 + timedelta(hours=1))
        assert [s.at for s in read.of("api").recent] == [
            T0, T0 + timedelta(minutes=5), T0 + timedelta(minutes=15)]


def test_a_record_killed_at_any_moment_keeps_history(tmp_path: Path, config: Config) -> None:
    history = tmp_path / "history"
    files = list(_results(tmp_path, [_run(T0 + timedelta(minutes=5 * n)) for n in range(9)]))
    record(history, [files[0]], config)
    chance = random.Random(9)
    for path in files[1:]:
        before = read_history(history, config, T0 + timedelta(hours=1)).of("api").recent
        process = subprocess.Popen(
            [sys.executable, "-m", "generator", "record", "--config", str(tmp_path /
             "status.yaml"), "--history", str(history), str(path)], cwd=tmp_path, env=_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.02, 0.4))
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = read_history(history, config, T0 + timedelta(hours=1)).of("api").recent
        assert after[:len(before)] == before
        assert len(after) - len(before) in (0, 1)


# A full disk and a read-only folder -------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1.2 MB tmpfs, room for the example site in two languages (root can mount one;
    skipped where mounting is not allowed)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _fill(folder: Path, leave: int) -> None:
    """Fill the disk of ``folder`` but ``leave`` bytes."""
    free = shutil.disk_usage(folder).free - leave
    with open(folder / "ballast", "wb") as handle:
        while free > 0:
            free -= handle.write(b"\0" * min(free, 1 << 16))


def test_a_full_disk_is_one_line_and_keeps_the_site(site_dir: Path, small_disk: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = small_disk / "_site"
    assert main(["build", "--out", str(out), "--now", NOW_A, "--no-cache"]) == 0
    old = _tree(out)
    capsys.readouterr()
    _fill(small_disk, 20_000)
    assert main(["build", "--out", str(out), "--now", NOW_B, "--no-cache"]) == 1
    assert capsys.readouterr().err == (f"error: {out}: cannot write the site: No space left "
                                       "on device\n")
    assert _tree(out) == old
    assert _leftovers(small_disk) == []


def test_a_full_disk_costs_history_nothing(tmp_path: Path, config: Config,
                                           small_disk: Path) -> None:
    history = small_disk / "history"
    files = list(_results(tmp_path, [_run(T0), _run(T0 + timedelta(hours=3))]))
    record(history, [files[0]], config)
    raw = history / "raw" / "2026-11-24.jsonl"
    before = raw.read_bytes()
    _fill(small_disk, 0)
    with pytest.raises(HistoryError) as caught:
        record(history, [files[1]], config)  # the next UTC day: a new file, and no room
    assert str(caught.value) == f"{history}/raw/2026-11-25.jsonl: cannot write: No space left " \
                                "on device"
    assert raw.read_bytes() == before
    assert sorted(p.name for p in (history / "raw").iterdir()) == ["2026-11-24.jsonl"]
    results = small_disk / "results.json"
    with pytest.raises(WriteError) as failed:
        atomic_write(results, b"x" * 10_000)
    assert str(failed.value) == f"{results}: cannot write: No space left on device"
    assert sorted(p.name for p in small_disk.iterdir()) == ["ballast", "history"]


def test_a_read_only_folder_is_one_line(site_dir: Path, small_disk: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = small_disk / "_site"
    assert main(["build", "--out", str(out), "--now", NOW_A, "--no-cache"]) == 0
    old = _tree(out)
    capsys.readouterr()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert main(["build", "--out", str(out), "--now", NOW_B, "--no-cache"]) == 1
    assert capsys.readouterr().err == (f"error: {out}: cannot write the site: Read-only file "
                                       "system\n")
    assert _tree(out) == old
    (site_dir / "results").mkdir()
    write_run(_run(T0), site_dir / "results" / "r.json")
    assert main(["record", "--history", str(small_disk / "history"), "results/r.json"]) == 1
    assert capsys.readouterr().err == (f"error: {small_disk / 'history'}: cannot write: "
                                       "Read-only file system\n")


# Damaged history --------------------------------------------------------------------------

def test_damaged_history_files_cost_only_their_damaged_part(tmp_path: Path,
                                                            config: Config) -> None:
    history = tmp_path / "history"
    files = list(_results(tmp_path, [_run(T0 + timedelta(minutes=5 * n)) for n in range(3)]))
    for path in files:
        record(history, [path], config)
    raw = history / "raw" / "2026-11-24.jsonl"
    lines = raw.read_bytes().split(b"\n")
    lines[1] = b"\x89PNG\r\x00\xff garbage"  # the middle run, overwritten
    raw.write_bytes(b"\n".join(lines))
    (history / "raw" / "2026-11-23.jsonl").write_bytes(bytes(range(256)))  # all garbage
    (history / "daily").mkdir()
    (history / "daily" / "2026-11.jsonl").write_text(
        '{"day":"2026-11-20","components":{"api":{"n":1,"ms":1,"spans":[[0,86400,"up"]]}}}\n'
        '{"day":"2026-11-21","components":{"api":"oops"}}\n')
    read = read_history(history, config, T0 + timedelta(hours=1))
    assert [s.at for s in read.of("api").recent] == [T0, T0 + timedelta(minutes=10)]
    assert read.of("api").spans[0].start == datetime(2026, 11, 20, tzinfo=UTC)
    assert read.warnings == (
        f"{history}/raw/2026-11-23.jsonl:1: warning: not JSON (Expecting value); skipped",
        f"{history}/raw/2026-11-23.jsonl:2: warning: truncated last line (an interrupted "
        "write); skipped",
        f"{raw}:2: warning: not JSON (not UTF-8); skipped",
        f"{history}/daily/2026-11.jsonl:2: warning: not a history line (bad entry for "
        "'api'); skipped")


# --out onto a file; what the site's files allow ------------------------------------------

def test_out_onto_a_file_is_refused(site_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site_dir / "notes.txt").write_text("my notes\n")
    assert main(["build", "--out", "notes.txt", "--no-cache"]) == 1
    assert capsys.readouterr().err == ("error: --out notes.txt: that is a file, not a folder; "
                                       "give the site a folder of its own, e.g. --out _site\n")
    assert (site_dir / "notes.txt").read_text() == "my notes\n"
    assert sorted(p.name for p in site_dir.iterdir()) == ["incidents", "notes.txt", "status.yaml"]


def _modes(root: Path) -> set[tuple[str, int]]:
    found = {("dir", stat.S_IMODE(root.stat().st_mode))}
    for path in root.rglob("*"):
        found.add(("dir" if path.is_dir() else "file", stat.S_IMODE(path.stat().st_mode)))
    return found


@pytest.mark.parametrize(("umask", "folder", "file"), [(0o022, 0o755, 0o644),
                                                        (0o027, 0o750, 0o640)])
def test_written_files_follow_the_umask(umask: int, folder: int, file: int,
                                        site_dir: Path) -> None:
    config = load_config(site_dir / "status.yaml")
    previous = os.umask(umask)
    try:
        assert main(["build", "--now", NOW_A, "--no-cache"]) == 0
        assert _modes(site_dir / "_site") == {("dir", folder), ("file", file)}
        assert main(["build", "--now", NOW_B, "--no-cache"]) == 0  # a rebuild, swapped in
        assert _modes(site_dir / "_site") == {("dir", folder), ("file", file)}
        results = list(_results(site_dir, [_run(T0)]))
        record(site_dir / "history", results, config)
        assert _modes(site_dir / "results") == {("dir", folder), ("file", file)}
        assert _modes(site_dir / "history") == {("dir", folder), ("file", file)}
    finally:
        os.umask(previous)


def test_a_failed_write_names_the_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text(json.dumps({"old": True}))
    (tmp_path / "blocker").write_text("")
    with pytest.raises(WriteError) as caught:
        atomic_write(tmp_path / "blocker" / "x.json", b"{}")  # its folder is a file
    assert str(caught.value) == f"{tmp_path}/blocker/x.json: cannot write: File exists"
    with pytest.raises(BuildError):
        write_site(tmp_path / "blocker", [(SITE_MARK, b"{}")])
    assert json.loads(target.read_text()) == {"old": True}


def test_any_command_on_a_full_disk_is_one_line(site_dir: Path, small_disk: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(site_dir / "incidents", small_disk / "incidents")
    _fill(small_disk, 0)
    assert main(["new", "Login failures", "--component", "api=major_outage", "--incidents",
                 str(small_disk / "incidents"), "--now", NOW_A]) == 1
    assert capsys.readouterr().err == ("error: disk/incidents/2025-07-16-login-failures.yaml: "
                                       "cannot write: No space left on device\n")
    assert sorted(p.name for p in (small_disk / "incidents").iterdir()) == sorted(
        p.name for p in (site_dir / "incidents").iterdir())
