"""``kabar watch`` against real local services that flip state and a local receiver for
GitHub's ``repository_dispatch``: the trigger comes within ``after`` rounds, once per change,
a hung probe never holds a round up, signals stop it within a second, memory stays flat."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generator.cli.watch import Change, Options, Tracker, Watch
from generator.load.config import load_config
from tests.conftest import ROOT
from tests.servers import Handler, http_server, silent_port

T0 = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
EVERY = 0.4  # seconds between rounds in the subprocess tests


def _site(folder: Path, probes: dict[str, str]) -> Path:
    lines = ["site: {title: T, url: 'https://status.example.com/', timezone: UTC}",
             "control: []", "components:"]
    for cid, probe in probes.items():
        lines.append(f"  - {{id: {cid}, name: {cid}, probe: {probe}}}")
    (folder / "status.yaml").write_text("\n".join(lines) + "\n")
    return folder / "status.yaml"


def test_the_first_round_is_the_baseline_and_a_change_counts_once_after_n_rounds() -> None:
    tracker = Tracker(after=2)
    rounds = ["down", "down", "up", "down", "up", "up", "up", "down", "down", "down"]
    seen = [tracker.observe({"api": state}, T0 + timedelta(seconds=30 * i))
            for i, state in enumerate(rounds)]
    at = [T0 + timedelta(seconds=30 * i) for i in range(len(rounds))]
    assert seen == [[], [], [], [], [], [Change("api", "down", "up", at[4])], [], [], [
        Change("api", "up", "down", at[7])], []]
    assert len(tracker.streaks) == 1


@contextmanager
def _flipping() -> Iterator[tuple[dict[str, int], Any, list[dict[str, Any]], Any]]:
    """A service whose answer the test sets, and a dispatch receiver that keeps each body."""
    state = {"status": 200}
    bodies: list[dict[str, Any]] = []

    def health(h: Handler) -> None:
        h.reply(state["status"], b"ok")

    def dispatches(h: Handler) -> None:
        bodies.append({"body": json.loads(h.rfile.read(int(h.headers["Content-Length"]))),
                       "auth": h.headers["Authorization"], "at": time.monotonic()})
        h.reply(204)

    with http_server({"/health": health}) as service, \
            http_server({"/repos/nusa/status/dispatches": dispatches}) as github:
        yield state, service, bodies, github


@contextmanager
def _watching(folder: Path, *args: str, **env: str
              ) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str]]]:
    """``kabar watch -v ARGS`` in ``folder``, its output lines in a queue as they come."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    process = subprocess.Popen([sys.executable, "-m", "generator", "watch", "-v", *args],
                               cwd=folder, env=environ, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield process, lines
    finally:
        process.kill()
        process.wait()
        reader.join()
        assert process.stdout is not None
        process.stdout.close()


def _wait_for(lines: queue.Queue[str], text: str, within: float) -> list[str]:
    """The lines up to and including the first that contains ``text``."""
    got, end = [], time.monotonic() + within
    while True:
        line = lines.get(timeout=max(0.01, end - time.monotonic()))
        got.append(line)
        if text in line:
            return got


def _stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> float:
    began = time.monotonic()
    process.send_signal(sig)
    assert process.wait(timeout=5) == 0
    return time.monotonic() - began


def test_an_outage_and_its_recovery_each_trigger_once_within_after_rounds(tmp_path: Path
                                                                          ) -> None:
    with _flipping() as (state, service, bodies, github):
        port = service.server_address[1]
        _site(tmp_path, {"api": f'{{http: "http://127.0.0.1:{port}/health", retries: 0}}'})
        hook = "printf '%s\\n' \"$KABAR_CHANGED\" >> changes.jsonl"
        with _watching(
                tmp_path, "--every", f"{int(EVERY * 1000)}ms", "--after", "2", "--on-change",
                hook, "--dispatch", "nusa/status", "--api",
                f"http://127.0.0.1:{github.server_address[1]}", KABAR_DISPATCH_TOKEN="t0ken"
                ) as (process, lines):
            _wait_for(lines, "round 2 ", 10)
            assert not bodies, "the baseline triggered"
            state["status"] = 503
            flipped = time.monotonic()
            _wait_for(lines, "api: up -> down", 10)
            _wait_for(lines, "dispatched kabar-watch to nusa/status", 5)
            assert bodies[0]["at"] - flipped <= 2 * EVERY + 1.0
            _wait_for(lines, "round 9 ", 10)  # several more rounds of the same outage
            assert len(bodies) == 1
            state["status"] = 200
            _wait_for(lines, "api: down -> up", 10)
            _wait_for(lines, "dispatched", 5)
            took = _stop(process)
    assert took < 1.0
    assert [b["auth"] for b in bodies] == ["Bearer t0ken"] * 2
    payloads = [b["body"] for b in bodies]
    assert [p["event_type"] for p in payloads] == ["kabar-watch"] * 2
    changes = [p["client_payload"]["changes"] for p in payloads]
    assert [(c[0]["component"], c[0]["from"], c[0]["to"]) for c in changes] == [
        ("api", "up", "down"), ("api", "down", "up")]
    hooked = [json.loads(line) for line in (tmp_path / "changes.jsonl").read_text().splitlines()]
    assert hooked == changes
    assert datetime.fromisoformat(changes[0][0]["since"]) <= datetime.fromisoformat(
        changes[1][0]["since"])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_hung_probe_neither_delays_the_next_round_nor_stopping(tmp_path: Path,
                                                                 sig: int) -> None:
    with silent_port() as port:
        hangs = f'{{http: "http://127.0.0.1:{port}/", timeout: 30s, retries: 0}}'
        _site(tmp_path, {"api": hangs})
        with _watching(tmp_path, "--every", f"{int(EVERY * 1000)}ms") as (process, lines):
            _wait_for(lines, "watching", 20)
            began = time.monotonic()
            got = _wait_for(lines, "round 4:", 4 * EVERY + 2)
            assert time.monotonic() - began < 4 * EVERY + 1.0
            assert "round 1: not finished when the next was due; it counts as nothing" in got
            time.sleep(EVERY / 2)  # the next round's probe is hanging now
            took = _stop(process, sig)
    assert took < 1.0


