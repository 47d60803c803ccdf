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
import queue
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
    nothing is pickled on the way in) and sends each chunk's result as soon as it has it,
    from a thread of its own (so the worker never waits for this process to read); this
    process takes them between its own chunks, so little is left to receive when the two
    meet. A chunk the worker did not send (it failed) is done here, so an
    error is raised here.
    """

    def __init__(self, work: Callable[[int], R], count: int) -> None:
        context = multiprocessing.get_context("fork")
        self._work = work
        self._count = count
        self._bounds = context.Array("i", [0, count])  # [next from the front, end of the rest]
        self._receive_end, send = context.Pipe(duplex=False)
        self._worker = context.Process(target=_front, args=(work, self._bounds, send),
                                       daemon=True)
        self._worker.start()
        send.close()  # the worker's end only: when it ends, or is killed, this one reads EOF
        self._theirs: dict[int, R] = {}
        self._ended = False  # the worker said it has sent all it will
        self._open = True

    def finish(self) -> list[R]:
        """Every chunk's result, in order: the rest done here, the worker's received."""
        try:
            done: dict[int, R] = {}
            while (n := _claim(self._bounds, back=True)) is not None:
                done[n] = self._work(n)
                self._receive(wait=False)
            self._receive(wait=True)
            log.debug("the worker did %d of %d chunks", len(self._theirs), self._count)
            done |= self._theirs
            self.close()
            return [done[n] if n in done else self._work(n) for n in range(self._count)]
        finally:
            self.close()

    def _receive(self, wait: bool) -> None:
        """Take what the worker has sent; with ``wait``, all it will send (until it ends)."""
        while not self._ended:
            if not wait and not self._receive_end.poll():
                return
            try:
                n, result = self._receive_end.recv()
            except (EOFError, OSError):  # it has ended (or was killed): nothing more comes
                self._ended = True
                return
            self._theirs[n] = result

    def close(self) -> None:
        """Stop the worker after the chunk in hand and wait for it (on a failure here)."""
        if self._open:
            self._open = False
            _claim(self._bounds, stop=True)
            self._receive(wait=True)  # its sending thread ends once all is read
            self._receive_end.close()
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
    """The worker: chunks from the front until none is left, each result handed to a thread
    that sends it while the next chunk is done (a send waits while the pipe is full)."""
    pending: queue.SimpleQueue[tuple[int, R] | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(pending, send), daemon=True)
    sender.start()
    try:
        while (n := _claim(bounds)) is not None:
            pending.put((n, work(n)))
    except BaseException:  # noqa: BLE001 - what is missing is done (and raises) in the parent
        pass
    pending.put(None)
    sender.join()


def _send_all(pending: queue.SimpleQueue[tuple[int, R] | None], send: Connection) -> None:
    """Send each result until ``None``, then close: the parent reads EOF. A parent that
    stopped reading (it failed) gets nothing more."""
    try:
        while (item := pending.get()) is not None:
            send.send(item)
    except OSError:
        pass
    finally:
        send.close()
