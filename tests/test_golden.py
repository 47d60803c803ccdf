"""The fixture site's whole output, compared byte for byte with the checked-in files.

After an intended change of output: ``python -m tests.golden``, then review the diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from tests.golden import EXPECTED, build_fixture


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_fixture_site_matches_the_golden_files(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_fixture(tmp_path, out)
    built, expected = _files(out), _files(EXPECTED)
    assert sorted(built) == sorted(expected), "files differ; run python -m tests.golden"
    for name, data in expected.items():
        if built[name] != data:
            diff = "\n".join(difflib.unified_diff(
                data.decode(errors="replace").splitlines(),
                built[name].decode(errors="replace").splitlines(),
                f"expected/{name}", f"built/{name}", lineterm="", n=2))
            raise AssertionError(f"{name} differs (python -m tests.golden regenerates):\n"
                                 f"{diff[:4000]}")


def test_two_builds_are_byte_for_byte_identical(tmp_path: Path) -> None:
    build_fixture(tmp_path / "a", tmp_path / "a" / "site")
    build_fixture(tmp_path / "b", tmp_path / "b" / "site")
    assert _files(tmp_path / "a" / "site") == _files(tmp_path / "b" / "site")
