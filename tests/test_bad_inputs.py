"""A corpus of bad inputs: each gives exit 1, one line per problem with its position and fix,
no traceback, and nothing written, whether through ``kabar validate`` or ``kabar build``.

The files are in ``tests/fixtures/bad/`` (``status/`` replaces status.yaml, ``incidents/``
sits beside ``good-status.yaml``); the huge, binary and non-UTF-8 ones are made here.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.site import inputs, pool
from tests.conftest import ROOT

BAD = ROOT / "tests" / "fixtures" / "bad"
NOW = "1785000000"  # 2026-07-25 17:20 UTC, 2026-07-26 00:20 WIB

TIME = "expected a time like 2025-07-16 06:15 (in Asia/Jakarta) or 2025-07-16T06:15+07:00"
SITE_KEYS = ("expected one of accent, description, favicon, interval, language, languages, "
             "links, logo, timezone, title, url")
INCIDENT_KEYS = "expected one of components, impact, maintenance, postmortem, title, updates"
BOMB = ("aliases (*name) expand this to more than 100,000 values; write the values out "
        "instead of repeating aliases")
CYCLE = "an alias (*name) inside the value it names repeats it forever; write the value out instead"
DEEP = "values nested more than 32 levels deep; Kabar's files need a few levels: flatten it"
TAB = "YAML syntax: a tab character; indent with spaces, not tabs"

STATUS: dict[str, list[str]] = {
    "alias-bomb": [f"4:3: error: {BOMB}"],
    "alias-cycle": [f"1:7: error: {CYCLE}"],
    "bad-indent": ["3:7: error: YAML syntax: 'url' is indented more than the line above "
                   "allows; line it up with the keys it belongs with (same number of spaces)"],
    "bad-language": ["1:77: error: 'language': expected one of en, id; got 'fr'"],
    "bad-method": ["5:55: error: 'method': expected one of GET, HEAD, POST, PUT, PATCH, DELETE, "
                   "OPTIONS; got 'FETCH'"],
    "colon-in-description": [
        "4:20: error: YAML syntax: ': ' inside the value of 'description'; quote the "
        "description, like description: \"Note: we are migrating\""],
    "components-mapping": ["3:3: error: 'components': expected a list of components, each with "
                           "an id and a name; got {'api': {'name': 'API'}}"],
    "control-character": ["1:23: error: YAML syntax: the control character #x0007 is not "
                          "allowed in YAML text; remove it"],
    "deep-nesting": [f"5:48: error: {DEEP}"],
    "duplicate-component-id": ["4:10: error: 'id': 'api' is already the id of the component at "
                               "line 3; ids must be unique"],
    "duplicate-keys": ["4:3: error: 'title': duplicate key (also on line 2); keep only one",
                       "8:5: error: 'name': duplicate key (also on line 7); keep only one"],
    "empty": ["1:1: error: the file is empty; expected the keys 'site' and 'components'"],
    "impossible-since": ["3:33: error: 'since': expected a date like 2025-07-16; got "
                         "'2025-02-30' (there is no 2025-02-30)"],
    "interval-without-unit": ["1:77: error: 'interval': expected a duration above zero like "
                              "500ms, 10s, 5m, 2h or 14d; got 5"],
    "list-document": ["1:1: error: the file: expected a mapping with the keys 'site' and "
                      "'components'; got ['site', 'components']"],
    "misspelled-site-key": [f"4:3: error: 'timezon': unknown key; {SITE_KEYS} (did you mean "
                            "'timezone'?)"],
    "misspelled-top-key": ["1:1: error: 'components': required key is missing",
                           "2:1: error: 'componets': unknown key; expected one of components, "
                           "control, notify, site, subscribe, upstreams, uptime (did you mean "
                           "'components'?)"],
    "only-comments": ["1:1: error: the file is empty; expected the keys 'site' and "
                      "'components'"],
    "port-out-of-range": ["5:18: error: 'tcp': expected host:port like db.example.com:5432; got "
                          "'db.example.com:99999'"],
    "probe-two-kinds": ["5:47: error: 'probe': expected exactly one of http, tcp, dns, tls; got "
                        "'http' and 'tcp'"],
    "relative-url": ["1:36: error: 'url': expected an absolute http(s) URL like "
                     "https://status.example.com/; got 'status.example.com'"],
    "scalar-document": ["1:1: error: the file: expected a mapping with the keys 'site' and "
                        "'components'; got 'just some text'"],
    "syntax-unclosed-bracket": ["3:1: error: YAML syntax: did not find expected ',' or ']'; "
                                "close the '[' opened at line 2 col 13, or quote a value that "
                                "holds ',' or ': '"],
    "tab-indent": [f"2:1: error: {TAB}"],
    "timezone-offset": ["1:77: error: 'timezone': expected an IANA time zone like Asia/Jakarta "
                        "or UTC; got '+07:00' (+07:00 is an offset, not a zone: write Etc/GMT-7 "
                        "(UTC+7; note the inverted sign) or a city such as Asia/Jakarta)"],
    "title-number": ["1:15: error: 'title': expected a non-empty string; got 2025 (put it in "
                     "quotes to keep it as text)"],
    "unknown-component-key": ["5:5: error: 'colour': unknown key; expected one of description, "
                              "group, id, name, probe, since"],
    "unknown-timezone": ["1:77: error: 'timezone': expected an IANA time zone like Asia/Jakarta "
                         "or UTC; got 'Asia/Jakart' (did you mean 'Asia/Jakarta'?)"],
}

INCIDENTS: dict[str, list[str]] = {
    "alias-bomb": [f"7:3: error: {BOMB}"],
    "alias-cycle": [f"3:10: error: {CYCLE}"],
    "bad-component-state": ["2:19: error: 'api': expected one of degraded_performance, "
                            "partial_outage, major_outage, under_maintenance; got 'down'"],
    "bad-impact": ["2:9: error: 'impact': expected one of none, minor, major, critical; got "
                   "'severe'"],
    "clock-time-only": [f"4:9: error: 'at': {TIME}; got '17:24' (a clock time alone: write a "
                        "date and a time, like 2025-07-16 17:24)"],
    "colon-in-flow-message": ["4:65: error: YAML syntax: did not find expected ',' or '}'; "
                              "close the '{' opened at line 4 col 5, or quote a value that "
                              "holds ',' or ': '"],
    "colon-in-message": ["6:19: error: YAML syntax: ': ' inside the value of 'message'; quote "
                         "the message, like message: \"Cause: a bad deploy\""],
    "completed-then-more": ["7:5: error: 'updates[2]': comes after the 'completed' update on "
                            "line 6; nothing may follow 'completed', so make the latest update "
                            "the completed one"],
    "components-list": ["2:13: error: 'components': expected a mapping of component id to "
                        "state like {api: major_outage}; got ['api']"],
    "date-only": [f"4:9: error: 'at': {TIME}; got '2025-07-16' (a date alone: add the time, "
                  "like 2025-07-16 06:15)"],
    "deep-nesting": [f"36:67: error: {DEEP}"],
    "duplicate-keys": ["3:1: error: 'title': duplicate key (also on line 1); keep only one",
                       "7:5: error: 'status': duplicate key (also on line 6); keep only one"],
    "empty": ["1:1: error: the file is empty; expected at least 'title' and 'updates'"],
    "hour-25": [f"4:9: error: 'at': {TIME}; got '2025-07-16 25:15' (there is no 25:15: hours "
                "go to 23, minutes to 59)"],
    "impossible-date": [f"4:9: error: 'at': {TIME}; got '2025-02-29 06:15' (there is no "
                        "2025-02-29)"],
    "year-one": [f"4:9: error: 'at': {TIME}; got '0001-01-01T00:00+05:00' (in UTC that falls "
                 "outside the years 1 to 9999; check the year)"],
    "incident-status-in-maintenance": ["5:36: error: 'status': expected one of scheduled, "
                                       "in_progress, verifying, completed; got 'investigating'"],
    "maintenance-ends-before-start": ["2:45: error: 'end': expected a time after start "
                                      "(2026-12-01 03:00); got '2026-12-01 01:00'"],
    "maintenance-status-in-incident": ["4:36: error: 'status': expected one of investigating, "
                                       "identified, monitoring, resolved; got 'scheduled'"],
    "message-bool": ["4:60: error: 'message': expected a non-empty string; got True (put it in "
                     "quotes to keep it as text)"],
    "misspelled-key": ["1:1: error: 'updates': required key is missing",
                       f"3:1: error: 'upates': unknown key; {INCIDENT_KEYS} (did you mean "
                       "'updates'?)"],
    "misspelled-update-key": ["4:5: error: 'message': required key is missing",
                              "4:51: error: 'mesage': unknown key; expected one of at, message, "
                              "status (did you mean 'message'?)"],
    "no-updates": ["1:1: error: 'updates': required key is missing"],
    "resolved-then-more": ["6:5: error: 'updates[2]': comes after the 'resolved' update on line "
                           "5; nothing may follow 'resolved', so make the latest update the "
                           "resolved one"],
    "status-typo": ["5:13: error: 'status': expected one of investigating, identified, "
                    "monitoring, resolved; got 'resolvd'"],
    "syntax-unclosed-quote": ["4:1: error: YAML syntax: found unexpected end of stream; close "
                              "the quote opened at line 1 col 8"],
    "list-dash-without-space": ["7:3: error: YAML syntax: '-at:' is not a list item; put a "
                                "space after the '-' (\"- at\")"],
    "list-item-indented": ["7:4: error: YAML syntax: this list item's '-' is at column 4, but "
                           "the list began at column 3 (line 4); start every '- ' of one list "
                           "at the same column"],
    "list-key-outdented": ["5:3: error: YAML syntax: this line is at column 3, where the list "
                           "that began on line 4 has its '- '; indent it to line up with the "
                           "keys of the item above, or start a new item with '- '"],
    "tab-indent": [f"3:1: error: {TAB}"],
    "time-number": [f"4:9: error: 'at': {TIME}; got 1752621300"],
    "title-empty": ["1:8: error: 'title': expected a non-empty string; got ''"],
    "undefined-alias": ["1:8: error: YAML syntax: '*' starts an alias, and no anchor '&name' "
                        "comes before it; quote the text if the '*' is meant literally"],
    "unknown-component": ["2:14: error: 'apii': unknown component id; expected one of api, web "
                          "(did you mean 'api'?)"],
    "updates-mapping": ["4:3: error: 'updates': expected a list of updates, each with at, "
                        "status and message; got {'at': '2025-07-16 06:15', 'status': "
                        "'investigating', 'me... (start each update with '- ')"],
    "zone-name": [f"4:9: error: 'at': {TIME}; got '2025-07-16 06:15 WIB' (a zone name like "
                  "'WIB' is not read: write an offset like +07:00, or leave it out for the "
                  "site's time zone)"],
}

LATIN_1 = ("title: Gangguan layanan\nupdates:\n  - {at: 2025-07-16 06:15, status: "
           "investigating, message: Café down}\n").encode("latin-1")
# Made here rather than kept as files: too big, or bytes an editor would "fix".
GENERATED: dict[str, tuple[bytes, list[str]]] = {
    "ten-megabytes": (b"title: " + b"x" * (10 * 1024 * 1024) + b"\n", [
        "1:1: error: the file is larger than 1 MB; this is not a Kabar file, or it needs to be "
        "split or shortened"]),
    "binary-garbage": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0" + bytes(range(256)) * 4, [
        "3:1: error: a NUL byte: this is binary data, not YAML text; replace the file with a "
        "text one"]),
    "latin-1": (LATIN_1, ["3:63: error: not UTF-8 text (byte 0xe9); save the file as UTF-8"]),
    # Deeper than libyaml itself allows (1,000 levels).
    "very-deep": (b"x: " + b"[" * 2000 + b"]" * 2000 + b"\n", [f"1:1003: error: {DEEP}"]),
    # Under 1 MB, but 500,000 values: counted before a node is made for each.
    "many-values": (b"[" + b"1," * 500_000 + b"]\n", [
        "1:200000: error: more than 100,000 values in one file; this is not a Kabar file, or it "
        "needs to be split or shortened"]),
}

CASES = ([pytest.param("status", name, id=f"status-{name}") for name in STATUS]
         + [pytest.param("incidents", name, id=f"incident-{name}") for name in INCIDENTS]
         + [pytest.param(kind, name, id=f"{kind}-{name}") for kind in ("status", "incidents")
            for name in GENERATED])


def test_the_corpus_is_complete() -> None:
    """Every fixture file has its expected lines, and the corpus is at least 40 files."""
    assert sorted(p.stem for p in (BAD / "status").glob("*.yaml")) == sorted(STATUS)
    assert sorted(p.stem for p in (BAD / "incidents").glob("*.yaml")) == sorted(INCIDENTS)
    assert len(CASES) >= 40


def _site(folder: Path, kind: str, name: str) -> tuple[str, list[str]]:
    """A site in ``folder`` with the one bad file; its shown path and expected lines."""
    (folder / "incidents").mkdir()
    if name in GENERATED:
        data, lines = GENERATED[name]
    else:
        data = (BAD / kind / f"{name}.yaml").read_bytes()
        lines = (STATUS if kind == "status" else INCIDENTS)[name]
    if kind == "status":
        (folder / "status.yaml").write_bytes(data)
        shown = "status.yaml"
    else:
        (folder / "status.yaml").write_bytes((BAD / "good-status.yaml").read_bytes())
        (folder / "incidents" / f"{name}.yaml").write_bytes(data)
        shown = f"incidents/{name}.yaml"
    return shown, lines


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NOW)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_each_bad_input_is_one_line_per_problem(kind: str, name: str, here: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    shown, lines = _site(here, kind, name)
    expected = [f"{shown}:{line}" for line in lines]
    count = f"{len(lines)} {'error' if len(lines) == 1 else 'errors'}"
    before = sorted(p.name for p in here.iterdir())

    assert main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert (out, err.splitlines()) == ("", [*expected, count])

    assert main(["build", "--out", "_site", "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert (out, err.splitlines()) == ("", [*expected,
                                            f"{count}; nothing was written"])
    assert sorted(p.name for p in here.iterdir()) == before  # no _site, no staging folder


def _kabar(cwd: Path, *args: str, limited: bool = False) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    environ.update(PYTHONPATH=str(ROOT), SOURCE_DATE_EPOCH=NOW)
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=60,
                          preexec_fn=_limited if limited else None)


def _limited() -> None:
    """In the child: at most 1 GiB of address space, so a blow-up fails instead of swapping."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize(("kind", "name"), [
    ("incidents", "alias-bomb"), ("status", "alias-bomb"), ("incidents", "deep-nesting"),
    ("incidents", "ten-megabytes"), ("status", "binary-garbage"), ("status", "many-values")])
