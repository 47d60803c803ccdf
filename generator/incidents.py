"""``incidents/*.yaml``: incidents and scheduled maintenance, loaded and validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.config import Config

IMPACTS = ("none", "minor", "major", "critical")
COMPONENT_STATES = ("degraded_performance", "partial_outage", "major_outage", "under_maintenance")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")


@dataclass(frozen=True)
class Update:
    at: datetime  # aware, UTC
    status: str
    message: str  # Markdown


@dataclass(frozen=True)
class Window:
    start: datetime  # aware, UTC
    end: datetime


@dataclass(frozen=True)
class Incident:
    """An incident or, when ``maintenance`` is set, a scheduled maintenance."""

    id: str  # the file's stem
    title: str
    components: Mapping[str, str]  # component id -> state during the incident
    updates: tuple[Update, ...]  # oldest first
    impact: str | None = None  # as declared; Model derives it when None
    postmortem: str | None = None
    maintenance: Window | None = None
    path: str = ""  # as shown in messages, e.g. incidents/2025-07-16-login.yaml

    @property
    def is_maintenance(self) -> bool:
        return self.maintenance is not None


def load_incidents(directory: Path, config: Config) -> tuple[Incident, ...]:
    """Load and validate every ``*.yaml`` in ``directory``; raise ``ValidationError``."""
    raise NotImplementedError
