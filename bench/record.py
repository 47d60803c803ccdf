"""Benchmark: ``kabar record`` and ``read_history`` on a year of 5-minute history, 100 components.

Run from the repository root: ``python3 bench/record.py``. It writes the year directly in the
history format (daily files for 362 days, raw files for the last three), then times real
``record()`` calls (an ordinary run, and a day's first run, which compacts a day) and a
``read_history()`` of the year the uptime report reads; then the size of a flapping year (12
outages a day for every component). It prints figures; it asserts nothing.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generator.files import append_lines  # noqa: E402
from generator.history.files import (  # noqa: E402
    DayComponent,
    DayRecord,
    daily_path,
    encode_day,
    encode_results,
    raw_path,
)
from generator.history.read import read_history  # noqa: E402
from generator.history.record import record  # noqa: E402
from generator.load.config import Component, Config, Site  # noqa: E402
from generator.load.results import Result, Run, write_run  # noqa: E402

COMPONENTS = 100
DAYS = 365
INTERVAL = timedelta(minutes=5)
TODAY = datetime(2026, 11, 24, tzinfo=UTC)
NOW = TODAY + timedelta(hours=22)


def config() -> Config:
    components = tuple(Component(id=f"component-{n:03d}", name=f"Component {n}")
                       for n in range(COMPONENTS))
    return Config(Site(title="Bench", url="https://status.example.com/", interval=INTERVAL),
                  components)


def write_year(directory: Path, ids: list[str], rng: random.Random,
               outages: int = 0) -> None:
    """Daily lines for the compacted days, raw lines for the last three days; ``outages``
    a day for every component (a flapping worst case), else one on about 3 % of the days."""
    for back in range(DAYS - 1, 2, -1):
        day = (TODAY - timedelta(days=back)).date()
        components = {}
        for key in ids:
            spans: tuple[tuple[int, int, str], ...] = ((0, 86400, "up"),)
            if outages:
                cuts = sorted(rng.sample(range(300, 86000, 300), outages))
                made, at = [], 0
                for begin in cuts:
                    if begin > at:
                        made += [(at, begin, "up"), (begin, begin + 300, "down")]
                        at = begin + 300
                spans = (*made, (at, 86400, "up"))
            elif rng.random() < 0.03:  # an outage on about 3 % of the days
                begin = rng.randrange(300, 80000, 300)
                spans = ((0, begin, "up"), (begin, begin + 900, "degraded"),
                         (begin + 900, begin + 2700, "down"), (begin + 2700, 86400, "up"))
            components[key] = DayComponent(288, round(rng.uniform(50, 500), 1), spans)
        append_lines(daily_path(directory, day), [encode_day(DayRecord(day, components))])
    for back in (2, 1, 0):
        start = TODAY - timedelta(days=back)
        lines = []
        for step in range(288):
            at = start + INTERVAL * step
            if at >= NOW:
                break
            results = {key: ("up", round(rng.uniform(50, 500), 1), None, ()) for key in ids}
            lines.append(encode_results(at, ["eu", "us"], results))
        append_lines(raw_path(directory, start.date()), lines)


def results_files(folder: Path, at: datetime, ids: list[str], rng: random.Random) -> list[Path]:
    paths = []
    for location in ("eu", "us"):
        made = tuple(Result(key, at, "up", rng.uniform(50, 500), 200) for key in ids)
        path = folder / f"{location}-{at:%H%M}.json"
        write_run(Run(location, at, at + timedelta(seconds=1), made), path)
        paths.append(path)
    return paths


def size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6


def timed(label: str, action: object) -> object:
    begin, cpu = time.perf_counter(), time.process_time()
    value = action() if callable(action) else None
    print(f"{label:<52} {time.perf_counter() - begin:8.3f} s "
          f"(CPU {time.process_time() - cpu:.3f} s)")
    return value


def main() -> None:
    rng = random.Random(7)
    site = config()
    ids = [component.id for component in site.components]
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        history = folder / "history"
        timed("write a year of history (direct, not measured)", lambda: write_year(history, ids,
                                                                                     rng))
        print(f"{'history size on disk':<52} {size_mb(history):8.2f} MB "
              f"({len(list(history.rglob('*.jsonl')))} files)")
        run = results_files(folder, NOW, ids, rng)
        timed("record one run (2 locations, 100 components)",
              lambda: record(history, run, site, quorum=1))
        timed("record the same run again (idempotent no-op)",
              lambda: record(history, run, site, quorum=1))
        found = timed("read_history (the report's year)",
                      lambda: read_history(history, site, NOW))
        assert found is not None
        tomorrow = results_files(folder, TODAY + timedelta(days=1), ids, rng)
        timed("record a day's first run (compacts a raw day)",
              lambda: record(history, tomorrow, site, quorum=1))
        print(f"{'history size on disk after compaction':<52} {size_mb(history):8.2f} MB")
        daily = sum(p.stat().st_size for p in (history / "daily").iterdir()) / 1e6
        print(f"{'of which daily files (a year, 100 components)':<52} {daily:8.2f} MB")
        flapping = folder / "flapping"
        write_year(flapping, ids, rng, outages=12)
        print(f"{'a year with 12 outages a day for every component':<52} "
              f"{size_mb(flapping):8.2f} MB")
        timed("read_history (a year, 12 outages a day each)",
              lambda: read_history(flapping, site, NOW))


if __name__ == "__main__":
    main()
