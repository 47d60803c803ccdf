"""tcp and dns probes, and names resolved through a local DNS server."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.probe_helpers import make_probe, probe_one
from tests.servers import closed_port, dns_server, silent_port, udp_server

ZONE = {"db.test": ["127.0.0.1"], "two.test": ["127.0.0.2", "127.0.0.1"], "empty.test": []}


@pytest.fixture(scope="module")
def resolver() -> Iterator[str]:
    with dns_server(ZONE) as address:
        yield address


def test_an_open_tcp_port_is_up() -> None:
    with silent_port() as port:
        result = probe_one(make_probe("tcp", f"127.0.0.1:{port}"))
    assert (result.state, result.error, result.status_code) == ("up", None, None)
    assert result.latency_ms is not None


def test_a_closed_tcp_port_is_down() -> None:
    result = probe_one(make_probe("tcp", f"127.0.0.1:{closed_port()}"))
    assert (result.state, result.error, result.network) == ("down", "connection refused", False)


def test_localhost_resolves_through_the_system() -> None:
    with silent_port() as port:
        result = probe_one(make_probe("tcp", f"localhost:{port}"))
    assert (result.state, result.error) == ("up", None)


def test_a_tls_handshake_that_never_comes_times_out() -> None:
    with silent_port() as port:
        result = probe_one(make_probe("tls", f"127.0.0.1:{port}", timeout=0.5))
    assert (result.state, result.error, result.network) == \
        ("down", "timed out after 0.5 s", True)


def test_a_name_resolves_through_the_chosen_server(resolver: str) -> None:
    with silent_port() as port:
        result = probe_one(make_probe("tcp", f"db.test:{port}", resolver=resolver))
    assert (result.state, result.error) == ("up", None)


def test_the_next_address_is_tried_when_the_first_refuses(resolver: str) -> None:
    with silent_port() as port:  # listens on 127.0.0.1 only; 127.0.0.2 refuses
        result = probe_one(make_probe("tcp", f"two.test:{port}", resolver=resolver))
    assert (result.state, result.error) == ("up", None)


@pytest.mark.parametrize("kind", ["http", "tcp", "tls", "dns"])
def test_a_name_that_does_not_resolve_is_a_network_failure(resolver: str, kind: str) -> None:
    target = {"http": "http://nowhere.test/", "dns": "nowhere.test"}.get(kind, "nowhere.test:1")
    result = probe_one(make_probe(kind, target, resolver=resolver))
    assert (result.state, result.error, result.network) == \
        ("down", "name does not resolve (NXDOMAIN)", True)


def test_dns_probe_is_up_when_the_name_has_an_address(resolver: str) -> None:
    result = probe_one(make_probe("dns", "db.test", resolver=resolver))
    assert (result.state, result.error) == ("up", None)
    assert result.latency_ms is not None


def test_dns_probe_is_down_when_the_name_has_no_address(resolver: str) -> None:
    result = probe_one(make_probe("dns", "empty.test", resolver=resolver))
    assert (result.state, result.error) == ("down", "name has no address (no A or AAAA record)")


def test_a_dns_server_that_is_not_there_is_named() -> None:
    port = _closed_udp_port()
    result = probe_one(make_probe("dns", "db.test", resolver=f"127.0.0.1:{port}"))
    assert (result.state, result.error, result.network) == \
        ("down", f"DNS server 127.0.0.1:{port} does not answer (connection refused)", True)


def test_a_dns_server_that_never_answers_times_out() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        resolver = f"127.0.0.1:{sock.getsockname()[1]}"
        result = probe_one(make_probe("dns", "db.test", timeout=0.5, resolver=resolver))
    assert (result.state, result.error, result.network) == \
        ("down", "timed out after 0.5 s", True)


def test_dns_probe_through_the_system_resolver() -> None:
    result = probe_one(make_probe("dns", "localhost"))
    assert (result.state, result.error) == ("up", None)


def test_a_malformed_dns_answer_is_reported() -> None:
    # The query's id and flags, then an answer count with no answer after it.
    def reply(query: bytes) -> bytes:
        return query[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + query[12:]

    with udp_server(reply) as resolver:
        result = probe_one(make_probe("dns", "db.test", resolver=resolver))
    assert (result.state, result.error, result.network) == \
        ("down", "the DNS server sent a malformed answer", True)


def _closed_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
