"""The one table from the model's names to what a reader sees of them, besides words.

Words come from the catalogue (``state.<value>``, ``overall.<value>``, ``status.<value>``);
this table gives each state, indicator and impact its short CSS class on the page, its colour
on the page (favicon) and its colour on a badge. Badge colours keep white text at a contrast
of at least 4.5:1 (WCAG AA).
"""

from __future__ import annotations

from generator.model.states import ComponentState, Indicator

State = ComponentState

# Short CSS classes keep 1,800 bars small: o(perational), d(egraded), p(artial), m(ajor),
# u(nder maintenance), n(o data).
STATE_CLASS: dict[str, str] = {
    State.OPERATIONAL: "o", State.DEGRADED_PERFORMANCE: "d", State.PARTIAL_OUTAGE: "p",
    State.MAJOR_OUTAGE: "m", State.UNDER_MAINTENANCE: "u", State.NO_DATA: "n"}
# An incident's impact (or "maintenance") -> the class of its state's colour.
IMPACT_CLASS: dict[str, str] = {"critical": "m", "major": "p", "minor": "d", "none": "n",
                                "maintenance": "u"}
# States that need no attention: the page lists them quietly.
QUIET = (State.OPERATIONAL, State.NO_DATA)

# The page's indicator -> the colour of its favicon.
INDICATOR_COLOUR: dict[str, str] = {
    Indicator.CRITICAL: "#cf222e", Indicator.MAJOR: "#bc4c00", Indicator.MINOR: "#9a6700",
    Indicator.MAINTENANCE: "#0969da", Indicator.NONE: "#1a7f37", Indicator.NO_DATA: "#59636e"}

# A state -> its badge's colour.
STATE_BADGE: dict[str, str] = {
    State.OPERATIONAL: "#2e7d32",
    State.DEGRADED_PERFORMANCE: "#8a6d00",
    State.PARTIAL_OUTAGE: "#c2410c",
    State.MAJOR_OUTAGE: "#c62828",
    State.UNDER_MAINTENANCE: "#1565c0",
    State.NO_DATA: "#6b6b6b",
}
# The page's indicator -> its badge's colour: that of the state that raises it.
INDICATOR_BADGE: dict[str, str] = {
    Indicator.NONE: STATE_BADGE[State.OPERATIONAL],
    Indicator.MINOR: STATE_BADGE[State.DEGRADED_PERFORMANCE],
    Indicator.MAJOR: STATE_BADGE[State.PARTIAL_OUTAGE],
    Indicator.CRITICAL: STATE_BADGE[State.MAJOR_OUTAGE],
    Indicator.MAINTENANCE: STATE_BADGE[State.UNDER_MAINTENANCE],
    Indicator.NO_DATA: STATE_BADGE[State.NO_DATA],
}
