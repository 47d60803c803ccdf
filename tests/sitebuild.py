"""``kabar build`` as a test calls it: a site's paths in, the built site's result out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.load.config import check_config
from generator.site.build import BuildOptions, BuildResult, build


def build_site(config: Path, incidents: Path, history: Path, out: Path,
               **options: Any) -> BuildResult:
    """Check ``config`` (status.yaml) and build its site into ``out``; ``options`` as
    ``BuildOptions`` names them (now, strict, cache, jobs)."""
    return build(check_config(config), BuildOptions(out, incidents, history, **options))
