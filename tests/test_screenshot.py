"""docs/screenshot.png is made, not kept: made again here by docs/screenshot.py (the demo at
the README's ``--now``, in Debian's headless Chromium) and compared with the one in the
repository, so the README never shows a page Kabar no longer makes."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from PIL import Image, ImageChops

from tests import tools
from tests.conftest import ROOT

# Anti-aliasing may differ by a few levels between Chromium builds: a pixel counts as
# different when a channel moves by more than LEVELS, and the picture as changed when more
# than SHARE of its pixels do: 90 of its 900,000, fewer than a changed word changes.
LEVELS = 48
SHARE = 0.0001


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("screenshot", ROOT / "docs" / "screenshot.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def changed_share(first: Path, second: Path) -> float:
    """The share of pixels that differ by more than LEVELS in any channel (1.0: other sizes)."""
    a, b = (Image.open(path).convert("RGB") for path in (first, second))
    if a.size != b.size:
        return 1.0
    difference = ImageChops.difference(a, b).point(lambda level: 255 if level > LEVELS else 0)
    mask = difference.convert("L").point(lambda level: 255 if level else 0)
    return mask.histogram()[255] / (a.size[0] * a.size[1])


def test_the_readme_screenshot_is_what_the_demo_shows_now(tmp_path: Path) -> None:
    script = _script()
    made = tmp_path / "screenshot.png"
    script.shoot(made, tools.chromium())
    share = changed_share(made, script.PICTURE)
    assert share <= SHARE, (f"docs/screenshot.png is out of date ({share:.1%} of its pixels "
                            "differ): run python docs/screenshot.py and commit it")


def test_the_comparison_notices_a_missing_word(tmp_path: Path) -> None:
    """The tolerance passes the same picture and fails one with a few words changed."""
    picture = _script().PICTURE
    assert changed_share(picture, picture) == 0.0
    image = Image.open(picture).convert("RGB")
    image.paste((255, 255, 255), (260, 148, 300, 165))  # a word of "Terakhir diperbarui …"
    edited = tmp_path / "edited.png"
    image.save(edited)
    assert changed_share(picture, edited) > SHARE
