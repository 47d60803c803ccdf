"""Reaching a host: connecting (TLS included) with plain-word errors; the tcp and tls checks."""

from __future__ import annotations

import asyncio
import errno
import ssl
import time

from generator.config import Probe
from generator.probe import certs
from generator.probe.base import Failure, Net, Outcome, Progress
from generator.probe.dns import resolve

READ_LIMIT = 64 * 1024  # the longest header line or header block we accept

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def split_host_port(target: str) -> tuple[str, int]:
    """``"db.example.com:5432"`` or ``"[::1]:443"`` -> host and port."""
    host, _, port = target.rpartition(":")
    return host.strip("[]"), int(port)


async def connect(host: str, port: int, net: Net, resolver: str | None, *,
                  tls: bool) -> Stream:
    """Open a connection to the first address of ``host`` that accepts, then shake hands."""
    addresses = await resolve(host, net, resolver)
    failure = Failure("name has no address", network=True)
    for address in addresses:
        try:
            reader, writer = await asyncio.open_connection(address, port, limit=READ_LIMIT)
        except OSError as exc:
            failure = Failure(describe_os_error(exc), network=True)
            continue
        if tls:
            try:
                await writer.start_tls(net.tls, server_hostname=host)
            except ssl.SSLCertVerificationError as exc:
                writer.transport.abort()
                der = await _peer_certificate(address, port, host) \
                    if exc.verify_code in certs.DATED else None
                raise Failure(certs.describe_verify_error(exc, host, der),
                              network=False) from None
            except ssl.SSLError as exc:
                writer.transport.abort()
                raise Failure(certs.describe_ssl_error(exc), network=False) from None
            except (OSError, asyncio.IncompleteReadError) as exc:
                writer.transport.abort()
                raise Failure(f"TLS handshake failed ({describe_os_error(exc)})",
                              network=False) from None
            except BaseException:
                writer.transport.abort()
                raise
        return reader, writer
    raise failure


async def _peer_certificate(address: str, port: int, host: str) -> bytes | None:
    """The certificate a server presents, read without trusting it (to name its dates)."""
    try:
        reader, writer = await asyncio.open_connection(
            address, port, ssl=certs.insecure_context(), server_hostname=host)
    except (OSError, ssl.SSLError):
        return None
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        return bytes(der) if der else None
    finally:
        writer.transport.abort()


def describe_os_error(exc: BaseException) -> str:
    """Plain words for a socket error."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(exc, asyncio.IncompleteReadError | ConnectionAbortedError | BrokenPipeError):
        return "the server closed the connection"
    code = getattr(exc, "errno", None)
    if code == errno.ENETUNREACH:
        return "network is unreachable"
    if code == errno.EHOSTUNREACH:
        return "host is unreachable"
    if code == errno.ETIMEDOUT:
        return "connection timed out"
    return getattr(exc, "strerror", None) or type(exc).__name__


async def check_tcp(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the port accepts a connection."""
    start = time.monotonic()
    host, port = split_host_port(probe.target)
    _, writer = await connect(host, port, net, probe.resolver, tls=False)
    writer.transport.abort()
    progress.answered = True
    return Outcome("up", latency_ms=(time.monotonic() - start) * 1000)


async def check_tls(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the handshake succeeds with a valid certificate; degraded when it expires soon."""
    start = time.monotonic()
    host, port = split_host_port(probe.target)
    _, writer = await connect(host, port, net, probe.resolver, tls=True)
    try:
        peercert = writer.get_extra_info("peercert")
    finally:
        writer.transport.abort()
    progress.answered = True
    latency = (time.monotonic() - start) * 1000
    warning = certs.expiry_warning(peercert, probe.cert_expiry_within)
    return Outcome("degraded" if warning else "up", latency_ms=latency, error=warning)
