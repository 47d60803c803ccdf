"""``kabar job``, the scheduled job's record-and-push step, rehearsed against a local bare git
repository: real git, real pushes, and a real race (a pre-push hook lets another run push first).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.history.read import read_history
from generator.load.config import load_config
from generator.load.results import Result, Run, write_run
from tests import tools
from tests.conftest import ROOT

STATUS_YAML = """\
site:
  title: Job Test
  url: https://status.example.com/
  timezone: UTC
components:
  - id: api
    name: API
    probe: {http: "http://127.0.0.1:9/health"}
  - id: web
    name: Website
    probe: {tcp: "127.0.0.1:9"}
"""
T0 = datetime(2025, 7, 16, 6, 0, tzinfo=UTC)
STATES = ("up", "degraded", "down")

def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "KABAR"))}
    env.update({
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_AUTHOR_NAME": "Kabar Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Kabar Test", "GIT_COMMITTER_EMAIL": "test@example.com",
        # One day for every run unless a test says otherwise: the branch keeps a commit a day.
        "GIT_COMMITTER_DATE": "2025-07-16T06:30:00Z",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "TMPDIR": str(tmp_path),
    })
    env.update(extra)
    return env


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository whose main branch holds a two-component site."""
    tools.executable("git")
    env = _env(tmp_path)
    bare = tmp_path / "remote.git"
    _git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare), env=env)
    seed = tmp_path / "seed"
    _git(tmp_path, "clone", "--quiet", str(bare), str(seed), env=env)
    (seed / "status.yaml").write_text(STATUS_YAML, encoding="utf-8")
    _git(seed, "add", "status.yaml", env=env)
    _git(seed, "commit", "--quiet", "-m", "A status page", env=env)
    _git(seed, "push", "--quiet", "origin", "HEAD:main", env=env)
    return bare


def _clone(remote: Path, name: str, tmp_path: Path) -> Path:
    """A fresh checkout of main, as a CI runner makes one (shallow, like actions/checkout)."""
    clone = tmp_path / name
    _git(tmp_path, "clone", "--quiet", "--depth=1", remote.as_uri(), str(clone),
         env=_env(tmp_path))
    return clone


def _results(tmp_path: Path, n: int) -> Path:
    """Run ``n``: both components at T0 + 5n minutes, with latencies that name the run."""
    at = T0 + timedelta(minutes=5 * n)
    run = Run("default", at, at + timedelta(seconds=1), (
        Result("api", at, STATES[n % 3], 100.0 + n, 200),
        Result("web", at, STATES[(n + 1) % 3], 200.0 + n, None),
    ))
    path = tmp_path / "results" / f"run-{n}.json"
    write_run(run, path)
    return path


def _job(clone: Path, *args: Path | str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", "job", "--retry-sleep", "0",
                           *map(str, args)], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=120)


def _race(a: Path, b: Path, tmp_path: Path, env: dict[str, str]
          ) -> subprocess.CompletedProcess[str]:
    """Run B records run 3; as it pushes, run A records run 2 and pushes first (B's pre-push
    hook runs A's whole job, once), so B's push is rejected."""
    hook = b / ".git" / "hooks" / "pre-push"
    hook.write_text(f"""#!/bin/sh
if [ ! -e {tmp_path}/a-ran ]; then
    touch {tmp_path}/a-ran
    unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX
    cd {a} && {sys.executable} -m generator job --retry-sleep 0 {_results(tmp_path, 2)} \\
        >{tmp_path}/a.log 2>&1 || {{ cat {tmp_path}/a.log >&2; exit 1; }}
fi
""", encoding="utf-8")
    hook.chmod(0o755)
    raced = _job(b, _results(tmp_path, 3), env=env)
    assert "pushed " in (tmp_path / "a.log").read_text()  # A did push first
    return raced


def _history(remote: Path, tmp_path: Path, branch: str = "kabar-data") -> dict[str, list[tuple[
        datetime, str, float | None]]]:
    """Every recorded sample of the data branch, per component, read back with kabar."""
    out = tmp_path / f"check-{branch}"
    shutil.rmtree(out, ignore_errors=True)
    _git(tmp_path, "clone", "--quiet", "--branch", branch, str(remote), str(out),
         env=_env(tmp_path))
    config = load_config(out.parent / "seed" / "status.yaml")
    history = read_history(out / "history", config, T0 + timedelta(hours=1))
    assert history.warnings == ()
    return {c: [(s.at, s.state, s.latency_ms) for s in history.of(c).recent]
            for c in ("api", "web")}


