"""``kabar probe``: check every component concurrently, each under a hard deadline.

One event loop runs every check; a semaphore bounds how many run at once; each attempt has
its own deadline (DNS, connect, TLS, headers and body included), and the run as a whole has
a cap, so a run always ends.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from generator.errors import counted
from generator.load.config import Config, Probe, Upstream
from generator.load.results import Result, Run, UpstreamResult
from generator.model.states import ProbeState
from generator.probe import certs, control
from generator.probe.base import CURRENT, Failure, Net, Outcome, Progress, seconds
from generator.probe.dns import LOOKUPS, check_dns
from generator.probe.env import expand_env, prepare
from generator.probe.http import check_http
from generator.probe.netio import check_tcp, check_tls
from generator.probe.table import format_table
from generator.probe.upstream import read_upstream
from generator.reasons import part, say

__all__ = ["RETRY_PAUSE", "RUN_SLACK", "expand_env", "format_table", "probe_round", "run_cap",
           "run_probes"]

log = logging.getLogger(__name__)

RETRY_PAUSE = 0.5  # seconds between a failed attempt and its re-check
RUN_SLACK = 5.0  # seconds the whole run may take beyond its probes' own deadlines

Check = Callable[[Probe, Net, Progress], Awaitable[Outcome]]
CHECKS: dict[str, Check] = {"http": check_http, "tcp": check_tcp, "tls": check_tls,
                            "dns": check_dns}


def run_probes(config: Config, location: str = "default", *, concurrency: int = 200,
               retry_pause: float | None = None,
               previous: Mapping[str, UpstreamResult] | None = None) -> Run:
    """Probe every component that has a probe and read every upstream, on one event loop;
    the results in config order. ``previous``: each upstream's last reading, whose
    validators the request sends back.

    Raises ``ProbeError`` before any probe runs when a ``${VAR}`` is not set.
    """
    return asyncio.run(probe_round(config, location, concurrency=concurrency,
                                   retry_pause=retry_pause, previous=previous))


async def probe_round(config: Config, location: str = "default", *, concurrency: int = 200,
                      retry_pause: float | None = None,
                      previous: Mapping[str, UpstreamResult] | None = None) -> Run:
    """``run_probes`` on the running event loop (``kabar watch`` runs one round after
    another on one loop); cancelling it cancels every probe and closes every connection."""
    jobs = [(c.id, prepare(c, str(config.path))) for c in config.components if c.probe]
    pause = RETRY_PAUSE if retry_pause is None else retry_pause
    started, clock = _now(), time.monotonic()
    results, answered, upstreams = await _run_all(
        jobs, max(1, concurrency), pause, control.probes(config.control), config.upstreams,
        previous or {})
    took = time.monotonic() - clock
    return Run(location, started, _now(), tuple(results), took, answered, tuple(upstreams))


async def _run_all(jobs: list[tuple[str, Probe]], concurrency: int, pause: float,
                   controls: tuple[Probe, ...], upstreams: tuple[Upstream, ...],
                   previous: Mapping[str, UpstreamResult]
                   ) -> tuple[list[Result], bool | None, list[UpstreamResult]]:
    """Every probe's result, the control check's (None when not needed), every upstream's."""
    if not jobs and not upstreams:
        return [], None, []
    lookups = ThreadPoolExecutor(32, thread_name_prefix="kabar-lookup")
    LOOKUPS.set(lookups)  # the probes' tasks, created below, inherit it
    net = Net(certs.context(), certs.context(alpn=()), proxies=urllib.request.getproxies())
    gate = asyncio.Semaphore(concurrency)
    cap = max(([run_cap([probe for _, probe in jobs], concurrency, pause)] if jobs else [])
              + [u.timeout.total_seconds() + RUN_SLACK for u in upstreams])
    started = _now()
    tasks = [asyncio.create_task(_probe(cid, probe, net, gate, pause)) for cid, probe in jobs]
    reads = [asyncio.create_task(read_upstream(u, net, previous.get(u.id), started))
             for u in upstreams]
    answered: bool | None = None
    try:
        _, pending = await asyncio.wait([*tasks, *reads], timeout=cap)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%s did not finish within the run's cap of %s",
                        counted(len(pending), "probe"), seconds(cap))
            await asyncio.wait(pending)
        late = (part("run_deadline", limit=seconds(round(cap, 1))),)
        results = [task.result() if not task.cancelled() else
                   Result(cid, started, ProbeState.DOWN, error=say(late), network=True,
                          reason="run_deadline", parts=late)
                   for (cid, _), task in zip(jobs, tasks, strict=True)]
        read = [task.result() if not task.cancelled() else
                UpstreamResult(u.id, started, None, error=say(late), reason="run_deadline")
                for u, task in zip(upstreams, reads, strict=True)]
        if control.needed(results) and not controls:  # control: [] — trust every failure
            answered = True
        elif control.needed(results):
            outcomes = await asyncio.gather(*(attempt(probe, net) for probe in controls))
            answered = any(outcome.state != ProbeState.DOWN for outcome in outcomes)
            log.info("control check: %s", "; ".join(
                f"{probe.target} {outcome.state}" for probe, outcome in zip(
                    controls, outcomes, strict=True)))
    finally:
        for task in (*tasks, *reads):  # cancelled from outside: no probe outlives its round
            task.cancel()
        for client in net.clients.values():
            await client.close()
        lookups.shutdown(wait=False, cancel_futures=True)
    return results, answered, read


