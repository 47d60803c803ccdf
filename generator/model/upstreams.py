"""The vendors a site runs on (``upstreams:``), now and over the 90 days of bars.

An upstream's state is what its vendor says, read within the last 3 intervals, or "no data"
(the page names the last state known and when) — never an outage of its own. An open
incident of ours that names the upstream overrides the vendor: its state, for its time.

Its trouble reaches our components only through ``affects:``: while an upstream is in
trouble (degraded_performance, partial_outage or major_outage), each component it affects is
at least degraded_performance — on the page, the bars and in uptime. A vendor under
maintenance is no trouble of ours, and neither is one that cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from generator.history import UpstreamHistory
from generator.load.config import Config, Upstream
from generator.model import timeline
from generator.model.incidents import IncidentView, applied
from generator.model.states import NO_DATA, STATES, ComponentState
from generator.model.timeline import RANK, DayBar, Segment, Touch
from generator.reasons import Part

TROUBLE = (ComponentState.MAJOR_OUTAGE, ComponentState.PARTIAL_OUTAGE,
           ComponentState.DEGRADED_PERFORMANCE)
_TROUBLE_RANKS = frozenset(RANK[state] for state in TROUBLE)
DEGRADED_RANK = RANK[ComponentState.DEGRADED_PERFORMANCE]


@dataclass(frozen=True)
class UpstreamView:
    upstream: Upstream
    state: str  # one of STATES or NO_DATA: our open incident's word, else the vendor's
    vendor: str | None  # the vendor's own word, read within 3 intervals; None without
    components: tuple[tuple[str, str], ...]  # the chosen components' states, when fresh
    checked: datetime | None  # the latest attempt to read the page
    read: datetime | None  # when the page was last read (fresh or not)
    known: str | None  # what it said then
    reason: str | None  # why the latest attempt could not read it (a reason code)
    error: str | None  # the same in plain English
    parts: tuple[Part, ...]  # its codes and values, to say it in the site's language
    declared: str | None  # the open incidents' state naming it, None when none does
    bars: tuple[DayBar, ...]
    incident_ids: tuple[str, ...]  # ours naming it, newest first
    segments: tuple[Segment, ...]  # its state over the window (our word over the vendor's)

    @property
    def id(self) -> str:
        return self.upstream.id

    @property
    def trouble(self) -> bool:
        return self.state in TROUBLE

    def troubled(self) -> list[Segment]:
        """The stretches its trouble degrades what it affects: degraded_performance."""
        return [Segment(s.start, s.end, DEGRADED_RANK) for s in self.segments
                if s.rank in _TROUBLE_RANKS]


def upstream_views(config: Config, naming: Mapping[str, list[IncidentView]],
                   histories: Mapping[str, UpstreamHistory], now: datetime,
                   days: Sequence[date], bounds: Sequence[float]) -> tuple[UpstreamView, ...]:
    return tuple(_view(config, upstream, naming.get(upstream.id, []),
                       histories.get(upstream.id) or UpstreamHistory(), now, days, bounds)
                 for upstream in config.upstreams)


def affecting(views: Sequence[UpstreamView]) -> dict[str, list[UpstreamView]]:
    """Component id -> the upstreams that affect it."""
    found: dict[str, list[UpstreamView]] = {}
    for view in views:
        for component_id in view.upstream.affects:
            found.setdefault(component_id, []).append(view)
    return found


def _view(config: Config, upstream: Upstream, views: Sequence[IncidentView],
          history: UpstreamHistory, now: datetime, days: Sequence[date],
          bounds: Sequence[float]) -> UpstreamView:
    interval = config.site.interval
    now_ts, low = now.timestamp(), bounds[0]
    vendor = [Segment(max(s.start.timestamp(), low), min(s.end, now).timestamp(), RANK[s.state])
              for s in history.spans if s.end.timestamp() > low and s.start < now]
    ours: list[Segment] = []
    touches: list[Touch] = []
    best = len(STATES)
    for view, rank, start, end in applied(views, upstream.id, now):
        touches.append(Touch(start, end, view.id))
        ours.append(Segment(max(start, low), end, rank))
        if view.is_open:
            best = min(best, rank)
    segments = timeline.sweep([*timeline.mask(vendor, [(s.start, s.end) for s in ours]),
                               *ours])
    last, read = history.last, history.read
    fresh = last is not None and last.state is not None and now - last.at <= 3 * interval
    said = last.state if fresh and last is not None else None
    declared = STATES[best] if best < len(STATES) else None
    known, read_at = (read.state, read.at) if read is not None else (
        (history.spans[-1].state, history.spans[-1].end) if history.spans else (None, None))
    failed = last is not None and last.state is None
    return UpstreamView(
        upstream=upstream, state=declared or said or NO_DATA, vendor=said,
        components=tuple(last.components.items()) if fresh and last is not None else (),
        checked=last.at if last is not None else None, read=read_at, known=known,
        reason=last.reason if failed and last is not None else None,
        error=last.error if failed and last is not None else None, declared=declared,
        parts=last.parts if failed and last is not None else (),
        bars=timeline.day_bars(segments, touches, days, bounds, None),
        incident_ids=tuple(view.id for view in views),
        segments=tuple(s for s in segments if s.end <= now_ts or s.start < now_ts))
