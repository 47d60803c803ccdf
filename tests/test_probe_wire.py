"""What real servers send and a strict client gets wrong: bare LF, huge headers, charsets,
compressed bodies, UTF-8 redirects, HTTP/2-only servers, both address families, bodies that
end early."""

from __future__ import annotations

import gzip
import json
import logging
import os
import socket
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import brotli
import pytest
from backports import zstd

from generator.load.config import Expect
from generator.probe import format_table
from tests.probe_helpers import make_probe, probe_one, run
from tests.servers import (
    H2_GOAWAY,
    H2_SETTINGS,
    Handler,
    Route,
    Server,
    closed_port,
    dns_server,
    http_answer,
    http_server,
    make_ca,
    make_leaf,
    raw_server,
    server_context,
    write_pem,
)

PAGE = b"<p>status: fine</p>"


def _basic(h: Handler) -> None:
    # "kabar:s3cret-pw" in base64
    if h.headers.get("Authorization") == "Basic a2FiYXI6czNjcmV0LXB3":
        h.reply(200, b"welcome")
    else:
        h.reply(401, b"who are you?", headers={"WWW-Authenticate": 'Basic realm="x"'})


def _utf8_location(h: Handler) -> None:
    h.wfile.write(b"HTTP/1.1 302 Found\r\nLocation: /caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n")


def _gzipped(body: bytes, content_type: str = "text/html") -> object:
    # Compressed whatever the request asked for, as some servers and CDNs do.
    return lambda h: h.reply(200, gzip.compress(body), content_type,
                             headers={"Content-Encoding": "gzip"})


# Bytes and their Content-Type: the text a browser reads in them is "Café €5".
CHARSETS = {
    # The WHATWG Encoding Standard reads these labels as windows-1252, where 0x80 is "€".
    "iso-8859-1": ("text/html; charset=iso-8859-1", "Café €5".encode("cp1252")),
    "latin1": ("text/html; charset=latin1", "Café €5".encode("cp1252")),
    "ascii": ("text/html; charset=ascii", "Café €5".encode("cp1252")),
    "us-ascii-quoted": ('text/html; charset="US-ASCII"', "Café €5".encode("cp1252")),
    # A byte order mark wins over the charset the header names, and over none.
    "utf-8-bom-over-latin1": ("text/html; charset=iso-8859-1",
                              b"\xef\xbb\xbf" + "Café €5".encode()),
    "utf-16le-bom-over-utf-8": ("text/plain; charset=utf-8",
                                b"\xff\xfe" + "Café €5".encode("utf-16-le")),
    "utf-16be-bom": ("text/plain", b"\xfe\xff" + "Café €5".encode("utf-16-be")),
    "unknown-label": ("text/plain; charset=no-such-charset", "Café €5".encode()),
}
JSON_BODIES = {
    "utf-8-bom": ("application/json", b"\xef\xbb\xbf" + '{"status": "Café"}'.encode()),
    "utf-16le-bom": ("application/json",
                     b"\xff\xfe" + '{"status": "Café"}'.encode("utf-16-le")),
    "latin1-label": ("application/json; charset=latin1", '{"status": "Café"}'.encode("cp1252")),
}


def _send(content_type: str, body: bytes) -> Route:
    return lambda h: h.reply(200, body, content_type)