def _now() -> datetime:
    """The real clock (probes happen now, whatever --now a build uses), to the second.

    Whole seconds, like ``clock.now()``: a build right after a probe must not see the probe's
    time as later than its own "now".
    """
    return datetime.now(UTC).replace(microsecond=0)


def run_cap(probes: list[Probe], concurrency: int, pause: float) -> float:
    """The longest a run may take: its slowest probe with every retry, once per wave."""
    slowest = max(budget(p, pause) for p in probes)
    return slowest * math.ceil(len(probes) / concurrency) + RUN_SLACK


def budget(probe: Probe, pause: float) -> float:
    """The longest one check may take: every attempt to its deadline, a pause between."""
    return probe.timeout.total_seconds() * (probe.retries + 1) + pause * probe.retries


async def _probe(component: str, probe: Probe, net: Net, gate: asyncio.Semaphore,
                 pause: float) -> Result:
    """Check one component, re-checking a failure ``probe.retries`` times."""
    async with gate:
        at = _now()
        deadline = time.monotonic() + budget(probe, pause)
        attempts = 0
        while True:
            attempts += 1
            outcome = await attempt(probe, net)
            if outcome.state != ProbeState.DOWN or attempts > probe.retries:
                break
            await asyncio.sleep(_wait(probe, pause, outcome.retry_after,
                                      probe.retries + 1 - attempts, deadline))
    log.debug("%s: %s after %d attempt(s)", component, outcome.state, attempts)
    return Result(component, at, outcome.state, outcome.latency_ms, outcome.status_code,
                  outcome.error, attempts, outcome.network, outcome.reason, outcome.parts)


def _wait(probe: Probe, pause: float, asked: float | None, left: int, deadline: float) -> float:
    """The pause before a retry: what ``Retry-After`` asked when the ``left`` attempts still
    fit the check's deadline after it (so the run's cap holds), else the usual pause."""
    if asked is None:
        return pause
    limit = probe.timeout.total_seconds()
    if time.monotonic() + asked + left * limit + (left - 1) * pause > deadline:
        return pause
    return max(pause, asked)


async def attempt(probe: Probe, net: Net) -> Outcome:
    """One check of ``probe`` under its deadline; never raises for a down service."""
    progress = Progress()
    CURRENT.set(progress)  # this task's connections report their first byte to it
    limit = probe.timeout.total_seconds()
    try:
        async with asyncio.timeout(limit):
            return await CHECKS[probe.kind](probe, net, progress)
    except Failure as failure:
        return Outcome(ProbeState.DOWN, status_code=failure.status_code, parts=failure.parts,
                       network=failure.network,
                       retry_after=failure.retry_after)
    except TimeoutError:
        if progress.answered:
            return Outcome(ProbeState.DOWN,
                           parts=(part("timeout_reading", limit=seconds(limit)),))
        return Outcome(ProbeState.DOWN, parts=(part("timeout", limit=seconds(limit)),),
                       network=True)
    except Exception as exc:  # a bug in a check must not lose the whole run
        log.error("probe of %s failed unexpectedly: %s", probe.kind, type(exc).__name__)
        return Outcome(ProbeState.DOWN, parts=(part("unexpected", name=type(exc).__name__),))
