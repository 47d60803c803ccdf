"""Incidents dated ahead of ``now``: valid, but likely a typo (a year ahead shows nowhere).

An update more than ``AHEAD`` after now is a warning at its ``at``, unless it is a
maintenance's update inside the maintenance's window (maintenance is announced ahead).
``--strict`` turns the warning into an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.errors import Problem, ValidationError
from generator.load import yamlsource
from generator.load.checker import parse_time
from generator.load.incidents import Incident

AHEAD = timedelta(days=1)


def ahead_warnings(incidents: Iterable[Incident], now: datetime,
                   zone: ZoneInfo) -> list[Problem]:
    """A warning for each update more than a day after ``now`` outside a maintenance window."""
    tz = zone
    problems: list[Problem] = []
    for incident in incidents:
        window = incident.maintenance
        late = [update.at for update in incident.updates if update.at > now + AHEAD
                and not (window is not None and update.at <= window.end)]
        if late:
            problems += _warn(incident, late, now, tz)
    return problems


def _warn(incident: Incident, late: list[datetime], now: datetime,
          tz: ZoneInfo) -> list[Problem]:
    """The warnings, placed at each late update's ``at`` (the file is parsed again: rare)."""
    shown_now = now.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    try:
        source = yamlsource.load(Path(incident.path), incident.path)
    except ValidationError:
        source = None
    problems: list[Problem] = []
    updates = source.data.get("updates") if source and isinstance(source.data, dict) else None
    for at in late:
        line, col = 1, 1
        for index, item in enumerate(updates if isinstance(updates, list) else []):
            text = item.get("at") if isinstance(item, dict) else None
            if isinstance(text, str) and parse_time(text, tz) == at and source is not None:
                line, col = source.where(("updates", index, "at"))
                break
        when = at.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
        problems.append(Problem(
            incident.path, line, col, f"'at': {when} is more than a day after now "
            f"({shown_now}), so the page shows nothing of it until then; check the date",
            "warning"))
    return problems
