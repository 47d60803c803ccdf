"""Find the external tools some tests need; skip without them locally, fail without them in CI.

`.ci/run` installs every one of them, so CI never skips: a missing tool there is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

# `.ci/run` installs the npm tools here; a developer may have them elsewhere.
NODE_DIRS = [ROOT / ".tools" / "node_modules", Path("/opt/vnu/node_modules")]
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def missing(reason: str) -> None:
    """Skip the test with ``reason``, or fail it when running in CI."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must install it: see .ci/run)", pytrace=False)
    pytest.skip(reason)


def node_file(*parts: str) -> Path | None:
    for base in NODE_DIRS:
        candidate = base.joinpath(*parts)
        if candidate.exists():
            return candidate
    return None


def executable(name: str, *node_bin: str) -> str:
    """The path of a command on PATH or in the npm tools folder, else skip/fail."""
    found = shutil.which(name)
    if found:
        return found
    candidate = node_file(".bin", name) if not node_bin else node_file(*node_bin)
    if candidate:
        return str(candidate)
    missing(f"{name} is not installed")
    raise AssertionError("unreachable")


def java() -> str:
    return executable("java")


def vnu_jar() -> Path:
    jar = node_file("vnu-jar", "build", "dist", "vnu.jar")
    if jar is None:
        missing("the Nu HTML Checker (npm vnu-jar) is not installed")
        raise AssertionError("unreachable")
    return jar


def axe_script() -> Path:
    script = node_file("axe-core", "axe.min.js")
    if script is None:
        missing("axe-core (npm axe-core) is not installed")
        raise AssertionError("unreachable")
    return script


def chromium() -> str:
    path = "/usr/bin/chromium"
    if not Path(path).exists():
        missing("Debian's chromium is not installed (/usr/bin/chromium)")
    return path


def atom_schema() -> Path:
    """RFC 4287's schema, from the shared folder beside the clone."""
    for base in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (base / "atom.rnc").is_file():
            return base / "atom.rnc"
    missing("shared/atom.rnc (RFC 4287's schema) is not beside the repository")
    raise AssertionError("unreachable")


def system_tool(path: str, package: str) -> str:
    """A Debian tool by its full path (sbin is not always on PATH), else skip/fail."""
    found = path if Path(path).exists() else shutil.which(Path(path).name)
    if found is None:
        missing(f"{Path(path).name} is not installed (Debian package {package})")
        raise AssertionError("unreachable")
    return found


def nginx() -> str:
    return system_tool("/usr/sbin/nginx", "nginx")


def nginx_module(name: str, package: str) -> str:
    """The path of one of Debian's dynamic nginx modules, e.g. ``ngx_http_brotli_filter_module``."""
    path = Path("/usr/lib/nginx/modules") / f"{name}.so"
    if not path.exists():
        missing(f"nginx's {name} is not installed (Debian package {package})")
    return str(path)


def tinyproxy() -> str:
    return system_tool("/usr/bin/tinyproxy", "tinyproxy")


def dnsmasq() -> str:
    return system_tool("/usr/sbin/dnsmasq", "dnsmasq-base")
