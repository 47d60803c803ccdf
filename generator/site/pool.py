"""Use a second core where it pays: a forked worker takes a share of a long list of work.

Only the build uses it: ``split_map`` for parsing incident files (``site/inputs.py``),
``ahead`` for work done while this process is busy with something else, ``make_all`` for
the stale outputs (``site/build.py``). A worker receives what it needs as
the arguments of its function, never through a module's globals. Fork (not spawn) so the
worker starts with everything this process has already built (the model, the compiled
templates) instead of receiving it pickled. Where fork is missing, or the list is short, the
work runs here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from generator.render.output import Output

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
              minimum: int = MINIMUM, chunk: int = 250) -> list[R]:
    """``func(items)``, chunk by chunk, with a forked worker taking a share (see ``Shared``).

    ``func`` must return one result per item, in order; its results come back pickled.
    """
    if len(items) < minimum or not can_fork():
        return func(items)
    count = -(-len(items) // chunk)
    shared = Shared(lambda n: func(items[n * chunk:(n + 1) * chunk]), count)
    return [result for part in shared.finish() for result in part]


class Shared(Generic[R]):
    """``work(n)`` for each chunk ``n`` of ``range(count)``, shared with a forked worker.

    The worker starts at once and takes chunks from the front; this process takes them from
    the back once it calls ``finish``, until the two meet, so each process's share follows
    how busy it was. The worker receives ``work`` as the argument of its function (fork:
    nothing is pickled on the way in) and sends its results once, at the end. A chunk the
    worker did not send (it failed) is done here, so an error is raised here.
    """

    def __init__(self, work: Callable[[int], R], count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._work = work
        self._count = count
        self._bounds = context.Array("i", [0, count])  # [next from the front, end of the rest]
        self._receive, send = context.Pipe(duplex=False)
        self._worker = context.Process(target=_front, args=(work, self._bounds, send),
                                       daemon=True)
        self._worker.start()
        send.close()
        self._open = True

    def finish(self) -> list[R]:
        """Every chunk's result, in order: the rest done here, the worker's received."""
        try:
            done: dict[int, R] = {}
            while (n := _claim(self._bounds, back=True)) is not None:
                done[n] = self._work(n)
            try:
                theirs: dict[int, R] = self._receive.recv()
            except EOFError:  # it failed: what it did not send is done here
                theirs = {}
            log.debug("the worker did %d of %d chunks", len(theirs), self._count)
            done |= theirs
            self.close()
            return [done[n] if n in done else self._work(n) for n in range(self._count)]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the worker after the chunk in hand and wait for it (on a failure here)."""
        if self._open:
            self._open = False
            _claim(self._bounds, stop=True)
            self._receive.close()
            self._worker.join()
            self._worker.close()


class Ahead(Generic[T, R]):
    """``func`` over a list's chunks, started in a forked worker while this process does
    something else; ``collect`` does what is left here and returns each item's result."""

    def __init__(self, func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
                 chunk: int) -> None:
        self._items = items
        self._shared = Shared(lambda n: func(items[n * chunk:(n + 1) * chunk]),
                              -(-len(items) // chunk))

    def collect(self) -> list[tuple[T, R]]:
        """Each item with its result, in order (the worker's share and this process's)."""
        results = [result for part in self._shared.finish() for result in part]
        return list(zip(self._items, results, strict=True))

    def close(self) -> None:
        """Stop the worker (after a failure here; ``collect`` closes it too)."""
        self._shared.close()


def ahead(func: Callable[[Sequence[T]], list[R]], items: Sequence[T],
          chunk: int = 200) -> Ahead[T, R] | None:
    """``func`` over ``items``, a forked worker starting now; None where there is no second
    core to use, or the list is short (then the work is done when needed)."""
    if len(items) < MINIMUM or not can_fork():
        return None
    return Ahead(func, items, chunk)


# ``make_all`` deals out chunks of this many outputs.
CHUNK = 100


def make_all(outputs: Sequence[Output], place: Callable[[str, bytes], R],
             minimum: int = MINIMUM, chunk: int = CHUNK) -> list[R]:
    """``place(path, bytes)`` of each output made, in order; with many, a forked worker
    process makes and places a share (see ``Shared``).

    ``place`` puts the bytes where they go (the build writes them into the new site's
    folder) and returns something small to send back.
    """
    def make(n: int) -> list[R]:
        return [place(output.path, output.make())
                for output in outputs[n * chunk:(n + 1) * chunk]]

    count = -(-len(outputs) // chunk)
    if len(outputs) < minimum or not can_fork():
        return [placed for n in range(count) for placed in make(n)]
    return [placed for part in Shared(make, count).finish() for placed in part]


def _claim(bounds: Any, back: bool = False, stop: bool = False) -> int | None:
    """The next chunk to make, from the front or the back; None when none is left."""
    with bounds.get_lock():
        front, end = int(bounds[0]), int(bounds[1])
        if stop:
            bounds[0] = end
        if front >= end or stop:
            return None
        if back:
            bounds[1] = end - 1
            return end - 1
        bounds[0] = front + 1
        return front


def _front(work: Callable[[int], R], bounds: Any, send: Connection) -> None:
    """The worker: chunks from the front until none is left, then all it did, at once
    (sending as it went would fill the pipe while the parent is busy, and stall)."""
    done: dict[int, R] = {}
    try:
        while (n := _claim(bounds)) is not None:
            done[n] = work(n)
    except BaseException:  # noqa: BLE001 - what is missing is done (and raises) in the parent
        pass
    _send(send, done)


def _send(send: Connection, done: object) -> None:
    """A worker's results, once, to a parent that may have stopped (it failed)."""
    try:
        send.send(done)
    except OSError:  # nothing to send to
        pass
    send.close()