@pytest.mark.parametrize("command", ["validate", "build"])
def test_hostile_files_end_quickly_in_bounded_memory(kind: str, name: str, command: str,
                                                      tmp_path: Path) -> None:
    """The real command, in a process with a memory limit and a timeout (an alias bomb used
    to hang ``validate`` and ``build``: 387 million strings)."""
    shown, lines = _site(tmp_path, kind, name)
    result = _kabar(tmp_path, command, limited=True)
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"{shown}:{lines[0]}"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "_site").exists()


def test_a_missing_incidents_folder_that_was_named_is_an_error(here: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    _site(here, "status", "empty")
    (here / "status.yaml").write_bytes((BAD / "good-status.yaml").read_bytes())
    for command in (["validate"], ["build", "--no-cache"]):
        assert main([*command, "--incidents", "no-such-folder/"]) == 1
        assert capsys.readouterr() == ("", "error: --incidents no-such-folder: no such folder; "
                                           "give the folder that holds the incident files\n")
    assert not (here / "_site").exists()
    (here / "incidents").rmdir()  # the default folder may be absent: git keeps no empty one
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == ("status.yaml: 2 components, 0 incident and maintenance "
                                       "files: valid\n")


AHEAD = ("incidents/typo.yaml:10:9: warning: 'at': 2027-07-16 07:00 WIB is more than 5 minutes "
         "after now (2026-07-26 00:20 WIB), so the page shows nothing of it until then; check "
         "the date and the time zone (a time without an offset is in site.timezone)")


def test_an_update_a_year_ahead_is_a_warning_and_strict_makes_it_an_error(
        here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _site(here, "status", "empty")
    (here / "status.yaml").write_bytes((BAD / "good-status.yaml").read_bytes())
    good = (BAD / "good-incident.yaml").read_text()
    (here / "incidents" / "typo.yaml").write_text(good.replace("2025-07-16 07:00",
                                                               "2027-07-16 07:00"))
    # A maintenance's window may lie ahead: that is what scheduling is (its updates may not).
    (here / "incidents" / "upgrade.yaml").write_text(
        "title: Upgrade\nmaintenance: {start: 2026-08-20 01:00, end: 2026-08-20 03:00}\n"
        "components: {api: under_maintenance}\nupdates:\n"
        "  - {at: 2026-07-25 10:00, status: scheduled, message: Announced.}\n")

    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [AHEAD]
    assert out.endswith(": valid\n")

    assert main(["validate", "--strict"]) == 1
    assert capsys.readouterr().err.splitlines() == [AHEAD, "1 warning and --strict is on"]

    # In a process of its own: the build logs the warnings that stop it.
    result = _kabar(here, "build", "--strict", "--no-cache")
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        AHEAD, "error: 1 warning and --strict is on; fix them first"])
    assert not (here / "_site").exists()

    assert main(["build", "--no-cache"]) == 0
    assert capsys.readouterr().err.splitlines() == [AHEAD]


