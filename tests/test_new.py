"""``kabar new``: new incident files that validate, and updates appended without rewriting."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from generator.cli.main import main
from generator.cli.new import add_update, new_incident, slugify
from generator.errors import KabarError, ValidationError
from generator.load.config import Config, load_config
from generator.load.incidents import Incident
from generator.load.site import load_site

STATUS_YAML = """\
site:
  title: Example Status
  url: https://status.example.com/
  timezone: Asia/Jakarta
components:
  - id: api
    name: API
  - id: web
    name: Website
"""
# 23:15 UTC on 15 July is 06:15 WIB on 16 July: the file is named and stamped in WIB.
AT = datetime(2025, 7, 15, 23, 15, tzinfo=UTC)
LATER = datetime(2025, 7, 16, 0, 5, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """A two-component site in the current folder, with an empty incidents/ folder and the
    schemas where kabar init puts them."""
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(STATUS_YAML, encoding="utf-8")
    Path("incidents").mkdir()
    Path(".kabar/schemas").mkdir(parents=True)
    Path(".kabar/schemas/incident.schema.json").write_text("{}", encoding="utf-8")
    return load_config(Path("status.yaml"))


def _load() -> dict[str, Incident]:
    _, incidents, warnings = load_site(Path("status.yaml"), Path("incidents"))
    assert warnings == ()
    return {incident.id: incident for incident in incidents}


def test_the_schema_comment_points_where_the_schema_is(config: Config) -> None:
    """An editor must find the schema the first line names; without one, no line."""
    first = new_incident(config, Path("incidents"), "One", {}, message="m", at=AT)
    schema = first.read_text().splitlines()[0].removeprefix("# yaml-language-server: $schema=")
    kept = Path(".kabar/schemas/incident.schema.json")
    assert (first.parent / schema).resolve() == kept.resolve()
    kept.unlink()
    second = new_incident(config, Path("incidents"), "Two", {}, message="m", at=AT)
    assert second.read_text().startswith("title: Two\n")


def test_new_incident_writes_a_tidy_file_that_validates(config: Config) -> None:
    path = new_incident(config, Path("incidents"), "Login failures",
                        {"api": "major_outage", "web": "degraded_performance"},
                        message="Users are stuck at the login screen.\nWe are investigating.",
                        impact="major", at=AT)
    assert path == Path("incidents/2025-07-16-login-failures.yaml")
    assert path.read_text(encoding="utf-8") == """\
# yaml-language-server: $schema=../.kabar/schemas/incident.schema.json
title: Login failures
impact: major
components:
  api: major_outage
  web: degraded_performance
updates:
  - at: 2025-07-16 06:15
    status: investigating
    message: |
      Users are stuck at the login screen.
      We are investigating.
