"""``kabar init``: a site that is the user's own repository, with no copy of the engine, whose
workflows install one pinned Kabar and run only kabar commands; ``--upgrade`` moves the pin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import SOURCE, __version__
from tests import tools
from tests.conftest import ROOT
from tests.test_cli import kabar

PIN = f"git+{SOURCE}@v{__version__}"
SITE_FILES = [
    ".github/workflows/check.yml", ".github/workflows/status-locations.yml",
    ".github/workflows/status.yml", ".gitignore", ".kabar/schemas/incident.schema.json",
    ".kabar/schemas/status.schema.json", "incidents/.gitkeep", "status.yaml"]


def _files(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())


def _workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return dict(data)


def test_init_writes_a_site_of_its_own_that_validates_and_builds(tmp_path: Path) -> None:
    result = kabar("init", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "mysite"
    assert _files(site) == SITE_FILES  # no engine, no tests, no scripts, no ci.yml
    # This repository's own site workflows are what init writes.
    for name in ("status.yml", "check.yml", "status-locations.yml"):
        assert (site / ".github/workflows" / name).read_bytes() == (
            ROOT / ".github/workflows" / name).read_bytes(), name
    assert "next: edit mysite/status.yaml" in result.stdout
    assert "  cd mysite\n  kabar validate\n" in result.stdout
    assert f"(the workflows install {PIN})" in result.stdout

    # The editors' schema comment names a file that is there.
    first = (site / "status.yaml").read_text().splitlines()[0]
    schema = first.removeprefix("# yaml-language-server: $schema=")
    assert schema != first and (site / schema).read_bytes() == (
        ROOT / "generator/schemas/status.schema.json").read_bytes()

    checked = kabar("validate", cwd=site)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "status.yaml: 1 component, 0 incident and maintenance files: valid\n"
    built = kabar("build", "--now", "2026-11-27T12:00:00Z", cwd=site)
    assert built.returncode == 0, built.stderr
    page = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Example Status</title>" in page and "Website" in page

    # A new incident in this site points its editor at the site's schema too.
    new = kabar("new", "Slow pages", "--component", "website=degraded_performance", cwd=site)
    assert new.returncode == 0, new.stderr
    incident = next((site / "incidents").glob("*.yaml"))
    first = incident.read_text().splitlines()[0]
    assert (incident.parent / first.split("$schema=")[1]).resolve() == (
        site / ".kabar/schemas/incident.schema.json").resolve()


@pytest.mark.parametrize("name", ["status.yml", "check.yml", "status-locations.yml"])
def test_the_workflows_install_the_pin_and_run_only_kabar(tmp_path: Path, name: str) -> None:
    assert kabar("init", "--pin", "kabar==9.8.7", cwd=tmp_path).returncode == 0
    path = tmp_path / ".github/workflows" / name
    workflow = _workflow(path)
    assert workflow["env"]["KABAR_PIN"] == "kabar==9.8.7"
    runs = [step["run"] for job in workflow["jobs"].values() for step in job["steps"]
            if "run" in step]
    assert runs.count('pip install "$KABAR_PIN"') >= 1
    others = [r for r in runs if r != 'pip install "$KABAR_PIN"']
    keepalive = 'gh api --method PUT "repos/$REPO/actions/workflows/status.yml/enable"'
    assert others and all(r.startswith("kabar ") or r == keepalive for r in others), others
    # pip's cache is keyed by the workflow itself, which holds the pin (a site has no
    # pyproject.toml for setup-python to hash).
    text = path.read_text()
    assert f"cache-dependency-path: .github/workflows/{name}" in text
    assert "pyproject" not in text and "scripts/" not in text


def test_init_pins_what_pip_takes_and_says_when_a_spec_is_no_pin(tmp_path: Path) -> None:
    bad = kabar("init", "--pin", 'kabar"; rm -rf /', cwd=tmp_path)
    assert (bad.returncode, bad.stderr) == (1, (
        "error: --pin 'kabar\"; rm -rf /': expected what pip install takes, without spaces or "
        f"quotes, e.g. --pin kabar==0.2.0 or --pin git+{SOURCE}@v0.2.0\n"))
    assert list(tmp_path.iterdir()) == []
    loose = kabar("init", "--pin", "kabar>=0.1", cwd=tmp_path)
    assert loose.returncode == 0
    assert loose.stderr == (
        "note: kabar>=0.1 names no one version, so each run installs whatever is newest; pin "
        "one (kabar==X, or a git URL ending in @TAG) to upgrade when you choose\n")
    assert kabar("init", "fork", "--pin", "git+https://example.com/me/kabar@abc123",
                 cwd=tmp_path).stderr == ""


def test_init_never_overwrites_and_writes_nothing_on_a_clash(tmp_path: Path) -> None:
    (tmp_path / "status.yaml").write_text("site: {title: Mine}\n", encoding="utf-8")
    result = kabar("init", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("error: status.yaml exists; kabar init never overwrites, so "
                             "nothing was written: choose a new folder, or run kabar init "
                             "--upgrade to refresh the workflows of a site\n")
    assert (tmp_path / "status.yaml").read_text(encoding="utf-8") == "site: {title: Mine}\n"
    assert _files(tmp_path) == ["status.yaml"]


def test_init_twice_keeps_what_is_the_same(tmp_path: Path) -> None:
    assert kabar("init", cwd=tmp_path).returncode == 0
    again = kabar("init", cwd=tmp_path)
    assert again.returncode == 0
    assert "kept status.yaml (already there, the same)" in again.stdout
    assert "cd " not in again.stdout  # already in the folder


def test_upgrade_moves_the_pin_shows_the_diff_and_never_touches_the_content(
        tmp_path: Path) -> None:
    assert kabar("init", "--pin", "kabar==0.0.9", cwd=tmp_path).returncode == 0
    status = tmp_path / "status.yaml"
    status.write_text(status.read_text().replace("Example Status", "Mine"))
    incident = tmp_path / "incidents" / "x.yaml"
    incident.write_text("title: kept as written\n")
    flow = tmp_path / ".github/workflows/status.yml"
    flow.write_text(flow.read_text().replace(
        "          API_TOKEN: ${{ secrets.API_TOKEN }}\n",
        "          API_TOKEN: ${{ secrets.API_TOKEN }}\n"
        "          DB_TOKEN: ${{ secrets.DB_TOKEN }}\n"))
    before = {p: p.read_bytes() for p in (status, incident, tmp_path / ".gitignore")}

    result = kabar("init", "--upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("status.yml", "check.yml", "status-locations.yml"):
        assert (f"--- a/.github/workflows/{name}\n+++ b/.github/workflows/{name}\n"
                in result.stdout)
        assert (tmp_path / ".github/workflows" / name).read_bytes() == (
            ROOT / ".github/workflows" / name).read_bytes()
    assert '\n-  KABAR_PIN: "kabar==0.0.9"\n+  KABAR_PIN: "' + PIN + '"\n' in result.stdout
    assert "\n-          DB_TOKEN: ${{ secrets.DB_TOKEN }}\n" in result.stdout
    assert result.stdout.endswith(
        "updated .github/workflows/status.yml\nupdated .github/workflows/check.yml\n"
        "updated .github/workflows/status-locations.yml\n"
        f"the workflows now install {PIN}; review the change (git diff), commit and push it\n")
    assert result.stderr == (
        "warning: .github/workflows/status.yml: this removes your line 'DB_TOKEN: ${{ "
        "secrets.DB_TOKEN }}'; put it back where it was (under env:)\n")
    assert {p: p.read_bytes() for p in before} == before

    again = kabar("init", "--upgrade", cwd=tmp_path)
    assert again.stdout == f"the workflows and schemas already install {PIN}; nothing changed\n"

    elsewhere = kabar("init", "--upgrade", "empty", cwd=tmp_path)
    assert (elsewhere.returncode, elsewhere.stderr) == (1, (
        "error: empty/status.yaml: no such file; kabar init --upgrade refreshes a site, so "
        "run it in the site's folder (or kabar init without --upgrade to start one)\n"))


def test_the_site_runs_its_status_workflow_with_kabar_alone(tmp_path: Path) -> None:
    """The status job's steps, in order, in a clone of a site that holds only what init
    wrote: probe, kabar job onto the data branch of a real remote, check out that branch,
    build. What the steps leave behind is ignored by the site's .gitignore."""
    git = tools.executable("git")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "KABAR"))}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
                "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"})
    bin_dir = tmp_path / "bin"  # `kabar` on PATH, as pip install puts it there
    bin_dir.mkdir()
    (bin_dir / "kabar").write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec {sys.executable} '
                                   '-m generator "$@"\n')
    (bin_dir / "kabar").chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"

    def sh(command: str, cwd: Path, extra: dict[str, str] | None = None) -> str:
        done = subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env={**env, **(extra or {})},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        return done.stdout

    seed = tmp_path / "seed"
    assert kabar("init", str(seed), cwd=tmp_path).returncode == 0
    status = seed / "status.yaml"
    status.write_text(status.read_text().replace("http: https://www.example.com/",
                                                 "tcp: 127.0.0.1:9"))  # refused: down
    remote = tmp_path / "remote.git"
    sh(f"{git} init -q --bare -b main {remote} && cd {seed} && {git} init -q -b main && "
       f"{git} add -A && {git} commit -qm site && {git} push -q {remote} main", tmp_path)
    clone = tmp_path / "runner"
    sh(f"{git} clone -q --depth=1 {remote.as_uri()} {clone}", tmp_path)

    workflow = _workflow(clone / ".github/workflows/status.yml")
    top = {k: str(v) for k, v in workflow["env"].items()}
    for step in workflow["jobs"]["status"]["steps"]:
        if step.get("with", {}).get("ref") == "${{ env.KABAR_DATA_BRANCH }}":
            sh(f"{git} clone -q --branch {top['KABAR_DATA_BRANCH']} {remote} "
               f"{step['with']['path']}", clone)
        if "run" not in step or step["run"].startswith("pip install"):
            continue
        extra = {k: re.sub(r"\$\{\{.*?\}\}", "", str(v)) for k, v in step.get("env", {}).items()}
        sh(step["run"], clone, {**top, **extra})

    page = (clone / "_site" / "index.html").read_text(encoding="utf-8")
    assert "Website" in page
    data = sh(f"{git} ls-tree -r --name-only kabar-data", remote).split()
    assert data and all(name.startswith("history/") for name in data)
    assert sh(f"{git} status --porcelain --untracked-files=all", clone) == ""
    assert sorted(sh(f"{git} status --porcelain --ignored", clone).split()) == sorted([
        "!!", ".kabar-cache/", "!!", ".kabar-data/", "!!", "_site/", "!!", "results/"])


