"""The control check: did the services fail, or the runner's own network?

A refused connection, a TLS failure, an HTTP status or a wrong body is the target answering:
down, whatever else failed. A failure without any answer (a timeout, a name that does not
resolve, no route) may instead be the runner's: a CI machine that lost its network sees every
service time out at once. So when every probe of a run failed without an answer, ``kabar
probe`` checks things that do not depend on the site's services (``control:`` in
``status.yaml``; by default a TCP connection to ``example.com:443`` and to
``one.one.one.one:443``, each within 5 s). If any of them answers, the network works and the
failures are the services': the run records them as down. If none answers, the run says
nothing about the services and ``kabar record`` keeps it as unknown. ``control: []`` turns
the check off (every failure is then the services'). A run in which anything answered needs
no control: the network evidently works.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from generator.load.config import Probe
from generator.load.results import Result
from generator.model.states import ProbeState

DEFAULT = (Probe("tcp", "example.com:443", timeout=timedelta(seconds=5), retries=0),
           Probe("tcp", "one.one.one.one:443", timeout=timedelta(seconds=5), retries=0))


def needed(results: Sequence[Result]) -> bool:
    """Every probe failed and none of them got an answer from its target."""
    return bool(results) and all(r.state == ProbeState.DOWN and r.network for r in results)


def probes(configured: Sequence[Probe] | None) -> tuple[Probe, ...]:
    return DEFAULT if configured is None else tuple(configured)
