"""The build's worker processes: results in order, errors reported here, none outliving its
build (``generator/site/pool.py``), and the fallbacks where a platform lacks something."""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.errors import BuildError, WriteError
from generator.files import prefetch
from generator.render.base import context
from generator.render.outputs import outputs
from generator.site import output as output_module
from generator.site.pool import MINIMUM, Pool, aside, split_map, workers
from tests.conftest import ROOT
from tests.factories import sample_model
from tests.sitebuild import build_site

COUNT = 40  # chunks


def _square(n: int) -> int:
    time.sleep(0.002)
    return n * n


def test_the_workers_do_the_chunks_and_results_come_back_in_order() -> None:
    with Pool(_square, COUNT, 2) as pool:
        assert pool.results() == [n * n for n in range(COUNT)]
    assert pool.pids and os.getpid() not in pool.pids
    assert multiprocessing.active_children() == []


def test_work_aside_runs_in_a_worker_while_the_body_runs_here(tmp_path: Path) -> None:
    """The build saves the incidents' cache aside while it computes the model: the work runs
    in a forked worker that has ended when the body is done; its error is raised here."""
    said = tmp_path / "said"

    def work() -> None:
        time.sleep(0.2)  # still working while the body runs
        said.write_text(str(os.getpid()))

    with aside(work, 2):
        assert not said.exists()
    assert int(said.read_text()) != os.getpid()
    assert multiprocessing.active_children() == []
    with aside(work, 1):  # no worker: here, after the body
        assert not said.exists() or int(said.read_text()) != os.getpid()
    assert int(said.read_text()) == os.getpid()

    def fail() -> None:
        raise ValueError("the disk said no")

    with pytest.raises(BuildError, match="ValueError: the disk said no"), aside(fail, 2):
        pass


def test_a_list_split_among_workers_comes_back_whole_and_in_order() -> None:
    items = list(range(7 * MINIMUM + 3))
    pids: set[int] = set()
    got = split_map(lambda chunk: [n * n for n in chunk], items, jobs=2, chunk=MINIMUM // 3,
                    pids=pids)
    assert got == [n * n for n in items]
    assert pids and os.getpid() not in pids
    few: set[int] = set()
    assert split_map(lambda chunk: list(chunk), [1, 2], jobs=2, pids=few) == [1, 2]
    assert few == {os.getpid()}  # too few to be worth a worker: done here


def _fails_at(bad: int, error: BaseException, started: Path) -> object:
    def work(n: int) -> int:
        (started / str(n)).touch()
        if n == bad:
            raise error
        time.sleep(0.05)
        return n
    return work


@pytest.mark.parametrize(("error", "expected", "message"), [
    (ValueError("chunk 3 cannot be done"), BuildError,
     "a worker process failed: ValueError: chunk 3 cannot be done (-v shows where)"),
    (MemoryError(), BuildError, "a worker process failed: MemoryError:  (-v shows where)"),
    (OSError(errno.EMFILE, "Too many open files"), OSError, "[Errno 24] Too many open files"),
    (WriteError("_site/x.html: cannot write: No space left on device"), WriteError,
     "_site/x.html: cannot write: No space left on device"),
], ids=["bug", "memory", "emfile", "kabar-error"])
def test_a_worker_s_error_fails_here_in_one_line_and_the_rest_is_cancelled(
        tmp_path: Path, error: BaseException, expected: type[BaseException], message: str,
        capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="generator.site.pool")
    work = _fails_at(3, error, tmp_path)
    with pytest.raises(expected) as caught:
        Pool(work, COUNT, 2).results()  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert len(list(tmp_path.iterdir())) < COUNT  # the chunks not started were not
    assert multiprocessing.active_children() == []
    assert capfd.readouterr().err == ""  # the worker printed nothing
    if expected is BuildError:  # its traceback, for -v
        assert 'in work\n    raise error' in caplog.text


def test_a_worker_killed_midway_fails_the_build_and_nothing_hangs() -> None:
    """The OOM killer may end a worker at any moment."""
    parent = os.getpid()

    def work(n: int) -> int:
        if os.getpid() != parent and n == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.01)
        return n
    begin = time.monotonic()
    with pytest.raises(BuildError, match="a worker process ended without finishing its work"):
        Pool(work, COUNT, 2).results()
    assert time.monotonic() - begin < 10
    assert multiprocessing.active_children() == []


def test_how_many_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KABAR_WORKERS", raising=False)
    assert workers(3) == 3
    assert workers(1) == 1
    assert workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("KABAR_WORKERS", "1")
    assert workers() == 1
    assert workers(2) == 2  # -j wins


def test_no_fork_from_a_threaded_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking a process whose other threads may hold a lock can deadlock the child
    (``kabar serve``'s server thread, apprise's pools): the work is done here instead."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert workers(2) == 1
    finally:
        stop.set()
        thread.join()
    assert workers(2) == 2


