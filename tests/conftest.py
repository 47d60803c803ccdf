"""Shared paths and fixtures for the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the repository's root
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN_SITE = FIXTURES / "site"  # the golden fixture site: inputs, results, expected output


@pytest.fixture(autouse=True)
def no_internet_control(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never use the internet: the control check's default targets (example.com,
    one.one.one.one) become a closed local port, as on a machine with no network. A test of
    the control check names its own in status.yaml's ``control:``."""
    from datetime import timedelta

    from generator.load.config import Probe
    from generator.probe import control
    from tests.servers import closed_port

    monkeypatch.setattr(control, "DEFAULT", (
        Probe("tcp", f"127.0.0.1:{closed_port()}", timeout=timedelta(seconds=1), retries=0),))


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    """A copy of the example site (status.yaml and incidents/) in a fresh folder."""
    return copy_example(tmp_path)


def copy_example(folder: Path, incidents: bool = True) -> Path:
    """Copy the example site's status.yaml and incidents/ (empty unless ``incidents``) into
    ``folder``, made if missing; return ``folder``. For a test that needs several copies."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "status.yaml", folder / "status.yaml")
    if incidents:
        shutil.copytree(ROOT / "incidents", folder / "incidents")
    else:
        (folder / "incidents").mkdir()
    return folder
