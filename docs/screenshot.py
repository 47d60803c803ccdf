"""Make docs/screenshot.png from `kabar demo`, as the README shows it.

    python docs/screenshot.py      # needs playwright and Chromium (/usr/bin/chromium)

The picture is made, not kept: tests/test_screenshot.py makes it again the same way and
compares it with the one in the repository, pixel by pixel within a small tolerance, so a
change to the pages that changes the picture fails until this script is run again. The
browser's clock is set to the demo's ``--now``, so "(5 min ago)" reads the same every time.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.tools import CHROMIUM_FLAGS  # noqa: E402

NOW = "2025-07-16T07:30+07:00"  # the example's outage, as the README's caption says
VIEWPORT = {"width": 900, "height": 1000}
PICTURE = ROOT / "docs" / "screenshot.png"


def shoot(target: Path, chromium: str = "/usr/bin/chromium") -> None:
    """Build the demo at NOW and write the top of its home page, as a PNG, to ``target``."""
    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "_site"
        subprocess.run([sys.executable, "-m", "generator", "demo", "--now", NOW, "--out",
                        str(site)], check=True, cwd=work, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL,  # the example's later updates, warned of
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium,
                                                 args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport=VIEWPORT, color_scheme="light")
                page.clock.set_fixed_time(datetime.fromisoformat(NOW))
                page.goto((site / "index.html").as_uri())
                page.screenshot(path=str(target))
            finally:
                browser.close()


if __name__ == "__main__":
    shoot(PICTURE)
    print(f"wrote {PICTURE.relative_to(ROOT)}")
