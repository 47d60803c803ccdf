"""The demo's simulated history: 90 days of probe results, recorded as ``kabar record`` does.

Every run is one raw line made by the record module's own encoder, appended a day at a time,
then the old days are compacted by its own ``compact``: the files are exactly what the
scheduled job would have left behind. (Recording 25,000 runs one ``record`` call each would
fsync 25,000 times; the demo has seconds, not minutes.)

What the probes "saw" follows the example's incidents (a major outage is down, a partial
outage or degraded performance is degraded, maintenance is down), plus a few short blips
from a random generator seeded by the day, so a replay at the same ``now`` is the same.
The upstreams (the fictional Awan Cloud) read operational, but for the vendor's outage of
``VENDOR_OUTAGE``, the one its status page shows in the demo (``demo_awan.json``).
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from generator.files import append_lines
from generator.history import UpstreamSample
from generator.history.files import encode_results
from generator.history.record import compact
from generator.load.config import Config
from generator.load.incidents import Incident
from generator.model.compute import incident_view
from generator.model.states import (
    ComponentState,
    IncidentStatus,
    MaintenanceStatus,
    ProbeState,
)
from generator.reasons import Part, part, say

DAYS = 90
RETENTION = timedelta(days=400)
# Typical response times of the example's components, in milliseconds.
BASE_MS = {"chat": 180.0, "video": 420.0, "login": 120.0, "api": 240.0, "realtime": 35.0}
_UP, _DEGRADED, _DOWN = ProbeState.UP, ProbeState.DEGRADED, ProbeState.DOWN
_PROBE_STATE = {ComponentState.MAJOR_OUTAGE: _DOWN, ComponentState.UNDER_MAINTENANCE: _DOWN,
                ComponentState.PARTIAL_OUTAGE: _DEGRADED,
                ComponentState.DEGRADED_PERFORMANCE: _DEGRADED}
_RANK = {_UP: 0, _DEGRADED: 1, _DOWN: 2}
# Awan Cloud's Object Storage outage (demo_awan.json), 09.04–11.20 WIB on 2 July 2025.
VENDOR_OUTAGE = (datetime(2025, 7, 2, 2, 4, tzinfo=UTC), datetime(2025, 7, 2, 4, 20, tzinfo=UTC),
                 "Object Storage", ComponentState.PARTIAL_OUTAGE)


@dataclass(frozen=True)
class Simulated:
    runs: int
    components: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class _Spell:
    component: str
    start: datetime
    end: datetime
    state: ProbeState


def simulate(directory: Path, config: Config, incidents: Sequence[Incident], now: datetime,
             until: datetime) -> Simulated:
    """Record a simulated run every ``site.interval`` from ``now`` − 90 days to ``until``."""
    interval = config.site.interval
    step = interval.total_seconds()
    start = datetime.fromtimestamp((now - timedelta(days=DAYS)).timestamp() // step * step, UTC)
    probed = [c.id for c in config.components if c.probe is not None]
    rng = random.Random(f"kabar-demo-{now.astimezone(UTC).date()}")
    spells = _incident_spells(incidents, now) + _blips(rng, probed, start, until)
    lines: dict[datetime, list[str]] = {}  # UTC day -> raw lines
    at, runs = start, 0
    while at < until:
        results = {key: _sample(rng, key, at, spells) for key in probed}
        day = datetime.combine(at.date(), datetime.min.time(), UTC)
        lines.setdefault(day, []).append(encode_results(at, ["demo"], results,
                                                        _vendors(config, at)))
        at += interval
        runs += 1
    for day, day_lines in sorted(lines.items()):
        append_lines(directory / "raw" / f"{day:%Y-%m-%d}.jsonl", day_lines)
    warnings: list[str] = []
    compact(directory, config, now.astimezone(UTC).date(), now - RETENTION, warnings, True)
    return Simulated(runs, len(probed), start, at - interval)


def _vendors(config: Config, at: datetime) -> dict[str, UpstreamSample]:
    """What each upstream's status page said at ``at``."""
    start, end, name, bad = VENDOR_OUTAGE
    found = {}
    for upstream in config.upstreams:
        fine = ComponentState.OPERATIONAL
        states = {n: bad if n == name and start <= at < end else fine
                  for n in upstream.components}
        worst = bad if bad in states.values() else fine
        found[upstream.id] = UpstreamSample(at, worst, states)
    return found