ROUTES = {
    "/private": _basic,
    "/old": _utf8_location,
    "/caf%C3%A9": lambda h: h.reply(200, b"cafe ok"),
    "/maintenance": _gzipped(b"<h1>MAINTENANCE</h1>"),
    "/status.json": _gzipped(json.dumps({"status": "ok"}).encode(), "application/json"),
    "/deflate": lambda h: h.reply(200, zlib.compress(b"all fine"), headers={
        "Content-Encoding": "deflate"}),
    # Compressed whatever the request offered, as a CDN with a stale cache may send them.
    "/brotli": lambda h: h.reply(200, brotli.compress(b"<h1>all fine</h1>"), "text/html",
                                 headers={"Content-Encoding": "br"}),
    "/zstd": lambda h: h.reply(200, zstd.compress(b"<h1>all fine</h1>"), "text/html",
                               headers={"Content-Encoding": "zstd"}),
    "/zstd.json": lambda h: h.reply(200, zstd.compress(b'{"status": "ok"}'),
                                    "application/json", headers={"Content-Encoding": "zstd"}),
    "/latin1": lambda h: h.reply(200, "Café ouvert".encode("latin-1"),
                                 "text/html; charset=iso-8859-1"),
    "/big": lambda h: h.reply(200, b"x" * (6 << 20) + b" ERROR " + b"x" * 1000),
    **{f"/charset/{name}": _send(*sent) for name, sent in CHARSETS.items()},
    **{f"/json/{name}": _send(*sent) for name, sent in JSON_BODIES.items()},
    "/host": lambda h: h.reply(503 if h.headers["Host"].startswith("xn--bcher-kva.test")
                               else 200, h.headers["Host"].encode()),
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with http_server(ROUTES) as server:
        yield server


def url(server: Server, path: str, auth: str = "") -> str:
    return f"http://{auth}127.0.0.1:{server.server_address[1]}{path}"


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["bare-lf", "crlf"])
def test_bare_line_feeds_are_read(newline: bytes) -> None:
    answer = http_answer("200 OK", [("Content-Type", "text/plain")], PAGE, newline)
    with raw_server(answer) as port:
        result = probe_one(make_probe("http", f"http://127.0.0.1:{port}/",
                                      expect=Expect(contains="status: fine")))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)


def test_128_kb_of_response_headers_are_read() -> None:
    cookies = [("Set-Cookie", f"c{n}={'v' * 4000}") for n in range(26)]
    answer = http_answer("200 OK", [*cookies, ("X-Trace", "t" * 32768)], PAGE)
    assert len(answer) > 128 * 1024
    with raw_server(answer) as port:
        result = probe_one(make_probe("http", f"http://127.0.0.1:{port}/",
                                      expect=Expect(contains="fine")))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)


def test_a_latin_1_page_is_read_in_its_charset(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/latin1"),
                                  expect=Expect(contains="Café ouvert")))
    assert (result.state, result.error) == ("up", None)


@pytest.mark.parametrize("name", sorted(CHARSETS))
def test_text_is_read_in_the_charset_a_browser_reads(server: Server, name: str) -> None:
    result = probe_one(make_probe("http", url(server, f"/charset/{name}"),
                                  expect=Expect(contains="Café €5")))
    assert (result.state, result.error) == ("up", None)
    result = probe_one(make_probe("http", url(server, f"/charset/{name}"),
                                  expect=Expect(not_contains="€")))
    assert (result.state, result.error) == ("down", "response contains '€'")


@pytest.mark.parametrize("name", sorted(JSON_BODIES))
def test_json_is_read_in_the_charset_a_browser_reads(server: Server, name: str) -> None:
    result = probe_one(make_probe("http", url(server, f"/json/{name}"),
                                  expect=Expect(json_path="status", json_equals="Café")))
    assert (result.state, result.error) == ("up", None)


@pytest.mark.parametrize(("path", "expect", "state", "error"), [
    ("/maintenance", Expect(not_contains="MAINTENANCE"), "down",
     "response contains 'MAINTENANCE'"),
    ("/status.json", Expect(json_path="status", json_equals="ok"), "up", None),
    ("/deflate", Expect(contains="all fine"), "up", None),
    ("/brotli", Expect(contains="all fine"), "up", None),
    ("/zstd", Expect(contains="all fine"), "up", None),
    ("/zstd.json", Expect(json_path="status", json_equals="ok"), "up", None),
], ids=["gzip-text", "gzip-json", "deflate", "brotli", "zstd", "zstd-json"])
def test_a_compressed_body_is_checked_decoded(server: Server, path: str, expect: Expect,
                                              state: str, error: str | None) -> None:
    result = probe_one(make_probe("http", url(server, path), expect=expect))
    assert (result.state, result.status_code, result.error) == (state, 200, error)


def test_a_utf_8_location_is_followed(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/old"),
                                  expect=Expect(contains="cafe ok")))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)
    assert [path for _, path, _ in server.requests[-2:]] == ["/old", "/caf%C3%A9"]


