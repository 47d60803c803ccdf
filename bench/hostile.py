"""Benchmark: how long and how much memory ``kabar validate`` takes on hostile files.

Run from the repository root: ``python3 bench/hostile.py``. Each case runs the real command in
a process of its own (a site with one bad file from ``tests/fixtures/bad/``, or a generated
one) and prints its exit code, wall time and peak memory. Targets: under 2 s and bounded
memory each. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "fixtures" / "bad"

GENERATED = {
    "ten-megabytes": b"title: " + b"x" * (10 * 1024 * 1024) + b"\n",
    "binary-garbage": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4,
    "one-megabyte-list": b"[" + b"1," * 500_000 + b"]\n",
}


def _run(folder: Path) -> tuple[int, float, float]:
    """Exit code, seconds and peak resident MB of ``kabar validate`` in ``folder``."""
    environ = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "generator", "validate"], cwd=folder,
                               env=environ, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, seconds, usage.ru_maxrss / 1024


def main() -> None:
    cases: list[tuple[str, bytes]] = [
        (f"incidents/{path.stem}", path.read_bytes())
        for path in sorted((BAD / "incidents").glob("*.yaml"))
        if path.stem in ("alias-bomb", "alias-cycle", "deep-nesting")]
    cases += [(f"incidents/{name}", data) for name, data in GENERATED.items()]
    print(f"{'case':32} {'exit':>4} {'seconds':>8} {'peak MB':>8}")
    for name, data in cases:
        with tempfile.TemporaryDirectory() as temp:
            folder = Path(temp)
            shutil.copy(BAD / "good-status.yaml", folder / "status.yaml")
            (folder / "incidents").mkdir()
            (folder / "incidents" / f"{name.split('/')[-1]}.yaml").write_bytes(data)
            code, seconds, peak = _run(folder)
        print(f"{name:32} {code:>4} {seconds:>8.2f} {peak:>8.1f}")


if __name__ == "__main__":
    main()
