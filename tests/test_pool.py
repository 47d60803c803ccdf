"""The build's process pool: the outputs come back in order, and a failure fails here."""

from __future__ import annotations

from functools import partial

import pytest

from generator.render.output import Output
from generator.site.pool import MINIMUM, make_all

COUNT = 3 * MINIMUM  # enough for a worker to take a share


def _number(n: int) -> bytes:
    return f"{n}\n".encode()


def _failing(bad: int, n: int) -> bytes:
    if n == bad:
        raise ValueError(f"output {n} cannot be made")
    return _number(n)


def test_many_outputs_come_back_in_order() -> None:
    outputs = [Output(f"{n}.txt", None, partial(_number, n)) for n in range(COUNT)]
    assert make_all(outputs) == [_number(n) for n in range(COUNT)]


@pytest.mark.parametrize("bad", [0, COUNT // 2, COUNT - 1], ids=["first", "middle", "last"])
def test_a_failing_output_fails_the_build_here_and_the_worker_prints_nothing(
        bad: int, capfd: pytest.CaptureFixture[str]) -> None:
    outputs = [Output(f"{n}.txt", None, partial(_failing, bad, n)) for n in range(COUNT)]
    with pytest.raises(ValueError, match=f"output {bad} cannot be made"):
        make_all(outputs)
    assert capfd.readouterr().err == ""
