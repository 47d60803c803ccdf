"""Time ``compute()`` on the budget's size: 10,000 incidents, 100 components, a year of
5-minute history. Prints figures; asserts nothing. Run: ``python3 bench/model.py``."""

from __future__ import annotations

import random
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.history import ComponentHistory, History, Sample, Span  # noqa: E402
from generator.load.config import Component, Config, Probe, Site  # noqa: E402
from generator.load.incidents import Incident, Update, Window  # noqa: E402
from generator.model.compute import compute  # noqa: E402

NOW = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
COMPONENTS = 100
INCIDENTS = 10_000


def history(rng: random.Random) -> ComponentHistory:
    """A year of spans (runs of 5-minute samples, mostly up) and 14 days of raw samples."""
    spans: list[Span] = []
    at = NOW - timedelta(days=365)
    while at < NOW:
        state = rng.choices(("up", "degraded", "down"), (96, 3, 1))[0]
        runs = rng.randint(1, 400) if state == "up" else rng.randint(1, 6)
        end = min(at + runs * STEP, NOW)
        spans.append(Span(at, end, state))
        at = end
    recent = tuple(Sample(NOW - k * STEP, "up", rng.uniform(50, 400))
                   for k in range(14 * 288, -1, -1))
    daily = {(NOW - timedelta(days=d)).date(): rng.uniform(50, 400) for d in range(365)}
    return ComponentHistory(spans=tuple(spans), recent=recent, daily_latency=daily,
                            last=recent[-1])


def incidents(rng: random.Random) -> tuple[Incident, ...]:
    """Incidents over three years, one in ten a maintenance; each names 1-3 components."""
    result = []
    for n in range(INCIDENTS):
        start = NOW - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        names = rng.sample(range(COMPONENTS), rng.randint(1, 3))
        if n % 10 == 0:
            result.append(Incident(
                id=f"m{n}", title="Upgrade", components={f"c{k}": "under_maintenance"
                                                          for k in names},
                updates=(Update(start - timedelta(days=7), "scheduled", "Soon."),),
                maintenance=Window(start, start + timedelta(hours=2))))
            continue
        states = ("degraded_performance", "partial_outage", "major_outage")
        updates = [Update(start, "investigating", "Looking."),
                   Update(start + timedelta(minutes=20), "identified", "Found.")]
        if rng.random() > 0.01:
            updates.append(Update(start + timedelta(minutes=rng.randint(30, 600)), "resolved",
                                  "Fixed."))
        result.append(Incident(id=f"i{n}", title="Outage", updates=tuple(updates),
                               components={f"c{k}": rng.choice(states) for k in names}))
    return tuple(result)


def main() -> None:
    rng = random.Random(7)
    site = Site(title="Bench", url="https://status.example/", timezone="Asia/Jakarta")
    probe = Probe(kind="http", target="https://example.invalid/")
    components = tuple(Component(f"c{k}", f"C{k}", group=f"G{k // 10}", probe=probe,
                                 since=date(2025, 1, 1)) for k in range(COMPONENTS))
    config = Config(site=site, components=components)
    started = time.perf_counter()
    data = History({f"c{k}": history(rng) for k in range(COMPONENTS)})
    loaded = incidents(rng)
    setup = time.perf_counter() - started
    spans = sum(len(h.spans) for h in data.components.values())
    started = time.perf_counter()
    model = compute(config, loaded, data, NOW)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"inputs: {len(loaded)} incidents, {COMPONENTS} components, {spans} spans "
          f"(built in {setup:.2f} s)")
    print(f"compute: {elapsed:.2f} s; peak RSS {peak:.0f} MB; "
          f"{len(model.incidents)} incident views, {len(model.months)} months, "
          f"indicator {model.indicator}")


if __name__ == "__main__":
    main()
