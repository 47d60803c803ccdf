"""Reaching a host: connecting (both address families, TLS included) with plain-word errors;
the tcp and tls checks."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
import time

from generator.load.config import Probe
from generator.model.states import ProbeState
from generator.probe import certs
from generator.probe.base import Failure, Net, Outcome, Progress
from generator.probe.dns import resolve

STAGGER = 0.25  # seconds before the next address is tried while one is still connecting


def split_host_port(target: str) -> tuple[str, int]:
    """``"db.example.com:5432"`` or ``"[::1]:443"`` -> host and port."""
    host, _, port = target.rpartition(":")
    return host.strip("[]"), int(port)


async def connect(host: str, port: int, resolver: str | None,
                  tls: ssl.SSLContext | None = None) -> asyncio.Transport:
    """A connection to the first address of ``host`` that accepts (happy eyeballs), then TLS."""
    addresses = await resolve(host, resolver)
    sock = await _race(addresses, port)
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await loop.create_connection(
            asyncio.Protocol, sock=sock, ssl=tls,
            server_hostname=host if tls is not None else None)
    except ssl.SSLCertVerificationError as exc:
        der = await peer_certificate(host, port, resolver) \
            if exc.verify_code in certs.DATED else None
        raise certs.verify_failure(exc, host, der) from None
    except ssl.SSLError as exc:
        raise certs.tls_failure(exc) from None
    except OSError as exc:
        detail = os_failure(exc).error
        raise Failure("tls_failed", network=False, detail=detail) from None
    return transport


async def _race(addresses: list[str], port: int) -> socket.socket:
    """Connect to each address in turn, starting the next one ``STAGGER`` s later or when
    one fails; the first to connect wins and the others are closed (RFC 8305)."""
    loop = asyncio.get_running_loop()
    failures: list[OSError] = []
    tasks: list[asyncio.Task[socket.socket]] = []

    async def attempt(address: str) -> socket.socket:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await loop.sock_connect(sock, (address, port))
        except BaseException:
            sock.close()
            raise
        return sock

    try:
        pending: set[asyncio.Task[socket.socket]] = set()
        for address in addresses:
            tasks.append(asyncio.create_task(attempt(address)))
            pending.add(tasks[-1])
            winner = await _first(pending, failures, STAGGER)
            if winner is not None:
                return winner
        while pending:
            winner = await _first(pending, failures, None)
            if winner is not None:
                return winner
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
    raise os_failure(failures[0]) if failures else Failure("no_address", network=True)


async def _first(pending: set[asyncio.Task[socket.socket]], failures: list[OSError],
                 wait: float | None) -> socket.socket | None:
    """Wait up to ``wait`` s (None: until one ends) for a connection; collect failures."""
    done, _ = await asyncio.wait(pending, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    winner = None
    for task in done:
        pending.discard(task)
        error = task.exception()
        if error is None and winner is None:
            winner = task.result()
        elif error is None:
            task.result().close()
        elif isinstance(error, OSError):
            failures.append(error)
        else:
            raise error
    if winner is not None:
        for task in pending:
            task.cancel()
    return winner


async def peer_certificate(host: str, port: int, resolver: str | None) -> bytes | None:
    """The certificate a server presents, read without trusting it (to name its dates)."""
    try:
        transport = await connect(host, port, resolver, certs.insecure_context())
    except Failure:
        return None
    try:
        der = transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
        return bytes(der) if der else None
    finally:
        transport.abort()


def os_failure(exc: BaseException) -> Failure:
    """Plain words for a socket error while connecting."""
    # A refusal or a reset is the target (or its host) answering: the network works.
    if isinstance(exc, ConnectionRefusedError):
        return Failure("refused", network=False)
    if isinstance(exc, ConnectionResetError):
        return Failure("reset", network=False)
    code = getattr(exc, "errno", None)
    if code == errno.ENETUNREACH:
        return Failure("net_unreachable", network=True)
    if code == errno.EHOSTUNREACH:
        return Failure("host_unreachable", network=True)
    if code == errno.ETIMEDOUT:
        return Failure("connect_timeout", network=True)
    detail = getattr(exc, "strerror", None) or type(exc).__name__
    return Failure("connect_failed", network=True, detail=str(detail).lower())


async def check_tcp(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the port accepts a connection."""
    start = time.monotonic()
    host, port = split_host_port(probe.target)
    transport = await connect(host, port, probe.resolver)
    transport.abort()
    progress.answered = True
    return Outcome(ProbeState.UP, latency_ms=(time.monotonic() - start) * 1000)


async def check_tls(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the handshake succeeds with a valid certificate; degraded when it expires soon."""
    start = time.monotonic()
    host, port = split_host_port(probe.target)
    transport = await connect(host, port, probe.resolver, net.tls_plain)
    try:
        peercert = transport.get_extra_info("peercert")
    finally:
        transport.abort()
    progress.answered = True
    latency = (time.monotonic() - start) * 1000
    warning = certs.expiry_warning(peercert, probe.cert_expiry_within)
    if warning:
        failure = Failure(warning[0], network=False, **warning[1])
        return Outcome(ProbeState.DEGRADED, latency_ms=latency, parts=failure.parts)
    return Outcome(ProbeState.UP, latency_ms=latency)
