"""The table ``kabar probe`` prints: one line per component, aligned, plain text."""

from __future__ import annotations

from generator.load.results import Result, Run, UpstreamResult
from generator.model.states import ProbeState

_ANSWERED = "was answered (or is off: control: []), so the network works: the services are down"
_SILENT = ("failed too: the runner's network is down, so this run will be recorded as unknown, "
           "not as an outage")
_HEADER = ("COMPONENT", "STATE", "LATENCY", "CODE", "ERROR")


def format_table(run: Run) -> str:
    """``run`` as an aligned table with a summary line."""
    rows = [_HEADER] + [_row(result) for result in run.results] + [
        _upstream_row(read) for read in run.upstreams]
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


def _upstream_row(read: UpstreamResult) -> tuple[str, str, str, str, str]:
    """An upstream: its vendor's state (``no data`` when unread), "unchanged" on a 304."""
    code = "-" if read.status_code is None else str(read.status_code)
    state = read.state or "no data"
    error = read.error or ("unchanged since the last run" if read.unchanged else "")
    return f"{read.upstream} (upstream)", state, "-", code, error


def _summary(run: Run) -> str:
    counts: dict[str, int] = {state: 0 for state in ProbeState}
    for result in run.results:
        counts[result.state] = counts.get(result.state, 0) + 1
    # The run's started/finished are whole seconds: its own measure, when it has one.
    took = run.took if run.took is not None else \
        (run.finished - run.started).total_seconds()
    parts = ", ".join(f"{n} {state}" for state, n in counts.items())
    read = sum(u.state is not None for u in run.upstreams)
    vendors = f"; {read} of {len(run.upstreams)} upstream(s) read" if run.upstreams else ""
    return f"{len(run.results)} probed in {took:.2f} s at {run.location}: {parts}{vendors}"
