"""Use a second core where it pays: a forked worker takes a share of a long list of work.

Fork (not spawn) so the worker starts with everything this process has already built (the
model, the compiled templates) instead of receiving it pickled. Where fork is missing, or the
list is short, the work runs here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a worker's start-up (about 20 ms) and the pickling cost more than
# they save.
MINIMUM = 500


def can_fork() -> bool:
    """Fork only from a single-threaded process (``kabar serve`` has server threads: forking
    those can deadlock), on a machine with a second core, unless KABAR_WORKERS=1."""
    return (os.environ.get("KABAR_WORKERS") != "1"
            and "fork" in multiprocessing.get_all_start_methods()
            and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


def split_map(func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
              worker_share: float = 0.5, minimum: int = MINIMUM) -> list[R]:
    """``func(items)``, with the last ``worker_share`` of the items done by a forked worker.

    ``func`` must be a module-level function (the worker receives it by name) and return one
    result per item, in order.
    """
    if len(items) < minimum or not can_fork():
        return func(items)
    cut = len(items) - int(len(items) * worker_share)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(func, items[cut:])
        mine = func(items[:cut])
        theirs = future.result()
    return mine + theirs


@contextmanager
def shared(func: Callable[[Sequence[T]], list[R]], items: Sequence[T], worker_share: float,
           minimum: int = MINIMUM) -> Iterator[tuple[Sequence[T], Callable[[], list[R]]]]:
    """Start a forked worker on the last ``worker_share`` of ``items``, and go on meanwhile.

    Yields the items left for this process and a function that waits for the worker's
    results (an empty list when no worker was started).
    """
    if len(items) < minimum or not can_fork():
        yield items, list
        return
    cut = len(items) - int(len(items) * worker_share)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
    try:
        future = pool.submit(func, items[cut:])
        yield items[:cut], future.result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
