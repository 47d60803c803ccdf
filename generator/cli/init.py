"""``kabar init [DIR]``: write a fresh site to start from.

A minimal ``status.yaml`` with one probed component, an empty ``incidents/`` and the site's
workflows (copied from the ones that ship with Kabar). Nothing is ever overwritten: a file
that exists with other bytes stops the whole init before anything is written.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from generator.errors import KabarError
from generator.load.checker import display_path
from generator.resources import workflows

# The site's own workflows; ci.yml tests the engine and stays with it.
SITE_WORKFLOWS = ("status.yml", "check.yml")

# Said when the folder is not a copy of the template: the workflows would fail there.
NO_ENGINE = ("note: the workflows run `pip install .` and scripts/job.sh, which only a copy of "
             "Kabar's template repository has; to publish this site, make your repository from "
             "the template and start it there (README.md, \"Run your own status page on "
             "GitHub\")")

STATUS_YAML = """\
# Your status page: the site, then one entry per component. README.md lists every key;
# `kabar validate` checks this file, `kabar serve` shows the page on http://127.0.0.1:8000/.
site:
  title: Example Status
  url: https://status.example.com/     # the page's address; feeds and the API link with it
  description: Live status of Example's services
  timezone: UTC                        # an IANA name, e.g. Europe/Berlin or Asia/Jakarta
  language: en                         # en | id
  interval: 5m                         # how often the scheduled job probes

components:
  - id: website                        # [a-z0-9-]+, used in URLs and the API
    name: Website
    description: The public website
    probe:
      http: https://www.example.com/   # or tcp: host:port | dns: name | tls: host:port
      timeout: 10s
      retries: 1
"""


@dataclass(frozen=True)
class Written:
    written: tuple[Path, ...]  # files created
    kept: tuple[Path, ...]  # files already there with the same bytes


def init_site(folder: Path) -> Written:
    """Write the starter files into ``folder``; raise ``KabarError`` if one would be replaced."""
    files: dict[Path, bytes] = {
        Path("status.yaml"): STATUS_YAML.encode(),
        Path("incidents") / ".gitkeep": b"",
    }
    source = workflows()
    for name in SITE_WORKFLOWS:
        files[Path(".github") / "workflows" / name] = (source / name).read_bytes()
    if folder.exists() and not folder.is_dir():
        raise KabarError(f"{display_path(folder)}: not a folder; give kabar init a folder, "
                         "e.g. kabar init my-status")
    clashes, kept = [], []
    for relative, data in files.items():
        target = folder / relative
        if target.is_file() and target.read_bytes() == data:
            kept.append(target)
        elif target.exists() or target.is_symlink():
            clashes.append(display_path(target))
    if clashes:
        raise KabarError(f"{', '.join(clashes)} already exist(s); kabar init never "
                         "overwrites, so nothing was written: choose a new folder, or move "
                         "those files away first")
    written = []
    for relative, data in files.items():
        target = folder / relative
        if target in kept:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as handle:  # never clobber, even in a race
            handle.write(data)
        written.append(target)
    return Written(tuple(written), tuple(kept))


def has_engine(folder: Path) -> bool:
    """Does ``folder`` hold what the workflows need: Kabar's pyproject.toml and scripts/job.sh
    (a copy of the template repository)?"""
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeError, tomllib.TOMLDecodeError):
        return False
    name = project.get("project", {}).get("name") if isinstance(project, dict) else None
    return name == "kabar" and (folder / "scripts" / "job.sh").is_file()
