"""The wheel carries everything: an installed ``kabar`` builds a site from any folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:  # pragma: no cover
        pytest.skip("git is needed to copy the checkout")
    dist = tmp_path_factory.mktemp("dist")
    # No build isolation: the build backend (hatchling) comes with the test extras, so
    # building needs no network.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(dist), str(ROOT)], check=True, capture_output=True)
    return next(dist.glob("kabar-*.whl"))


def test_wheel_holds_templates_schemas_and_the_example(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("generator/site_templates/index.html", "generator/site_templates/style.css",
                 "generator/site_templates/i18n/id.po",
                 "generator/schemas/status.schema.json",
                 "generator/schemas/incident.schema.json",
                 "generator/example/status.yaml",
                 "generator/example/incidents/2025-07-16-login-errors.yaml",
                 "generator/workflows/status.yml", "generator/workflows/check.yml",
                 "generator/workflows/status-locations.yml"):
        assert name in names, name
    assert not any(name.startswith("tests/") for name in names)


def test_installed_kabar_builds_a_site_from_another_folder(wheel: Path,
                                                           example_site: Path,
                                                           tmp_path_factory: pytest.TempPathFactory,
                                                           ) -> None:
    # The wheel alone goes into a folder of its own; its dependencies come from the running
    # environment (a virtual environment, or the system's), whichever runs the tests. A nested
    # venv would inherit the base interpreter's packages, not the active venv's.
    target = tmp_path_factory.mktemp("installed")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", str(target), str(wheel)], check=True, capture_output=True)
    work = example_site
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(target)}
    kabar = target / "bin" / "kabar"  # the console script, run by this interpreter
    result = subprocess.run([str(kabar), "build", "--now", "2025-07-16T07:30:00+07:00"],
                            cwd=work, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    where = subprocess.run([sys.executable, "-c", "import generator; print(generator.__file__)"],
                           cwd=work, capture_output=True, text=True, check=True, env=env).stdout
    assert where.startswith(str(target))  # the installed copy, not the checkout
    page = (work / "_site" / "index.html").read_text()
    assert "Tingkat kesalahan tinggi dan kegagalan login" in page

    # kabar init from the installed package: the site's workflows and schemas come with it.
    fresh = subprocess.run([str(kabar), "init", "fresh"], cwd=work, capture_output=True,
                           text=True, env=env)
    assert fresh.returncode == 0, fresh.stderr
    for name in ("status.yml", "check.yml", "status-locations.yml"):
        assert (work / "fresh/.github/workflows" / name).read_bytes() == (
            ROOT / ".github/workflows" / name).read_bytes()
    assert (work / "fresh/.kabar/schemas/incident.schema.json").read_bytes() == (
        ROOT / "generator/schemas/incident.schema.json").read_bytes()


def test_the_pinned_source_is_the_projects_source_url() -> None:
    """kabar init pins sites to git+SOURCE@vVERSION: the one place a maintainer changes."""
    import tomllib

    from generator import SOURCE, __version__

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Source"] == SOURCE
    assert project["version"] == __version__