def _expected(*runs: int) -> dict[str, list[tuple[datetime, str, float | None]]]:
    return {
        "api": [(T0 + timedelta(minutes=5 * n), STATES[n % 3], 100.0 + n) for n in runs],
        "web": [(T0 + timedelta(minutes=5 * n), STATES[(n + 1) % 3], 200.0 + n) for n in runs],
    }


def _commits(remote: Path, tmp_path: Path, branch: str = "kabar-data") -> list[str]:
    log = _git(remote, "log", "--format=%s", branch, env=_env(tmp_path))
    return log.splitlines()


def test_runs_in_sequence_and_racing_runs_record_every_result_once(
        remote: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    main_before = _git(remote, "rev-parse", "main", env=env)
    a, b = _clone(remote, "a", tmp_path), _clone(remote, "b", tmp_path)

    first = _job(a, _results(tmp_path, 0), env=env)
    assert first.returncode == 0, first.stderr
    assert "origin has no branch kabar-data yet; starting it (orphan)" in first.stderr
    second = _job(a, _results(tmp_path, 1), env=env)
    assert second.returncode == 0, second.stderr
    assert _history(remote, tmp_path) == _expected(0, 1)

    # The race: run B fetches the data branch, and before it pushes, run A records run 2
    # from the same tip and pushes first. B's push is rejected; it must fetch, record run 3
    # again on top of A's commit, and push.
    raced = _race(a, b, tmp_path, env)
    assert raced.returncode == 0, raced.stderr
    assert "push rejected (another run pushed first?); fetching and recording again" in (
        raced.stderr)
    assert "attempt 2/5" in raced.stderr
    assert _history(remote, tmp_path) == _expected(0, 1, 2, 3)

    # Recording a run that is already there changes nothing and pushes nothing.
    again = _job(b, _results(tmp_path, 3), env=env)
    assert again.returncode == 0, again.stderr
    assert "nothing new to record: kabar-data already holds these results" in again.stderr
    assert _history(remote, tmp_path) == _expected(0, 1, 2, 3)

    # Every run was on 16 July: one commit holds them all.
    assert _commits(remote, tmp_path) == [
        "Record probe results 2025-07-16 (the last run recorded at 06:30:00Z)"]
    # The data branch is an orphan: none of main's files, only history/.
    files = _git(remote, "ls-tree", "-r", "--name-only", "kabar-data", env=env).splitlines()
    assert files and all(f.startswith("history/") for f in files)
    assert _git(remote, "rev-parse", "main", env=env) == main_before
    for clone in (a, b):  # the checkouts are left as they were: no changes, no worktrees
        assert _git(clone, "status", "--porcelain", env=env) == ""
        assert len(_git(clone, "worktree", "list", env=env).splitlines()) == 1


def test_data_branch_name_comes_from_the_environment(remote: Path, tmp_path: Path) -> None:
    env = _env(tmp_path, KABAR_DATA_BRANCH="status-history")
    done = _job(_clone(remote, "a", tmp_path), _results(tmp_path, 0), env=env)
    assert done.returncode == 0, done.stderr
    heads = _git(remote, "for-each-ref", "--format=%(refname:short)", "refs/heads", env=env)
    assert heads.splitlines() == ["main", "status-history"]
    assert _history(remote, tmp_path, "status-history") == _expected(0)


def test_gives_up_after_the_retries_with_a_clear_message(remote: Path, tmp_path: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    done = _job(_clone(remote, "a", tmp_path), _results(tmp_path, 0), "--retries", "2",
                env=_env(tmp_path))
    assert done.returncode == 1
    assert done.stderr.count("recording 1 results file on kabar-data") == 2
    assert done.stderr.splitlines()[-1] == (
        "error: could not push to origin kabar-data after 2 attempts; the results are "
        "still in the results files, so running this job again records them")


@pytest.mark.parametrize(("args", "extra", "message"), [
    ((), {}, "error: give the results files to record (kabar job results/*.json), or "
             "--publish DIR to push a built site"),
    (("missing.json",), {}, "error: missing.json: no such results file"),
    (("RESULTS",), {"KABAR_QUORUM": "0"}, "error: KABAR_QUORUM must be 1 or more, got '0'"),
    (("RESULTS", "--quorum", "two"), {}, "error: --quorum must be 1 or more, got 'two'"),
    (("RESULTS", "--branch", "a..b"), {}, "error: --branch a..b: not a branch name"),
], ids=["no-files", "missing-file", "bad-quorum", "bad-quorum-option", "bad-branch"])
def test_refuses_bad_input(remote: Path, tmp_path: Path, args: tuple[str, ...],
                           extra: dict[str, str], message: str) -> None:
    files = [str(_results(tmp_path, 0)) if a == "RESULTS" else a for a in args]
    done = subprocess.run([sys.executable, "-m", "generator", "job", *files],
                          cwd=_clone(remote, "a", tmp_path), env=_env(tmp_path, **extra),
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr.strip()) == (1, message)
    assert "kabar-data" not in _git(remote, "branch", "--list", env=_env(tmp_path))


def test_the_data_branch_keeps_one_commit_a_day_and_every_run(remote: Path,
                                                               tmp_path: Path) -> None:
    clone = _clone(remote, "a", tmp_path)
    days = {0: "2025-07-16T06:05:00Z", 1: "2025-07-16T23:59:00Z", 2: "2025-07-17T00:04:00Z",
            3: "2025-07-17T08:00:00Z"}
    for n, when in days.items():
        done = _job(clone, _results(tmp_path, n), env=_env(tmp_path, GIT_COMMITTER_DATE=when))
        assert done.returncode == 0, done.stderr
        if n == 1:
            first_day = _git(remote, "rev-parse", "kabar-data", env=_env(tmp_path))
    assert _commits(remote, tmp_path) == [
        "Record probe results 2025-07-17 (the last run recorded at 08:00:00Z)",
        "Record probe results 2025-07-16 (the last run recorded at 23:59:00Z)"]
    assert _git(remote, "rev-parse", "kabar-data^", env=_env(tmp_path)) == first_day
    assert _history(remote, tmp_path) == _expected(0, 1, 2, 3)

    never = _job(clone, _results(tmp_path, 4), env=_env(
        tmp_path, GIT_COMMITTER_DATE="2025-07-17T08:05:00Z", KABAR_SQUASH="never"))
    assert never.returncode == 0, never.stderr
    assert len(_commits(remote, tmp_path)) == 3
    option = _job(clone, _results(tmp_path, 5), "--squash", "never", env=_env(
        tmp_path, GIT_COMMITTER_DATE="2025-07-17T08:10:00Z"))
    assert option.returncode == 0, option.stderr
    assert len(_commits(remote, tmp_path)) == 4
    daily = _job(clone, _results(tmp_path, 6), env=_env(
        tmp_path, GIT_COMMITTER_DATE="2025-07-17T08:15:00Z"))  # replaces the tip again
    assert daily.returncode == 0, daily.stderr
    assert len(_commits(remote, tmp_path)) == 4
    assert _history(remote, tmp_path) == _expected(0, 1, 2, 3, 4, 5, 6)


NOTIFY_YAML = STATUS_YAML + """\
notify:
  after: 1
  channels:
    - url: "json://127.0.0.1:PORT/${HOOK}"
      events: [outage, degraded, recovery]
"""


def test_notify_runs_after_recording_and_a_push_race_keeps_what_both_runs_sent(
        tmp_path: Path) -> None:
    from tests.notify_receivers import webhook

    tools.executable("git")
    with webhook() as hook:
        env = _env(tmp_path, HOOK="hook-canary-51f", SOURCE_DATE_EPOCH=str(int(
            (T0 + timedelta(minutes=20)).timestamp())))
        bare = tmp_path / "remote.git"
        _git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare), env=env)
        seed = tmp_path / "seed"
        _git(tmp_path, "clone", "--quiet", str(bare), str(seed), env=env)
        (seed / "status.yaml").write_text(NOTIFY_YAML.replace("PORT", str(hook.port)),
                                          encoding="utf-8")
        _git(seed, "add", "status.yaml", env=env)
        _git(seed, "commit", "--quiet", "-m", "A status page", env=env)
        _git(seed, "push", "--quiet", "origin", "HEAD:main", env=env)
        a, b = _clone(bare, "a", tmp_path), _clone(bare, "b", tmp_path)
        for n in (0, 1):  # api: up, then degraded
            done = _job(a, _results(tmp_path, n), env=env)
            assert done.returncode == 0, done.stderr
        # B records run 3 (api up again) but A records run 2 (api down) and pushes first.
        raced = _race(a, b, tmp_path, env)
        assert raced.returncode == 0, raced.stderr
        assert "attempt 2/5" in raced.stderr
        titles = [r.json()["title"] for r in hook.received]
        # Each change once; B sent its two before its push was rejected, and nothing after.
        assert titles == [
            "Job Test: Website degraded",  # run 0: the first state known, and not up
            "Job Test: API degraded", "Job Test: Website down",  # run 1
            "Job Test: API recovered", "Job Test: Website degraded",  # run 3, by B
            "Job Test: API down", "Job Test: Website recovered"]  # run 2, by A, pushed first
        out = tmp_path / "check"
        _git(tmp_path, "clone", "--quiet", "--branch", "kabar-data", str(bare), str(out),
             env=env)
        keys = json.loads((out / "history" / "notified.json").read_text())["sent"]
        assert [k.split(" ")[1] for k in keys] == [
            "measured/web/degraded/2025-07-16T06:00:00Z",
            "measured/api/degraded/2025-07-16T06:05:00Z", "measured/web/down/2025-07-16T06:05:00Z",
            "measured/api/down/2025-07-16T06:10:00Z", "measured/web/up/2025-07-16T06:10:00Z",
            "measured/api/up/2025-07-16T06:15:00Z", "measured/web/degraded/2025-07-16T06:15:00Z"]
        assert _history(bare, tmp_path) == _expected(0, 1, 2, 3)
        for text in (raced.stdout, raced.stderr, (out / "history" / "notified.json").read_text()):
            assert "hook-canary-51f" not in text


