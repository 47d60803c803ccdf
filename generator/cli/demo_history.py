"""The demo's simulated history: 90 days of probe results, recorded as ``kabar record`` does.

Every run is one raw line made by the record module's own encoder, appended a day at a time,
then the old days are compacted by its own ``compact``: the files are exactly what the
scheduled job would have left behind. (Recording 25,000 runs one ``record`` call each would
fsync 25,000 times; the demo has seconds, not minutes.)

What the probes "saw" follows the example's incidents (a major outage is down, a partial
outage or degraded performance is degraded, maintenance is down), plus a few short blips
from a random generator seeded by the day, so a replay at the same ``now`` is the same.
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
from generator.history.files import encode_results
from generator.history.record import compact
from generator.load.config import Config
from generator.load.incidents import Incident
from generator.model.compute import incident_view

DAYS = 90
RETENTION = timedelta(days=400)
# Typical response times of the example's components, in milliseconds.
BASE_MS = {"chat": 180.0, "video": 420.0, "login": 120.0, "api": 240.0, "realtime": 35.0}
_PROBE_STATE = {"major_outage": "down", "under_maintenance": "down",
                "partial_outage": "degraded", "degraded_performance": "degraded"}
_RANK = {"up": 0, "degraded": 1, "down": 2}


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
    state: str  # degraded | down


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
        lines.setdefault(day, []).append(encode_results(at, ["demo"], results))
        at += interval
        runs += 1
    for day, day_lines in sorted(lines.items()):
        append_lines(directory / "raw" / f"{day:%Y-%m-%d}.jsonl", day_lines)
    warnings: list[str] = []
    compact(directory, config, now.astimezone(UTC).date(), now - RETENTION, warnings, True)
    return Simulated(runs, len(probed), start, at - interval)


def _incident_spells(incidents: Sequence[Incident], now: datetime) -> list[_Spell]:
    """What monitoring would have seen during the incidents known at ``now``."""
    spells = []
    for incident in incidents:
        view = incident_view(incident, now)
        if view is None or (incident.is_maintenance and view.status == "scheduled"):
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
        state = "down" if rng.random() < 0.4 else "degraded"
        spells.append(_Spell(rng.choice(list(probed)), begin,
                             begin + timedelta(minutes=minutes), state))
    return spells


def _sample(rng: random.Random, component: str, at: datetime,
            spells: Sequence[_Spell]) -> tuple[str, float | None, str | None]:
    state = "up"
    for spell in spells:
        if spell.component == component and spell.start <= at < spell.end \
                and _RANK[spell.state] > _RANK[state]:
            state = spell.state
    base = BASE_MS.get(component, 150.0)
    hour = at.hour + at.minute / 60
    daily = 1 + 0.25 * math.sin((hour - 3) / 24 * 2 * math.pi)  # busier in Asia's afternoon
    ms = base * daily * rng.lognormvariate(0, 0.12)
    if state == "down":
        return "down", None, "expected 2xx, got 503" if component != "realtime" \
            else "connection refused"
    if state == "degraded":
        return "degraded", round(ms * 4 + 1800, 1), None  # over degraded_over
    return "up", round(ms, 1), None


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
_STEPS = ((timedelta(hours=27), "investigating"), (timedelta(hours=26, minutes=20),
                                                     "identified"),
          (timedelta(hours=25), "resolved"))


def write_story(incidents: Path, now: datetime, language: str) -> Path:
    """Write the demo's recent incident into ``incidents``, its times made from ``now``."""
    title, messages = _STORY.get(language, _STORY["en"])
    start = (now - _STEPS[0][0]).replace(second=0, microsecond=0)
    lines = [f"title: {json.dumps(title, ensure_ascii=False)}",
             "components: {video: degraded_performance}", "updates:"]
    for (ago, status), message in zip(_STEPS, messages, strict=True):
        at = (now - ago).replace(second=0, microsecond=0)
        lines += [f"  - at: {at.isoformat(timespec='minutes')}", f"    status: {status}",
                  f"    message: {json.dumps(message, ensure_ascii=False)}"]
    path = incidents / f"{start.astimezone(UTC):%Y-%m-%d}-demo-slow-video.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