def test_every_output_is_declared_once_and_only_now_free_ones_have_keys() -> None:
    declared = list(outputs(context(sample_model("en"))))
    paths = [output.path for output in declared]
    assert len(paths) == len(set(paths))
    keyed = {output.path for output in declared if output.key is not None}
    # Pages that show nothing of ``now`` are keyed; the home page, the API and badges are not.
    assert {"incidents/2025-07-16-login.html", "history/2025-07.html",
            "history.rss", "history.atom"} <= keyed
    assert not keyed & {"index.html", "api/v2/summary.json", "badge.svg", "maintenance.ics"}
    # The same model declares the same keys: a key depends on what the output shows only.
    again = {o.path: o.key for o in outputs(context(sample_model("en")))}
    assert again == {o.path: o.key for o in declared}


# A site big enough for every stage to use workers, made by the benchmark's generator.

NOW = "2026-11-24T22:00:00Z"


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from build import make_site  # bench/build.py
    finally:
        sys.path.remove(str(ROOT / "bench"))
    folder = tmp_path_factory.mktemp("big") / "site"
    make_site(folder, 1500, 10, seed=5)
    return folder


@pytest.fixture
def scratch(big_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty folder for the outputs; the current folder is the big site, built by two
    workers."""
    monkeypatch.chdir(big_site)
    monkeypatch.setenv("KABAR_WORKERS", "2")
    yield tmp_path


def _build(out: Path) -> tuple[frozenset[int], dict[str, bytes]]:
    result = build_site(Path("status.yaml"), Path("incidents"), Path("history"), out, now=NOW)
    files = {p.relative_to(out).as_posix(): p.read_bytes()
             for p in sorted(out.rglob("*")) if p.is_file()}
    return result.workers, files


def test_without_fork_the_build_runs_here_and_makes_the_same_site(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forked, expected = _build(scratch / "forked")
    assert forked and os.getpid() not in forked
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    here, files = _build(scratch / "here")
    assert here == frozenset()
    assert files == expected


def test_without_renameat2_the_site_is_swapped_by_two_renames(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no ``renameat2``: the old site is moved aside, the new one put in place."""
    _, expected = _build(scratch / "out")
    (scratch / "out" / "index.html").write_text("an old page")
    found: list[str] = []

    class NoRenameat2:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __getattr__(self, name: str) -> object:
            found.append(name)
            raise AttributeError(name)

    monkeypatch.setattr(output_module.ctypes, "CDLL", NoRenameat2)
    _, files = _build(scratch / "out")
    assert found == ["renameat2"]
    assert files == expected
    assert sorted(p.name for p in scratch.iterdir()) == ["out"]  # nothing left beside it


def test_without_posix_fadvise_files_are_read_without_the_hint(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no ``posix_fadvise``: the incident files are read all the same."""
    _, expected = _build(scratch / "with")
    monkeypatch.delattr(os, "posix_fadvise")
    prefetch([str(p) for p in Path("incidents").iterdir()])  # a hint only: no error
    _, files = _build(scratch / "without")
    assert files == expected


# SIGKILL on `kabar build` at several moments: a helper process adopts what its child
# leaves (a subreaper, Linux), and reports how long the orphans took to end.
KILL = r"""
import ctypes, json, os, signal, subprocess, sys, time

site, out, moment = sys.argv[1], sys.argv[2], sys.argv[3]
assert ctypes.CDLL(None).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER

def children(parent):
    found = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(name))
    return found

command = [sys.executable, "-m", "generator", "build", "--no-cache", "-j", "2", "--now",
           sys.argv[4], "--out", out]
if moment == "aside":  # the worker that saves the cache while the model is computed
    command = [sys.executable, "-c", "import time\nfrom generator.site.pool import aside\n"
               "with aside(lambda: time.sleep(60), 2):\n    time.sleep(60)"]
build = subprocess.Popen(command, cwd=site, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 60
seen = []
staging = os.path.dirname(out)
while time.monotonic() < deadline and build.poll() is None:
    seen = children(build.pid) or seen
    both = len(seen) >= 2  # the second worker may be forked a moment after the first
    if moment == "workers" and both or moment == "aside" and seen:
        break
    if moment == "later" and both:
        time.sleep(0.3)
        seen = children(build.pid) or seen
        break
    if moment == "writing" and both and any(
            len(os.listdir(os.path.join(staging, name, "incidents"))) > 50
            for name in os.listdir(staging) if ".new-" in name
            and os.path.isdir(os.path.join(staging, name, "incidents"))):
        break
    time.sleep(0.01)
running = build.poll() is None
os.kill(build.pid, signal.SIGKILL)
build.wait()
killed = time.monotonic()
left = children(os.getpid())
while left and time.monotonic() - killed < 5:
    time.sleep(0.01)
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    left = children(os.getpid())
print(json.dumps({"running": running, "seen": seen, "left": left,
                  "seconds": time.monotonic() - killed}))
for pid in left:  # a failed test leaves nothing running either
    os.kill(pid, signal.SIGKILL)
"""


def test_a_cold_build_s_workers_make_the_keys_the_next_build_trusts(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a cold build the keys are computed by the workers that make the outputs; they are
    what one process computes, and the next build finds every output fresh by them."""
    from generator.site.cache import Cache, last_build

    forked = build_site(Path("status.yaml"), Path("incidents"), Path("history"),
                        scratch / "forked", now=NOW, cache=scratch / "cache-forked")
    assert forked.workers and os.getpid() not in forked.workers
    with monkeypatch.context() as patch:
        patch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
        here = build_site(Path("status.yaml"), Path("incidents"), Path("history"),
                          scratch / "here", now=NOW, cache=scratch / "cache-here")
    assert here.workers == frozenset()
    keys = last_build(Cache(scratch / "cache-forked"), scratch / "forked").outputs
    assert len(keys) > 1500  # every incident page, month and report page is keyed
    assert keys == last_build(Cache(scratch / "cache-here"), scratch / "here").outputs
    gone = next(path for path in sorted(keys) if path.startswith("incidents/"))
    (scratch / "forked" / gone).unlink()
    later = build_site(Path("status.yaml"), Path("incidents"), Path("history"),
                       scratch / "forked", now=NOW, cache=scratch / "cache-forked")
    assert set(later.made) & set(keys) == {gone}  # the rest was fresh by the workers' keys
    assert (scratch / "forked" / gone).read_bytes() == (scratch / "here" / gone).read_bytes()


@pytest.mark.skipif(sys.platform != "linux", reason="counts processes through /proc")
@pytest.mark.parametrize("moment", ["workers", "later", "writing"])
def test_sigkill_on_a_build_leaves_no_worker_within_a_second(
        big_site: Path, tmp_path: Path, moment: str) -> None:
    """The finding: a build killed 0.8-2.4 s in left its forked worker asleep for good,
    holding memory and writing into a staging folder nobody would use."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": str(ROOT)}
    env.pop("KABAR_WORKERS", None)
    done = subprocess.run([sys.executable, "-c", KILL, str(big_site), str(tmp_path / "out"),
                           moment, NOW], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["running"], report  # killed mid-build
    assert len(report["seen"]) == 2, report  # with its two workers at work
    assert report["left"] == [], report
    assert report["seconds"] < 1.0, report
    assert list(temp.iterdir()) == []  # no pymp-* folder
    # The next build clears what the killed one left beside the site, and leaves nothing.
    assert subprocess.run([sys.executable, "-m", "generator", "build", "--no-cache", "--now",
                           NOW, "--out", str(tmp_path / "out")], cwd=big_site, env=env,
                          capture_output=True).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tmp"]
    assert list(temp.iterdir()) == []


@pytest.mark.skipif(sys.platform != "linux", reason="counts processes through /proc")
def test_sigkill_while_a_worker_works_aside_leaves_no_worker_within_a_second(
        big_site: Path, tmp_path: Path) -> None:
    """The worker that saves the incidents' cache while the model is computed ends with its
    build too."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILL, str(big_site), str(tmp_path / "out"),
                           "aside", NOW], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["running"] and len(report["seen"]) == 1, report
    assert report["left"] == [], report
    assert report["seconds"] < 1.0, report


def test_a_worker_that_fails_fails_the_build_and_leaves_the_last_site(
        scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers_before, expected = _build(scratch / "out")
    assert workers_before
    parent = os.getpid()
    put = output_module.Staging.put

    def failing(self: output_module.Staging, name: str, data: bytes) -> object:
        if os.getpid() != parent and name == "incidents/bench-00700.html":
            raise MemoryError
        return put(self, name, data)

    monkeypatch.setattr(output_module.Staging, "put", failing)
    with pytest.raises(BuildError, match="^a worker process failed: MemoryError: "):
        _build(scratch / "out")
    assert sorted(p.name for p in scratch.iterdir()) == ["out"]  # no staging folder left
    files = {p.relative_to(scratch / "out").as_posix(): p.read_bytes()
             for p in sorted((scratch / "out").rglob("*")) if p.is_file()}
    assert files == expected
    assert multiprocessing.active_children() == []


def test_jobs_on_the_command_line(tmp_path: Path) -> None:
    from generator.cli.main import parser

    assert parser().parse_args(["build", "-j", "3"]).jobs == 3
    assert parser().parse_args(["build", "--jobs", "auto"]).jobs is None
    done = subprocess.run([sys.executable, "-m", "generator", "build", "-j", "0"], cwd=tmp_path,
                          capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1
    assert done.stderr == ("kabar build: error: argument -j/--jobs: expected a number of "
                           "processes or auto, got '0' (see kabar build --help)\n")
