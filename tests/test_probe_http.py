"""The http probe against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import formatdate

import pytest

from generator.errors import ProbeError
from generator.load.config import Component, Config, Expect
from generator.probe import format_table, run_probes
from tests.probe_helpers import PAUSE, SITE, make_probe, probe_one, run
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


HOPS = 30  # /hop0 redirects to /hop1, ... /hop29 to /hop30, which answers "arrived"


def _hop(n: int) -> Route:
    return lambda h: h.reply(302, headers={"Location": f"/hop{n + 1}"})


def _login(h: Handler) -> None:
    h.reply(302, headers={"Location": "/home", "Set-Cookie": "session=abc123; Path=/; HttpOnly"})


def _home(h: Handler) -> None:
    if "session=abc123" in (h.headers.get("Cookie") or ""):
        h.reply(200, b"welcome back")
    else:
        h.reply(401, b"log in first")


def _busy(retry_after: Callable[[], str], times: list[float]) -> Route:
    """429 with ``Retry-After`` on the first request, 200 on the second; notes when each came
    in ``times`` (the test's own list, so no state outlives a test)."""
    def route(h: Handler) -> None:
        times.append(time.monotonic())
        if len(times) % 2:
            h.reply(429, b"slow down", headers={"Retry-After": retry_after()})
        else:
            h.reply(200, b"ok")
    return route


def _in_seconds(seconds: float) -> str:
    return formatdate(time.time() + seconds, usegmt=True)


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
    **{f"/hop{n}": _hop(n) for n in range(HOPS)},
    f"/hop{HOPS}": lambda h: h.reply(200, b"arrived"),
    "/login": _login,
    "/home": _home,
    "/whoami": lambda h: h.reply(200, (h.headers.get("Authorization") or "").encode()),
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


def test_connection_refused_is_the_target_answering_after_a_retry() -> None:
    result = probe_one(make_probe("http", f"http://127.0.0.1:{closed_port()}/", retries=1))
    assert (result.state, result.error, result.network, result.attempts) == \
        ("down", "connection refused", False, 2)  # an answer (issue 15)


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
                                  max_body=1 << 20, expect=Expect(contains="ok")))
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
    (f"/hop{HOPS - 21}", Expect(), 302, "too many redirects (more than 20)"),
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


@pytest.mark.parametrize("hops", [10, 20])
def test_up_to_20_redirects_are_followed_as_browsers_do(server: Server, hops: int) -> None:
    result = probe_one(make_probe("http", url(server, f"/hop{HOPS - hops}"),
                                  expect=Expect(contains="arrived")))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)
    assert server.requests[-1][1] == f"/hop{HOPS}"


def test_a_cookie_set_on_a_redirect_is_sent_on_the_next_hop(server: Server) -> None:
    result = probe_one(make_probe("http", url(server, "/login"),
                                  expect=Expect(contains="welcome back")))
    assert (result.state, result.status_code, result.error) == ("up", 200, None)
    assert "session=abc123" in server.requests[-1][2]["Cookie"]


def test_cookies_are_not_kept_across_checks(server: Server) -> None:
    # One at a time, in order: the second check starts after the first got its cookie.
    components = (Component("login", "Login", probe=make_probe("http", url(server, "/login"))),
                  Component("home", "Home", probe=make_probe("http", url(server, "/home"))),
                  Component("again", "Again", probe=make_probe("http", url(server, "/login"))))
    results = run_probes(Config(SITE, components), "test", concurrency=1,
                         retry_pause=PAUSE).results
    assert [(r.state, r.error) for r in results] == [
        ("up", None), ("down", "expected 2xx or 3xx, got 401"), ("up", None)]
    assert "Cookie" not in server.requests[-3][2]  # /home, after the first check's cookie


@pytest.mark.parametrize(("retry_after", "waited"), [(lambda: "1", 1.0),
                                                      (lambda: _in_seconds(3), 1.9)],
                         ids=["seconds", "http-date"])
def test_a_retry_waits_as_retry_after_says(retry_after: Callable[[], str], waited: float) -> None:
    times: list[float] = []
    with http_server({"/busy": _busy(retry_after, times)}) as server:
        result = probe_one(make_probe("http", url(server, "/busy"), retries=1))
    assert (result.state, result.status_code, result.error, result.attempts) == \
        ("up", 200, None, 2)
    first, second = times
    assert second - first >= waited


def test_a_retry_after_past_the_deadline_is_not_waited_for() -> None:
    started = time.monotonic()
    with http_server({"/busy": _busy(lambda: "120", [])}) as server:
        result = probe_one(make_probe("http", url(server, "/busy"), timeout=2, retries=1))
    assert (result.state, result.status_code, result.attempts) == ("up", 200, 2)
    assert time.monotonic() - started < 2


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


def test_a_failure_that_passes_on_retry_is_up_with_two_attempts() -> None:
    answers = iter([503, 200])  # this test's own: a second run starts from a 503 again
    with http_server({"/flaky": lambda h: h.reply(next(answers), b"ok")}) as server:
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