def _site_files(remote: Path, branch: str, tmp_path: Path) -> dict[str, bytes]:
    """Every file of ``branch`` on the remote, as a host that serves the branch gets them."""
    out = tmp_path / f"served-{branch}"
    shutil.rmtree(out, ignore_errors=True)
    _git(tmp_path, "clone", "--quiet", "--branch", branch, str(remote), str(out),
         env=_env(tmp_path))
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.rglob("*")) if p.is_file() and ".git" not in p.parts}


def test_publish_puts_the_built_site_on_a_branch_a_second_host_serves(
        remote: Path, tmp_path: Path) -> None:
    clone = _clone(remote, "runner", tmp_path)
    env = _env(tmp_path, KABAR_SITE_BRANCH="pages")
    site = clone / "_site"
    (site / "api" / "v2").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Up</title>", encoding="utf-8")
    (site / "api" / "v2" / "status.json").write_text('{"status": {}}\n', encoding="utf-8")
    (site / "old.html").write_text("gone next build", encoding="utf-8")
    (clone / ".gitignore").write_text("_site/\n*.json\n", encoding="utf-8")  # never applies
    built = {"api/v2/status.json": b'{"status": {}}\n', "index.html":
             b"<!doctype html><title>Up</title>", "old.html": b"gone next build"}

    first = _job(clone, "--publish", "_site", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("published 3 files of _site/ to origin pages (")
    assert _site_files(remote, "pages", tmp_path) == built
    assert _git(clone, "status", "--porcelain", env=env) == "?? .gitignore"  # index untouched

    again = _job(clone, "--publish", "_site", env=env)
    assert (again.returncode, again.stderr) == (0, "origin pages already serves these 3 files\n")

    (site / "old.html").unlink()
    (site / "index.html").write_text("<!doctype html><title>Down</title>", encoding="utf-8")
    third = _job(clone, "--publish", "_site", env=env)
    assert third.returncode == 0, third.stderr
    assert _site_files(remote, "pages", tmp_path) == {
        "api/v2/status.json": b'{"status": {}}\n',
        "index.html": b"<!doctype html><title>Down</title>"}
    # One commit, no history to grow: a host serves the tip, and the tip is the site.
    log = _git(tmp_path, "--git-dir", str(remote), "log", "--format=%s", "pages", env=env)
    assert log == "The site as built (2 files)"


def test_publish_and_record_in_one_run_and_its_errors(remote: Path, tmp_path: Path) -> None:
    clone = _clone(remote, "runner", tmp_path)
    env = _env(tmp_path)
    done = _job(clone, _results(tmp_path, 0), "--publish", "_site", env=env)
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        1, "error: --publish _site: no index.html there; run kabar build --out _site first")
    assert _history(remote, tmp_path)["api"]  # the results were recorded before that
    (clone / "_site").mkdir()
    (clone / "_site" / "index.html").write_text("ok", encoding="utf-8")
    same = _job(clone, "--publish", "_site", "--site-branch", "kabar-data", env=env)
    assert (same.returncode, same.stderr) == (
        1, "error: --site-branch kabar-data is the data branch; name another\n")
    done = _job(clone, "--publish", "_site", env=env)
    assert done.returncode == 0, done.stderr
    assert _site_files(remote, "kabar-site", tmp_path) == {"index.html": b"ok"}
