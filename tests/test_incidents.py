"""Loading ``incidents/*.yaml``: every rule's exact message, all at once, a round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.errors import ValidationError
from generator.load.config import Config, load_config
from generator.load.incidents import Incident, Update, Window, load_incidents
from generator.load.site import load_site

STATUS = """\
site: {title: Example Status, url: 'https://status.example.com/', timezone: Asia/Jakarta}
components:
  - {id: api, name: API}
  - {id: chatgpt, name: ChatGPT}
  - {id: db, name: Database}
"""
HEAD = "title: Login failures\ncomponents: {chatgpt: major_outage}\n"
UPDATE = """\
updates:
  - at: 2025-07-16 06:15
    status: investigating
    message: Users are stuck at the login screen.
"""
WINDOW = "title: Upgrade\nmaintenance: {start: 2026-12-01 01:00, end: 2026-12-01 03:00}\n"


@pytest.fixture
def site_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """A site in Asia/Jakarta with api, chatgpt and db; the current folder is the site's."""
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(STATUS)
    Path("incidents").mkdir()
    return load_config(Path("status.yaml"))


def _write(files: dict[str, str]) -> None:
    for name, text in files.items():
        Path("incidents", name).write_text(text)


def _problems(config: Config, files: dict[str, str]) -> list[str]:
    _write(files)
    with pytest.raises(ValidationError) as caught:
        load_incidents(Path("incidents"), config)
    return [str(problem) for problem in caught.value.problems]


RULES = [
    pytest.param("title: [\n", "incidents/x.yaml:2:1: error: YAML syntax: did not find "
                 "expected node content", id="yaml-syntax"),
    pytest.param("", "incidents/x.yaml:1:1: error: the file is empty; expected at least "
                 "'title' and 'updates'", id="empty-file"),
    pytest.param("- title\n", "incidents/x.yaml:1:1: error: the file: expected a mapping with "
                 "'title', 'components' and 'updates'; got ['title']", id="not-a-mapping"),
    pytest.param("components: {api: major_outage}\n" + UPDATE, "incidents/x.yaml:1:1: error: "
                 "'title': required key is missing", id="title-missing"),
    pytest.param(HEAD + UPDATE + "postmortum: Oops.\n", "incidents/x.yaml:7:1: error: "
                 "'postmortum': unknown key; expected one of components, impact, maintenance, "
                 "postmortem, title, updates (did you mean 'postmortem'?)", id="unknown-key"),
    pytest.param(HEAD + UPDATE.replace("investigating", "resolvd"), "incidents/x.yaml:5:13: "
                 "error: 'status': expected one of investigating, identified, monitoring, "
                 "resolved; got 'resolvd'", id="incident-status"),
    pytest.param(HEAD + UPDATE.replace("investigating", "scheduled"), "incidents/x.yaml:5:13: "
                 "error: 'status': expected one of investigating, identified, monitoring, "
                 "resolved; got 'scheduled'", id="maintenance-status-in-incident"),
    pytest.param(WINDOW + "updates: [{at: 2026-11-20 10:00, status: resolved, message: Hi}]\n",
                 "incidents/x.yaml:3:42: error: 'status': expected one of scheduled, "
                 "in_progress, verifying, completed; got 'resolved'",
                 id="incident-status-in-maintenance"),
    pytest.param("title: x\nimpact: severe\n" + UPDATE, "incidents/x.yaml:2:9: error: 'impact': "
                 "expected one of none, minor, major, critical; got 'severe'", id="impact"),
    pytest.param("title: x\ncomponents: {api: down}\n" + UPDATE, "incidents/x.yaml:2:19: error: "
                 "'api': expected one of degraded_performance, partial_outage, major_outage, "
                 "under_maintenance; got 'down'", id="component-state"),
    pytest.param("title: x\ncomponents: {chatgtp: major_outage}\n" + UPDATE,
                 "incidents/x.yaml:2:14: error: 'chatgtp': unknown component id; expected one "
                 "of api, chatgpt, db (did you mean 'chatgpt'?)", id="component-unknown"),
    pytest.param("title: x\ncomponents: [api]\n" + UPDATE, "incidents/x.yaml:2:13: error: "
                 "'components': expected a mapping of component id to state like "
                 "{api: major_outage}; got ['api']", id="components-not-a-mapping"),
    pytest.param(HEAD, "incidents/x.yaml:1:1: error: 'updates': required key is missing",
                 id="no-updates"),
    pytest.param(HEAD + "updates: []\n", "incidents/x.yaml:3:10: error: 'updates': expected "
                 "at least one update; got []", id="empty-updates"),
    pytest.param(HEAD + "updates: [{at: 2025-07-16 06:15, status: investigating}]\n",
                 "incidents/x.yaml:3:11: error: 'message': required key is missing",
                 id="update-message-missing"),
    pytest.param(HEAD + UPDATE.replace("2025-07-16 06:15", "16/07/2025 06:15"),
                 "incidents/x.yaml:4:9: error: 'at': expected a time like 2025-07-16 06:15 (in "
                 "Asia/Jakarta) or 2025-07-16T06:15+07:00; got '16/07/2025 06:15'",
                 id="time-format"),
    pytest.param(HEAD + UPDATE.replace("2025-07-16", "2025-02-30"), "incidents/x.yaml:4:9: "
                 "error: 'at': expected a time like 2025-07-16 06:15 (in Asia/Jakarta) or "
                 "2025-07-16T06:15+07:00; got '2025-02-30 06:15' (there is no 2025-02-30)",
                 id="time-impossible-date"),
    pytest.param(HEAD + UPDATE.replace("at: 2025-07-16 06:15", "at: 1752621300"),
                 "incidents/x.yaml:4:9: error: 'at': expected a time like 2025-07-16 06:15 (in "
                 "Asia/Jakarta) or 2025-07-16T06:15+07:00; got 1752621300", id="time-number"),
    pytest.param(HEAD + UPDATE.replace("Users are stuck at the login screen.", "yes"),
                 "incidents/x.yaml:6:14: error: 'message': expected a non-empty string; got "
                 "True (put it in quotes to keep it as text)", id="message-bool"),
    pytest.param(HEAD + """updates:
  - {at: 2025-07-16 09:40, status: resolved, message: Fixed.}
  - {at: 2025-07-16 10:00, status: monitoring, message: Still watching.}
  - {at: 2025-07-16 06:15, status: investigating, message: Looking.}
""", "incidents/x.yaml:5:5: error: 'updates[1]': comes after the 'resolved' update on line 4; "
                 "nothing may follow 'resolved', so make the latest update the resolved one",
                 id="resolved-then-more"),
    pytest.param("title: x\nmaintenance: {start: 2026-12-01 03:00, end: 2026-12-01 03:00}\n",
                 "incidents/x.yaml:2:45: error: 'end': expected a time after start "
                 "(2026-12-01 03:00); got '2026-12-01 03:00'", id="maintenance-ends-at-start"),
    pytest.param("title: x\nmaintenance: {start: 2026-12-01 03:00}\n", "incidents/x.yaml:2:14: "
                 "error: 'end': required key is missing", id="maintenance-without-end"),
]