def test_bad_options_are_one_line_errors(tmp_path: Path) -> None:
    _site(tmp_path, {"api": '{tcp: "127.0.0.1:9"}'})
    cases = {("--every", "soon"): "error: --every: expected a duration such as 30s or 1m, "
                                  "got 'soon'",
             ("--dispatch", "nusa/status"): "error: --dispatch needs a token in "
                                            "KABAR_DISPATCH_TOKEN (one that may write the "
                                            "repository's contents)",
             ("--after", "0"): "error: --after must be 1 or more, got 0"}
    env = {k: v for k, v in os.environ.items() if k != "KABAR_DISPATCH_TOKEN"}
    for args, message in cases.items():
        done = subprocess.run([sys.executable, "-m", "generator", "watch", *args], cwd=tmp_path,
                              env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True,
                              text=True)
        assert (done.returncode, done.stderr.strip()) == (1, message)


def test_memory_and_state_stay_flat_over_many_rounds(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    # pytest keeps every captured log record; after a test ran kabar -v in this process the
    # probes' debug lines would be kept too, and counted here as the watch's memory.
    caplog.set_level(logging.WARNING, logger="generator")
    answers = iter(range(10**9))

    def health(h: Handler) -> None:  # a flapping service: every state change exercised
        h.reply(503 if next(answers) % 7 < 3 else 200, b"ok")

    with http_server({"/health": health}) as service:
        port = service.server_address[1]
        config = load_config(_site(tmp_path, {
            f"c{i}": f'{{http: "http://127.0.0.1:{port}/health", retries: 0}}'
            for i in range(5)}))
        sizes: dict[int, int] = {}
        changes = [0]

        def say(line: str) -> None:
            service.requests.clear()  # the test server's own log, not the watch's memory
            changes[0] += " -> " in line
            if line.startswith("round "):  # finished or not
                number = int(line.split()[1].rstrip(":"))
                if number >= 30 and number % 10 == 0:  # warmed up: every state seen
                    gc.collect()  # count what is kept, not garbage not yet collected
                    sizes.setdefault(number, tracemalloc.get_traced_memory()[0])

        watch = Watch(config, Options(every=0.15, after=2, verbose=True, rounds=150), say)
        tracemalloc.start()
        try:
            asyncio.run(watch.run())
        finally:
            tracemalloc.stop()
    assert len(sizes) == 13
    assert changes[0] > 50, "the flapping service was not seen flapping"
    assert len(watch.tracker.streaks) == 5
    # What is kept, without what a round in flight holds: the least of the first rounds
    # sampled against the least of the last (a leak of 1 KB a round would add 120 KB).
    kept = [size for _, size in sorted(sizes.items())]
    assert min(kept[-4:]) - min(kept[:4]) < 64 * 1024


def test_a_refused_dispatch_is_reported_and_the_watch_goes_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    answers = iter(range(10**9))

    def health(h: Handler) -> None:  # up for the baseline, then down
        h.reply(200 if next(answers) == 0 else 503, b"ok")

    def dispatches(h: Handler) -> None:
        h.rfile.read(int(h.headers["Content-Length"]))
        h.reply(401, b'{"message": "Bad credentials"}', "application/json")

    with http_server({"/health": health}) as service, \
            http_server({"/repos/nusa/status/dispatches": dispatches}) as github:
        port = service.server_address[1]
        config = load_config(_site(tmp_path, {
            "api": f'{{http: "http://127.0.0.1:{port}/health", retries: 0}}'}))
        said: list[str] = []
        options = Options(every=0.5, after=1, dispatch="nusa/status", token="expired",
                          api=f"http://127.0.0.1:{github.server_address[1]}", rounds=4)
        asyncio.run(Watch(config, options, said.append).run())
    assert [line.split(" ", 1)[1] for line in said] == [
        f"api: up -> down (since {line.split()[0]})" for line in said]
    assert len(said) == 1  # once, though every later round was down too
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name.endswith("watch")
            ] == [("ERROR", '--dispatch nusa/status: HTTP 401 {"message": "Bad credentials"}')]
