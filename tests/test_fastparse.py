"""Incident files are parsed without positions first; every message is still exact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from generator.load import yamlsource
from generator.load.incidents import Incident, check_incidents, check_text

IDS = frozenset({"api", "db"})
TZ = "Asia/Jakarta"
VALID = """\
title: Login failures
components: {api: major_outage}
updates:
  - at: 2025-07-16 06:15
    status: investigating
    message: Users are stuck at the login screen.
  - at: 2025-07-16 07:20:30
    status: resolved
    message: Fixed.
"""


def _check(folder: Path, files: dict[str, str]) -> tuple[tuple[Incident, ...], list[str]]:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    incidents, problems = check_incidents(folder, IDS, ZoneInfo(TZ))
    return incidents, [str(problem) for problem in problems]


def _positioned(text: str, shown: str) -> tuple[Incident | None, list[str]]:
    """What checking ``text`` found when every file was parsed with its positions."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(yamlsource, "loads_fast", yamlsource.loads)
        incident, problems = check_text(text, shown, "x", IDS, ZoneInfo(TZ))
    return incident, [str(problem) for problem in problems]


def test_a_duplicate_key_is_still_an_error(tmp_path: Path) -> None:
    text = VALID.replace("components:", "title: Again\ncomponents:")
    incidents, problems = _check(tmp_path / "incidents", {"x.yaml": text})
    assert incidents == ()
    assert problems == [f"{tmp_path}/incidents/x.yaml:2:1: error: 'title': duplicate key "
                        "(also on line 1); keep only one"]


def test_a_duplicate_key_deep_inside_is_still_an_error(tmp_path: Path) -> None:
    text = VALID.replace("    status: resolved\n", "    status: resolved\n    at: 2025-07-17\n")
    _, problems = _check(tmp_path / "incidents", {"x.yaml": text})
    assert problems == [f"{tmp_path}/incidents/x.yaml:9:5: error: 'at': duplicate key "
                        "(also on line 7); keep only one"]


def test_times_with_and_without_seconds_stay_in_the_site_zone(tmp_path: Path) -> None:
    incidents, problems = _check(tmp_path / "incidents", {"x.yaml": VALID})
    assert problems == []
    assert [update.at for update in incidents[0].updates] == [
        datetime(2025, 7, 15, 23, 15, tzinfo=UTC), datetime(2025, 7, 16, 0, 20, 30, tzinfo=UTC)]


def test_a_valid_file_gives_what_the_positioned_parse_gave(tmp_path: Path) -> None:
    incidents, problems = _check(tmp_path / "incidents", {"x.yaml": VALID})
    shown = f"{tmp_path}/incidents/x.yaml"
    assert (incidents[0], problems) == _positioned(VALID, shown)


@pytest.mark.parametrize("typo", [
    ("status: resolved", "stauts: resolved"),
    ("api: major_outage", "apj: major_outage"),
    ("07:20:30", "27:20:30"),
    ("title:", "titel:"),
    ("- at: 2025-07-16 06:15", "- at: 2025-07-16"),
    ("message: Fixed.", "message: 12"),
])
def test_a_typo_gives_the_messages_the_positioned_parse_gave(
        tmp_path: Path, typo: tuple[str, str]) -> None:
    text = VALID.replace(*typo)
    incidents, problems = _check(tmp_path / "incidents", {"x.yaml": text})
    incident, expected = _positioned(text, f"{tmp_path}/incidents/x.yaml")
    assert problems == expected
    assert problems  # the typo was found, at a line and column of its own
    assert incidents == (() if incident is None else (incident,))


# YAML 1.1 plain scalars that are not text, and look-alikes that are (times stay text: Kabar
# reads them in the site's zone; so do clock times like 17:24, which YAML 1.1 makes numbers).
SCALARS = """\
a: yes
b: No
c: on
d: ~
e: null
f:
g: 0x1F
h: 012
i: 1_000
j: -.inf
k: 1.5e3
l: 1e3
m: '12'
n: "true"
o: yess
"""


@pytest.mark.parametrize("load", [yamlsource.loads, yamlsource.loads_fast],
                         ids=["positioned", "fast"])
def test_values_are_typed_as_pyyaml_types_them(load: Callable[[str, str], Any]) -> None:
    assert load(SCALARS, "x.yaml").data == yaml.safe_load(SCALARS)
    assert load("at: 2025-07-16 06:15\nclock: 17:24\n", "x.yaml").data == {
        "at": "2025-07-16 06:15", "clock": "17:24"}
