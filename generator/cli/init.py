"""``kabar init [DIR]``: write a fresh site; ``--upgrade`` refreshes what Kabar owns in one.

A site is the user's own repository: ``status.yaml``, ``incidents/``, a ``.gitignore``, the
JSON Schemas for editors (``.kabar/schemas/``) and the workflows, which install one pinned
Kabar (``KABAR_PIN``, by default the version that ran init) and run only ``kabar`` commands.
No part of the engine goes into it. Nothing is ever overwritten by init: a file that exists
with other bytes stops it before anything is written. ``--upgrade`` rewrites only the
workflows and the schemas, shows what changed as a diff, and never touches ``status.yaml``,
``incidents/`` or ``.gitignore``.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from generator import SOURCE, __version__
from generator.errors import KabarError
from generator.load.checker import display_path
from generator.resources import schema, workflows

# The site's workflows; ci.yml tests the engine and stays with it.
SITE_WORKFLOWS = ("status.yml", "check.yml", "status-locations.yml")
SCHEMAS = Path(".kabar") / "schemas"
# The one line of each workflow that names the Kabar to install.
_PIN_LINE = re.compile(r'^  KABAR_PIN: "([^"\n]*)"$', re.MULTILINE)
# What pip accepts and a YAML double-quoted string holds as it is.
_SPEC = re.compile(r"[A-Za-z0-9._\-+=<>!~@:/#&?%,\[\]]+")

STATUS_YAML = """\
# yaml-language-server: $schema=.kabar/schemas/status.schema.json
# Your status page: the site, then one entry per component. `kabar validate` checks this
# file (so does your editor, with the schema named above); `kabar serve` shows the page on
# http://127.0.0.1:8000/.
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

GITIGNORE = """\
# Made by kabar: the built site, the build's cache and probe results.
_site/
.kabar-cache/
results/
# The probe history lives on the data branch (kabar job), not on this one.
history/
.kabar-data/
"""


def default_pin(direct_url: str | None = None) -> str:
    """The Kabar that is running, as pip would install it again in CI.

    Pip records where it installed a package from (``direct_url.json``, PEP 610; given as
    ``direct_url`` to test): from a git URL, the same URL at the same tag or commit; from a
    URL of a wheel or an archive, that URL; from an index (no record), ``kabar==<version>``.
    A local folder or file means nothing on a CI runner, so an editable or local install,
    or a checkout run without installing, pins the git tag of this version in ``SOURCE``.
    """
    tag = f"git+{SOURCE}@v{__version__}"
    if direct_url is None:
        try:
            direct_url = distribution("kabar").read_text("direct_url.json")
        except PackageNotFoundError:
            return tag
        if direct_url is None:
            return f"kabar=={__version__}"
    try:
        record = json.loads(direct_url)
        url, vcs = str(record["url"]), record.get("vcs_info")
    except (ValueError, KeyError, TypeError):
        return tag
    if url.startswith("file:"):
        return tag
    if isinstance(vcs, dict) and vcs.get("vcs") == "git":
        revision = vcs.get("requested_revision") or vcs.get("commit_id")
        return f"git+{url}@{revision}" if revision else f"git+{url}"
    return url if "archive_info" in record else tag


@dataclass(frozen=True)
class Written:
    written: tuple[Path, ...]  # files created or (with --upgrade) rewritten
    kept: tuple[Path, ...]  # files already there with the same bytes
    diffs: tuple[str, ...] = ()  # --upgrade: what changed in each rewritten workflow
    warnings: tuple[str, ...] = ()


def check_pin(spec: str) -> str:
    """``spec`` if pip can take it as one argument and YAML as it is; else ``KabarError``."""
    if not _SPEC.fullmatch(spec):
        raise KabarError(f"--pin {spec!r}: expected what pip install takes, without spaces "
                         'or quotes, e.g. --pin kabar==0.2.0 or --pin '
                         f"git+{SOURCE}@v0.2.0")
    return spec