def test_url_credentials_are_sent_and_written_nowhere(
        server: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    good = run(make_probe("http", url(server, "/private", "kabar:s3cret-pw@"),
                          expect=Expect(contains="welcome")))
    bad = run(make_probe("http", url(server, "/private", "kabar:wr0ng-pw@")))
    assert (good.results[0].state, good.results[0].error) == ("up", None)
    assert (bad.results[0].state, bad.results[0].error) == \
        ("down", "expected 2xx or 3xx, got 401")
    written = json.dumps([good.to_json(), bad.to_json()]) + format_table(good) + \
        format_table(bad) + caplog.text
    assert "s3cret" not in written and "wr0ng" not in written


@pytest.mark.parametrize(("max_body", "expect", "state", "error"), [
    (None, Expect(not_contains="ERROR"), "down", "the response is larger than 5 MB "
     "(max_body), so not_contains could not check all of it"),
    (8 << 20, Expect(not_contains="ERROR"), "down", "response contains 'ERROR'"),
    (8 << 20, Expect(not_contains="PANIC"), "up", None),
    (1 << 20, Expect(contains="ERROR"), "down",
     "response does not contain 'ERROR' in its first 1 MB"),
    (1 << 20, Expect(contains="xxx"), "up", None),
    (None, Expect(json_path="a", json_equals=1), "down", "the response is larger than 5 MB "
     "(max_body), so json could not check all of it"),
], ids=["not-contains-past-the-cap", "raised-cap-sees-it", "raised-cap-passes",
        "contains-past-the-cap", "contains-within-the-cap", "json-past-the-cap"])
def test_a_body_past_the_cap_never_passes_silently(server: Server, max_body: int | None,
                                                   expect: Expect, state: str,
                                                   error: str | None) -> None:
    fields = {} if max_body is None else {"max_body": max_body}
    result = probe_one(make_probe("http", url(server, "/big"), timeout=5, expect=expect,
                                  **fields))
    assert (result.state, result.status_code, result.error) == (state, 200, error)


def test_a_tls_server_that_speaks_only_http2_is_named(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    ca = make_ca()
    monkeypatch.setenv("SSL_CERT_FILE", str(write_pem(ca[0], tmp_path / "ca.pem")))
    tls = server_context(*make_leaf(*_valid(), ca), tmp_path)
    tls.set_alpn_protocols(["h2"])
    with raw_server(H2_SETTINGS + H2_GOAWAY, tls=tls) as port:
        result = probe_one(make_probe("http", f"https://localhost:{port}/"))
    assert (result.state, result.error, result.network, result.reason) == \
        ("down", "the server speaks only HTTP/2, which the probe does not support", False,
         "http2_only")


@pytest.mark.parametrize(("answer", "code", "error"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", 200,
     "the server closed the connection before the end of its response"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nshort", 200,
     "the server closed the connection before the end of its response"),
    # aiohttp reads the head and the first chunk at once: no status reaches the probe.
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", None,
     "the response body is malformed (bad chunked encoding)"),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnot gzip", 200,
     "the response body is malformed (not valid gzip)"),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 6\r\n\r\nnot br", 200,
     "the response body is malformed (not valid br)"),
    (b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 8\r\n\r\nnot zstd", 200,
     "the response body is malformed (not valid zstd)"),
], ids=["short-length", "short-chunks", "bad-chunk", "bad-gzip", "bad-br", "bad-zstd"])
def test_a_body_that_cannot_be_read_whole_is_named(answer: bytes, code: int | None,
                                                   error: str) -> None:
    with raw_server(answer) as port:
        result = probe_one(make_probe("http", f"http://127.0.0.1:{port}/"))
    assert (result.state, result.status_code, result.error, result.network) == \
        ("down", code, error, False)


SHORT = "the server closed the connection before the end of its response"


@pytest.mark.parametrize("expect", [
    Expect(), Expect(contains="ok"), Expect(not_contains="down"),
    Expect(json_path="status", json_equals="ok"),
], ids=["status", "contains", "not-contains", "json"])
@pytest.mark.parametrize("answer", [
    b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"status": "ok"}',
    b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"status": "ok"}\r\n',
], ids=["length", "chunked"])
def test_a_body_that_ends_early_fails_every_check(answer: bytes, expect: Expect) -> None:
    # What came before the end was fine: a browser still shows an error, and so does curl.
    with raw_server(answer) as port:
        result = probe_one(make_probe("http", f"http://127.0.0.1:{port}/", expect=expect))
    assert (result.state, result.status_code, result.error, result.reason) == \
        ("down", 200, SHORT, "closed_early")


