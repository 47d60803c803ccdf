"""The golden-file fixture site: build it, and regenerate its expected output.

Regenerate after an intended change of output, then review the diff like any other change:

    python -m tests.golden
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from generator.history.record import record
from generator.load.config import load_config
from tests.conftest import GOLDEN_SITE as FIXTURE
from tests.sitebuild import build_site

EXPECTED = FIXTURE / "expected"
NOW = "2025-07-16T10:00:00+07:00"  # just after the outage, during an API failure


def build_fixture(work: Path, out: Path) -> None:
    """Record the fixture's results, one run at a time, then build the site into ``out``."""
    config = load_config(FIXTURE / "status.yaml")
    history = work / "history"
    for results in sorted((FIXTURE / "results").glob("*.json")):
        record(history, [results], config)
    build_site(FIXTURE / "status.yaml", FIXTURE / "incidents", history, out, now=NOW)


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "site"
        build_fixture(Path(work), out)
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(out, EXPECTED)
    count = sum(1 for p in EXPECTED.rglob("*") if p.is_file())
    print(f"wrote {count} files to {EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
