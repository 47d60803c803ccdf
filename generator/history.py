"""``history/``: recorded probe results, kept bounded and append-like.

The read side gives the model, per component, the spans of time with probe data and their
state; gaps between spans are "no data".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from generator.config import Config


@dataclass(frozen=True)
class Sample:
    """One recorded (quorum-merged) result of one component."""

    at: datetime
    state: str  # up | degraded | down
    latency_ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Span:
    """A stretch of time with probe data in one state; consecutive samples merge."""

    start: datetime
    end: datetime
    state: str  # up | degraded | down


@dataclass(frozen=True)
class ComponentHistory:
    spans: tuple[Span, ...] = ()  # sorted, non-overlapping; gaps are "no data"
    recent: tuple[Sample, ...] = ()  # raw samples of the recent days, oldest first
    daily_latency: Mapping[date, float] = field(default_factory=dict)  # mean ms per UTC day
    last: Sample | None = None


@dataclass(frozen=True)
class History:
    components: Mapping[str, ComponentHistory]
    warnings: tuple[str, ...] = ()

    def of(self, component_id: str) -> ComponentHistory:
        return self.components.get(component_id) or ComponentHistory()


@dataclass(frozen=True)
class RecordSummary:
    recorded: int  # results written
    unknown: bool  # the run was recorded as unknown (every probe failed for network reasons)
    files: tuple[Path, ...]  # history files written
    warnings: tuple[str, ...] = ()


def read_history(directory: Path, config: Config, now: datetime) -> History:
    """Read ``directory`` for the 90 days before ``now``; missing directory is empty history."""
    raise NotImplementedError


def record(directory: Path, result_files: Sequence[Path], config: Config, quorum: int = 1,
           retention: timedelta = timedelta(days=400)) -> RecordSummary:
    """Merge one run's results (one file per location) into ``directory``."""
    raise NotImplementedError
