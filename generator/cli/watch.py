"""``kabar watch``: probe in a loop on any machine and act within rounds of a change.

A scheduler such as GitHub Actions may start a 5-minute job late or not at all; ``kabar
watch`` runs on a machine of your own, probes every ``--every`` with the same probes, upstreams
and control check as ``kabar probe``, and when a component's state has held for ``--after``
rounds runs ``--on-change`` once and/or sends a ``repository_dispatch`` that starts the
scheduled job now. The first round is the baseline. Rounds are due on a monotonic clock; a
round still running when the next is due is cancelled (no probe outlives its round), so a hung
probe never delays the next. Memory holds one entry per component: it stays flat over days.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import signal
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime

import aiohttp

from generator.clock import isoformat
from generator.errors import counted
from generator.load.config import Config
from generator.load.results import Run, UpstreamResult
from generator.model.states import ProbeState
from generator.probe import probe_round

log = logging.getLogger(__name__)

EVENT_TYPE = "kabar-watch"
DISPATCH_TIMEOUT = 10.0  # seconds for one repository_dispatch request
STOP_GRACE = 0.5  # seconds a signalled stop gives a dispatch under way (stopping takes < 1 s)


@dataclass(frozen=True)
class Change:
    component: str  # a component's id, or an upstream's (``github`` or ``github/Actions``)
    was: str
    now: str
    since: datetime  # the first round that saw ``now``

    def to_json(self) -> dict[str, str]:
        return {"component": self.component, "from": self.was, "to": self.now,
                "since": isoformat(self.since)}


@dataclass
class _Streak:
    confirmed: str
    state: str
    start: datetime
    length: int


class Tracker:
    """Each component's confirmed state and the streak that may replace it: one entry each."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.streaks: dict[str, _Streak] = {}

    def observe(self, seen: Mapping[str, str], at: datetime) -> list[Change]:
        """The changes that ``seen`` (component -> state, this round) confirms."""
        changes = []
        for key, state in seen.items():
            streak = self.streaks.get(key)
            if streak is None:  # the first state seen is the baseline
                self.streaks[key] = _Streak(state, state, at, self.after)
                continue
            if state == streak.state:
                streak.length += 1
            else:
                streak.state, streak.start, streak.length = state, at, 1
            if streak.length == self.after and state != streak.confirmed:
                changes.append(Change(key, streak.confirmed, state, streak.start))
                streak.confirmed = state
        return changes


def observed(run: Run) -> dict[str, str]:
    """What one round saw: each probed component's state (none when the control check said
    the network was down) and each upstream's (none when its page could not be read)."""
    seen: dict[str, str] = {}
    if run.control is not False:
        seen.update((r.component, str(r.state)) for r in run.results)
    for reading in run.upstreams:
        if reading.state is None:
            continue
        if reading.components:
            seen.update((f"{reading.upstream}/{name}", state)
                        for name, state in reading.components.items())
        else:
            seen[reading.upstream] = reading.state
    return seen


@dataclass(frozen=True)
class Options:
    every: float  # seconds between rounds
    after: int
    on_change: str | None = None
    dispatch: str | None = None  # OWNER/REPO
    api: str = "https://api.github.com"
    token: str | None = None
    verbose: bool = False
    rounds: int | None = None  # stop after this many (None: until stopped)


class Watch:
    def __init__(self, config: Config, options: Options,
                 say: Callable[[str], None] = print) -> None:
        self.config, self.options, self.say = config, options, say
        self.tracker = Tracker(options.after)
        self.previous: dict[str, UpstreamResult] = {}  # each upstream's last reading
        self.actions: set[asyncio.Task[None]] = set()  # hooks and dispatches under way

    async def run(self) -> None:
        """Round after round until stopped (SIGTERM, SIGINT) or ``rounds`` are done."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        every, start, tick, done = self.options.every, time.monotonic(), 0, 0
        try:
            while self.options.rounds is None or done < self.options.rounds:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), start + tick * every - time.monotonic())
                if stop.is_set():
                    break
                deadline = start + (tick + 1) * every
                await self._round(done + 1, deadline, stop)
                done += 1
                # A round that ran late skips the ticks it missed rather than bunching up.
                tick = max(tick + 1, math.floor((time.monotonic() - start) / every))
            if self.actions:  # let the last hooks and dispatches finish; a signal waits less
                await asyncio.wait(self.actions,
                                   timeout=STOP_GRACE if stop.is_set() else DISPATCH_TIMEOUT)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    async def _round(self, number: int, deadline: float, stop: asyncio.Event) -> None:
        began = time.monotonic()
        probing = asyncio.create_task(probe_round(self.config, previous=self.previous))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait((probing, stopping), timeout=max(0.0, deadline - began),
                           return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not probing.done():
            probing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await probing
            if not stop.is_set():
                self.say(f"round {number}: not finished when the next was due; it counts "
                         "as nothing")
            return
        run = probing.result()
        self.previous = {u.upstream: u for u in run.upstreams if u.state is not None}
        seen = observed(run)
        changes = self.tracker.observe(seen, run.started)
        if self.options.verbose:
            self.say(_round_line(number, run, seen, time.monotonic() - began))
        for change in changes:
            self.say(f"{isoformat(run.started)} {change.component}: {change.was} -> "
                     f"{change.now} (since {isoformat(change.since)})")
        if changes:
            self._act(changes)

    def _act(self, changes: list[Change]) -> None:
        payload = [c.to_json() for c in changes]
        if self.options.on_change:
            self._start(_hook(self.options.on_change, payload))
        if self.options.dispatch:
            self._start(_dispatch(self.options, payload, self.say))

    def _start(self, action: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(action)
        self.actions.add(task)
        task.add_done_callback(self.actions.discard)


def _round_line(number: int, run: Run, seen: Mapping[str, str], took: float) -> str:
    counts = [counted(sum(1 for r in run.results if r.state == state), str(state), str(state))
              for state in ProbeState]
    unknown = "; the network was down (control check): unknown" if run.control is False else ""
    vendors = f", {counted(len(run.upstreams), 'upstream')}" if run.upstreams else ""
    return (f"round {number} at {isoformat(run.started)}: {', '.join(counts)}{vendors}"
            f"{unknown} in {took:.2f} s; {len(seen)} tracked")


async def _hook(command: str, payload: list[dict[str, str]]) -> None:
    """Run ``command`` in a shell with ``KABAR_CHANGED``; its failure is logged, never fatal."""
    env = {**os.environ, "KABAR_CHANGED": json.dumps(payload)}
    process = await asyncio.create_subprocess_shell(command, env=env)
    code = await process.wait()
    if code:
        log.error("--on-change exited with %d", code)


async def _dispatch(options: Options, payload: list[dict[str, str]],
                    say: Callable[[str], None]) -> None:
    """POST a ``repository_dispatch`` (GitHub allows 10 top-level keys in client_payload:
    the changes go under one)."""
    url = f"{options.api.rstrip('/')}/repos/{options.dispatch}/dispatches"
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
               "Authorization": f"Bearer {options.token}", "User-Agent": "kabar-watch"}
    body = {"event_type": EVENT_TYPE, "client_payload": {"changes": payload}}
    try:
        async with aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=DISPATCH_TIMEOUT)) as session, \
                session.post(url, json=body, headers=headers) as answer:
            if answer.status >= 300:
                text = (await answer.text())[:200]
                log.error("--dispatch %s: HTTP %d %s", options.dispatch, answer.status, text)
            else:
                say(f"dispatched {EVENT_TYPE} to {options.dispatch}")
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.error("--dispatch %s: %s", options.dispatch, str(exc) or type(exc).__name__)