"""
    incident = _load()["2025-07-16-login-failures"]
    assert incident.title == "Login failures"
    assert dict(incident.components) == {"api": "major_outage", "web": "degraded_performance"}
    update = incident.updates[0]
    assert (update.at, update.status) == (AT, "investigating")
    assert update.message.strip() == ("Users are stuck at the login screen.\n"
                                      "We are investigating.")


@pytest.mark.parametrize(("title", "message"), [
    ("Login: failing", "Retry: it works"),
    ("yes", "no"),
    ("2025-07-16", "12:30"),
    ("#1 outage", "50% of calls fail # sometimes"),
    ("'quoted' and \"double\"", "back\\slash and a\ttab"),
    ("Gangguan “Chat” — layanan lambat", "  starts with spaces\n    and keeps them"),
    ("[brackets] {braces} & *stars* !bang @at `tick`", "- looks like a list\n# a heading"),
], ids=["colon", "bool", "date", "hash", "quotes", "unicode", "indicators"])
def test_new_incident_quotes_what_yaml_needs(config: Config, title: str, message: str) -> None:
    path = new_incident(config, Path("incidents"), title, {"api": "partial_outage"},
                        message=message, at=AT)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["title"] == title
    assert data["updates"][0]["message"].rstrip("\n") == message
    incident = _load()[path.stem]
    assert incident.title == title
    assert incident.updates[0].message.rstrip("\n") == message


@pytest.mark.parametrize(("title", "slug"), [
    ("Elevated error rates & login failures!", "elevated-error-rates-login-failures"),
    ("Gangguan layanan Café — API", "gangguan-layanan-cafe-api"),
    ("Ошибка входа", "incident"),
    ("A very long title that goes on and on about the database upgrade of the primary "
     "cluster", "a-very-long-title-that-goes-on-and-on-about-the-database"),
], ids=["punctuation", "accents", "no-ascii", "long"])
def test_slug_is_ascii_and_short(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_new_incident_never_overwrites_one_with_the_same_name(config: Config) -> None:
    paths = [new_incident(config, Path("incidents"), "API errors", {"api": "major_outage"},
                          message=f"Report {n}.", at=AT) for n in (1, 2, 3)]
    assert [p.name for p in paths] == ["2025-07-16-api-errors.yaml",
                                       "2025-07-16-api-errors-2.yaml",
                                       "2025-07-16-api-errors-3.yaml"]
    assert "Report 1." in paths[0].read_text(encoding="utf-8")
    assert len(_load()) == 3


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"components": {"apx": "major_outage"}},
     "--component apx=major_outage: unknown component 'apx' (did you mean 'api'?); "
     "status.yaml defines api, web"),
    ({"components": {"api": "down"}},
     "--component api=down: unknown state 'down'; expected one of degraded_performance, "
     "partial_outage, major_outage"),
    ({"components": {"api": "major-outage"}},
     "--component api=major-outage: unknown state 'major-outage' (did you mean "
     "'major_outage'?); expected one of degraded_performance, partial_outage, major_outage"),
    ({"status": "resolvd"},
     "--status resolvd: expected one of investigating, identified, monitoring, resolved "
     "(did you mean 'resolved'?)"),
    ({"impact": "huge"}, "--impact huge: expected one of none, minor, major, critical"),
    ({"message": " \n"},
     '--message is empty; say what people see, e.g. --message "Logins fail for most users. '
     'We are investigating."'),
    ({"title": "two\nlines"},
     'the title must be one line of text, e.g. kabar new "Login failures"'),
], ids=["component", "state", "state-typo", "status", "impact", "message", "title"])
def test_new_incident_refuses_bad_arguments(config: Config, kwargs: dict[str, object],
                                            message: str) -> None:
    args: dict[str, object] = {"title": "Login failures", "components": {"api": "major_outage"},
                               "message": "Investigating.", "at": AT, **kwargs}
    title, components = args.pop("title"), args.pop("components")
    with pytest.raises(KabarError) as caught:
        new_incident(config, Path("incidents"), title, components, **args)  # type: ignore[arg-type]
    assert str(caught.value) == message
    assert list(Path("incidents").iterdir()) == []


AUTHORED = """\
# yaml-language-server: $schema=../generator/schemas/incident.schema.json
# Written by hand; keep this note.
title: Slow API   # the customer-facing title
components:
  api: partial_outage
updates:
    # newest last, please
    - {at: 2025-07-16 06:15, status: investigating, message: Requests are slow.}

    - at: 2025-07-16 06:40   # WIB
      status: identified
      message: |
        # Cause
        A full disk on one database node.


# The postmortem follows once we know more.
postmortem: |
  To be written.
"""


def test_add_update_appends_and_leaves_the_rest_of_the_file_alone(config: Config) -> None:
    path = Path("incidents/2025-07-16-slow-api.yaml")
    path.write_text(AUTHORED, encoding="utf-8")
    assert add_update(config, Path("incidents"), "2025-07-16-slow-api", "monitoring",
                      "A fix is out; we are watching.", LATER) == path
    added = """\
    - at: 2025-07-16 07:05
      status: monitoring
      message: A fix is out; we are watching.
