"""Make docs/screenshot.png from `kabar demo`, as the README shows it.

    python docs/screenshot.py      # needs playwright and Chromium (/usr/bin/chromium)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.tools import CHROMIUM_FLAGS  # noqa: E402

NOW = "2025-07-16T07:30+07:00"  # the example's outage, as the README's caption says


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "_site"
        subprocess.run([sys.executable, "-m", "generator", "demo", "--now", NOW, "--out",
                        str(site)], check=True, cwd=work, stdout=subprocess.DEVNULL,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 900, "height": 1000},
                                    color_scheme="light")
            page.goto((site / "index.html").as_uri())
            page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
            browser.close()


if __name__ == "__main__":
    main()