def pinned(spec: str) -> bool:
    """Does ``spec`` name one version (==, a git tag or commit, a file)?"""
    return ("==" in spec or bool(re.search(r"^git\+.+@[^/@]+$", spec))
            or spec.endswith((".whl", ".tar.gz", ".zip")))


def managed_files(pin: str, ci: str = "github") -> dict[Path, bytes]:
    """What Kabar owns in a site and ``--upgrade`` refreshes: the workflows (GitHub's, or
    GitLab's one file) and schemas."""
    files: dict[Path, bytes] = {}
    source = workflows()
    if ci == "gitlab":
        from generator.cli.gitlab import FILE, gitlab_ci

        files[Path(FILE)] = gitlab_ci(pin).encode()
    for name in SITE_WORKFLOWS if ci == "github" else ():
        text = (source / name).read_text(encoding="utf-8")
        if len(_PIN_LINE.findall(text)) != 1:
            raise KabarError(f"the packaged {name} has no KABAR_PIN line; reinstall kabar")
        text = _PIN_LINE.sub(lambda _: f"  KABAR_PIN: {json.dumps(pin)}", text)
        files[Path(".github") / "workflows" / name] = text.encode()
    for kind in ("status", "incident"):
        files[SCHEMAS / f"{kind}.schema.json"] = schema(kind).read_bytes()
    return files


def init_site(folder: Path, pin: str, ci: str = "github") -> Written:
    """Write a new site into ``folder``; raise ``KabarError`` if a file would be replaced."""
    files: dict[Path, bytes] = {
        Path("status.yaml"): STATUS_YAML.encode(),
        Path("incidents") / ".gitkeep": b"",
        Path(".gitignore"): GITIGNORE.encode(),
        **managed_files(pin, ci),
    }
    _check_folder(folder)
    clashes, kept = [], []
    for relative, data in files.items():
        target = folder / relative
        if target.is_file() and target.read_bytes() == data:
            kept.append(target)
        elif target.exists() or target.is_symlink():
            clashes.append(display_path(target))
    if clashes:
        raise KabarError(f"{', '.join(clashes)} {'exists' if len(clashes) == 1 else 'exist'}; "
                         "kabar init never overwrites, so nothing was written: choose a new "
                         "folder, or run kabar init --upgrade to refresh the workflows of a "
                         "site")
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


def upgrade_site(folder: Path, pin: str, ci: str = "github") -> Written:
    """Rewrite the workflows and schemas of the site in ``folder`` for ``pin``."""
    _check_folder(folder)
    if not (folder / "status.yaml").is_file():
        raise KabarError(f"{display_path(folder / 'status.yaml')}: no such file; kabar init "
                         "--upgrade refreshes a site, so run it in the site's folder (or "
                         "kabar init without --upgrade to start one)")
    written, kept, diffs, warnings = [], [], [], []
    for relative, data in managed_files(pin, ci).items():
        target = folder / relative
        old = target.read_bytes() if target.is_file() else None
        if old == data:
            kept.append(target)
            continue
        shown = display_path(target)
        if old is not None and relative.name.endswith(".yml"):
            before = old.decode("utf-8", "replace").splitlines(keepends=True)
            lines = list(difflib.unified_diff(before, data.decode().splitlines(keepends=True),
                                              f"a/{shown}", f"b/{shown}"))
            diffs.append("".join(lines))
            warnings += [f"warning: {shown}: this removes your line "
                         f"{line[1:].strip()!r}; put it back where it was (under env:)"
                         for line in lines if line.startswith("-") and "secrets." in line
                         and not line.startswith("---")]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return Written(tuple(written), tuple(kept), tuple(diffs), tuple(warnings))


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise KabarError(f"{display_path(folder)}: not a folder; give kabar init a folder, "
                         "e.g. kabar init my-status")
