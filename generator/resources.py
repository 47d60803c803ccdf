"""Find the files that ship with Kabar: templates, assets, catalogues, schemas."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


@cache
def site_templates() -> Path:
    """The ``site_templates`` folder: inside the installed package, else beside it in a checkout."""
    packaged = Path(str(files("generator") / "site_templates"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "site_templates"
