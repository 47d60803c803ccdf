"""Updates dated ahead of ``now``: valid, but likely a mistake (a time zone, a typo), and
shown nowhere until then.

An update more than ``AHEAD`` (5 minutes) after now is a warning at its ``at``; a
maintenance's window may lie ahead (that is what scheduling is), its updates may not.
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

AHEAD = timedelta(minutes=5)


def ahead_warnings(incidents: Iterable[Incident], now: datetime,
                   zone: ZoneInfo) -> list[Problem]:
    """A warning for each update more than ``AHEAD`` after ``now``."""
    tz = zone
    problems: list[Problem] = []
    for incident in incidents:
        late = [update.at for update in incident.updates if update.at > now + AHEAD]
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
            incident.path, line, col, f"'at': {when} is more than 5 minutes after now "
            f"({shown_now}), so the page shows nothing of it until then; check the date and "
            "the time zone (a time without an offset is in site.timezone)",
            "warning"))
    return problems
