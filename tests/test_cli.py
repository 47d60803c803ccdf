"""The ``kabar`` command as a user runs it: exit codes, messages, and what lands on disk."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT


def kabar(*args: str, cwd: Path, env: dict[str, str] | None = None,
          timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("GITHUB_ACTIONS", "SOURCE_DATE_EPOCH")}
    environ["PYTHONPATH"] = str(ROOT)
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout)


def _tree(root: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_ino,
                                             p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def test_validate_accepts_the_example(example_site: Path) -> None:
    result = kabar("validate", cwd=example_site)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("status.yaml: 6 components, 3 incident and maintenance files: "
                             "valid\n")


def test_validate_counts_one_of_each_in_the_singular(tmp_path: Path) -> None:
    assert kabar("init", cwd=tmp_path).returncode == 0
    (tmp_path / "incidents" / "2026-11-20-slow.yaml").write_text(
        "title: Slow pages\nimpact: minor\ncomponents:\n  website: degraded_performance\n"
        "updates:\n  - at: 2026-11-20 10:00\n    status: resolved\n    message: Fixed.\n")
    result = kabar("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "status.yaml: 1 component, 1 incident or maintenance file: valid\n"


def test_validate_prints_every_problem_with_its_position(example_site: Path) -> None:
    path = example_site / "incidents" / "2025-07-16-login-errors.yaml"
    path.write_text(path.read_text().replace("status: resolved", "status: resolvd")
                    .replace("  video: major_outage", "  vidoe: major_outage"))
    result = kabar("validate", cwd=example_site)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines == [
        "incidents/2025-07-16-login-errors.yaml:8:3: error: 'vidoe': unknown component id; "
        "expected one of api, awan, chat, dashboard, login, realtime, video (did you mean "
        "'video'?)",
        "incidents/2025-07-16-login-errors.yaml:40:13: error: 'status': expected one of "
        "investigating, identified, monitoring, resolved; got 'resolvd'",
        "2 errors",
    ]
    assert result.stdout == ""


def test_validate_writes_github_annotations_in_actions(example_site: Path) -> None:
    (example_site / "incidents" / "bad.yaml").write_text("title: x\nupdates: []\n")
    result = kabar("validate", cwd=example_site, env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=incidents/bad.yaml,line=2,col=10::")


def test_failed_build_leaves_the_previous_site_untouched(example_site: Path) -> None:
    assert kabar("build", "--now", "2025-07-16T07:30:00+07:00", cwd=example_site).returncode == 0
    before = _tree(example_site / "_site")
    (example_site / "incidents" / "2025-07-16-login-errors.yaml").write_text("title: [unclosed\n")
    result = kabar("build", "--now", "2025-07-16T07:30:00+07:00", cwd=example_site)
    assert result.returncode == 1
    assert "incidents/2025-07-16-login-errors.yaml:2:1: error: YAML syntax" in result.stderr
    assert "Traceback" not in result.stderr
    assert _tree(example_site / "_site") == before
    # No staging folder is left behind; the build cache (.kabar-cache) is the first build's.
    assert sorted(p.name for p in example_site.iterdir()) == [".kabar-cache", "_site", "incidents",
                                                       "status.yaml"]


FIX = ("; a build replaces its whole --out folder, so build into a folder of its own, like "
       "--out _site")


@pytest.mark.parametrize(("out", "message"), [
    ("incidents", "that is the incident files' folder (incidents), which the build reads"),
    ("incidents/new", "that is inside the incident files' folder (incidents), which the build "
                      "reads"),
    ("history", "that is the history folder (history), which the build reads"),
    ("static", "that is the static files' folder (static), which the build reads"),
    (".", "that folder holds status.yaml"),
    ("..", "that folder holds status.yaml"),
], ids=["incidents", "inside-incidents", "history", "static", "site-folder", "above"])
def test_a_build_never_writes_into_an_input_folder(example_site: Path, out: str,
                                                   message: str) -> None:
    (example_site / "incidents" / "draft.txt").write_text("kept\n")  # not Kabar's: no incident
    (example_site / "history").mkdir(exist_ok=True)
    before = _tree(example_site.parent)
    result = kabar("build", "--out", out, cwd=example_site)
    assert (result.returncode, result.stderr) == (1, f"error: --out {out}: {message}{FIX}\n")
    assert _tree(example_site.parent) == before


def test_rebuild_with_nothing_changed_writes_no_file(example_site: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1752625800"}  # 2025-07-16 07:30 WIB
    first = kabar("build", cwd=example_site, env=env)
    assert first.returncode == 0, first.stderr
    before = _tree(example_site / "_site")
    second = kabar("build", cwd=example_site, env=env)
    assert second.returncode == 0
    assert second.stdout.rstrip().endswith("nothing changed")
    assert _tree(example_site / "_site") == before


def test_source_date_epoch_makes_builds_reproducible(example_site: Path, tmp_path: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1752625800"}
    assert kabar("build", "--out", str(tmp_path / "a"), cwd=example_site, env=env).returncode == 0
    time.sleep(1.1)  # a clock leaking into the output would now differ
    assert kabar("build", "--out", str(tmp_path / "b"), cwd=example_site, env=env).returncode == 0
    a = {k: v[0] for k, v in _tree(tmp_path / "a").items()}
    b = {k: v[0] for k, v in _tree(tmp_path / "b").items()}
    assert a == b
    assert "16 Juli 2025" in a["index.html"].decode()


def test_bad_now_is_one_clear_line(example_site: Path) -> None:
    result = kabar("build", "--now", "yesterday", cwd=example_site)
    assert result.returncode == 1
    assert result.stderr == ("error: --now: expected an ISO 8601 time like "
                             "2025-07-16T06:15:00+07:00, got 'yesterday'\n")


def test_missing_config_names_the_file(tmp_path: Path) -> None:
    result = kabar("build", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0].startswith("status.yaml:1:1: error: cannot read")


def test_a_positioned_error_says_error_once(tmp_path: Path) -> None:
    (tmp_path / "status.yaml").write_text(
        "site: {title: T, url: 'https://s.example/'}\ncomponents: [{id: a, name: A}]\n")
    (tmp_path / "run.json").write_text("{\n")
    result = kabar("record", "run.json", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, (
        "run.json:2:1: error: not JSON (Expecting property name enclosed in double quotes); "
        "write it with kabar probe --out\n"))
    other = kabar("record", "missing.json", cwd=tmp_path)  # no position: one "error:" first
    assert other.stderr.startswith("error: missing.json: cannot read"), other.stderr


def test_version_and_module_entry_point(tmp_path: Path) -> None:
    result = kabar("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("kabar 0.")


def test_top_help_names_every_step_of_run(tmp_path: Path) -> None:
    result = kabar("--help", cwd=tmp_path)
    assert "probe, record, build and notify, on this machine" in result.stdout


def test_usage_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    result = kabar("build", "--bogus", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("kabar: error: unrecognized arguments: --bogus "
                             "(see kabar --help)\n")
    result = kabar("new", "--status", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("kabar new: error: argument --status: expected one argument "
                             "(see kabar new --help)\n")
    assert kabar(cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(("command", "shown"), [
    ("new", ["component states: degraded_performance, partial_outage, major_outage",
             "incident statuses: investigating, identified, monitoring, resolved",
             "maintenance statuses: scheduled, in_progress, verifying, completed",
             "impacts: none, minor, major, critical"]),
    ("demo", ["--language {en,id}", "2025-07-16T07:30+07:00", "simulated"]),
    ("serve", ["Build the site, serve it on http://127.0.0.1:PORT/", "(default: 8000)"]),
    ("init", ["minimal status.yaml", "never overwritten"]),
    ("validate", ["Check status.yaml and every file in incidents/"]),
    ("run", ["record the results into history/, build the site, then send what is due to "
             "the notify: channels"]),
], ids=["new", "demo", "serve", "init", "validate", "run"])
def test_help_says_what_a_command_does_and_its_values(command: str, shown: list[str],
                                                       tmp_path: Path) -> None:
    result = kabar(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for words in shown:
        assert " ".join(words.split()) in text, words


def test_new_update_without_status_keeps_the_current_status(example_site: Path) -> None:
    made = kabar("new", "Slow video", "--component", "video=degraded_performance",
                 "--status", "identified", "--message", "A cache is cold.",
                 "--now", "2025-08-01T10:00:00+07:00", cwd=example_site)
    assert made.returncode == 0, made.stderr
    result = kabar("new", "--update", "2025-08-01-slow-video", "--message", "Still warming.",
                   "--now", "2025-08-01T10:30:00+07:00", cwd=example_site)
    assert result.returncode == 0, result.stderr
    text = (example_site / "incidents" / "2025-08-01-slow-video.yaml").read_text(encoding="utf-8")
    assert text.endswith("  - at: 2025-08-01 10:30\n    status: identified\n"
                         "    message: Still warming.\n")
    missing = kabar("new", "--update", "2025-08-01-slow-video", cwd=example_site)
    assert missing.returncode == 1
    assert missing.stderr == ('error: --update needs --message, e.g. --message '
                              '"Logins work again."\n')


def test_verbose_shows_kabar_s_detail_not_every_library_s(example_site: Path) -> None:
    """``-v`` once turned on markdown-it's own debug log: a build of 10,000 incidents wrote
    1.3 million "entering paragraph: StateBlock(...)" lines and took twice as long."""
    result = kabar("build", "-v", "--now", "2026-11-24T22:00:00Z", cwd=example_site)
    assert result.returncode == 0, result.stderr
    assert "entering" not in result.stderr
    assert "StateBlock" not in result.stderr
    assert len(result.stderr.splitlines()) < 50, result.stderr[:2000]
    again = kabar("build", "-v", "--now", "2026-11-24T22:00:00Z", cwd=example_site)
    assert "nothing changed since the last build" in again.stderr  # Kabar's own detail stays


def test_the_quick_exit_still_says_everything_through_a_pipe(tmp_path: Path) -> None:
    """``kabar`` ends without tearing the interpreter down: what it printed must still
    arrive whole, and its exit code with it."""
    assert kabar("init", cwd=tmp_path).returncode == 0
    for n in range(300):
        (tmp_path / "incidents" / f"bad-{n:03d}.yaml").write_text("title: [\n")
    result = kabar("validate", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 301 and lines[-1] == "300 errors", lines[-3:]
