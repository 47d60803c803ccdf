"""Shared paths and fixtures for the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]  # the repository's root
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN_SITE = FIXTURES / "site"  # the golden fixture site: inputs, results, expected output


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    """A copy of the example site (status.yaml and incidents/) in a fresh folder."""
    shutil.copy(ROOT / "status.yaml", tmp_path / "status.yaml")
    shutil.copytree(ROOT / "incidents", tmp_path / "incidents")
    return tmp_path
