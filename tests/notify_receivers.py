"""Real receivers on 127.0.0.1 for the notification tests: HTTP webhooks, an SMTP server, and
a CONNECT proxy that answers for Slack's and Discord's fixed hosts.

Apprise posts Slack and Discord messages to their own hosts (hooks.slack.com, discord.com)
and takes no other host in their URLs; it honours ``HTTPS_PROXY`` (through requests) and
``verify=no``, so the proxy accepts the tunnel, presents a certificate of its own and hands
the request to the same recording webhook server.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP

from tests.servers import make_leaf, server_context, serving


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Webhook(BaseHTTPRequestHandler):
    server: Webhook
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(Request(self.headers.get("Host", ""), self.path,
                                            dict(self.headers), body))
        status = self.server.status
        answer = b'{"ok": true}' if status == 200 else b'{"error": "refused by the test"}'
        if status == 200 and self.headers.get("Host") == "hooks.slack.com":
            answer = b"ok"  # what Slack's incoming webhooks answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_CONNECT(self) -> None:
        """Accept the tunnel, then speak TLS as the host asked for and record what comes."""
        self.send_response(200, "Connection established")
        self.end_headers()
        assert self.server.tls is not None
        try:
            tunnel = self.server.tls.wrap_socket(self.connection, server_side=True)
        except (OSError, ssl.SSLError):
            return
        with tunnel:
            _Webhook(tunnel, self.client_address, self.server)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Webhook(ThreadingHTTPServer):
    daemon_threads = True
    received: list[Request]
    status = 200
    tls: ssl.SSLContext | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@contextmanager
def webhook(tls_folder: Path | None = None) -> Iterator[Webhook]:
    """A server recording each POST; with ``tls_folder`` it is also a CONNECT proxy."""
    server = Webhook(("127.0.0.1", 0), _Webhook)
    server.received = []
    if tls_folder is not None:
        now = datetime.now(UTC)
        cert, key = make_leaf(now - timedelta(days=1), now + timedelta(days=1),
                              names=("hooks.slack.com", "discord.com"))
        server.tls = server_context(cert, key, tls_folder)
    with serving(server):
        yield server


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[tuple[str, list[str], bytes]]]]:
    """An SMTP server on 127.0.0.1 (plain, no TLS, no login); yields its port and mailbox."""
    mailbox = _Mailbox()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(loop.create_server(
        lambda: SMTP(mailbox, hostname="127.0.0.1"), "127.0.0.1", 0), loop).result(10)
    try:
        yield server.sockets[0].getsockname()[1], mailbox.messages
    finally:
        async def close() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
