"""A small HTTP/1.1 client: one request per connection, the body read up to a cap."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult

from generator import __version__
from generator.probe.base import Failure, Net, Progress
from generator.probe.netio import connect, describe_os_error

MAX_BODY = 1024 * 1024  # read this much of a body, then stop: enough to check it
_NO_BODY = (204, 304)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    peercert: dict[str, Any] | None  # the server's certificate, for https


async def fetch(url: SplitResult, method: str, headers: Iterable[tuple[str, str]],
                body: bytes | None, net: Net, resolver: str | None,
                progress: Progress) -> Response:
    """Send one request to ``url`` and read its response."""
    tls = url.scheme == "https"
    host = url.hostname or ""
    port = url.port or (443 if tls else 80)
    reader, writer = await connect(host, port, net, resolver, tls=tls)
    try:
        writer.write(request_bytes(url, method, headers, body))
        await writer.drain()
        response = await read_response(reader, progress, head=method.upper() == "HEAD")
        return Response(response[0], response[1], response[2],
                        writer.get_extra_info("peercert") if tls else None)
    except (OSError, asyncio.IncompleteReadError) as exc:
        words = describe_os_error(exc)
        if not progress.answered and words == "the server closed the connection":
            words = "the server closed the connection without answering"
        raise Failure(words, network=False) from None
    finally:
        writer.transport.abort()


def request_bytes(url: SplitResult, method: str, headers: Iterable[tuple[str, str]],
                  body: bytes | None) -> bytes:
    host = f"[{url.hostname}]" if ":" in (url.hostname or "") else url.hostname or ""
    if url.port:
        host += f":{url.port}"
    fields = {"host": ("Host", host), "user-agent": ("User-Agent", f"kabar/{__version__}"),
              "accept": ("Accept", "*/*")}
    for name, value in headers:
        fields[name.lower()] = (name, value)
    fields["connection"] = ("Connection", "close")
    if body is not None:
        fields["content-length"] = ("Content-Length", str(len(body)))
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    lines = [f"{method.upper()} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in fields.values()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + (body or b"")


async def read_response(reader: asyncio.StreamReader, progress: Progress, *,
                        head: bool) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and (capped) body of the response on ``reader``."""
    first = await reader.readexactly(1)
    progress.answered = True
    while True:
        try:
            block = first + await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            raise Failure("the response headers are too large", network=False) from None
        status, headers = parse_head(block)
        if not 100 <= status < 200 or status == 101:
            break
        first = b""  # an interim answer (103 Early Hints): the real one follows
    if head or status in _NO_BODY:
        return status, headers, b""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, headers, await _chunked(reader)
    length = headers.get("content-length")
    if length is not None and length.strip().isdigit():
        return status, headers, await reader.readexactly(min(int(length), MAX_BODY))
    return status, headers, await _to_close(reader)


def parse_head(block: bytes) -> tuple[int, dict[str, str]]:
    lines = block.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise Failure("the server's answer is not HTTP", network=False)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers \
                else value.strip()
    return int(parts[1]), headers


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while len(body) < MAX_BODY:
        line = await reader.readline()
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise Failure("the response's chunked body is malformed", network=False) from None
        if size == 0:
            break
        body += await reader.readexactly(min(size, MAX_BODY - len(body)))
        if len(body) < MAX_BODY:
            await reader.readexactly(2)
    return bytes(body)


async def _to_close(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while len(body) < MAX_BODY:
        chunk = await reader.read(min(65536, MAX_BODY - len(body)))
        if not chunk:
            break
        body += chunk
    return bytes(body)
