"""Sending through apprise: ``${VAR}`` filled in here, and no secret in any output or log.

The expanded URL lives only in this module's locals and in apprise. Apprise's own log lines
(which name the URLs it posts to) are caught while it sends, their secrets replaced by ``***``,
and only the first failure's reason is shown, in one line.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.load.notify import VARIABLE, Channel
from generator.notify.messages import Message

log = logging.getLogger(__name__)
_SHORTEST_SECRET = 4  # shorter parts of a URL ("443", "v1") are not worth hiding


@dataclass(frozen=True)
class Delivery:
    sent: tuple[Message, ...]
    failure: str | None  # one line, secrets hidden; None when every message went


def deliver(channel: Channel, messages: Sequence[Message],
            environ: Mapping[str, str] | None = None) -> Delivery:
    """Send ``messages`` in order to ``channel``; stop at the first that fails."""
    env = os.environ if environ is None else environ
    missing = [name for name in VARIABLE.findall(channel.url) if not env.get(name)]
    if missing:
        return Delivery((), f"${{{missing[0]}}} is not set; export it, or pass the secret to "
                            "the workflow step's env:")
    url = VARIABLE.sub(lambda match: env[match.group(1)], channel.url)
    secrets = _secrets(channel.url, url, env)
    with _captured(secrets) as lines:
        import apprise

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # a plugin imports imghdr
            # The URL's verify=no asked for it; urllib3 would warn about each request.
            warnings.filterwarnings("ignore", message="Unverified HTTPS request")
            notifier = apprise.Apprise(asset=_asset(apprise))
            if not notifier.add(url):
                return Delivery((), "apprise cannot use this URL once its variables are "
                                    f"filled in{_reason(lines)}; check it against "
                                    "https://github.com/caronc/apprise/wiki")
            sent: list[Message] = []
            for message in messages:
                ok = notifier.notify(title=message.title, body=message.body,
                                     body_format=apprise.NotifyFormat.TEXT,
                                     notify_type=message.type)
                if not ok:
                    return Delivery(tuple(sent), f"sending failed{_reason(lines)}")
                sent.append(message)
    return Delivery(tuple(sent), None)


def _asset(apprise: Any) -> Any:
    try:  # apprise ≥ 1.9 keeps state on disk unless told not to
        return apprise.AppriseAsset(app_id="Kabar", app_desc="Kabar status page",
                                    storage_mode="memory")
    except TypeError:  # pragma: no cover - older apprise
        return apprise.AppriseAsset(app_id="Kabar", app_desc="Kabar status page")


def _secrets(written: str, url: str, env: Mapping[str, str]) -> list[str]:
    """What must never be shown: every variable's value, and the parts of the URL after its
    scheme (user, password, host path, query values) when written inline."""
    found = {env[name] for name in VARIABLE.findall(written)}
    try:
        parts = urlsplit(url)
        pieces = [parts.username, parts.password, *parts.path.split("/"),
                  *(pair.partition("=")[2] for pair in parts.query.split("&"))]
        if VARIABLE.fullmatch(written):
            pieces.append(parts.netloc)
    except ValueError:
        pieces = [url]
    found.update(p for p in pieces if p)
    found.update(unquote(s) for s in list(found))
    return sorted((s for s in found if len(s) >= _SHORTEST_SECRET), key=len, reverse=True)


def hide(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class _Capture(logging.Handler):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__(logging.DEBUG)
        self.secrets = secrets
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = hide(record.getMessage(), self.secrets)
        except Exception:  # noqa: BLE001 - a log line must never stop a message
            text = "(unreadable log line)"
        self.lines.append((record.levelno, " ".join(text.split())))
        log.debug("apprise: %s", text)


# Apprise names the URLs it posts to; urllib3 logs each request's path (a token, a topic).
_CAPTURED = ("apprise", "urllib3")


@contextmanager
def _captured(secrets: Sequence[str]) -> Iterator[list[tuple[int, str]]]:
    """Apprise's and urllib3's log lines, secrets hidden, kept from every other handler."""
    handler = _Capture(secrets)
    loggers = [logging.getLogger(name) for name in _CAPTURED]
    saved = [(logger.handlers[:], logger.propagate, logger.level) for logger in loggers]
    level = logging.DEBUG if log.isEnabledFor(logging.DEBUG) else logging.INFO
    for logger in loggers:
        logger.handlers, logger.propagate = [handler], False
        logger.setLevel(level)
    try:
        yield handler.lines
    finally:
        for logger, (handlers, propagate, old) in zip(loggers, saved, strict=True):
            logger.handlers, logger.propagate = handlers, propagate
            logger.setLevel(old)


def _reason(lines: list[tuple[int, str]]) -> str:
    problems = [text for level, text in lines if level >= logging.WARNING]
    return f" ({problems[0][:200]})" if problems else ""
