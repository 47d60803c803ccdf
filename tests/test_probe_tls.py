"""Certificates: https and tls probes against local TLS servers with generated certificates."""

from __future__ import annotations

import gc
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generator.load.config import Expect, Probe
from generator.probe.certs import validity
from tests.probe_helpers import make_probe, probe_one
from tests.servers import (
    Server,
    dns_server,
    http_answer,
    http_server,
    make_ca,
    make_leaf,
    raw_server,
    server_context,
    write_pem,
)

NOW = datetime.now(UTC)
SOON = (NOW + timedelta(days=3, hours=12)).replace(microsecond=0)
CA = make_ca()
CERTS = {
    "valid": make_leaf(NOW - timedelta(days=1), NOW + timedelta(days=90), CA),
    "soon": make_leaf(NOW - timedelta(days=1), SOON, CA),
    "expired": make_leaf(datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC),
                         CA),
    "self-signed": make_leaf(NOW - timedelta(days=1), NOW + timedelta(days=90)),
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    folder = tmp_path_factory.mktemp("certs")
    ports = {}
    ok = {"/ok": lambda h: h.reply(200, b"ok")}
    with http_server(ok, server_context(*CERTS["valid"], folder)) as valid, \
            http_server(ok, server_context(*CERTS["soon"], folder)) as soon, \
            http_server(ok, server_context(*CERTS["expired"], folder)) as expired, \
            http_server(ok, server_context(*CERTS["self-signed"], folder)) as self_signed:
        for name, server in [("valid", valid), ("soon", soon), ("expired", expired),
                             ("self-signed", self_signed)]:
            ports[name] = _port(server)
        yield ports


def _port(server: Server) -> int:
    return int(server.server_address[1])


@pytest.fixture(autouse=True)
def trust_test_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(write_pem(CA[0], tmp_path / "ca.pem")))


def _probe(kind: str, port: int, host: str = "localhost", **fields: Any) -> Probe:
    target = f"https://{host}:{port}/ok" if kind == "https" else f"{host}:{port}"
    return make_probe("http" if kind == "https" else "tls", target, **fields)


@pytest.mark.parametrize("kind", ["https", "tls"])
def test_a_trusted_certificate_is_up(servers: dict[str, int], kind: str) -> None:
    result = probe_one(_probe(kind, servers["valid"], cert_expiry_within=timedelta(days=14)))
    assert (result.state, result.error) == ("up", None)
    assert result.status_code == (200 if kind == "https" else None)


def test_a_server_slow_to_close_tls_leaves_no_socket_open(tmp_path: Path) -> None:
    # A busy server (or one that never answers close_notify) must not keep the run's
    # connection open after the run: it was a socket leaked on a loaded machine.
    tls = server_context(*CERTS["valid"], tmp_path)
    with raw_server(http_answer("200 OK", [], b"ok"), tls=tls, linger=2) as port, \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = probe_one(make_probe("http", f"https://localhost:{port}/"))
        gc.collect()
    assert (result.state, result.error) == ("up", None)
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize("kind", ["https", "tls"])
@pytest.mark.parametrize(("server", "error"), [
    ("self-signed", "certificate is self-signed"),
    ("expired", "certificate expired on 2025-01-01"),
])
def test_a_bad_certificate_is_down(servers: dict[str, int], kind: str, server: str,
                                   error: str) -> None:
    result = probe_one(_probe(kind, servers[server]))
    assert (result.state, result.error, result.network) == ("down", error, False)


@pytest.mark.parametrize("kind", ["https", "tls"])
def test_a_certificate_expiring_soon_is_degraded(servers: dict[str, int], kind: str) -> None:
    result = probe_one(_probe(kind, servers["soon"], cert_expiry_within=timedelta(days=14)))
    assert (result.state, result.error) == \
        ("degraded", f"certificate expires on {SOON:%Y-%m-%d} (in 3 days)")


def test_expiring_later_than_the_window_is_up(servers: dict[str, int]) -> None:
    result = probe_one(_probe("tls", servers["soon"], cert_expiry_within=timedelta(days=2)))
    assert (result.state, result.error) == ("up", None)


def test_a_certificate_for_another_name_is_down(servers: dict[str, int]) -> None:
    with dns_server({"wrong.test": ["127.0.0.1"], "service.test": ["127.0.0.1"]}) as resolver:
        wrong = probe_one(_probe("https", servers["valid"], "wrong.test", resolver=resolver))
        right = probe_one(_probe("https", servers["valid"], "service.test", resolver=resolver,
                                 expect=Expect(contains="ok")))
    assert (wrong.state, wrong.error) == ("down", "certificate is not valid for 'wrong.test'")
    assert (right.state, right.error) == ("up", None)


def test_an_ip_address_is_checked_against_the_certificate(servers: dict[str, int]) -> None:
    result = probe_one(make_probe("tls", f"127.0.0.1:{servers['valid']}"))
    assert (result.state, result.error) == ("up", None)


def test_plain_http_on_a_tls_port_is_a_plain_error(servers: dict[str, int]) -> None:
    result = probe_one(make_probe("http", f"http://127.0.0.1:{servers['valid']}/ok"))
    assert (result.state, result.error, result.network) == \
        ("down", "connection reset by the server", False)


def test_validity_reads_the_dates_of_a_der_certificate() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    der = CERTS["expired"][0].public_bytes(Encoding.DER)
    assert validity(der) == (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    assert validity(der[:40]) is None
