"""``history/notified.json``: what each channel was sent, so that nothing is sent twice.

The file is a set of keys, written sorted, one event for one channel each::

    {"sent": ["2026-11-24T22:05:00Z measured/api/down/2026-11-24T22:00:00Z #3f2a9c1b07"]}

A key is the event's time, its key (``events.py``) and the channel's id: a digest of the
channel's URL *as written* in status.yaml, ``${VAR}`` not filled in, so no secret reaches the
file, and changing a secret's value is not a new channel. A key is added only once its
channel took the message; a channel that failed is tried again on the next run.

Two runs that record the same key agree on it byte for byte, so merging two files is a union
of their keys. That is how the scheduled job survives a push race (``kabar job``): it
keeps a copy of the notified.json it wrote; when its push is rejected it starts again from
the other run's data branch and notifies with the copy merged (as ``kabar notify --merge``
does), adding its keys to the other run's before deciding what is still due. Each key is
kept for ``KEEP`` (long after an event stops being sent, see ``events.FRESH``), so the file
stays small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from generator.clock import isoformat
from generator.errors import HistoryError
from generator.files import atomic_write
from generator.load.notify import Channel

NAME = "notified.json"
KEEP = timedelta(days=7)


def channel_id(channel: Channel) -> str:
    return hashlib.sha256(channel.url.encode()).hexdigest()[:10]


def key(at: datetime, event_key: str, channel: Channel) -> str:
    return f"{isoformat(at)} {event_key} #{channel_id(channel)}"


def read(path: Path) -> set[str]:
    """The keys in ``path``; a missing file is empty, a damaged one an error naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryError(f"{path}: not a notified.json ({exc}); restore it from the data "
                           "branch's history, or delete it to start afresh") from None
    keys = data.get("sent") if isinstance(data, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise HistoryError(f"{path}: expected {{\"sent\": [keys]}}; restore it from the data "
                           "branch's history, or delete it to start afresh")
    return set(keys)


def write(path: Path, keys: Iterable[str], now: datetime) -> None:
    """Write the keys of the last ``KEEP`` atomically, sorted, one a line."""
    cutoff = isoformat(now - KEEP)
    kept = sorted(k for k in set(keys) if k[:19] >= cutoff[:19])
    lines = ",\n".join(json.dumps(k, ensure_ascii=False) for k in kept)
    text = '{"sent": [\n' + lines + "\n]}\n" if kept else '{"sent": []}\n'
    atomic_write(path, text.encode())
