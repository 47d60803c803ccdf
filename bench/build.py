"""Benchmark: ``kabar build`` on 10,000 incidents, 100 components and a year of history.

Run from the repository root: ``python3 bench/build.py`` (``--incidents N`` to change the
size). Each build runs as its own ``kabar build`` process, as a user or CI runs it, with the
default build cache (``.kabar-cache/``). ``--dir`` puts the data set elsewhere than the system's
temporary folder: on ext4 without a journal, creating a file costs a scan past every inode
of its block group deleted in the last minutes, so a folder where other tests just deleted
many files writes slower. It prints the wall time, the peak memory, how many
files each build wrote and the cache's size; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from record import write_year  # noqa: E402

NOW = "2026-11-24T22:00:00Z"
STATES = ("degraded_performance", "partial_outage", "major_outage")


def write_site(folder: Path, incidents: int, components: int, rng: random.Random) -> list[str]:
    ids = [f"component-{n:03d}" for n in range(components)]
    lines = ["site:", "  title: Bench Status", "  url: https://status.example.com/",
             "  timezone: Asia/Jakarta", "  language: id", "components:"]
    for n, cid in enumerate(ids):
        lines += [f"  - id: {cid}", f"    name: Component {n}", f"    group: Group {n // 10}",
                  "    probe:", f"      http: https://{cid}.example.com/health"]
    (folder / "status.yaml").write_text("\n".join(lines) + "\n")
    (folder / "incidents").mkdir()
    end = datetime(2026, 11, 24, 20, tzinfo=UTC)
    for n in range(incidents):
        start = end - timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        write_incident(folder / "incidents" / f"bench-{n:05d}.yaml", start,
                       rng.sample(ids, rng.randint(1, 3)), rng)
    return ids


def write_incident(path: Path, start: datetime, components: list[str],
                   rng: random.Random) -> None:
    times = [start + timedelta(minutes=m) for m in (0, 20, 45, 90)]
    body = [f"title: Elevated errors on {components[0]}", "components:"]
    body += [f"  {cid}: {rng.choice(STATES)}" for cid in components]
    body.append("updates:")
    for at, status in zip(times, ("investigating", "identified", "monitoring", "resolved"),
                          strict=True):
        body += [f"  - at: {at:%Y-%m-%dT%H:%M:%SZ}", f"    status: {status}",
                 f"    message: We are looking into **{status}** errors on the API."]
    path.write_text("\n".join(body) + "\n")


def build(folder: Path, label: str) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    begin = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "generator", "build", "--now", NOW],
                            cwd=folder, capture_output=True, text=True,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    seconds = time.perf_counter() - begin
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if result.returncode:
        raise SystemExit(result.stderr)
    cache = sum(p.stat().st_size for p in (folder / ".kabar-cache").glob("*"))
    print(f"{label:<34} {seconds:6.2f} s  peak {max(peak, before) / 1024:5.0f} MB  "
          f"cache {cache / 1e6:4.1f} MB | {result.stdout.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to make the temporary site (default: the system's)")
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(dir=args.dir) as temp:
        folder = Path(temp)
        ids = write_site(folder, args.incidents, args.components, rng)
        write_year(folder / "history", ids, rng)
        print(f"{args.incidents} incidents, {args.components} components, a year of history; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        build(folder, "full build (nothing cached)")
        build(folder, "same build again, nothing changed")
        write_incident(folder / "incidents" / "zz-new.yaml",
                       datetime(2026, 11, 24, 21, tzinfo=UTC), ids[:2], rng)
        build(folder, "one incident added")


if __name__ == "__main__":
    main()
