"""The run as a whole: ${VAR} expansion, the overall cap, the printed table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

import generator.probe as probe_module
from generator.errors import ProbeError
from generator.load.config import Component, Config
from generator.load.results import Result, Run
from generator.probe import expand_env, format_table, run_probes
from generator.probe.env import prepare
from tests.probe_helpers import SITE, make_probe, run
from tests.servers import silent_port


def test_expand_env_fills_in_every_variable() -> None:
    env = {"HOST": "api.example", "TOKEN": "t0k"}
    assert expand_env("https://${HOST}/x?k=${TOKEN}&$HOST", environ=env) == \
        "https://api.example/x?k=t0k&$HOST"


def test_expand_env_names_the_missing_variable_but_no_value() -> None:
    with pytest.raises(ProbeError) as caught:
        expand_env("${SET}:${UNSET}", "status.yaml: component 'api': header 'X-Key'",
                   environ={"SET": "secret"})
    assert str(caught.value) == ("status.yaml: component 'api': header 'X-Key' uses ${UNSET}, "
                                 "which is not set; export it or add it as a repository secret")


def test_a_header_that_becomes_two_lines_is_refused() -> None:
    component = Component("api", "API", probe=make_probe(
        "http", "http://127.0.0.1/", headers={"X-Key": "${KEY}"}))
    with pytest.raises(ProbeError) as caught:
        prepare(component, "status.yaml", {"KEY": "a\r\nInjected: yes"})
    assert str(caught.value) == ("status.yaml: component 'api': header 'X-Key' contains a line "
                                 "break; a header value is one line")


def test_a_run_without_probes_is_empty() -> None:
    result_run = run_probes(Config(SITE, (Component("api", "API"),)), "eu")
    assert (result_run.location, result_run.results) == ("eu", ())


def test_the_run_cap_covers_every_retry_and_every_wave() -> None:
    probes = [make_probe("http", "http://x/", timeout=10, retries=1)] * 500
    assert probe_module.run_cap(probes, 200, 0.5) == (10 * 2 + 0.5) * 3 + probe_module.RUN_SLACK


def test_probes_past_the_run_cap_are_reported_down(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe_module, "RUN_SLACK", -0.7)  # cap: 2 x 0.5 s - 0.7 s = 0.3 s
    with silent_port() as port:
        components = tuple(Component(f"c{i}", "C", probe=make_probe(
            "tls", f"127.0.0.1:{port}", timeout=0.5)) for i in range(2))
        # No TLS handshake ever comes back: each would wait for its own deadline.
        result_run = run_probes(Config(SITE, components), concurrency=1, retry_pause=0)
    assert [(r.state, r.error, r.network) for r in result_run.results] == [
        ("down", "did not finish within the run's deadline of 0.3 s", True)] * 2


def test_the_table_is_aligned_plain_text() -> None:
    at = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
    result_run = Run("default", at, at + timedelta(seconds=1.25), (
        Result("api", at, "up", 123.4, 200),
        Result("chat-web", at, "down", None, 503, "expected 200, got 503", attempts=2),
        Result("db", at, "degraded", 2345.0, None, "answered in 2.3 s, over 2 s"),
    ))
    assert format_table(result_run) == "\n".join([
        "COMPONENT  STATE     LATENCY  CODE  ERROR",
        "api        up         123 ms   200",
        "chat-web   down            -   503  expected 200, got 503 (2 attempts)",
        "db         degraded  2345 ms     -  answered in 2.3 s, over 2 s",
        "3 probed in 1.25 s at default: 1 up, 1 degraded, 1 down",
    ])


def test_results_carry_the_probe_start_time_in_whole_seconds() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    with silent_port() as port:
        (result,) = run(make_probe("tcp", f"127.0.0.1:{port}")).results
    assert before <= result.at <= datetime.now(UTC)
    assert result.at.microsecond == 0  # a build right after must not see it as in its future


def test_the_summary_says_how_long_the_run_took_though_its_times_are_whole_seconds() -> None:
    with silent_port() as port:  # no handshake ever comes: the probe takes its 0.5 s
        result_run = run(make_probe("tls", f"127.0.0.1:{port}", timeout=0.5))
    assert result_run.took is not None and 0.5 <= result_run.took < 5
    assert format_table(result_run).splitlines()[-2] == \
        f"1 probed in {result_run.took:.2f} s at test: 0 up, 0 degraded, 1 down"
    assert result_run.started.microsecond == result_run.finished.microsecond == 0
    assert "took" not in result_run.to_json()
