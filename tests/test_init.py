"""``kabar init``: a fresh site that validates and builds, and never a file overwritten."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ROOT
from tests.test_cli import kabar


def test_init_writes_a_site_that_validates_and_builds(tmp_path: Path) -> None:
    result = kabar("init", "mysite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / "mysite"
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()) == [
        ".github/workflows/check.yml", ".github/workflows/status.yml", "incidents/.gitkeep",
        "status.yaml"]
    for name in ("status.yml", "check.yml"):  # the workflows that ship with Kabar
        assert (site / ".github/workflows" / name).read_bytes() == (
            ROOT / ".github/workflows" / name).read_bytes()
    assert "next: edit mysite/status.yaml" in result.stdout
    assert "  cd mysite\n  kabar validate\n" in result.stdout

    checked = kabar("validate", cwd=site)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == "status.yaml: 1 component, 0 incident and maintenance files: valid\n"
    built = kabar("build", "--now", "2026-11-27T12:00:00Z", cwd=site)
    assert built.returncode == 0, built.stderr
    page = (site / "_site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Example Status</title>" in page and "Website" in page


def test_init_never_overwrites_and_writes_nothing_on_a_clash(tmp_path: Path) -> None:
    (tmp_path / "status.yaml").write_text("site: {title: Mine}\n", encoding="utf-8")
    result = kabar("init", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("error: status.yaml already exist(s); kabar init never overwrites, "
                             "so nothing was written: choose a new folder, or move those files "
                             "away first\n")
    assert (tmp_path / "status.yaml").read_text(encoding="utf-8") == "site: {title: Mine}\n"
    assert not (tmp_path / "incidents").exists() and not (tmp_path / ".github").exists()


def test_init_twice_keeps_what_is_the_same(tmp_path: Path) -> None:
    assert kabar("init", cwd=tmp_path).returncode == 0
    again = kabar("init", cwd=tmp_path)
    assert again.returncode == 0
    assert "kept status.yaml (already there, the same)" in again.stdout
    assert "cd " not in again.stdout  # already in the folder


NO_ENGINE = ("note: the workflows run `pip install .` and scripts/job.sh, which only a copy of "
             "Kabar's template repository has; to publish this site, make your repository from "
             "the template and start it there (README.md, \"Run your own status page on "
             "GitHub\")\n")


def test_init_outside_a_copy_of_the_template_says_the_workflows_need_it(tmp_path: Path) -> None:
    result = kabar("init", "my-status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(
        "and follow README.md's guide, \"Run your own status page on GitHub\".\n" + NO_ENGINE)
    # What the workflows run is indeed not there.
    assert not (tmp_path / "my-status" / "pyproject.toml").exists()
    assert not (tmp_path / "my-status" / "scripts" / "job.sh").exists()


def test_init_in_a_copy_of_the_template_says_nothing_more(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "job.sh", tmp_path / "scripts" / "job.sh")
    result = kabar("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(
        "and follow README.md's guide, \"Run your own status page on GitHub\".\n")
    assert "note:" not in result.stdout


def test_another_projects_pyproject_is_not_the_template(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "other"\n', encoding="utf-8")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "job.sh").write_text("#!/bin/sh\n", encoding="utf-8")
    result = kabar("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(NO_ENGINE)