def test_a_server_that_closes_without_answering_is_named_so() -> None:
    with raw_server(b"") as port:
        result = probe_one(make_probe("http", f"http://127.0.0.1:{port}/"))
    assert (result.state, result.error, result.network) == \
        ("down", "the server closed the connection without answering", False)


def test_a_name_with_60_addresses_behind_a_truncating_server() -> None:
    many = [f"127.0.{n // 250}.{n % 250 + 1}" for n in range(60)]
    with dns_server({"many.test": many}, udp_limit=10) as resolver:
        result = probe_one(make_probe("dns", "many.test", resolver=resolver))
    assert (result.state, result.error) == ("up", None)


@pytest.mark.parametrize("listening", ["::1", "127.0.0.1"])
@pytest.mark.parametrize("kind", ["http", "tcp"])
def test_both_address_families_are_tried(listening: str, kind: str) -> None:
    zone = {"dual.test": ["127.0.0.1", "::1"]}
    answer = http_answer("200 OK", [], PAGE)
    with on_one_family(answer, listening) as port, dns_server(zone) as resolver:
        target = f"http://dual.test:{port}/" if kind == "http" else f"dual.test:{port}"
        result = probe_one(make_probe(kind, target, resolver=resolver))
    assert (result.state, result.error) == ("up", None)


@contextmanager
def on_one_family(answer: bytes, host: str) -> Iterator[int]:
    """``raw_server`` on ``host``; the same port on the other family's loopback is held
    bound and not listening, so it refuses and no other process can listen there meanwhile."""
    other, family = ("127.0.0.1", socket.AF_INET) if ":" in host else ("::1", socket.AF_INET6)
    for _ in range(20):
        with socket.socket(family) as twin, ExitStack() as stack:
            twin.bind((other, 0))
            port = int(twin.getsockname()[1])
            try:
                stack.enter_context(raw_server(answer, host=host, port=port))
            except OSError:  # taken on this family: another port
                continue
            yield port
            return
    raise RuntimeError(f"no port free on both {host} and {other}")


def test_an_idn_host_is_sent_as_punycode(server: Server) -> None:
    port = server.server_address[1]
    with dns_server({"xn--bcher-kva.test": ["127.0.0.1"]}) as resolver:
        result = probe_one(make_probe("http", f"http://bücher.test:{port}/host",
                                      resolver=resolver))
    # The site's own virtual host answers 503: the default one would have said 200.
    assert (result.state, result.status_code, result.error) == \
        ("down", 503, "expected 2xx or 3xx, got 503")
    assert server.requests[-1][2]["Host"] == f"xn--bcher-kva.test:{port}"


def test_a_refused_connection_names_no_address() -> None:
    result = probe_one(make_probe("http", f"http://localhost:{closed_port()}/"))
    assert (result.state, result.error, result.network, result.reason) == \
        ("down", "connection refused", False, "refused")


def _valid() -> tuple[object, object]:
    from datetime import UTC, datetime, timedelta
    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(days=30)


def test_aiohttp_pure_python_parser_reads_them_too() -> None:
    # Where aiohttp's C parser is not built (AIOHTTP_NO_EXTENSIONS, other platforms), its
    # pure-Python parser takes over: it too must read bare LF and 128 KB of headers.
    big = [("Set-Cookie", f"c{n}={'v' * 4000}") for n in range(33)]
    script = ("import sys; from tests.probe_helpers import make_probe, probe_one; "
              "from generator.load.config import Expect; "
              "import aiohttp.http_parser as p; "
              "assert p.HttpResponseParser is p.HttpResponseParserPy, 'C parser in use'; "
              "r = probe_one(make_probe('http', sys.argv[1], expect=Expect(contains='fine'))); "
              "print(r.state, r.status_code, r.error)")
    outputs = []
    for answer in (http_answer("200 OK", [], PAGE, b"\n"), http_answer("200 OK", big, PAGE)):
        with raw_server(answer) as port:
            done = subprocess.run(
                [sys.executable, "-c", script, f"http://127.0.0.1:{port}/"],
                capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[1],
                env={**os.environ, "AIOHTTP_NO_EXTENSIONS": "1"})
        outputs.append(done.stdout.strip() or done.stderr.strip()[-300:])
    assert outputs == ["up 200 None", "up 200 None"]
