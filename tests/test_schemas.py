"""The JSON Schemas editors use and ``kabar validate`` accept and reject the same files.

Each fixture in ``tests/fixtures/validation/`` is named for what it proves: ``valid-*`` passes
both, ``invalid-*`` fails both, and ``validator-only-*`` breaks a rule no JSON Schema can
express, so the schema accepts it and only the validator rejects it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from generator.errors import ValidationError
from generator.load.config import Config, load_config
from generator.load.incidents import load_incidents
from tests.conftest import FIXTURES as ROOT_FIXTURES
from tests.conftest import ROOT

SCHEMAS = ROOT / "generator" / "schemas"
FIXTURES = ROOT_FIXTURES / "validation"
STATUS = sorted((FIXTURES / "status").glob("*.yaml"))
INCIDENTS = sorted((FIXTURES / "incidents").glob("*.yaml"))
IMAGES = [path for path in (FIXTURES / "status").iterdir() if path.suffix in (".svg", ".png")]

# Rules only the validator checks, each with its fixture and the line it reports.
VALIDATOR_ONLY = {
    "status/validator-only-timezone.yaml":
        "validator-only-timezone.yaml:5:13: error: 'timezone': expected an IANA time zone "
        "like Asia/Jakarta or UTC; got 'Asia/Jakata' (did you mean 'Asia/Jakarta'?)",
    "status/validator-only-duplicate-id.yaml":
        "validator-only-duplicate-id.yaml:9:9: error: 'id': 'api' is already the id of the "
        "component at line 7; ids must be unique",
    "status/validator-only-notify-scheme.yaml":
        "validator-only-notify-scheme.yaml:10:12: error: 'url': apprise does not support the "
        "scheme 'slak' (did you mean 'slack'?); see https://github.com/caronc/apprise/wiki "
        "for the URL of each service",
    "status/validator-only-accent-contrast.yaml":
        "validator-only-accent-contrast.yaml:5:36: error: 'dark': #0a6b4f has a contrast of "
        "2.66:1 against the dark theme's background #151b23; links need 4.5:1 (WCAG AA): try "
        "#0e956e",
    "status/validator-only-missing-logo.yaml":
        "validator-only-missing-logo.yaml:5:9: error: 'logo': there is no file "
        "'brand/logo.svg' in the folder of status.yaml",
    "status/validator-only-favicon-not-an-image.yaml":
        "validator-only-favicon-not-an-image.yaml:5:12: error: 'favicon': 'not-a-png.png' is "
        "not a png image (its first bytes say otherwise); export it again or rename it",
    "status/validator-only-impossible-since.yaml":
        "validator-only-impossible-since.yaml:9:12: error: 'since': expected a date like "
        "2025-07-16; got '2025-02-30' (there is no 2025-02-30)",
    "status/validator-only-upstream-affects.yaml":
        "validator-only-upstream-affects.yaml:6:87: error: 'apii': unknown component id; "
        "expected one of api (did you mean 'api'?)",
    "status/validator-only-upstream-id.yaml":
        "validator-only-upstream-id.yaml:6:10: error: 'id': 'api' is already the id of a "
        "component; an upstream needs an id of its own",
    "incidents/validator-only-unknown-component.yaml":
        "incidents/validator-only-unknown-component.yaml:3:14: error: 'chatgtp': unknown "
        "component id; expected one of api, chatgpt, db, dns (did you mean 'chatgpt'?)",
    "incidents/validator-only-resolved-then-more.yaml":
        "incidents/validator-only-resolved-then-more.yaml:8:5: error: 'updates[2]': comes "
        "after the 'resolved' update on line 7; nothing may follow 'resolved', so make the "
        "latest update the resolved one",
    "incidents/validator-only-maintenance-ends-before-start.yaml":
        "incidents/validator-only-maintenance-ends-before-start.yaml:3:45: error: 'end': "
        "expected a time after start (2026-12-01 03:00); got '2026-12-01 01:00'",
    "incidents/validator-only-impossible-date.yaml":
        "incidents/validator-only-impossible-date.yaml:6:9: error: 'at': expected a time like "
        "2025-07-16 06:15 (in Asia/Jakarta) or 2025-07-16T06:15+07:00; got '2025-02-30 06:15' "
        "(there is no 2025-02-30)",
    "incidents/Validator-Only-Bad-Name.yaml":
        "incidents/Validator-Only-Bad-Name.yaml:1:1: error: incident id "
        "'Validator-Only-Bad-Name' (the file name) is not URL-safe; rename the file to "
        "lowercase letters, digits, '.', '_' and '-', like 'validator-only-bad-name.yaml'",
}


class _TextTimes(yaml.SafeLoader):
    """safe_load, but YAML 1.1 dates and timestamps stay the text that was written."""


_TextTimes.add_constructor("tag:yaml.org,2002:timestamp",
                           lambda loader, node: loader.construct_scalar(node))


def _schema(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text()))


def _schema_errors(schema: str, path: Path) -> list[str]:
    data: Any = yaml.load(path.read_text(), Loader=_TextTimes)  # a SafeLoader
    return [error.message for error in _schema(schema).iter_errors(data)]


def _validator_errors(kind: str, path: Path, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    try:
        if kind == "status":
            shutil.copy(path, tmp_path / path.name)
            for image in IMAGES:  # the logos and icons the site fixtures name
                shutil.copy(image, tmp_path / image.name)
            load_config(Path(path.name))
        else:
            (tmp_path / "incidents").mkdir()
            shutil.copy(path, tmp_path / "incidents" / path.name)
            load_incidents(Path("incidents"), _config())
    except ValidationError as exc:
        return [str(problem) for problem in exc.problems]
    return []


def _config() -> Config:
    return load_config(FIXTURES / "status" / "valid-full.yaml")


def _expected_verdict(path: Path) -> bool:
    """True when the schema should accept the fixture."""
    return not path.name.startswith("invalid-")


CASES = [pytest.param("status", "status.schema.json", path, id=f"status/{path.stem}")
         for path in STATUS] + [
    pytest.param("incidents", "incident.schema.json", path, id=f"incidents/{path.stem}")
    for path in INCIDENTS]


@pytest.mark.parametrize(("kind", "schema", "path"), CASES)
def test_schema_and_validator_agree(kind: str, schema: str, path: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    schema_errors = _schema_errors(schema, path)
    validator_errors = _validator_errors(kind, path, tmp_path, monkeypatch)
    key = f"{kind}/{path.name}"
    if key in VALIDATOR_ONLY:
        assert schema_errors == []
        assert validator_errors == [VALIDATOR_ONLY[key]]
    elif _expected_verdict(path):
        assert (schema_errors, validator_errors) == ([], [])
    else:
        assert schema_errors and validator_errors, (schema_errors, validator_errors)


def test_every_validator_only_rule_has_its_fixture() -> None:
    assert sorted(VALIDATOR_ONLY) == sorted(
        f"{path.parent.name}/{path.name}" for path in [*STATUS, *INCIDENTS]
        if path.stem.lower().startswith("validator-only-"))


def test_duplicate_incident_ids_are_validator_only(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = FIXTURES / "incidents-duplicate"
    assert [_schema_errors("incident.schema.json", path) for path in sorted(
        folder.iterdir())] == [[], []]
    shutil.copytree(folder, tmp_path / "incidents")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        load_incidents(Path("incidents"), _config())
    assert [str(p) for p in caught.value.problems] == [
        "incidents/login.yml:1:1: error: incident id 'login' is also the id of "
        "incidents/login.yaml; rename or remove one of the two files"]


@pytest.mark.parametrize("name", ["status.schema.json", "incident.schema.json"])
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", [path for path in [*STATUS, *INCIDENTS] if path.stat().st_size],
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixtures_name_a_schema_an_editor_can_find(path: Path) -> None:
    first = path.read_text().partition("\n")[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    assert (path.parent / first.removeprefix(prefix)).resolve().is_file()


def test_kabar_schema_prints_or_writes_each_schema(tmp_path: Path) -> None:
    from tests.test_cli import kabar

    for kind in ("status", "incident"):
        shown = kabar("schema", kind, cwd=tmp_path)
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout == (SCHEMAS / f"{kind}.schema.json").read_text()
    assert kabar("schema", cwd=tmp_path).stdout == (SCHEMAS / "status.schema.json").read_text()
    written = kabar("schema", "incident", "--out", "schemas/i.json", cwd=tmp_path)
    assert (written.returncode, written.stdout) == (0, "wrote schemas/i.json\n")
    schema = json.loads((tmp_path / "schemas" / "i.json").read_text())
    example = yaml.safe_load((ROOT / "incidents" / "2025-07-16-login-errors.yaml").read_text())
    jsonschema.validate(json.loads(json.dumps(example, default=str)), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"title": "No updates, no components"}, schema)
