"""Shared paths and fixtures for the tests."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]  # the repository's root
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN_SITE = FIXTURES / "site"  # the golden fixture site: inputs, results, expected output


@pytest.fixture(autouse=True)
def no_apprise_threads_left() -> Iterator[None]:
    """Apprise keeps two thread pools for the life of its process. A ``kabar`` process ends
    after sending (``kabar run`` builds first), but this one goes on to other tests, and a
    process with threads builds without workers (``site/pool.py``): end them after each."""
    yield
    module = sys.modules.get("apprise.apprise")
    for name in ("_coordinator_executor", "_shared_executor"):
        pool = getattr(module, name, None)
        if pool is not None:
            pool.shutdown(wait=True)
            setattr(module, name, None)


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian, one per test module that asks for it (skipped locally
    without it, a failure in CI: tests/tools.py)."""
    from playwright.sync_api import sync_playwright

    from tests import tools
    from tests.browser import launch

    tools.chromium()
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


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
