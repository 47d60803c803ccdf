"""Names to addresses: the system's resolver, or a small DNS client asking a chosen server."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import random
import socket
import struct
import time

from generator.config import Probe
from generator.probe.base import Failure, Net, Outcome, Progress

A, AAAA = 1, 28
RESEND_AFTER = 1.0  # seconds before a lost UDP query is sent again; the deadline ends it
_RCODES = {1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


async def check_dns(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the name has an A or AAAA record."""
    start = time.monotonic()
    await resolve(probe.target, net, probe.resolver)
    progress.answered = True
    return Outcome("up", latency_ms=(time.monotonic() - start) * 1000)


async def resolve(host: str, net: Net, resolver: str | None) -> list[str]:
    """The addresses of ``host`` (IPv4 first); raise ``Failure`` when it has none."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if resolver:
        server = await _server_address(resolver, net)
        addresses = await query(host, A, server)
        return addresses or await query(host, AAAA, server)
    return await _system(host, net)


async def _system(host: str, net: Net) -> list[str]:
    loop = asyncio.get_running_loop()
    lookup = functools.partial(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    try:
        infos = await loop.run_in_executor(net.lookups, lookup)
    except socket.gaierror as exc:
        raise Failure(_gai_error(exc), network=True) from None
    except UnicodeError:
        raise Failure("name is not a valid DNS name", network=True) from None
    ordered = sorted(infos, key=lambda info: info[0] != socket.AF_INET)
    return list(dict.fromkeys(str(info[4][0]) for info in ordered))


def _gai_error(exc: socket.gaierror) -> str:
    if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
        return "name does not resolve"
    if exc.errno == socket.EAI_AGAIN:
        return "name lookup failed (the DNS server did not answer)"
    return f"name lookup failed ({exc.strerror})"


async def _server_address(resolver: str, net: Net) -> tuple[str, int]:
    host, _, port = resolver.rpartition(":")
    host = host.strip("[]")
    addresses = await resolve(host, net, None)
    return addresses[0], int(port)


async def query(name: str, qtype: int, server: tuple[str, int]) -> list[str]:
    """Ask ``server`` for ``name``'s records of ``qtype``; the addresses in its answer."""
    ident = random.getrandbits(16)
    packet = build_query(ident, name, qtype)
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[bytes] = loop.create_future()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Client(ident, answer, server), remote_addr=server)
    try:
        while not answer.done():
            transport.sendto(packet)
            await asyncio.wait({answer}, timeout=RESEND_AFTER)
        data = answer.result()
    finally:
        transport.close()
    rcode, addresses = parse_answer(data)
    if rcode == 3:
        raise Failure("name does not resolve (NXDOMAIN)", network=True)
    if rcode:
        raise Failure(f"name lookup failed ({_RCODES.get(rcode, f'rcode {rcode}')})",
                      network=True)
    if not addresses and qtype == AAAA:
        raise Failure("name has no address (no A or AAAA record)", network=True)
    return addresses


class _Client(asyncio.DatagramProtocol):
    def __init__(self, ident: int, answer: asyncio.Future[bytes],
                 server: tuple[str, int]) -> None:
        self.ident, self.answer, self.server = ident, answer, server

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if len(data) >= 12 and int.from_bytes(data[:2], "big") == self.ident \
                and data[2] & 0x80 and not self.answer.done():
            self.answer.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            where = f"{self.server[0]}:{self.server[1]}"
            reason = "connection refused" if isinstance(exc, ConnectionRefusedError) else exc
            self.answer.set_exception(
                Failure(f"DNS server {where} does not answer ({reason})", network=True))


def build_query(ident: int, name: str, qtype: int) -> bytes:
    """A recursive query for one name and type."""
    try:
        labels = [label.encode("idna") for label in name.rstrip(".").split(".")]
    except UnicodeError:
        raise Failure("name is not a valid DNS name", network=True) from None
    if not all(0 < len(label) < 64 for label in labels):
        raise Failure("name is not a valid DNS name", network=True)
    qname = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    return struct.pack("!6H", ident, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!2H", qtype, 1)


def parse_answer(data: bytes) -> tuple[int, list[str]]:
    """The response code and the A/AAAA addresses of a DNS answer."""
    try:
        _, flags, questions, answers = struct.unpack("!4H", data[:8])
        pos = 12
        for _ in range(questions):
            pos = _skip_name(data, pos) + 4
        addresses = []
        for _ in range(answers):
            pos = _skip_name(data, pos)
            rtype, _, _, length = struct.unpack("!HHIH", data[pos:pos + 10])
            rdata = data[pos + 10:pos + 10 + length]
            pos += 10 + length
            if rtype == A and len(rdata) == 4:
                addresses.append(socket.inet_ntop(socket.AF_INET, rdata))
            elif rtype == AAAA and len(rdata) == 16:
                addresses.append(socket.inet_ntop(socket.AF_INET6, rdata))
    except (struct.error, IndexError):
        raise Failure("the DNS server sent a malformed answer", network=True) from None
    return flags & 0xF, addresses


def _skip_name(data: bytes, pos: int) -> int:
    while True:
        length = data[pos]
        if length == 0:
            return pos + 1
        if length & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + length