@pytest.mark.parametrize(("ahead", "warned"), [(4, False), (6, True), (180, True)])
def test_an_update_minutes_ahead_is_warned_about_maintenance_too(
        here: Path, capsys: pytest.CaptureFixture[str], ahead: int, warned: bool) -> None:
    """Issue 15: an update three hours ahead (a time zone mistake) validated and built, then
    showed nowhere; the warning existed only beyond a day."""
    _site(here, "status", "empty")
    (here / "status.yaml").write_bytes((BAD / "good-status.yaml").read_bytes())
    at = datetime(2026, 7, 26, 0, 20) + timedelta(minutes=ahead)  # WIB, as the site's zone
    (here / "incidents" / "upgrade.yaml").write_text(
        "title: Upgrade\nmaintenance: {start: 2026-08-20 01:00, end: 2026-08-20 03:00}\n"
        f"components: {{api: under_maintenance}}\nupdates:\n"
        f"  - {{at: {at:%Y-%m-%d %H:%M}, status: scheduled, message: Announced.}}\n")
    assert main(["validate"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ([f"incidents/upgrade.yaml:5:10: warning: 'at': {at:%Y-%m-%d %H:%M} WIB is "
                    "more than 5 minutes after now (2026-07-26 00:20 WIB), so the page shows "
                    "nothing of it until then; check the date and the time zone (a time "
                    "without an offset is in site.timezone)"] if warned else [])
    assert main(["validate", "--strict"]) == (1 if warned else 0)


# Paths: nothing outside the site's folders is read, and odd names stay one line.

def _good_site(here: Path) -> None:
    (here / "incidents").mkdir()
    (here / "status.yaml").write_bytes((BAD / "good-status.yaml").read_bytes())


def test_an_incident_linked_to_a_file_outside_is_refused_unread(
        here: Path, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    _good_site(here)
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.yaml"
    outside.write_text("title: the secret is hunter2\n")
    (here / "incidents" / "passwd.yaml").symlink_to("/etc/passwd")
    (here / "incidents" / "secret.yaml").symlink_to(outside)
    (here / "incidents" / "up.yaml").symlink_to("../status.yaml")  # out of the folder, too
    good = here / "incidents" / "real.yaml"
    good.write_bytes((BAD / "good-incident.yaml").read_bytes())
    (here / "incidents" / "alias.yaml").symlink_to("real.yaml")  # inside: fine
    link = "a symbolic link to a file outside the incidents folder; put the incident file " \
           "itself in the folder"
    expected = [f"incidents/{name}.yaml:1:1: error: {link}" for name in ("passwd", "secret", "up")]

    assert main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [*expected, "3 errors"]
    assert main(["build", "--no-cache"]) == 1
    out, err = capsys.readouterr()
    assert err.splitlines() == [*expected, "3 errors; nothing was written"]
    assert "root:" not in err and "hunter2" not in err
    assert not (here / "_site").exists()

    assert main(["new", "--update", "secret", "--status", "resolved", "--message", "x"]) == 1
    assert capsys.readouterr().err == ("error: incidents/secret.yaml: a symbolic link to a "
                                       "file outside the incidents folder; refusing to write "
                                       "through it\n")
    assert outside.read_text() == "title: the secret is hunter2\n"


def test_a_status_yaml_linked_outside_is_refused_unread(here: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    (here / "incidents").mkdir()
    (here / "status.yaml").symlink_to("/etc/passwd")
    assert main(["validate"]) == 1
    assert capsys.readouterr().err == ("status.yaml:1:1: error: a symbolic link to a file "
                                       "outside its folder; put the file itself there\n"
                                       "1 error\n")


def test_odd_file_names_are_one_line_each_and_nothing_blocks(
        here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _good_site(here)
    good = (BAD / "good-incident.yaml").read_bytes()
    for name in ("line\nbreak.yaml", "Login Errors.yaml", ".hidden.yaml"):
        (here / "incidents" / name).write_bytes(good)
    os.mkfifo(here / "incidents" / "pipe.yaml")  # reading it would wait for a writer forever
    (here / "incidents" / "folder.yaml").mkdir()
    assert main(["validate"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "incidents/.hidden.yaml:1:1: error: incident id '.hidden' (the file name) is not "
        "URL-safe; rename the file to lowercase letters, digits, '.', '_' and '-', like "
        "'hidden.yaml'",
        "incidents/Login Errors.yaml:1:1: error: incident id 'Login Errors' (the file name) is "
        "not URL-safe; rename the file to lowercase letters, digits, '.', '_' and '-', like "
        "'login-errors.yaml'",
        "incidents/folder.yaml:1:1: error: cannot read: it is a folder; an incident or "
        "status.yaml must be a plain file",
        "incidents/line\\nbreak.yaml:1:1: error: incident id 'line\\nbreak' (the file name) is "
        "not URL-safe; rename the file to lowercase letters, digits, '.', '_' and '-', like "
        "'line-break.yaml'",
        "incidents/pipe.yaml:1:1: error: cannot read: it is not a regular file; an incident or "
        "status.yaml must be a plain file",
        "5 errors"]
    # The build reads them another way (cached, prefetched, in worker processes when there
    # are many): still no wait, even for a worker that meets the pipe.
    for n in range(pool.MINIMUM + 100):
        (here / "incidents" / f"good-{n:03d}.yaml").write_bytes(good)
    monkeypatch.setenv("KABAR_WORKERS", "2")
    parsers: set[int] = set()
    split_map = inputs.split_map
    monkeypatch.setattr(inputs, "split_map",
                        lambda *args, **options: split_map(*args, **{**options, "pids": parsers}))
    assert main(["build"]) == 1
    assert err[4] in capsys.readouterr().err.splitlines()
    assert parsers and os.getpid() not in parsers  # workers parsed the files


def test_a_file_name_cannot_forge_a_github_annotation(here: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _good_site(here)
    (here / "incidents" / "x,line=99::hi%.yaml").write_text("title: [\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["validate"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "::error file=incidents/x%2Cline=99%3A%3Ahi%25.yaml,line=1,col=1::incident id "
        "'x,line=99::hi%25' (the file name) is not URL-safe; rename the file to lowercase "
        "letters, digits, '.', '_' and '-', like 'x-line-99-hi.yaml'",
        "::error file=incidents/x%2Cline=99%3A%3Ahi%25.yaml,line=2,col=1::YAML syntax: did not "
        "find expected node content"]


def test_an_incident_id_given_as_a_path_stays_in_the_folder(
        here: Path, tmp_path_factory: pytest.TempPathFactory,
        capsys: pytest.CaptureFixture[str]) -> None:
    _good_site(here)
    outside = tmp_path_factory.mktemp("elsewhere") / "x.yaml"
    outside.write_bytes((BAD / "good-incident.yaml").read_bytes())
    for given in (f"../{outside.parent.name}/x", str(outside)):
        assert main(["new", "--update", given, "--status", "resolved", "--message", "x"]) == 1
        assert capsys.readouterr().err.startswith("error: incidents/x.yaml: no such incident")
    assert outside.read_bytes() == (BAD / "good-incident.yaml").read_bytes()


def test_two_files_with_one_id_are_one_line(here: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _good_site(here)
    for name in ("login.yaml", "login.yml"):
        (here / "incidents" / name).write_bytes((BAD / "good-incident.yaml").read_bytes())
    assert main(["build", "--no-cache"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "incidents/login.yml:1:1: error: incident id 'login' is also the id of "
        "incidents/login.yaml; rename or remove one of the two files",
        "1 error; nothing was written"]
    assert not (here / "_site").exists()
