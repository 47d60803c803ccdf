"""``load_site``: status.yaml and every incident, checked together, one error for all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from generator.errors import Problem, ValidationError
from generator.load.ahead import ahead_warnings
from generator.load.config import Config, ConfigCheck, check_config
from generator.load.incidents import Incident, check_incidents
from generator.load.languages import language_problems

# (folder, component ids or None, the site's zone) -> (incidents, problems): the plain
# loader below, or a cache wrapped around it (``generator/site/inputs.py``).
IncidentLoader = Callable[[Path, "frozenset[str] | None", ZoneInfo],
                          tuple[tuple[Incident, ...], list[Problem]]]


def load_site(
    config: Path | ConfigCheck, incidents_dir: Path, now: datetime | None = None,
    incidents_loader: IncidentLoader = check_incidents,
) -> tuple[Config, tuple[Incident, ...], tuple[Problem, ...]]:
    """Load ``status.yaml`` (``config``: its path, or what ``check_config`` found in it) and
    every incident; raise one ``ValidationError`` for all errors.

    Returns the config, the incidents (by id) and the warnings, which never fail a load.
    Incidents are checked even when ``status.yaml`` is broken, against what did parse.
    With ``now``, updates dated more than a day after it are warned about
    (``generator/load/ahead.py``).
    """
    checked = config if isinstance(config, ConfigCheck) else check_config(config)
    config_path = checked.path
    incidents, incident_problems = incidents_loader(
        incidents_dir, checked.component_ids, checked.zone)
    problems = [*checked.problems, *incident_problems]
    if checked.config is not None and not any(p.severity == "error" for p in problems):
        problems += language_problems(checked.config, config_path, incidents)
    if checked.config is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems)
    if now is not None:
        problems += ahead_warnings(incidents, now, checked.config.site.zone)
    warnings = tuple(sorted(p for p in problems if p.severity != "error"))
    return checked.config, incidents, warnings
