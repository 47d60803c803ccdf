"""Probes against servers nobody here wrote: Debian's nginx (TLS, gzip, Brotli, chunked, basic
auth, virtual hosts), tinyproxy as the runner's forward proxy, dnsmasq as the DNS server."""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.load.config import Expect
from generator.probe import format_table
from tests import real_servers, tools
from tests.probe_helpers import make_probe, probe_one, run
from tests.servers import Server, closed_port, http_server, make_ca, make_leaf, write_pem

NOW = datetime.now(UTC)
CA = make_ca()
LEAF = make_leaf(NOW - timedelta(days=1), NOW + timedelta(days=90), CA,
                 names=("localhost", "xn--bcher-kva.test", "api.test"))
STATUS = {"status": "ok", "services": [{"name": f"service {n}"} for n in range(200)]}
SERVERS = """
  gzip on;
  gzip_types *;
  gzip_min_length 1;
  ssl_certificate {folder}/site.pem;
  ssl_certificate_key {folder}/site.pem;
  server {
    listen 127.0.0.1:{port} ssl http2 default_server;
    listen [::1]:{port} ssl http2 default_server;
    server_name localhost;
    root {folder}/www;
    location = / { return 200 "default site\\n"; }
    location = /maintenance.html { gzip_static always; }
    location /private/ {
      auth_basic "staff";
      auth_basic_user_file {folder}/htpasswd;
    }
  }
  server {
    listen 127.0.0.1:{port} ssl http2;
    listen [::1]:{port} ssl http2;
    server_name xn--bcher-kva.test;
    location / { return 503 "MAINTENANCE\\n"; }
  }
"""


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder = tmp_path_factory.mktemp("nginx")
    from cryptography.hazmat.primitives import serialization
    cert, key = LEAF
    (folder / "site.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
        + cert.public_bytes(serialization.Encoding.PEM))
    www = folder / "www"
    (www / "private").mkdir(parents=True)
    (www / "private" / "index.html").write_text("staff only\n")
    # Only the compressed file exists: nginx sends it gzipped whatever the client asks.
    (www / "maintenance.html.gz").write_bytes(gzip.compress(b"<h1>MAINTENANCE</h1>\n"))
    (www / "status.json").write_text(json.dumps(STATUS))
    (folder / "htpasswd").write_text("kabar:{PLAIN}s3cret-pw\n")
    with real_servers.nginx(folder, SERVERS) as port:
        yield port


@pytest.fixture(scope="module")
def dnsmasq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    records = {"xn--bcher-kva.test": ["127.0.0.1", "::1"], "api.test": ["127.0.0.1", "::1"]}
    with real_servers.dnsmasq(tmp_path_factory.mktemp("dnsmasq"), records,
                              missing=("gone.test",)) as address:
        yield address


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(write_pem(CA[0], tmp_path / "ca.pem")))
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("host", "path", "expect", "state", "code", "error"), [
    ("localhost", "/", Expect(contains="default site"), "up", 200, None),
    ("[::1]", "/", Expect(contains="default site"), "up", 200, None),
    ("localhost", "/status.json", Expect(json_path="services.199.name",
                                         json_equals="service 199"), "up", 200, None),
    ("localhost", "/maintenance.html", Expect(not_contains="MAINTENANCE"), "down", 200,
     "response contains 'MAINTENANCE'"),
    ("localhost", "/private/", Expect(), "down", 401, "expected 2xx or 3xx, got 401"),
    ("kabar:s3cret-pw@localhost", "/private/", Expect(contains="staff only"), "up", 200,
     None),
], ids=["tls", "ipv6", "gzip-chunked-json", "gzip-always", "auth-missing", "auth-in-url"])
def test_nginx(nginx: int, host: str, path: str, expect: Expect, state: str, code: int,
               error: str | None) -> None:
    result = probe_one(make_probe("http", f"https://{host}:{nginx}{path}", expect=expect))
    assert (result.state, result.status_code, result.error) == (state, code, error)


def test_an_idn_host_reaches_its_own_virtual_host(nginx: int, dnsmasq: str) -> None:
    # punycode in Host: and in SNI: nginx picks the site's own server, which says 503;
    # the raw UTF-8 name would have reached the default server's 200.
    result = probe_one(make_probe("http", f"https://bücher.test:{nginx}/", resolver=dnsmasq))
    assert (result.state, result.status_code, result.error) == \
        ("down", 503, "expected 2xx or 3xx, got 503")


def test_plain_http_to_the_tls_port(nginx: int) -> None:
    result = probe_one(make_probe("http", f"http://localhost:{nginx}/"))
    assert (result.state, result.status_code, result.error) == \
        ("down", 400, "expected 2xx or 3xx, got 400")


BROTLI = """
  brotli on;
  brotli_types *;
  brotli_min_length 1;
  log_format coding '$uri $sent_http_content_encoding';
  server {
    listen 127.0.0.1:{port};
    listen [::1]:{port};
    root {folder}/www;
    access_log {folder}/access.log coding;
  }
"""


