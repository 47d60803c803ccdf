"""``kabar job FILE…``: record probe results on the data branch, notify, and push.

What the scheduled workflow runs after ``kabar probe``, from the root of the site's git
checkout. It fetches the data branch (started as an orphan branch on the first run) into a
temporary worktree, records the results files into its ``history/`` (as ``kabar record``),
sends what is due to the ``notify:`` channels (``history/notified.json`` keeps what was sent;
a channel that fails is reported and tried again on the next run, and never fails the job),
commits and pushes. When the push is rejected because another run pushed first, it fetches
again, starts over from the remote branch, records the same results again (recording is
idempotent) and merges what it sent before into ``notified.json``, so what either run sent
stays recorded, up to ``--retries`` times with a short random sleep in between.

The data branch keeps one commit per UTC day: a run on the same day as the branch's tip
replaces the tip (same parents, the new tree: every run of the day is in it) and pushes with
``--force-with-lease``, so a run that lost a race can never overwrite the winner's work; a
run on a new day adds a commit. So the branch grows by 365 small commits a year, not one per
run, and no recorded run is lost. ``--squash never`` keeps a commit per run.

git is run as a program (``subprocess``), with the checkout's own configuration and
credentials (in a workflow: the ones ``actions/checkout`` left).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from generator import clock
from generator.errors import KabarError, counted
from generator.load.config import Config, load_config
from generator.notify.sent import NAME as SENT


@dataclass(frozen=True)
class JobOptions:
    branch: str = "kabar-data"
    remote: str = "origin"
    quorum: int = 1
    notify: bool = True
    squash: str = "daily"  # or "never"
    retries: int = 5
    retry_sleep: int = 5  # the longest pause between attempts, in seconds


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Git:
    """git in the site's checkout, with a committer even where none is configured (CI)."""

    def __init__(self) -> None:
        self.env = dict(os.environ)
        if shutil.which("git") is None:
            raise KabarError("git is not installed; kabar job records with git")
        name = self.out("config", "user.name", check=False) or "kabar"
        email = self.out("config", "user.email", check=False) or "kabar@localhost"
        self.env.setdefault("GIT_AUTHOR_NAME", name)
        self.env.setdefault("GIT_AUTHOR_EMAIL", email)
        self.env.setdefault("GIT_COMMITTER_NAME", self.env["GIT_AUTHOR_NAME"])
        self.env.setdefault("GIT_COMMITTER_EMAIL", self.env["GIT_AUTHOR_EMAIL"])

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=cwd, env=self.env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)

    def out(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        done = self.run(*args, cwd=cwd)
        if check and done.returncode != 0:
            why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise KabarError(f"git {args[0]} failed: {why}")
        return done.stdout.strip() if done.returncode == 0 else ""


def run_job(files: list[Path], config_path: Path, incidents_dir: Path,
            options: JobOptions) -> None:
    """Record ``files`` on the data branch, notify and push; raise ``KabarError``."""
    git = Git()
    if git.run("rev-parse", "--git-dir").returncode != 0:
        raise KabarError("run kabar job inside the status page's git checkout")
    if git.run("check-ref-format", f"refs/heads/{options.branch}").returncode != 0:
        raise KabarError(f"--branch {options.branch}: not a branch name")
    for file in files:
        if not file.is_file():
            raise KabarError(f"{file}: no such results file")
    config = load_config(config_path)  # a bad status.yaml stops here, before any git work
    files = [file.resolve() for file in files]
    shallow = git.out("rev-parse", "--is-shallow-repository") == "true"
    with tempfile.TemporaryDirectory(prefix="kabar-job.") as scratch:
        worktree = Path(scratch) / "data"
        git.out("worktree", "add", "--quiet", "--detach", str(worktree), "HEAD")
        try:
            _attempts(git, worktree, Path(scratch) / SENT, files, config,
                      config_path, incidents_dir, options, shallow)
        finally:
            if git.run("worktree", "remove", "--force", str(worktree)).returncode != 0:
                shutil.rmtree(worktree, ignore_errors=True)
            git.run("worktree", "prune")


def _attempts(git: Git, worktree: Path, sent: Path, files: list[Path], config: Config,
              config_path: Path, incidents_dir: Path, options: JobOptions,
              shallow: bool) -> None:
    from generator.history.record import record

    branch, remote = options.branch, options.remote
    for attempt in range(1, options.retries + 1):
        parent = _sync(git, worktree, options, shallow)
        say(f"attempt {attempt}/{options.retries}: recording "
            f"{counted(len(files), 'results file')} on {branch} at {parent or 'a new branch'}")
        summary = record(worktree / "history", files, config, options.quorum)
        for warning in summary.warnings:
            say(warning)
        if options.notify:
            _notify(config, incidents_dir, worktree / "history", sent)
        git.out("add", "--all", ".", cwd=worktree)
        tree = git.out("write-tree", cwd=worktree)
        if parent and tree == git.out("rev-parse", f"{parent}^{{tree}}"):
            say(f"nothing new to record: {branch} already holds these results")
            return
        # The committer's time, which honours GIT_COMMITTER_DATE as the commit will.
        now = int(git.out("var", "GIT_COMMITTER_IDENT").split()[-2])
        today = _day(now)
        parents = [parent] if parent else []
        if parent and options.squash == "daily" and _day(int(
                git.out("show", "-s", "--format=%ct", parent))) == today:
            # Replace today's commit: the new one takes its parents (fetched: --depth=2).
            parents = [line.removeprefix("parent ") for line in
                       git.out("cat-file", "-p", parent).splitlines()
                       if line.startswith("parent ")]
        at = datetime.fromtimestamp(now, UTC).strftime("%H:%M:%SZ")
        message = f"Record probe results {today} (the last run recorded at {at})"
        commit = git.out("commit-tree", tree, *(a for p in parents for a in ("-p", p)),
                         "-m", message)
        pushed = git.run("push", "--quiet", f"--force-with-lease=refs/heads/{branch}:{parent}",
                         remote, f"{commit}:refs/heads/{branch}")
        if pushed.returncode == 0:
            say(f"pushed {commit} to {remote} {branch}: {message}")
            return
        if attempt == options.retries:
            raise KabarError(f"could not push to {remote} {branch} after "
                             f"{counted(options.retries, 'attempt')}; the results are still "
                             "in the results files, so running this job again records them")
        pause = random.randint(1, options.retry_sleep) if options.retry_sleep > 0 else 0
        say(f"push rejected (another run pushed first?); fetching and recording again in "
            f"{pause} s")
        time.sleep(pause)


def _sync(git: Git, worktree: Path, options: JobOptions, shallow: bool) -> str:
    """Point the worktree at the remote branch's tip and return it ("" for a new branch)."""
    branch, remote = options.branch, options.remote
    listed = git.run("ls-remote", "--exit-code", "--heads", remote, f"refs/heads/{branch}")
    if listed.returncode == 2:
        say(f"{remote} has no branch {branch} yet; starting it (orphan)")
        git.out("read-tree", "--empty", cwd=worktree)
        git.out("clean", "-fdxq", cwd=worktree)
        return ""
    if listed.returncode != 0:
        why = (listed.stderr.strip().splitlines() or [""])[-1]
        raise KabarError(f"cannot reach {remote} (git ls-remote exited {listed.returncode}"
                         f"{': ' + why if why else ''})")
    # A ref of our own, so --remote may be a URL as well as a remote's name. In a shallow
    # clone (CI) fetch only the tip and its parents: replacing the tip needs nothing older.
    tracking = f"refs/kabar/{branch}"
    git.out("fetch", "--quiet", "--no-tags", *(["--depth=2"] if shallow else []), remote,
            f"+refs/heads/{branch}:{tracking}")
    git.out("reset", "--quiet", "--hard", tracking, cwd=worktree)
    git.out("clean", "-fdxq", cwd=worktree)
    return git.out("rev-parse", tracking)


def _notify(config: Config, incidents_dir: Path, history: Path, sent: Path) -> None:
    """Send what is due; keep what was sent in ``sent`` across attempts (a union)."""
    from generator.notify import notify

    try:
        outcome = notify(config, incidents_dir, history, clock.now(),
                         merge=sent if sent.is_file() else None)
    except KabarError as exc:
        say(f"warning: kabar notify: {exc}; nothing was sent, it is tried again on the next "
            "run")
    else:
        for line in outcome.failures:
            say(f"warning: notify: {line}")
    if (history / SENT).is_file():
        shutil.copyfile(history / SENT, sent)


def _day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
