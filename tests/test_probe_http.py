"""The http probe against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from generator.errors import ProbeError
from generator.load.config import Expect
from generator.probe import format_table
from tests.probe_helpers import make_probe, probe_one, run
from tests.servers import (
    Handler,
    Route,
    Server,
    answer_json,
    closed_port,
    drip,
    http_server,
    silent_port,
)

BIG = 10 * 1024 * 1024


def _big(framing: str) -> Route:
    """10 MB that starts with "ok": the first 2 MiB at once, then nothing for 5 s."""
    def route(h: Handler) -> None:
        h.send_response(200)
        if framing == "length":
            h.send_header("Content-Length", str(BIG))
        elif framing == "chunked":
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        block = b"ok" + b"x" * (64 * 1024 - 2)
        for n in range(BIG // len(block)):
            if n == 32:
                time.sleep(5)  # a probe that reads past its cap times out here
            h.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if framing == "chunked"
                          else block)
    return route


def _hop(n: int) -> Route:
    return lambda h: h.reply(302, headers={"Location": f"/hop{n + 1}"})


def _flaky() -> Iterator[int]:
    yield 503
    while True:
        yield 200


FLAKY = _flaky()


def _slow(h: Handler) -> None:
    time.sleep(0.3)
    h.reply(200, b"ok")


ROUTES = {
    "/ok": lambda h: h.reply(200, b"status: ok"),
    "/500": lambda h: h.reply(500, b"oops"),
    "/503": lambda h: h.reply(503, b"unavailable"),
    "/error": lambda h: h.reply(200, b"an error happened"),
    "/html": lambda h: h.reply(200, b"<html>not json</html>", "text/html"),
    "/json-down": answer_json({"status": {"indicator": "down"}, "items": [1, {"s": "ok"}]}),
    "/slow-headers": drip(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0.2),
    "/slow-body": lambda h: (h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n"),
                             drip(b"x" * 40, 0.2)(h)),
    "/big-length": _big("length"),
    "/big-chunked": _big("chunked"),
    "/big-close": _big("close"),
    "/loop-a": lambda h: h.reply(302, headers={"Location": "/loop-b"}),
    "/loop-b": lambda h: h.reply(302, headers={
        "Location": f"http://127.0.0.1:{h.server.server_address[1]}/loop-a"}),
    "/moved": lambda h: h.reply(301, headers={"Location": "/ok"}),
    **{f"/hop{n}": _hop(n) for n in range(10)},
    "/whoami": lambda h: h.reply(200, (h.headers.get("Authorization") or "").encode()),
    "/flaky": lambda h: h.reply(next(FLAKY), b"ok"),
    "/slow": _slow,
    "/echo": lambda h: h.reply(200, h.command.encode() + b" " + h.rfile.read(
        int(h.headers.get("Content-Length") or 0))),
}


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with http_server(ROUTES) as server:
        yield server


def url(server: Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_up_sends_host_user_agent_and_close(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/ok"), expect=Expect(contains="ok")))
    assert (result.state, result.status_code, result.error, result.attempts) == \
        ("up", 200, None, 1)
    assert result.latency_ms is not None and result.latency_ms > 0
    _, path, headers = server.requests[-1]
    assert path == "/ok"
    assert headers["Host"] == f"127.0.0.1:{server.server_address[1]}"
    assert headers["User-Agent"] == "kabar/0.1.0"
    assert headers["Connection"] == "close"


def test_connection_refused_is_a_network_failure_after_a_retry() -> None:
    result = probe_one(make_probe("http", f"http://127.0.0.1:{closed_port()}/", retries=1))
    assert (result.state, result.error, result.network, result.attempts) == \
        ("down", "connection refused", True, 2)


def test_no_answer_times_out_at_the_deadline() -> None:
    with silent_port() as port:
        result = probe_one(make_probe("http", f"http://127.0.0.1:{port}/", timeout=0.5))
    assert (result.state, result.error, result.network) == \
        ("down", "timed out after 0.5 s", True)


@pytest.mark.parametrize("path", ["/slow-headers", "/slow-body"], ids=["headers", "body"])
def test_a_dripping_answer_times_out_at_the_deadline(server: Server, path: str) -> None:
    # 2 s: time for the first byte to arrive on a loaded machine; the whole answer takes 8 s.
    result = probe_one(make_probe("http", url(server, path), timeout=2))
    assert (result.state, result.error, result.network) == \
        ("down", "timed out after 2 s while reading the response", False)


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_a_10_mb_body_is_read_up_to_the_cap(server: Server, framing: str) -> None:
    # The server stalls after 2 MiB: reading past the 1 MiB cap would time out.
    result = probe_one(make_probe("http", url(server, f"/big-{framing}"), timeout=4,
                                  expect=Expect(contains="ok")))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)


@pytest.mark.parametrize(("path", "expect", "code", "error"), [
    ("/500", Expect(), 500, "expected 2xx or 3xx, got 500"),
    ("/503", Expect(status=("200",)), 503, "expected 200, got 503"),
    ("/503", Expect(status=("200", "204", "3xx")), 503, "expected 200, 204 or 3xx, got 503"),
    ("/ok", Expect(contains="healthy"), 200, "response does not contain 'healthy'"),
    ("/error", Expect(not_contains="error"), 200, "response contains 'error'"),
    ("/html", Expect(json_path="status", json_equals="ok"), 200, "response is not JSON"),
    ("/json-down", Expect(json_path="status.indicator", json_equals="ok"), 200,
     "JSON status.indicator is 'down', expected 'ok'"),
    ("/json-down", Expect(json_path="status.page", json_equals="ok"), 200,
     "JSON has no status.page"),
    ("/json-down", Expect(json_path="items.0", json_equals=True), 200,
     "JSON items.0 is 1, expected true"),
    ("/loop-a", Expect(), 302, "too many redirects (loop)"),
    ("/hop0", Expect(), 302, "too many redirects (more than 5)"),
], ids=["500", "503", "503-list", "contains", "not-contains", "not-json", "json-mismatch",
        "json-missing", "json-bool", "redirect-loop", "redirect-chain"])
def test_a_bad_answer_is_down_with_the_reason(server: Server, path: str, expect: Expect,
                                              code: int, error: str) -> None:
    result = probe_one(make_probe("http", url(server, path), expect=expect))
    assert (result.state, result.status_code, result.error, result.network) == \
        ("down", code, error, False)


def test_json_path_with_a_list_index_matches(server: Server) -> None:
    expect = Expect(json_path="items.1.s", json_equals="ok")
    result = probe_one(make_probe("http", url(server, "/json-down"), expect=expect))
    assert (result.state, result.error) == ("up", None)


def test_a_redirect_is_followed(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/moved"), expect=Expect(contains="ok")))
    assert (result.state, result.status_code) == ("up", 200)
    assert [path for _, path, _ in server.requests[-2:]] == ["/moved", "/ok"]


def test_an_expected_3xx_code_is_not_followed(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/moved"), expect=Expect(status=("301",))))
    assert (result.state, result.status_code) == ("up", 301)


def test_an_env_header_reaches_the_server_and_nothing_else(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KABAR_TEST_TOKEN", "s3cret-value")
    probe = make_probe("http", url(server, "/whoami"), expect=Expect(contains="x"),
                       headers={"Authorization": "Bearer ${KABAR_TEST_TOKEN}"})
    result_run = run(probe)
    assert server.requests[-1][2]["Authorization"] == "Bearer s3cret-value"
    assert result_run.results[0].error == "response does not contain 'x'"
    assert "s3cret" not in json.dumps(result_run.to_json()) + format_table(result_run)


def test_a_missing_env_variable_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_TOKEN", raising=False)
    probe = make_probe("http", "http://127.0.0.1:1/",
                       headers={"Authorization": "Bearer ${API_TOKEN}"})
    with pytest.raises(ProbeError) as caught:
        run(probe)
    assert str(caught.value) == (
        "status.yaml: component 'c0': header 'Authorization' uses ${API_TOKEN}, which is not "
        "set; export it or add it as a repository secret")


def test_slower_than_degraded_over_is_degraded(server: Server) -> None:
    probe = make_probe("http", url(server, "/slow"), degraded_over=timedelta(seconds=0.1))
    result = probe_one(probe)
    assert result.latency_ms is not None and result.latency_ms >= 300
    assert (result.state, result.status_code, result.error) == \
        ("degraded", 200, f"answered in {result.latency_ms / 1000:.2f} s, over 0.1 s")


def test_a_failure_that_passes_on_retry_is_up_with_two_attempts(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/flaky"), retries=1))
    assert (result.state, result.status_code, result.error, result.attempts) == \
        ("up", 200, None, 2)


def test_retries_are_bounded(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/503"), retries=2))
    assert (result.state, result.attempts) == ("down", 3)
    assert [p for _, p, _ in server.requests[-3:]] == ["/503"] * 3


def test_probes_run_concurrently_in_config_order(server: Server) -> None:
    probes = [make_probe("http", url(server, "/slow"), timeout=5) for _ in range(50)]
    result_run = run(*probes, None)  # the last component has no probe: skipped
    assert [r.component for r in result_run.results] == [f"c{i}" for i in range(50)]
    assert {r.state for r in result_run.results} == {"up"}
    # One at a time would take 50 x 0.3 s = 15 s (the bound leaves room for a loaded machine).
    assert (result_run.finished - result_run.started).total_seconds() < 10


def test_a_post_sends_its_body(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KABAR_TEST_USER", "bot")
    probe = make_probe("http", url(server, "/echo"), method="POST",
                       body='{"user": "${KABAR_TEST_USER}"}',
                       expect=Expect(contains='POST {"user": "bot"}'))
    result = probe_one(probe)
    assert (result.state, result.error) == ("up", None)


def test_a_head_request_reads_no_body(server: Server) -> None:
    # The answer announces a body it does not send: reading it would time out.
    result = probe_one(make_probe("http", url(server, "/ok"), method="HEAD", timeout=5))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)