@pytest.mark.parametrize(("text", "line"), RULES)
def test_each_rule_prints_its_line(text: str, line: str, site_config: Config) -> None:
    assert _problems(site_config, {"x.yaml": text}) == [line]


def test_file_names_are_ids(site_config: Config) -> None:
    text = HEAD + UPDATE
    assert _problems(site_config, {"login.yaml": text, "login.yml": text,
                                   "Login Outage.yaml": text}) == [
        "incidents/Login Outage.yaml:1:1: error: incident id 'Login Outage' (the file name) is "
        "not URL-safe; rename the file to lowercase letters, digits, '.', '_' and '-', like "
        "'login-outage.yaml'",
        "incidents/login.yml:1:1: error: incident id 'login' is also the id of "
        "incidents/login.yaml; rename or remove one of the two files",
    ]


def test_all_problems_at_once(site_config: Config) -> None:
    text = "title: x\nimpact: big\ncomponents: {apii: major_outage}\n" + UPDATE.replace(
        "06:15", "6:15")
    assert _problems(site_config, {"x.yaml": text, "y.yaml": "title: [\n"}) == [
        "incidents/x.yaml:2:9: error: 'impact': expected one of none, minor, major, critical; "
        "got 'big'",
        "incidents/x.yaml:3:14: error: 'apii': unknown component id; expected one of api, "
        "chatgpt, db (did you mean 'api'?)",
        "incidents/x.yaml:5:9: error: 'at': expected a time like 2025-07-16 06:15 (in "
        "Asia/Jakarta) or 2025-07-16T06:15+07:00; got '2025-07-16 6:15'",
        "incidents/y.yaml:2:1: error: YAML syntax: did not find expected node content",
    ]


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_valid_round_trip(site_config: Config) -> None:
    _write({
        "2025-07-16-login.yaml": """\
title: Elevated error rates
impact: major
components: {chatgpt: major_outage, api: degraded_performance}
updates:
  - {at: 2025-07-16 09:40, status: resolved, message: Back to normal.}
  - {at: 2025-07-16 06:15, status: investigating, message: Stuck at login.}
  - {at: 2025-07-16T07:00:30, status: identified, message: A bad deploy.}
  - {at: 2025-07-16T00:30Z, status: monitoring, message: Watching.}
  - {at: "2025-07-16 08:00:00+08:00", status: monitoring, message: Still watching.}
postmortem: What we changed.
""",
        "db-upgrade.yml": "title: Database upgrade\nmaintenance: {start: 2026-12-01 01:00, "
                          "end: 2026-12-01T03:00+07:00}\ncomponents: {db: under_maintenance}\n",
        "README.md": "Not an incident.\n",
    })
    assert load_incidents(Path("incidents"), site_config) == (
        Incident(id="2025-07-16-login", title="Elevated error rates",
                 components={"chatgpt": "major_outage", "api": "degraded_performance"},
                 updates=(
                     Update(_utc(2025, 7, 15, 23, 15), "investigating", "Stuck at login."),
                     Update(_utc(2025, 7, 16, 0, 0), "monitoring", "Still watching."),
                     Update(_utc(2025, 7, 16, 0, 0, 30), "identified", "A bad deploy."),
                     Update(_utc(2025, 7, 16, 0, 30), "monitoring", "Watching."),
                     Update(_utc(2025, 7, 16, 2, 40), "resolved", "Back to normal."),
                 ),
                 impact="major", postmortem="What we changed.",
                 path="incidents/2025-07-16-login.yaml"),
        Incident(id="db-upgrade", title="Database upgrade", components={"db": "under_maintenance"},
                 updates=(), maintenance=Window(_utc(2026, 11, 30, 18), _utc(2026, 11, 30, 20)),
                 path="incidents/db-upgrade.yml"),
    )


