"""Spans from samples: each sample vouches for its state until the next one, within a bound."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from generator.history import Sample, Span
from generator.history.files import RawRun
from generator.model.states import ComponentState

COVER_INTERVALS = 3  # a sample vouches for at most this many probe intervals


def spans_of(runs: Sequence[RawRun], interval: timedelta, end: datetime | None = None,
             started_before: datetime | None = None) -> dict[str, list[Span]]:
    """Per component, the merged spans of ``runs`` (sorted by time).

    A sample covers ``[at, min(the component's next sample or an unknown run,
    at + 3 × interval, end))``; only samples before ``started_before`` make spans.
    """
    reach = interval * COVER_INTERVALS
    open_: dict[str, Sample] = {}
    made: dict[str, list[list[Any]]] = {}  # [start, end, state], merged as they come

    def close(key: str, sample: Sample, until: datetime) -> None:
        at = sample.at
        stop = at + reach
        if until <= stop:  # as min(until, stop) chooses
            stop = until
        if end is not None and end < stop:
            stop = end
        if stop <= at or (started_before is not None and at >= started_before):
            return
        spans = made.get(key)  # once for every sample of the recent days: no setdefault([])
        if spans is None:
            made[key] = [[at, stop, sample.state]]
        elif spans[-1][1] == at and spans[-1][2] == sample.state:
            spans[-1][1] = stop
        else:
            spans.append([at, stop, sample.state])

    for run in runs:
        if run.unknown is not None:
            for key, sample in open_.items():
                close(key, sample, run.at)
            open_.clear()
            continue
        for key, sample in run.samples.items():
            previous = open_.get(key)
            if previous is not None:
                close(key, previous, run.at)
            open_[key] = sample
    for key, sample in open_.items():
        close(key, sample, sample.at + reach)
    return {key: [Span(*span) for span in spans] for key, spans in made.items()}


Triple = tuple[datetime, datetime, Any]  # start, end, state: a span before it is merged
_START_END = itemgetter(0, 1)


def merge_spans(spans: Iterable[Triple]) -> list[Span]:
    """Sort, merge touching spans of one state, and trim overlaps (the later one wins).

    Spans come as triples and are made at the end: a year of daily spans merges into a few
    hundred, and making each one first cost a third of reading the history.
    """
    merged: list[list[Any]] = []  # [start, end, state]
    for start, end, state in sorted(spans, key=_START_END):
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            last_start, last_end, last_state = last
            if state == last_state:
                last[1] = max(last_end, end)
                continue
            if start > last_start:
                last[1] = start
            else:
                merged.pop()
            if end < last_end:  # a span inside another: the rest of the outer one stays
                merged.append([start, end, state])
                merged.append([end, last_end, last_state])
                continue
        merged.append([start, end, state])
    return [Span(*span) for span in merged]


UNREAD = ComponentState.NO_DATA  # an upstream reading that could not read the page: ends the
#                                 span before it


def upstream_spans(runs: Sequence[RawRun], interval: timedelta, end: datetime | None = None,
                   started_before: datetime | None = None) -> dict[str, list[Span]]:
    """Per upstream, the merged spans of the vendor's states in ``runs``, as for probes; a
    reading that could not read the page ends the previous one's span and makes none."""
    readings = [RawRun(run.at, {key: Sample(run.at, ComponentState(u.state or UNREAD))
                                for key, u in run.upstreams.items()}, run.unknown)
                for run in runs]
    made = spans_of(readings, interval, end, started_before)
    return {key: [span for span in spans if span.state != UNREAD] for key, spans in made.items()}