def _incident_spells(incidents: Sequence[Incident], now: datetime) -> list[_Spell]:
    """What monitoring would have seen during the incidents known at ``now``."""
    spells = []
    for incident in incidents:
        view = incident_view(incident, now)
        if view is None or (incident.is_maintenance and view.status == MaintenanceStatus.SCHEDULED):
            continue
        end = min(view.end or now, now)
        for component, state in incident.components.items():
            spells.append(_Spell(component, view.start, end, _PROBE_STATE[state]))
    return spells


def _blips(rng: random.Random, probed: Sequence[str], start: datetime,
           until: datetime) -> list[_Spell]:
    """A few short spells of trouble that nobody wrote an incident for."""
    if not probed:
        return []
    spells = []
    last = until - timedelta(hours=2)  # the live probes tell the last part
    for _ in range(7):
        begin = start + (last - start) * rng.random()
        minutes = rng.choice((10, 15, 20, 35, 50))
        state = _DOWN if rng.random() < 0.4 else _DEGRADED
        spells.append(_Spell(rng.choice(list(probed)), begin,
                             begin + timedelta(minutes=minutes), state))
    return spells


def _sample(rng: random.Random, component: str, at: datetime,
            spells: Sequence[_Spell]
            ) -> tuple[ProbeState, float | None, str | None, tuple[Part, ...]]:
    state = _UP
    for spell in spells:
        if spell.component == component and spell.start <= at < spell.end \
                and _RANK[spell.state] > _RANK[state]:
            state = spell.state
    base = BASE_MS.get(component, 150.0)
    hour = at.hour + at.minute / 60
    daily = 1 + 0.25 * math.sin((hour - 3) / 24 * 2 * math.pi)  # busier in Asia's afternoon
    ms = base * daily * rng.lognormvariate(0, 0.12)
    if state == _DOWN:
        why = (part("status", expected="2xx", got="503") if component != "realtime"
               else part("refused"))
        return _DOWN, None, say((why,)), (why,)
    if state == _DEGRADED:
        slow = part("slow", took=f"{(ms * 4 + 1800) / 1000:.1f} s", limit="2 s")
        return _DEGRADED, round(ms * 4 + 1800, 1), say((slow,)), (slow,)  # over degraded_over
    return _UP, round(ms, 1), None, ()


# The demo's recent incident, told in the site's language; its first update says it is
# simulated. Offsets are from ``now``: it began 27 hours ago and lasted two hours.
_STORY = {
    "id": ("Simulasi: pembuatan video lambat",
           ["Insiden simulasi dari `kabar demo`, dibuat relatif terhadap waktu sekarang: "
            "pembuatan video lebih lambat dari biasanya. Kami sedang menyelidiki.",
            "Antrean render penuh setelah lonjakan permintaan. Kami menambah kapasitas.",
            "Waktu pembuatan video kembali normal."]),
    "en": ("Simulated: slow video generation",
           ["A simulated incident from `kabar demo`, placed relative to the current time: "
            "video generation is slower than usual. We are investigating.",
            "The render queue filled up after a surge of requests. We are adding capacity.",
            "Video generation times are back to normal."]),
}
_STEPS = ((timedelta(hours=27), IncidentStatus.INVESTIGATING),
          (timedelta(hours=26, minutes=20), IncidentStatus.IDENTIFIED),
          (timedelta(hours=25), IncidentStatus.RESOLVED))


def write_story(incidents: Path, now: datetime, languages: Sequence[str]) -> Path:
    """Write the demo's recent incident into ``incidents``, its times made from ``now``, its
    words in each of the site's ``languages``."""
    told = {language: _STORY.get(language, _STORY["en"]) for language in languages}
    title = {language: story[0] for language, story in told.items()}
    start = (now - _STEPS[0][0]).replace(second=0, microsecond=0)
    lines = [f"title: {json.dumps(title, ensure_ascii=False)}",
             "components: {video: degraded_performance}", "updates:"]
    for n, (ago, status) in enumerate(_STEPS):
        at = (now - ago).replace(second=0, microsecond=0)
        message = {language: story[1][n] for language, story in told.items()}
        lines += [f"  - at: {at.isoformat(timespec='minutes')}", f"    status: {status}",
                  f"    message: {json.dumps(message, ensure_ascii=False)}"]
    path = incidents / f"{start.astimezone(UTC):%Y-%m-%d}-demo-slow-video.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
