"""``uptime:`` in ``status.yaml``: how uptime is counted (DESIGN.md, "Computing status").

A minute in a state counts as its weight of a minute down (0 to 1); maintenance and minutes
without data either leave the denominator (``exclude``, the default) or count with a weight
of their own. Every uptime figure Kabar shows or exports follows this one policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.load.checker import Checker, did_you_mean
from generator.model.states import ComponentState

EXCLUDE = "exclude"
# The keys are the states' names (a state's minute counts as its weight of a minute down).
WEIGHTS = tuple(state.value for state in (ComponentState.MAJOR_OUTAGE,
                                          ComponentState.PARTIAL_OUTAGE,
                                          ComponentState.DEGRADED_PERFORMANCE))
OPTIONAL = ("maintenance", ComponentState.NO_DATA.value)  # excluded, or a weight
POLICY_KEYS = (*WEIGHTS, *OPTIONAL)


@dataclass(frozen=True)
class UptimePolicy:
    """The share of a minute down that a minute in each state counts as; None: excluded."""

    major_outage: float = 1.0
    partial_outage: float = 0.3
    degraded_performance: float = 0.0
    maintenance: float | None = None  # None: leaves the denominator
    no_data: float | None = None


def check_policy(check: Checker, value: Any) -> UptimePolicy | None:
    """Read ``uptime:``; keys left out keep their default."""
    data = check.mapping(("uptime",), value, POLICY_KEYS,
                         what="a mapping of states to weights, like {partial_outage: 0.3}")
    if data is None:
        return None
    before = check.failures
    fields: dict[str, float | None] = {}
    for key, given in data.items():
        if key in WEIGHTS:
            fields[key] = _weight(check, key, given, excludable=False)
        elif key in OPTIONAL:
            fields[key] = _weight(check, key, given, excludable=True)
    if check.failures > before:
        return None
    return UptimePolicy(**fields)  # type: ignore[arg-type]


def _weight(check: Checker, key: str, value: Any, excludable: bool) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    if excludable and value == EXCLUDE:
        return None
    what = "a number from 0 to 1 (the share of a minute counted as down)"
    hint = ""
    if excludable:
        what = f"{EXCLUDE} (left out of the count), or {what}"
        if isinstance(value, str):
            hint = did_you_mean(value, [EXCLUDE])
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 < value <= 100:
        hint = f" (a share, not a percentage: {value / 100:g})"
    check.expected(("uptime", key), what, value, hint)
    return None