@pytest.fixture(scope="module")
def nginx_brotli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """nginx compressing with Brotli for a client that offers it (browsers do). Yields its
    port and its log, which names the coding of each answer."""
    module = tools.nginx_module("ngx_http_brotli_filter_module",
                                "libnginx-mod-http-brotli-filter")
    folder = tmp_path_factory.mktemp("nginx-brotli")
    www = folder / "www"
    www.mkdir()
    (www / "index.html").write_text("<h1>all systems fine</h1>\n" * 50)
    (www / "status.json").write_text(json.dumps(STATUS))
    with real_servers.nginx(folder, BROTLI, modules=(module,)) as port:
        yield port, folder / "access.log"


@pytest.mark.parametrize(("path", "expect"), [
    ("/index.html", Expect(contains="all systems fine")),
    ("/status.json", Expect(json_path="services.199.name", json_equals="service 199")),
], ids=["text", "json"])
def test_a_brotli_body_from_nginx_is_decoded(nginx_brotli: tuple[int, Path], path: str,
                                             expect: Expect) -> None:
    port, log = nginx_brotli
    result = probe_one(make_probe("http", f"http://localhost:{port}{path}", expect=expect))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)
    assert log.read_text().splitlines()[-1] == f"{path} br"


@pytest.mark.parametrize(("kind", "target", "state", "error"), [
    ("dns", "api.test", "up", None),
    ("dns", "gone.test", "down", "name does not resolve (NXDOMAIN)"),
    ("dns", "other.test", "down", "name lookup failed (REFUSED)"),
    ("tcp", "api.test:{port}", "up", None),
    ("tls", "api.test:{port}", "up", None),
], ids=["dns-up", "nxdomain", "refused", "tcp", "tls"])
def test_dnsmasq_as_the_resolver(nginx: int, dnsmasq: str, kind: str, target: str,
                                 state: str, error: str | None) -> None:
    result = probe_one(make_probe(kind, target.format(port=nginx), resolver=dnsmasq))
    assert (result.state, result.error) == (state, error)


# --- the runner's proxy ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def backend() -> Iterator[Server]:
    with http_server({"/ok": lambda h: h.reply(200, b"ok")}) as server:
        yield server


def test_http_goes_through_http_proxy(backend: Server, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with real_servers.tinyproxy(tmp_path) as (proxy, _):
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy}")
        result = probe_one(make_probe("http", f"http://127.0.0.1:{backend.server_port}/ok",
                                      expect=Expect(contains="ok")))
    assert (result.state, result.error) == ("up", None)
    assert "tinyproxy" in backend.requests[-1][2].get("Via", "")


def test_https_goes_through_https_proxy_by_connect(nginx: int, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with real_servers.tinyproxy(tmp_path, connect_ports=(nginx,)) as (proxy, log):
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy}")
        result = probe_one(make_probe("http", f"https://localhost:{nginx}/",
                                      expect=Expect(contains="default site")))
        refused = probe_one(make_probe("http", f"https://localhost:{closed_port()}/"))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)
    assert f"CONNECT localhost:{nginx}" in log.read_text()
    assert (refused.state, refused.error, refused.network) == \
        ("down", f"the proxy 127.0.0.1:{proxy} answered 403 to a tunnel request", True)


def test_no_proxy_goes_direct(backend: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    result = probe_one(make_probe("http", f"http://127.0.0.1:{backend.server_port}/ok"))
    assert (result.state, result.error) == ("up", None)


def test_a_proxy_that_is_not_there_is_named(backend: Server,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    port = closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://user:pr0xy-pw@127.0.0.1:{port}")
    result = probe_one(make_probe("http", f"http://127.0.0.1:{backend.server_port}/ok"))
    assert (result.state, result.error, result.network) == \
        ("down", f"could not reach the proxy 127.0.0.1:{port} (connection refused)", True)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_proxy_that_asks_for_credentials(backend: Server, nginx: int, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, scheme: str,
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    port = backend.server_port if scheme == "http" else nginx
    target = f"{scheme}://localhost:{port}/" + ("ok" if scheme == "http" else "")
    with real_servers.tinyproxy(tmp_path, login=("runner", "pr0xy-pw")) as (proxy, _):
        variable = "HTTP_PROXY" if scheme == "http" else "HTTPS_PROXY"
        monkeypatch.setenv(variable, f"http://127.0.0.1:{proxy}")
        without = run(make_probe("http", target))
        monkeypatch.setenv(variable, f"http://runner:pr0xy-pw@127.0.0.1:{proxy}")
        with_login = run(make_probe("http", target))
    assert [(r.state, r.error, r.network) for r in without.results] == \
        [("down", f"the proxy 127.0.0.1:{proxy} asks for credentials (407)", True)]
    assert [(r.state, r.error) for r in with_login.results] == [("up", None)]
    written = json.dumps(with_login.to_json()) + format_table(with_login) + caplog.text
    assert "pr0xy-pw" not in written


def test_a_runner_whose_proxy_is_gone_fails_every_probe_for_network_reasons(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The proxies fail for network reasons; the refused port answered (issue 15).
    dead = closed_port()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead}")
    results = run(make_probe("http", "http://status.example/"),
                  make_probe("http", "https://status.example/"),
                  make_probe("tcp", f"127.0.0.1:{closed_port()}")).results
    assert [(r.state, r.reason, r.network) for r in results] == [
        ("down", "proxy_failed", True), ("down", "proxy_failed", True),
        ("down", "refused", False)]  # the refusal is an answer: the network works
