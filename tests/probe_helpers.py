"""Building configs for the probe tests and running one probe."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from generator.load.config import Component, Config, Probe, Site
from generator.load.results import Result, Run
from generator.probe import run_probes

SITE = Site(title="Test", url="https://status.test/")
PAUSE = 0.01  # the retry pause, shortened
TIMEOUT = 10.0  # generous: on a loaded machine a sound probe can take over a second; a test
#                 about deadlines passes its own


def make_probe(kind: str, target: str, timeout: float = TIMEOUT, retries: int = 0,
               **fields: Any) -> Probe:
    return Probe(kind, target, timeout=timedelta(seconds=timeout), retries=retries, **fields)


def run(*probes: Probe | None) -> Run:
    components = tuple(Component(f"c{i}", f"C{i}", probe=p) for i, p in enumerate(probes))
    return run_probes(Config(SITE, components), "test", retry_pause=PAUSE)


def probe_one(probe: Probe) -> Result:
    (result,) = run(probe).results
    return result
