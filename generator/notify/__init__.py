"""``kabar notify``: tell people what changed, once, through apprise.

After each recorded run the scheduled job calls it. It finds the events of the last day
(``events.py``: measured outages, degradations and recoveries that held for ``notify.after``
runs, incidents published, updated and resolved, maintenance started and completed), leaves
out what ``history/notified.json`` says each channel already took (``sent.py``), words the
rest in the site's language (``messages.py``) and sends it to each channel of ``notify:``
(``send.py``). A channel that fails is reported in one line and tried again on the next run;
it never stops the others, nor the build.

``--test`` sends one test message to every channel, whatever its ``events``, and reads and
records nothing: a test message that fails is reported and not sent again by any later run.

Exactly once: a key is recorded per event and channel only after the channel took it, and
the file travels with the history on the data branch, so a rerun or a retried job finds it.
Two runs racing to push merge their files by union (see ``sent.py``). Two runs that both
send before either pushes can still both send: the workflow's concurrency group keeps its
own runs from overlapping.

This package imports the config, the model, the history and the translator; only the CLI
imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.errors import counted
from generator.load.config import Config
from generator.load.incidents import load_incidents
from generator.load.notify import Channel
from generator.model.states import EventKind
from generator.notify import sent as sent_file
from generator.notify.events import Event, due_events
from generator.notify.messages import Message, compose, test_message
from generator.notify.send import deliver

Print = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    messages: int  # sent (or, with dry_run, that would be sent)
    failures: tuple[str, ...]  # one line per channel that failed


def wanted(channel: Channel, event: Event) -> bool:
    """A recovery goes where the trouble it ends went; the rest by their kind."""
    if event.kind == EventKind.RECOVERY:
        return EventKind.RECOVERY in channel.events and (
            not event.episode or bool(event.episode & set(channel.events)))
    return event.kind in channel.events


def notify(config: Config, incidents_dir: Path, history: Path, now: datetime, *,
           dry_run: bool = False, test: bool = False, merge: Path | None = None,
           out: Print = print) -> Outcome:
    """Send what is due (or print it, with ``dry_run``); ``test`` sends a test message."""
    channels = config.notify.channels if config.notify else ()
    if not channels:
        out(f"{config.path}: no notify: channels; nothing to send")
        return Outcome(0, ())
    if test:
        return _run(channels, lambda channel: [test_message(config, channel.language)],
                    dry_run, out, failed=("test message not sent", "nothing is recorded and "
                                          "nothing retried: fix the channel and run kabar "
                                          "notify --test again"))
    incidents = load_incidents(incidents_dir, config)
    events = due_events(config, incidents, history, now)
    path = history / sent_file.NAME
    known = sent_file.read(path)
    before = set(known)
    if merge is not None:
        known |= sent_file.read(merge)

    def due(channel: Channel) -> list[Message]:
        todo = [e for e in events if wanted(channel, e)
                and sent_file.key(e.at, e.key, channel) not in known]
        return compose(config, todo, channel.language)

    def took(channel: Channel, messages: tuple[Message, ...]) -> None:
        known.update(sent_file.key(e.at, e.key, channel) for m in messages for e in m.events)

    outcome = _run(channels, due, dry_run, out, took)
    if not dry_run and (known != before or merge is not None):
        sent_file.write(path, known, now)
    return outcome


# How a failed channel is reported: what failed, and what happens next.
_FAILED = ("not sent", "it is tried again on the next run")


def _run(channels: tuple[Channel, ...], due: Callable[[Channel], list[Message]],
          dry_run: bool, out: Print,
          took: Callable[[Channel, tuple[Message, ...]], None] | None = None,
          failed: tuple[str, str] = _FAILED) -> Outcome:
    count = 0
    failures: list[str] = []
    for channel in channels:
        messages = due(channel)
        if not messages:
            continue
        if dry_run:
            for message in messages:
                out(f"{channel.label}: would send: {message.title}\n"
                    + "".join(f"    {line}\n" for line in message.body.splitlines()).rstrip())
            count += len(messages)
            continue
        delivery = deliver(channel, messages)
        if took is not None:
            took(channel, delivery.sent)
        count += len(delivery.sent)
        if delivery.sent:
            out(f"{channel.label}: sent {counted(len(delivery.sent), 'message')}")
        if delivery.failure:
            what, then = failed
            failures.append(f"{channel.label}: {what}: {delivery.failure}; {then}")
    if not count and not failures:
        out("nothing new to send")
    return Outcome(count, tuple(failures))
