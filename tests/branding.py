"""A site with a brand: the example's status.yaml given a logo (and a dark one), a favicon, an
accent colour and a header link, with the image files beside it."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 32" width="64" height="32">'
        '<rect width="64" height="32" rx="6" fill="{fill}"/>'
        '<circle cx="16" cy="16" r="9" fill="#ffffff"/></svg>\n')
ACCENT = "#0a6b4f"
HELP = "https://help.nusa.example/"


def png(size: int, noisy: bool = False, seed: str = "") -> bytes:
    """A square PNG: plain (a few hundred bytes) or noise, which no compressor shrinks."""
    if noisy:
        image = Image.frombytes("RGB", (size, size),
                                random.Random(f"{seed}{size}").randbytes(size * size * 3))
    else:
        image = Image.new("RGB", (size, size), (10, 107, 79))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def brand(folder: Path, config: Path | None = None, *, big_logo: bool = False) -> Path:
    """Write the images into ``folder`` and the brand keys into its status.yaml (or a copy of
    ``config`` there); return the status.yaml."""
    target = folder / "status.yaml"
    text = (config or target).read_text(encoding="utf-8")
    (folder / "logo.svg").write_text(LOGO.format(fill=ACCENT), encoding="utf-8")
    (folder / "logo-dark.svg").write_text(LOGO.format(fill="#5fd3a9"), encoding="utf-8")
    (folder / "favicon.png").write_bytes(png(32))
    (folder / "big.png").write_bytes(png(48, noisy=True))
    logo = "big.png" if big_logo else "{light: logo.svg, dark: logo-dark.svg}"
    keys = (f"  logo: {logo}\n  favicon: favicon.png\n  accent: \"{ACCENT}\"\n"
            f"  links:\n    - {{name: Pusat bantuan, url: \"{HELP}\"}}\n")
    head, found, rest = text.partition("\ncomponents:")
    assert found, "status.yaml has no components: line"
    target.write_text(head + "\n" + keys.rstrip("\n") + found + rest, encoding="utf-8")
    return target
