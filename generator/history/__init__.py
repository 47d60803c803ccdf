"""``history/``: recorded probe results, kept bounded and append-like.

The read side gives the model, per component, the spans of time with probe data and their
state; gaps between spans are "no data".

Layout (all times UTC; every file is JSON Lines, one compact object a line):

``history/raw/YYYY-MM-DD.jsonl``
    One line per recorded run, appended by ``kabar record`` with one ``write`` and fsync::

        {"at":"2026-11-24T22:00:00Z","locations":["eu","us"],
         "results":{"api":["up",123.4,null],"web":["down",null,"connection refused"]}}

    ``results`` maps a component to ``[state, latency ms, error]``, merged over the
    locations with the quorum. A run in which every probe failed for network reasons is
    ``{"at":…,"locations":[…],"unknown":"every probe failed for network reasons (…)"}``:
    it is no outage, and it ends the previous samples' coverage (a gap: "no data").

``history/daily/YYYY-MM.jsonl``
    One line per compacted UTC day::

        {"day":"2026-11-24","components":{"api":{"n":288,"ms":123.4,
         "spans":[[0,51000,"up"],[51000,51600,"down"],[51600,86400,"up"]]}}}

    ``n`` is the number of checks, ``ms`` the mean latency, ``spans`` the merged state
    spans as seconds from the day's 00:00 UTC (the last may end after 86400, when the
    day's last sample reaches into the next day).

Upstreams (``status.yaml`` ``upstreams:``) ride in the same lines: a raw line has
``"upstreams":{"github":{"state":"major_outage","components":{"Git Operations":
"major_outage"},"error":null,"reason":null,"etag":"…","modified":null}}`` (``state`` null: the
page could not be read, with its reason), and a daily line
``"upstreams":{"github":[[0,86400,"operational"]]}``: spans of the vendor's states, which are
component states; time the page could not be read is a gap.

A sample covers ``[at, at + min(gap to the component's next sample, 3 × site.interval))``;
touching spans of one state merge. ``record`` keeps today and the two full days before it
raw (so the recent samples always span 48 h); older raw days are compacted into their
month's daily file and removed, and days older than the retention are dropped. A damaged
line costs that line only (skipped with a ``history/…:LINE: warning: …``); a torn last line
is tolerated, and the next append starts on a fresh line.

Each run adds one line (a few KB) to one file; compaction adds one line a day. A year for
100 components is about 3 MB (daily) plus three raw days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from generator.model.states import ComponentState, ProbeState
from generator.reasons import Part

# What a sample or span says: a probe's outcome, or a vendor's state (upstreams).
Observed = ProbeState | ComponentState


@dataclass(frozen=True)
class Sample:
    """One recorded (quorum-merged) result of one component."""

    at: datetime
    state: Observed
    latency_ms: float | None = None
    error: str | None = None  # the plain English words
    parts: tuple[Part, ...] = ()  # the error's codes and values (none in older files)


@dataclass(frozen=True)
class UpstreamSample:
    """One recorded reading of a vendor's status page."""

    at: datetime
    state: str | None  # a ComponentState value; None: the page could not be read
    components: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None
    reason: str | None = None
    etag: str | None = None
    modified: str | None = None
    parts: tuple[Part, ...] = ()  # ``error``'s codes and values


@dataclass(frozen=True)
class Span:
    """A stretch of time with probe data in one state; consecutive samples merge."""

    start: datetime
    end: datetime
    state: Observed


@dataclass(frozen=True)
class ComponentHistory:
    spans: tuple[Span, ...] = ()  # sorted, non-overlapping; gaps are "no data"
    recent: tuple[Sample, ...] = ()  # raw samples of the recent days, oldest first
    daily_latency: Mapping[date, float] = field(default_factory=dict)  # mean ms per UTC day
    last: Sample | None = None


@dataclass(frozen=True)
class UpstreamHistory:
    spans: tuple[Span, ...] = ()  # the vendor's states (component states); gaps: no data
    last: UpstreamSample | None = None  # the latest attempt, read or not
    read: UpstreamSample | None = None  # the latest attempt that read the page


@dataclass(frozen=True)
class History:
    components: Mapping[str, ComponentHistory]
    warnings: tuple[str, ...] = ()
    upstreams: Mapping[str, UpstreamHistory] = field(default_factory=dict)

    def upstream(self, upstream_id: str) -> UpstreamHistory:
        return self.upstreams.get(upstream_id) or UpstreamHistory()

    def of(self, component_id: str) -> ComponentHistory:
        return self.components.get(component_id) or ComponentHistory()


@dataclass(frozen=True)
class RecordSummary:
    recorded: int  # results written
    unknown: bool  # the run was recorded as unknown (every probe failed for network reasons)
    files: tuple[Path, ...]  # history files written
    warnings: tuple[str, ...] = ()

