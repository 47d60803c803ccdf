"""``kabar record`` and reading ``history/`` back, on real files."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from generator.errors import HistoryError
from generator.history import Sample, Span
from generator.history.read import read_history
from generator.history.record import record
from generator.load.config import Component, Config, Site
from generator.load.results import Result, Run, write_run

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
RAW = "raw/2026-11-24.jsonl"


@pytest.fixture
def history_config(tmp_path: Path) -> Config:
    site = Site(title="Example", url="https://status.example.com/",
                interval=timedelta(minutes=5))
    components = tuple(Component(id=key, name=key.upper()) for key in ("api", "web", "db"))
    return Config(site=site, components=components, path=Path("status.yaml"))


Entry = str | tuple[str, float | None, str | None]


def results(folder: Path, at: datetime, states: dict[str, Entry],
            location: str = "default", network: bool = False) -> Path:
    """Write a results file; a state alone gets 100 ms (up/degraded) or an error (down)."""
    made = []
    for key, value in states.items():
        if isinstance(value, str):
            value = (value, None if value == "down" else 100.0,
                     "connection refused" if value == "down" else None)
        state, latency, error = value
        made.append(Result(key, at, state, latency, None, error,
                           network=network and state == "down"))
    path = folder / f"results-{location}-{at:%Y%m%d%H%M%S}.json"
    write_run(Run(location, at, at + timedelta(seconds=1), tuple(made)), path)
    return path


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_record_then_read_merges_spans_and_leaves_gaps(tmp_path: Path,
                                                       history_config: Config) -> None:
    history = tmp_path / "history"
    plan = [(0, "up", 120.0), (5, "up", 140.0), (10, "down", None), (60, "up", 100.0)]
    for offset, state, latency in plan:
        error = "expected 200, got 503" if state == "down" else None
        path = results(tmp_path, T0 + minutes(offset), {"api": (state, latency, error)})
        summary = record(history, [path], history_config)
        assert summary.recorded == 1 and not summary.unknown and summary.warnings == ()
    read = read_history(history, history_config, T0 + minutes(62))
    api = read.of("api")
    assert api.spans == (
        Span(T0, T0 + minutes(10), "up"),
        Span(T0 + minutes(10), T0 + minutes(25), "down"),  # 3 intervals, then no data
        Span(T0 + minutes(60), T0 + minutes(62), "up"),  # clipped at now
    )
    assert api.last == Sample(T0 + minutes(60), "up", 100.0, None)
    assert [s.state for s in api.recent] == ["up", "up", "down", "up"]
    assert api.recent[2].error == "expected 200, got 503"
    assert api.daily_latency == {date(2026, 11, 24): 120.0}
    assert read.of("web").spans == () and read.warnings == ()


@pytest.mark.parametrize(
    ("eu", "us", "quorum", "state", "error"),
    [
        ("down", "up", 2, "up", None),
        ("down", "down", 2, "down", "eu: connection refused"),
        ("down", "degraded", 2, "degraded", "eu: connection refused"),
        ("down", "up", 1, "down", "eu: connection refused"),
        ("degraded", "up", 2, "up", None),
        ("up", "degraded", 1, "degraded", "us: slow"),
    ],
    ids=["1-of-2-down-quorum-2", "2-of-2-down", "degraded-mix", "1-of-2-down-quorum-1",
         "1-of-2-degraded-quorum-2", "1-of-2-degraded-quorum-1"],
)
def test_quorum_merges_locations(tmp_path: Path, history_config: Config, eu: str, us: str,
                                 quorum: int, state: str, error: str | None) -> None:
    def entry(location: str, value: str, latency: float) -> tuple[str, float | None, str | None]:
        reason = {"down": "connection refused", "degraded": "slow"}.get(value)
        return value, latency, None if reason is None else f"{location}: {reason}"

    files = [results(tmp_path, T0, {"api": entry("eu", eu, 100.0)}, "eu"),
             results(tmp_path, T0 + timedelta(seconds=2), {"api": entry("us", us, 300.0)}, "us")]
    summary = record(tmp_path / "history", files, history_config, quorum=quorum)
    assert summary.recorded == 1
    last = read_history(tmp_path / "history", history_config, T0 + minutes(1)).of("api").last
    assert last == Sample(T0, state, 200.0, error)  # earliest start; median latency


def test_quorum_larger_than_the_locations_is_an_error(tmp_path: Path,
                                                      history_config: Config) -> None:
    files = [results(tmp_path, T0, {"api": "up"}, "eu"), results(tmp_path, T0, {"api": "up"}, "us")]
    with pytest.raises(HistoryError) as caught:
        record(tmp_path / "history", files, history_config, quorum=3)
    assert str(caught.value) == "--quorum 3 but only 2 results files given"
    assert not (tmp_path / "history").exists()


def test_every_probe_failing_for_network_reasons_is_unknown_not_an_outage(
        tmp_path: Path, history_config: Config) -> None:
    history = tmp_path / "history"
    record(history, [results(tmp_path, T0, {"api": "up", "web": "up"})], history_config)
    blind = [results(tmp_path, T0 + minutes(5), {"api": "down", "web": "down"}, "eu", network=True),
             results(tmp_path, T0 + minutes(5), {"api": "down"}, "us", network=True)]
    summary = record(history, blind, history_config)
    assert summary.unknown and summary.recorded == 0
    assert summary.warnings == ("every probe failed for network reasons; recorded as unknown, "
                                "not as an outage",)
    line = json.loads((history / RAW).read_text().splitlines()[1])
    assert line["unknown"] == "every probe failed for network reasons (connection refused)"
    record(history, [results(tmp_path, T0 + minutes(10), {"api": "up"})], history_config)
    api = read_history(history, history_config, T0 + minutes(12)).of("api")
    assert api.spans == (Span(T0, T0 + minutes(5), "up"),
                         Span(T0 + minutes(10), T0 + minutes(12), "up"))  # a gap, no outage
    assert all(sample.state == "up" for sample in api.recent)


def test_network_failures_next_to_real_answers_are_recorded(tmp_path: Path,
                                                          history_config: Config) -> None:
    files = [results(tmp_path, T0, {"api": "down"}, "eu", network=True),
             results(tmp_path, T0, {"api": "down", "web": "up"}, "us")]
    summary = record(tmp_path / "history", files, history_config)
    # eu's probe got no answer (and it has no control check: a file from before it): eu's
    # network is taken to have failed; us answered for both components.
    assert not summary.unknown and summary.recorded == 2 and summary.warnings == (
        "the network of eu failed; its results are left out of this run",)
    read = read_history(tmp_path / "history", history_config, T0 + minutes(1))
    assert read.of("api").spans == (Span(T0, T0 + minutes(1), "down"),)
    assert read.of("web").spans == (Span(T0, T0 + minutes(1), "up"),)


def test_recording_the_same_run_twice_changes_nothing(tmp_path: Path,
                                                      history_config: Config) -> None:
    history = tmp_path / "history"
    path = results(tmp_path, T0, {"api": "up"})
    assert record(history, [path], history_config).files == (history / RAW,)
    before = snapshot(history)
    again = record(history, [path], history_config)
    assert again.recorded == 0 and again.files == ()
    assert snapshot(history) == before
    assert len(read_history(history, history_config, T0 + minutes(1)).of("api").recent) == 1


def test_compaction_after_two_days_keeps_spans_and_latency(tmp_path: Path,
                                                          history_config: Config) -> None:
    history = tmp_path / "history"
    day1 = [(0, "up", 100.0), (5, "up", 200.0), (10, "degraded", 3000.0), (15, "down", None),
            (20, "up", 120.0), (13 * 60 + 55, "up", 100.0)]
    for offset, state, latency in day1:
        path = results(tmp_path, T0 + minutes(offset), {"api": (state, latency, None)})
        record(history, [path], history_config)
    day2 = T0 + timedelta(days=1) - minutes(10 * 60 - 1)  # 00:01 the next day
    record(history, [results(tmp_path, day2, {"api": "down"})], history_config)
    now = day2 + minutes(3)
    before = read_history(history, history_config, now)

    later = T0 + timedelta(days=3)
    summary = record(history, [results(tmp_path, later, {"api": "up"})], history_config)
    assert summary.files == (history / "raw/2026-11-27.jsonl", history / "daily/2026-11.jsonl")
    assert sorted(p.name for p in (history / "raw").iterdir()) == [
        "2026-11-25.jsonl", "2026-11-27.jsonl"]
    after = read_history(history, history_config, now)
    assert after.of("api").spans == before.of("api").spans
    assert after.of("api").spans == (
        Span(T0, T0 + minutes(10), "up"),
        Span(T0 + minutes(10), T0 + minutes(15), "degraded"),
        Span(T0 + minutes(15), T0 + minutes(20), "down"),
        Span(T0 + minutes(20), T0 + minutes(35), "up"),
        Span(T0 + minutes(13 * 60 + 55), day2, "up"),  # ended by the next day's first sample
        Span(day2, now, "down"),
    )
    assert after.of("api").daily_latency == before.of("api").daily_latency == {
        date(2026, 11, 24): 704.0}
    assert [s.at for s in after.of("api").recent] == [day2]
    assert after.warnings == ()


def test_retention_drops_old_days(tmp_path: Path, history_config: Config) -> None:
    history = tmp_path / "history"
    for days in (0, 1, 2, 5):
        path = results(tmp_path, T0 + timedelta(days=days), {"api": "up"})
        record(history, [path], history_config)
    daily = history / "daily/2026-11.jsonl"
    assert [json.loads(line)["day"] for line in daily.read_text().splitlines()] == [
        "2026-11-24", "2026-11-25", "2026-11-26"]
    summary = record(history, [results(tmp_path, T0 + timedelta(days=6), {"api": "up"})],
                     history_config, retention=timedelta(days=4))
    assert summary.files == (history / "raw/2026-11-30.jsonl", daily)
    assert [json.loads(line)["day"] for line in daily.read_text().splitlines()] == [
        "2026-11-26"]
    now = T0 + timedelta(days=6, minutes=1)
    spans = read_history(history, history_config, now).of("api").spans
    assert [span.start for span in spans] == [T0 + timedelta(days=days) for days in (2, 5, 6)]


def test_damaged_and_truncated_lines_cost_only_themselves(tmp_path: Path,
                                                          history_config: Config) -> None:
    history = tmp_path / "history"
    for offset in (0, 5, 10):
        record(history, [results(tmp_path, T0 + minutes(offset), {"api": "up"})], history_config)
    raw = history / RAW
    lines = raw.read_text().splitlines()
    lines[1] = "<<<<<<< HEAD"
    raw.write_text("\n".join(lines) + "\n" + lines[2][:40])  # and an interrupted append
    read = read_history(history, history_config, T0 + minutes(11))
    assert read.warnings == (
        f"{raw}:2: warning: not JSON (Expecting value); skipped",
        f"{raw}:4: warning: truncated last line (an interrupted write); skipped",
    )
    assert [s.at for s in read.of("api").recent] == [T0, T0 + minutes(10)]
    assert read.of("api").spans == (Span(T0, T0 + minutes(11), "up"),)

    record(history, [results(tmp_path, T0 + minutes(15), {"api": "down"})], history_config)
    read = read_history(history, history_config, T0 + minutes(16))
    assert len(read.warnings) == 2  # the torn line stays torn; the new one is whole
    assert read.of("api").last == Sample(T0 + minutes(15), "down", None, "connection refused")


def test_damaged_daily_line_costs_only_its_day(tmp_path: Path, history_config: Config) -> None:
    history = tmp_path / "history"
    for days in (0, 1, 5):
        path = results(tmp_path, T0 + timedelta(days=days), {"api": "up"})
        record(history, [path], history_config)
    daily = history / "daily/2026-11.jsonl"
    first, second = daily.read_text().splitlines()
    daily.write_text(first.replace('"n":1', '"n":"one"') + "\n" + second + "\n")
    read = read_history(history, history_config, T0 + timedelta(days=5, minutes=1))
    assert read.warnings == (f"{daily}:1: warning: not a history line (bad entry for 'api'); "
                             "skipped",)
    assert [span.start for span in read.of("api").spans] == [
        T0 + timedelta(days=1), T0 + timedelta(days=5)]


def test_record_writes_only_the_current_day(tmp_path: Path, history_config: Config) -> None:
    history = tmp_path / "history"
    for days in range(6):
        path = results(tmp_path, T0 + timedelta(days=days), {"api": "up", "web": "down"})
        record(history, [path], history_config)
    before = snapshot(history)
    assert sorted(before) == ["daily/2026-11.jsonl", "raw/2026-11-27.jsonl",
                              "raw/2026-11-28.jsonl", "raw/2026-11-29.jsonl"]
    summary = record(history, [results(tmp_path, T0 + timedelta(days=5, minutes=5),
                                       {"api": "up"})], history_config)
    after = snapshot(history)
    assert summary.files == (history / "raw/2026-11-29.jsonl",)
    assert [key for key in after if after[key] != before.get(key)] == ["raw/2026-11-29.jsonl"]
    assert after["raw/2026-11-29.jsonl"].startswith(before["raw/2026-11-29.jsonl"])


def test_unknown_component_is_warned_and_ignored(tmp_path: Path, history_config: Config) -> None:
    path = results(tmp_path, T0, {"api": "up", "ghost": "down"})
    summary = record(tmp_path / "history", [path], history_config)
    assert summary.recorded == 1
    assert summary.warnings == (f"{path}: warning: component 'ghost' is not in status.yaml; "
                                "ignored",)
    line = json.loads((tmp_path / "history" / RAW).read_text())
    assert list(line["results"]) == ["api"]


def test_samples_after_now_are_ignored(tmp_path: Path, history_config: Config) -> None:
    history = tmp_path / "history"
    for offset, state in ((0, "up"), (5, "down")):
        record(history, [results(tmp_path, T0 + minutes(offset), {"api": state})], history_config)
    api = read_history(history, history_config, T0 + minutes(4)).of("api")
    assert api.spans == (Span(T0, T0 + minutes(4), "up"),)
    assert api.last == Sample(T0, "up", 100.0, None)


def test_missing_directory_is_empty_history(tmp_path: Path, history_config: Config) -> None:
    read = read_history(tmp_path / "nowhere", history_config, T0)
    assert read.components == {} and read.warnings == ()
    assert read.of("api").spans == () and read.of("api").last is None


def test_a_late_run_for_a_compacted_day_is_not_recorded(tmp_path: Path,
                                                        history_config: Config) -> None:
    history = tmp_path / "history"
    for days in (0, 3):
        record(history, [results(tmp_path, T0 + timedelta(days=days), {"api": "up"})],
               history_config)
    before = snapshot(history)
    late = record(history, [results(tmp_path, T0 + minutes(5), {"api": "down"})], history_config)
    assert late.recorded == 0 and late.files == ()
    assert late.warnings == (f"{history / RAW}: warning: the run at 2026-11-24T10:05:00Z falls "
                             "on a day already compacted; not recorded",)
    assert snapshot(history) == before
