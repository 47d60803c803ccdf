"""Names to addresses: the system's resolver, or dnspython asking a chosen server.

A chosen server is asked for A and AAAA at once, with EDNS; a truncated answer is asked
again over TCP. The attempt's deadline ends a server that never answers.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ipaddress
import socket
import time
from concurrent.futures import Executor

import dns.asyncbackend
import dns.asyncquery
import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
from aiohttp.abc import AbstractResolver, ResolveResult

from generator.load.config import Probe
from generator.model.states import ProbeState
from generator.probe.base import Failure, Net, Outcome, Progress

# The run's threads for system lookups: its own, so a lookup the system never ends cannot
# hold the run's end (the default executor is waited for when the loop closes).
LOOKUPS: contextvars.ContextVar[Executor] = contextvars.ContextVar("kabar_lookups")
RESEND_AFTER = 1.0  # seconds before a lost UDP query is sent again; the deadline ends it
EDNS_PAYLOAD = 1232  # the size DNS flag day 2020 settled on


async def check_dns(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the name has an A or AAAA record."""
    start = time.monotonic()
    await resolve(probe.target, probe.resolver)
    progress.answered = True
    return Outcome(ProbeState.UP, latency_ms=(time.monotonic() - start) * 1000)


async def resolve(host: str, resolver: str | None) -> list[str]:
    """The addresses of ``host``, IPv6 and IPv4 interleaved; raise ``Failure`` when none."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if resolver:
        found = await ask(host, await server_address(resolver))
    else:
        found = await system(host)
    return interleave(found)


async def system(host: str) -> list[str]:
    """Ask the system's resolver (``/etc/hosts``, ``resolv.conf``), as curl does."""
    lookup = functools.partial(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM)
    try:
        infos = await asyncio.get_running_loop().run_in_executor(LOOKUPS.get(None), lookup)
    except socket.gaierror as exc:
        raise lookup_failure(exc) from None
    except UnicodeError:
        raise Failure("bad_name", network=True) from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def lookup_failure(exc: OSError) -> Failure:
    """Plain words for a failed system lookup."""
    if exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
        return Failure("no_such_name", network=True)
    if exc.errno == socket.EAI_AGAIN:
        return Failure("dns_failed", network=True, detail="the DNS server did not answer")
    return Failure("dns_failed", network=True, detail=exc.strerror or "unknown error")


async def server_address(resolver: str) -> tuple[str, int]:
    """``"dns.example:53"`` or ``"[::1]:53"`` -> the server's address and port."""
    host, _, port = resolver.rpartition(":")
    addresses = await resolve(host.strip("[]"), None)
    return addresses[0], int(port)


async def ask(name: str, server: tuple[str, int]) -> list[str]:
    """``name``'s A and AAAA records from ``server``, asked at once."""
    found = await asyncio.gather(query(name, dns.rdatatype.A, server),
                                 query(name, dns.rdatatype.AAAA, server))
    addresses = found[0] + found[1]
    if not addresses:
        raise Failure("no_address", network=True)
    return addresses


async def query(name: str, rdtype: dns.rdatatype.RdataType,
                server: tuple[str, int]) -> list[str]:
    """The addresses of one type in ``server``'s answer (TCP when UDP's was truncated)."""
    try:
        message = dns.message.make_query(name, rdtype, use_edns=0, payload=EDNS_PAYLOAD)
    except (dns.exception.DNSException, UnicodeError):
        raise Failure("bad_name", network=True) from None
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    backend = dns.asyncbackend.get_default_backend()
    while True:
        try:
            # A connected socket, so that a closed port's ICMP answer reaches us.
            async with await backend.make_socket(  # type: ignore[no-untyped-call]
                    family, socket.SOCK_DGRAM, destination=server) as sock:
                answer, _ = await dns.asyncquery.udp_with_fallback(
                    message, server[0], timeout=RESEND_AFTER, port=server[1], udp_sock=sock)
            break
        except dns.exception.Timeout:
            continue  # lost, or slow: ask again until the attempt's deadline
        except OSError as exc:
            detail = "connection refused" if isinstance(exc, ConnectionRefusedError) \
                else exc.strerror or type(exc).__name__
            raise Failure("dns_silent", network=True, server=_where(server),
                          detail=detail) from None
        except dns.exception.DNSException:
            raise Failure("dns_malformed", network=True) from None
    rcode = answer.rcode()
    if rcode == dns.rcode.NXDOMAIN:
        raise Failure("nxdomain", network=True)
    if rcode != dns.rcode.NOERROR:
        raise Failure("dns_failed", network=True, detail=dns.rcode.to_text(rcode))
    return [item.address for rrset in answer.answer if rrset.rdtype == rdtype
            for item in rrset]


def _where(server: tuple[str, int]) -> str:
    host = f"[{server[0]}]" if ":" in server[0] else server[0]
    return f"{host}:{server[1]}"


def interleave(addresses: list[str]) -> list[str]:
    """IPv6 first, then IPv4, then IPv6 … (RFC 8305), each family in its own order."""
    six = [a for a in addresses if ":" in a]
    four = [a for a in addresses if ":" not in a]
    mixed: list[str] = []
    for pair in zip(six, four, strict=False):
        mixed += pair
    longer = six if len(six) > len(four) else four
    return list(dict.fromkeys(mixed + longer[min(len(six), len(four)):]))


class Resolver(AbstractResolver):
    """aiohttp asks this for a host's addresses: from ``resolver:`` or the system."""

    def __init__(self, server: str | None) -> None:
        self.server = server

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        addresses = await resolve(host, self.server)
        return [ResolveResult(hostname=host, host=address, port=port,
                              family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                              proto=0, flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)
                for address in addresses]

    async def close(self) -> None:
        pass