def test_files_that_look_meant_as_incidents_but_are_not_read_are_named(
        site_config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli.main import main

    good = HEAD + UPDATE
    for name in ("x.YAML", "y.yaml.txt", "sub/z.yaml", "sub/old/w.yml", ".drafts/a.yaml",
                 "notes/README.md", "README.md", "ok.yaml"):
        Path("incidents", name).parent.mkdir(parents=True, exist_ok=True)
        Path("incidents", name).write_text(good)
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "incidents/sub/old/w.yml:1:1: warning: not read (and 1 more in sub/): incident files "
        "are read from the incidents folder itself, not from its sub-folders; move it up into "
        "the incidents folder",
        "incidents/x.YAML:1:1: warning: not read: only names ending in .yaml or .yml are, in "
        "lower case; rename it to x.yaml",
        "incidents/y.yaml.txt:1:1: warning: not read: the name ends in .txt, and only names "
        "ending in .yaml or .yml are; rename it to y.yaml"]
    assert out == "status.yaml: 3 components, 1 incident or maintenance file: valid\n"
    assert main(["validate", "--strict"]) == 1  # CI with --strict stops on them
    capsys.readouterr()


def test_no_folder_or_an_empty_one_means_no_incidents(site_config: Config) -> None:
    assert load_incidents(Path("incidents"), site_config) == ()
    assert load_incidents(Path("elsewhere"), site_config) == ()


def test_a_broken_status_yaml_still_checks_the_incidents(site_config: Config) -> None:
    Path("status.yaml").write_text(STATUS.replace("Asia/Jakarta", "Mars/Olympus") +
                                   "  - {id: Web, name: Web}\n")
    _write({"x.yaml": "title: x\ncomponents: {web: major_outage, dbb: partial_outage}\n" +
            UPDATE.replace("investigating", "fixed")})
    with pytest.raises(ValidationError) as caught:
        load_site(Path("status.yaml"), Path("incidents"))
    assert [str(problem) for problem in caught.value.problems] == [
        "incidents/x.yaml:2:14: error: 'web': unknown component id; expected one of api, "
        "chatgpt, db",
        "incidents/x.yaml:2:33: error: 'dbb': unknown component id; expected one of api, "
        "chatgpt, db (did you mean 'db'?)",
        "incidents/x.yaml:5:13: error: 'status': expected one of investigating, identified, "
        "monitoring, resolved; got 'fixed'",
        "status.yaml:1:77: error: 'timezone': expected an IANA time zone like Asia/Jakarta or "
        "UTC; got 'Mars/Olympus'",
        "status.yaml:6:10: error: 'id': expected lowercase letters, digits and '-' like "
        "api-gateway; got 'Web'",
    ]


def test_without_readable_components_ids_are_not_checked(site_config: Config) -> None:
    Path("status.yaml").write_text("site: {title: x, url: 'https://s.example/'}\n")
    _write({"x.yaml": "title: x\ncomponents: {anything: major_outage}\n" + UPDATE})
    with pytest.raises(ValidationError) as caught:
        load_site(Path("status.yaml"), Path("incidents"))
    assert [str(problem) for problem in caught.value.problems] == [
        "status.yaml:1:1: error: 'components': required key is missing"]


def test_load_site_returns_config_incidents_and_warnings(site_config: Config) -> None:
    _write({"x.yaml": HEAD + UPDATE})
    config, incidents, warnings = load_site(Path("status.yaml"), Path("incidents"))
    assert (config, [incident.id for incident in incidents], warnings) == (
        site_config, ["x"], ())


def test_an_update_in_the_same_minute_as_resolved_comes_before_it(site_config: Config) -> None:
    _write({"x.yaml": HEAD + """updates:
  - {at: 2025-07-16 09:40, status: resolved, message: Fixed.}
  - {at: 2025-07-16 09:40, status: monitoring, message: Looks good.}
"""})
    (incident,) = load_incidents(Path("incidents"), site_config)
    assert [update.status for update in incident.updates] == ["monitoring", "resolved"]
