"""Benchmark: the stages before rendering, one process, one after the other: ``load_site``
(status.yaml and every incident, parsed and checked), ``read_history`` and ``compute``.

Run from the repository root: ``python3 bench/stages.py``, on bench/build.py's data set
(10,000 incidents with distinct messages, 100 components, a year of 5-minute history), or
``--site DIR`` for a site folder made before (``--now`` its build time). ``--runs N``: the
fastest of N is printed for each stage (the machine may be shared). Garbage collection is
off while the stages run, as in ``kabar build``. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from build import NOW, make_site  # noqa: E402

from generator.history.read import read_history  # noqa: E402
from generator.load.site import load_site  # noqa: E402
from generator.model.compute import compute  # noqa: E402

STAGES = ("load_site", "read_history", "compute")


def once(site: Path, now: datetime) -> dict[str, float]:
    """Each stage's seconds in one run, with garbage collection off as a build has it."""
    seconds: dict[str, float] = {}
    gc.disable()
    try:
        started = time.perf_counter()
        config, incidents, _ = load_site(site / "status.yaml", site / "incidents", now)
        seconds["load_site"] = time.perf_counter() - started
        started = time.perf_counter()
        history = read_history(site / "history", config, now)
        seconds["read_history"] = time.perf_counter() - started
        started = time.perf_counter()
        compute(config, incidents, history, now)
        seconds["compute"] = time.perf_counter() - started
    finally:
        gc.enable()
    return seconds


def measure(site: Path, now: datetime, runs: int) -> None:
    files = len(os.listdir(site / "incidents"))
    print(f"{site}: {files:,} incident files; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores; the fastest of {runs}")
    results = []
    for _ in range(runs):
        results.append(once(site, now))
        gc.collect()
    best = {stage: min(result[stage] for result in results) for stage in STAGES}
    for stage in STAGES:
        print(f"{stage:<14} {best[stage]:6.3f} s")
    print(f"{'together':<14} {sum(best.values()):6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=None,
                        help="a site folder to time (default: make bench/build.py's)")
    parser.add_argument("--now", default=NOW, help=f"the build's time (default: {NOW})")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    now = datetime.fromisoformat(args.now)
    if args.site is not None:
        measure(args.site, now, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="kabar-stages-") as temp:
        site = Path(temp) / "site"
        make_site(site, args.incidents, 100, 11)
        measure(site, now, args.runs)


if __name__ == "__main__":
    main()
