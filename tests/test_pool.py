"""Declared outputs, and the build's process pool that makes them: in order, failing here."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from functools import partial

import pytest

from generator.render.base import context
from generator.render.output import Output
from generator.render.outputs import outputs
from generator.site.pool import MINIMUM, Shared, ahead, can_fork, make_all, split_map
from tests.factories import sample_model

COUNT = 3 * MINIMUM  # enough for a worker to take a share


def _number(n: int) -> bytes:
    return f"{n}\n".encode()


def _failing(bad: int, n: int) -> bytes:
    if n == bad:
        raise ValueError(f"output {n} cannot be made")
    return _number(n)


def _placed(path: str, data: bytes) -> tuple[str, bytes]:
    return path, data


def test_many_outputs_come_back_in_order() -> None:
    outputs = [Output(f"{n}.txt", None, partial(_number, n)) for n in range(COUNT)]
    assert make_all(outputs, _placed) == [(f"{n}.txt", _number(n)) for n in range(COUNT)]


@pytest.mark.parametrize("bad", [0, COUNT // 2, COUNT - 1], ids=["first", "middle", "last"])
def test_a_failing_output_fails_the_build_here_and_the_worker_prints_nothing(
        bad: int, capfd: pytest.CaptureFixture[str]) -> None:
    outputs = [Output(f"{n}.txt", None, partial(_failing, bad, n)) for n in range(COUNT)]
    with pytest.raises(ValueError, match=f"output {bad} cannot be made"):
        make_all(outputs, _placed)
    assert capfd.readouterr().err == ""


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


def _squares(numbers: Sequence[int]) -> list[int]:
    if 7 * MINIMUM in numbers:
        raise ValueError("this chunk cannot be done")
    return [n * n for n in numbers]


def test_work_ahead_comes_back_whole_and_in_order() -> None:
    items = list(range(10 * MINIMUM + 7))  # a short last chunk too
    worker = ahead(_squares_up_to_6, items, chunk=MINIMUM)
    if not can_fork():  # one core, or a thread still running here: never fork, do it later
        assert worker is None
        return
    assert worker is not None
    time.sleep(0.05)  # this process's own work meanwhile; then it joins in from the back
    assert worker.collect() == [(n, n * n) for n in items]


def test_work_ahead_that_fails_raises_here_and_the_worker_prints_nothing(
        capfd: pytest.CaptureFixture[str]) -> None:
    worker = ahead(_squares, list(range(10 * MINIMUM)), chunk=MINIMUM)
    if worker is None:
        assert not can_fork()
        return
    with pytest.raises(ValueError, match="this chunk cannot be done"):
        worker.collect()
    assert capfd.readouterr().err == ""


def _squares_up_to_6(numbers: Sequence[int]) -> list[int]:
    return [n * n for n in numbers]


def test_too_little_to_work_ahead_on_is_left_here() -> None:
    assert ahead(_squares, list(range(MINIMUM - 1))) is None


def test_a_list_split_between_two_processes_comes_back_whole_and_in_order() -> None:
    items = list(range(7 * MINIMUM + 3))
    assert split_map(_squares_up_to_6, items, chunk=MINIMUM // 3) == [n * n for n in items]
    with pytest.raises(ValueError, match="this chunk cannot be done"):
        split_map(_squares, list(range(10 * MINIMUM)), chunk=MINIMUM)


def test_a_worker_killed_midway_leaves_its_share_here_and_nothing_hangs() -> None:
    """The OOM killer may end a worker at any moment, even while it sends a result: this
    process reads the end of its pipe and does what is missing itself."""
    if not can_fork():
        pytest.skip("no second core, or a thread still running: nothing is forked")
    parent = os.getpid()

    def work(n: int) -> bytes:
        time.sleep(0.01)
        if os.getpid() != parent and n == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return _number(n) * 20_000  # 40 KB and more: a send that fills the pipe
    begin = time.monotonic()
    assert Shared(work, 40).finish() == [_number(n) * 20_000 for n in range(40)]
    assert time.monotonic() - begin < 10
