"""The table ``kabar probe`` prints: one line per component, aligned, plain text."""

from __future__ import annotations

from generator.load.results import Result, Run
from generator.model.states import ProbeState

_ANSWERED = "was answered (or is off: control: []), so the network works: the services are down"
_SILENT = ("failed too: the runner's network is down, so this run will be recorded as unknown, "
           "not as an outage")
_HEADER = ("COMPONENT", "STATE", "LATENCY", "CODE", "ERROR")


def format_table(run: Run) -> str:
    """``run`` as an aligned table with a summary line."""
    rows = [_HEADER] + [_row(result) for result in run.results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER) - 1)]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if i in (2, 3) else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths, strict=False))]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    lines.append(_summary(run))
    if run.control is not None:
        lines.append("no probe got an answer; the control check (status.yaml control:) "
                     + (_ANSWERED if run.control else _SILENT))
    return "\n".join(lines)


def _row(result: Result) -> tuple[str, str, str, str, str]:
    latency = "-" if result.latency_ms is None else f"{result.latency_ms:.0f} ms"
    code = "-" if result.status_code is None else str(result.status_code)
    error = result.error or ""
    if result.attempts > 1:
        error = f"{error} ({result.attempts} attempts)".lstrip()
    return result.component, result.state, latency, code, error


def _summary(run: Run) -> str:
    counts: dict[str, int] = {state: 0 for state in ProbeState}
    for result in run.results:
        counts[result.state] = counts.get(result.state, 0) + 1
    # The run's started/finished are whole seconds: its own measure, when it has one.
    took = run.took if run.took is not None else \
        (run.finished - run.started).total_seconds()
    parts = ", ".join(f"{n} {state}" for state, n in counts.items())
    return f"{len(run.results)} probed in {took:.2f} s at {run.location}: {parts}"
