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


@cache
def example() -> tuple[Path, Path]:
    """The example site's ``status.yaml`` and ``incidents/`` that ``kabar demo`` builds."""
    packaged = Path(str(files("generator") / "example"))
    if (packaged / "status.yaml").is_file():
        return packaged / "status.yaml", packaged / "incidents"
    root = Path(__file__).resolve().parent.parent
    return root / "status.yaml", root / "incidents"


@cache
def workflows() -> Path:
    """The GitHub workflows that ``kabar init`` copies into a new site."""
    packaged = Path(str(files("generator") / "workflows"))
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / ".github" / "workflows"


def schema(kind: str) -> Path:
    """The JSON Schema of ``status.yaml`` (``kind`` "status") or of an incident file."""
    return Path(str(files("generator") / "schemas" / f"{kind}.schema.json"))