def test_the_readme_guide_installs_what_init_pins() -> None:
    """The guide's install command and the workflows init writes name the same Kabar."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guide = readme.split("## Run your own status page on GitHub", 1)[1]
    assert f"pip install '{PIN}'" in guide
    assert "kabar init my-status" in guide and "kabar init --upgrade" in readme


def _gitlab_schema(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with GitLab's published CI schema, which it ships (no network)."""
    command = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) \
        or shutil.which("check-jsonschema")
    if command is None:
        tools.missing("check-jsonschema is not installed (pip install check-jsonschema)")
    return subprocess.run([str(command), "--no-cache", "--builtin-schema", "vendor.gitlab-ci",
                           str(path)], capture_output=True, text=True, timeout=120)


def test_init_for_gitlab_writes_one_pipeline_gitlab_accepts(tmp_path: Path) -> None:
    from generator.cli.main import parser

    done = kabar("init", "--ci", "gitlab", "--pin", "kabar==9.9.9", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote .gitlab-ci.yml" in done.stdout and not (tmp_path / ".github").exists()
    pipeline = tmp_path / ".gitlab-ci.yml"
    checked = _gitlab_schema(pipeline)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    ci = yaml.safe_load(pipeline.read_text(encoding="utf-8"))
    assert ci["variables"]["KABAR_PIN"] == "kabar==9.9.9"
    assert ci["pages"]["artifacts"]["paths"] == ["public/"]  # what GitLab Pages serves
    assert ci["pages"]["resource_group"] == "kabar-status"  # one run at a time
    commands = [line.removesuffix(' || echo "kabar probe failed"')
                .removesuffix(' || echo "kabar job failed"')
                for job in ("check", "pages") for line in ci[job]["script"]
                if line.startswith("kabar ")]
    assert commands == ["kabar validate", "kabar build --out _site",
                        "kabar probe --location default --out results/default.json",
                        "kabar job results/*.json",
                        "kabar build --history .kabar-data/history --out public"]
    for command in commands:  # each parses with kabar's own parser
        parser().parse_args(command.split()[1:])
    # The schema check can fail: a job without its script is refused.
    broken = tmp_path / "broken.yml"
    broken.write_text(pipeline.read_text(encoding="utf-8").replace(
        "  script:\n    - kabar validate", "  scripts:\n    - kabar validate"), encoding="utf-8")
    assert _gitlab_schema(broken).returncode == 1
    # --upgrade keeps it on GitLab and moves its pin.
    again = kabar("init", "--upgrade", "--pin", "kabar==10.0.0", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "updated .gitlab-ci.yml" in again.stdout and not (tmp_path / ".github").exists()
    assert 'KABAR_PIN: "kabar==10.0.0"' in pipeline.read_text(encoding="utf-8")


@pytest.mark.parametrize(("record", "pin"), [
    # What pip writes into direct_url.json (PEP 610) for each way of installing Kabar.
    ('{"url": "https://github.com/acme/kabar", "vcs_info": {"vcs": "git", '
     '"requested_revision": "v0.3.0", "commit_id": "1b8c5bc61a86f377fea47b4276c8c8a5842d2220"}}',
     "git+https://github.com/acme/kabar@v0.3.0"),
    ('{"url": "https://github.com/acme/kabar", "vcs_info": {"vcs": "git", '
     '"commit_id": "1b8c5bc61a86f377fea47b4276c8c8a5842d2220"}}',
     "git+https://github.com/acme/kabar@1b8c5bc61a86f377fea47b4276c8c8a5842d2220"),
    ('{"url": "https://files.example.com/kabar-0.3.0-py3-none-any.whl", '
     '"archive_info": {"hashes": {"sha256": "2dc6"}}}',
     "https://files.example.com/kabar-0.3.0-py3-none-any.whl"),
    ('{"url": "file:///home/me/kabar", "dir_info": {"editable": true}}', PIN),
    ('{"url": "file:///tmp/kabar-0.1.0-py3-none-any.whl", "archive_info": {}}', PIN),
    ("not json", PIN),
])
def test_init_pins_the_kabar_that_is_running(record: str, pin: str) -> None:
    """Issue 20: the pin was always a tag of our repository; now a site's workflows install
    the Kabar its owner installed: the same git URL and tag, the same wheel, or the same
    version from PyPI. A local folder means nothing on a runner: the version's tag."""
    from generator.cli.init import default_pin

    assert default_pin(record) == pin


def test_init_pins_a_version_from_the_index_when_pip_kept_no_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.cli.init as init

    class FromIndex:
        def read_text(self, name: str) -> None:
            return None  # pip writes direct_url.json only for a URL or a folder

    monkeypatch.setattr(init, "distribution", lambda name: FromIndex())
    assert init.default_pin() == f"kabar=={__version__}"