"""
    marker = "        A full disk on one database node.\n"
    assert path.read_text(encoding="utf-8") == AUTHORED.replace(marker, marker + added)
    updates = _load()["2025-07-16-slow-api"].updates
    assert [u.status for u in updates] == ["investigating", "identified", "monitoring"]
    assert updates[-1].at == LATER


def test_add_update_keeps_windows_line_endings(config: Config) -> None:
    path = Path("incidents/2025-07-16-crlf.yaml")
    original = ("title: CRLF\r\ncomponents: {web: major_outage}\r\nupdates:\r\n"
                "- at: 2025-07-16 06:15\r\n  status: investigating\r\n  message: Down.")
    path.write_bytes(original.encode())
    add_update(config, Path("incidents"), "2025-07-16-crlf.yaml", "resolved", "Up again.\nSorry.",
               LATER)
    assert path.read_bytes().decode() == original + (
        "\r\n- at: 2025-07-16 07:05\r\n  status: resolved\r\n  message: |\r\n"
        "    Up again.\r\n    Sorry.\r\n")
    assert [u.status for u in _load()["2025-07-16-crlf"].updates] == [
        "investigating", "resolved"]


def test_add_update_to_a_maintenance_without_updates(config: Config) -> None:
    path = Path("incidents/2025-08-01-db.yaml")
    original = ("title: Database upgrade\n"
                "maintenance: {start: 2025-08-01 01:00, end: 2025-08-01 03:00}\n"
                "components: {api: under_maintenance}\n")
    path.write_text(original, encoding="utf-8")
    add_update(config, Path("incidents"), "2025-08-01-db", "in_progress", "Started.", LATER)
    assert path.read_text(encoding="utf-8") == original + (
        "updates:\n  - at: 2025-07-16 07:05\n    status: in_progress\n    message: Started.\n")
    assert _load()["2025-08-01-db"].updates[0].status == "in_progress"


def test_add_update_refuses_a_resolved_incident(config: Config) -> None:
    path = new_incident(config, Path("incidents"), "Outage", {"web": "major_outage"},
                        status="resolved", message="It was down briefly.", at=AT)
    before = path.read_bytes()
    with pytest.raises(KabarError) as caught:
        add_update(config, Path("incidents"), path.stem, "monitoring", "Hmm.", LATER)
    assert str(caught.value) == ("incidents/2025-07-16-outage.yaml is resolved; nothing follows "
                                 "a resolved update — write a new incident")
    assert path.read_bytes() == before


@pytest.mark.parametrize(("incident_id", "status", "message"), [
    ("2025-07-16-outtage", "resolved",
     "incidents/2025-07-16-outtage.yaml: no such incident (did you mean '2025-07-16-outage'?); "
     'write a new one with kabar new "TITLE" --component ID=STATE'),
    ("2025-07-16-outage", "scheduled",
     "--status scheduled: expected one of investigating, identified, monitoring, resolved"),
], ids=["unknown-incident", "maintenance-status"])
def test_add_update_refuses(config: Config, incident_id: str, status: str, message: str) -> None:
    path = new_incident(config, Path("incidents"), "Outage", {"web": "major_outage"},
                        message="Down.", at=AT)
    with pytest.raises(KabarError) as caught:
        add_update(config, Path("incidents"), incident_id, status, "Up.", LATER)
    assert str(caught.value) == message
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["updates"][-1]["message"] == "Down."


def test_kabar_new_then_update_then_validate(config: Config,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "Checkout errors", "--component", "web=partial_outage",
                 "--message", "Some payments fail.", "--now", "2025-07-16T06:15:00+07:00"]) == 0
    assert capsys.readouterr().out == "wrote incidents/2025-07-16-checkout-errors.yaml\n"
    assert main(["new", "--update", "2025-07-16-checkout-errors", "--status", "resolved",
                 "--message", "Payments work again.", "--now", "2025-07-16T07:00:00+07:00"]) == 0
    assert capsys.readouterr().out == "updated incidents/2025-07-16-checkout-errors.yaml\n"
    assert main(["validate"]) == 0
    incident = _load()["2025-07-16-checkout-errors"]
    assert [u.status for u in incident.updates] == [
        "investigating", "resolved"]
    assert main(["new", "Oops", "--component", "web=broken"]) == 1
    assert capsys.readouterr().err == (
        "error: --component web=broken: unknown state 'broken'; expected one of "
        "degraded_performance, partial_outage, major_outage\n")


ODD_PLACES = {
    "inline-comments": (
        "title: Slow API\n"
        "components: {web: partial_outage}   # just the web\n"
        "updates:  # oldest first\n"
        "- at: 2025-07-16 06:15  # WIB\n"
        "  status: investigating   # still looking\n"
        "  message: Requests are slow.   # first note\n"
        "# after the list, before impact\n"
        "impact: minor\n",
        "- at: 2025-07-16 07:05\n"
        "  status: identified\n"
        "  message: 'Found it: a full disk.'\n",
        "  message: Requests are slow.   # first note\n"),
    "comment-after-a-flow-item": (
        "title: Slow API\n"
        "components: {web: partial_outage}\n"
        "updates:\n"
        "- {at: 2025-07-16 06:15, status: investigating, message: Requests are slow.}  # hm\n"
        "\n"
        "# the postmortem, once we know\n"
        "postmortem: To be written.\n",
        "- at: 2025-07-16 07:05\n"
        "  status: identified\n"
        "  message: 'Found it: a full disk.'\n",
        "message: Requests are slow.}  # hm\n"),
}


@pytest.mark.parametrize(("original", "added", "after"), ODD_PLACES.values(),
                         ids=ODD_PLACES.keys())
def test_add_update_with_comments_in_odd_places(config: Config, original: str, added: str,
                                               after: str) -> None:
    path = Path("incidents/2025-07-16-slow-api.yaml")
    path.write_text(original, encoding="utf-8")
    add_update(config, Path("incidents"), path.stem, "identified", "Found it: a full disk.", LATER)
    assert path.read_text(encoding="utf-8") == original.replace(after, after + added, 1)
    assert [u.status for u in _load()[path.stem].updates] == ["investigating", "identified"]


def test_add_update_to_a_flow_style_list(config: Config) -> None:
    path = Path("incidents/2025-07-16-slow-api.yaml")
    path.write_text("title: Slow API\ncomponents: {web: partial_outage}\n"
                    "updates: [{at: 2025-07-16 06:15, status: investigating, message: Slow.}]"
                    "  # one so far\n# the end\n", encoding="utf-8")
    add_update(config, Path("incidents"), path.stem, "identified", "A full disk.", LATER)
    assert path.read_text(encoding="utf-8") == (
        "title: Slow API\ncomponents: {web: partial_outage}\n"
        "updates: [{at: 2025-07-16 06:15, status: investigating, message: Slow.}, "
        "{at: 2025-07-16 07:05, status: identified, message: A full disk.}] # one so far\n"
        "# the end\n")
    assert [u.status for u in _load()[path.stem].updates] == ["investigating", "identified"]


@pytest.mark.parametrize(("original", "line"), [
    ("title: Slow API\ncomponents: {web: partial_outage}\nupdates: [\n"
     "  {at: 2025-07-16 06:15, status: investigating, message: Slow.},  # first\n]\n", 3),
    ("title: Slow API\ncomponents:\n    web: partial_outage\nupdates:\n"
     "  - at: 2025-07-16 06:15\n    status: investigating\n    message: >\n      Requests\n"
     "      are slow.\n", 8),
], ids=["comment-inside-a-flow-list", "two-indentations"])
def test_add_update_refuses_what_it_would_rewrite(config: Config, original: str,
                                                  line: int) -> None:
    path = Path("incidents/2025-07-16-slow-api.yaml")
    path.write_text(original, encoding="utf-8")
    with pytest.raises(KabarError) as caught:
        add_update(config, Path("incidents"), path.stem, "identified", "A full disk.", LATER)
    assert str(caught.value) == (
        f"incidents/2025-07-16-slow-api.yaml:{line}: error: appending the update would also "
        "rewrite this line (ruamel.yaml keeps one indentation for a whole file, and no "
        "comment inside a flow list); add the update by hand")
    assert path.read_text(encoding="utf-8") == original


def test_add_update_refuses_an_alias_bomb_quickly(config: Config) -> None:
    path = Path("incidents/2025-07-16-bomb.yaml")
    lines = ["title: Bomb", "components: {web: partial_outage}", "a0: &a0 [x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]"
              for n in range(1, 12)]
    lines += ["updates:", "- {at: 2025-07-16 06:15, status: investigating, message: Down.}"]
    original = "\n".join(lines) + "\n"
    path.write_text(original, encoding="utf-8")
    with pytest.raises((KabarError, ValidationError)):
        add_update(config, Path("incidents"), path.stem, "identified", "Found it.", LATER)
    assert path.read_text(encoding="utf-8") == original


def test_kabar_new_writes_the_title_and_message_in_each_language(
        config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    status = Path("status.yaml")
    status.write_text(status.read_text().replace("  timezone: Asia/Jakarta\n",
                                                 "  timezone: Asia/Jakarta\n"
                                                 "  languages: [id, en]\n"))
    assert main(["new", "Kegagalan login", "--title-en", "Login failures", "--component",
                 "api=major_outage", "--message", "Pengguna tertahan.\nKami menyelidiki.",
                 "--message-en", "Users are stuck.", "--now", "2025-07-16T06:15+07:00"]) == 0
    path = Path("incidents/2025-07-16-kegagalan-login.yaml")
    assert path.read_text().splitlines()[1:] == [
        "title:", "  id: Kegagalan login", "  en: Login failures",
        "components:", "  api: major_outage", "updates:",
        "  - at: 2025-07-16 06:15", "    status: investigating", "    message:",
        "      id: |", "        Pengguna tertahan.", "        Kami menyelidiki.",
        "      en: Users are stuck."]
    assert main(["validate"]) == 0  # no language missing: no warning
    assert "warning" not in capsys.readouterr().err
    assert main(["new", "Oops", "--title-en", "x"]) == 0  # the site has en
    status.write_text(status.read_text().replace("  languages: [id, en]\n", ""))
    assert main(["new", "Oops", "--title-id", "x", "--now", "2025-07-16T06:15+07:00"]) == 1
    assert capsys.readouterr().err.endswith(
        "error: --title-id: 'id' is not a language of this site (site.languages: en)\n")
