"""``kabar notify`` over a scripted day, against real receivers on 127.0.0.1.

A JSON webhook, ntfy, Slack and Discord (through a local CONNECT proxy that answers for their
hosts) and an SMTP server each get exactly the messages their ``events`` ask for, once, over
runs that go down, down, down, up, a single failed run, an incident with two updates and a
maintenance during which the component is down.
"""

from __future__ import annotations

import email
import email.policy
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.clock import isoformat
from generator.errors import HistoryError
from generator.history.record import record
from generator.load.config import load_config
from generator.load.results import Result, Run, write_run
from tests.notify_receivers import Webhook, smtp_server, webhook

T0 = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)  # 05:00 WIB on 25 November
HOOK_SECRET = "hook-canary-7d1e5a"
SLACK_SECRET = "slackcanary93b4x"
STATUS = """\
site:
  title: Nusa Status
  url: https://status.example.com/
  timezone: Asia/Jakarta
components:
  - id: api
    name: API
    probe: {{http: "http://127.0.0.1:9/health"}}
  - id: web
    name: Website
    probe: {{tcp: "127.0.0.1:9"}}
notify:
  after: 2
  channels:
    - url: "json://127.0.0.1:{hook}/${{HOOK_SECRET}}"
    - url: "ntfy://127.0.0.1:{hook}/nusa-status"
      events: [outage, recovery]
    - url: "mailto://127.0.0.1:{smtp}?from=status@example.com&to=ops@example.com"
      events: [incident]
    - url: "slack://T000/B000/${{SLACK_SECRET}}?verify=no"
      events: [maintenance]
    - url: "discord://1234/abcd?verify=no"
      events: [outage, degraded]
"""
LOGIN = """\
title: Login errors
components: {api: partial_outage}
updates:
"""
UPDATES = [
    "  - {at: 2026-11-25 05:38, status: investigating, message: Some users cannot log in.}\n",
    "  - {at: 2026-11-25 05:41, status: identified, message: A certificate expired.}\n",
    "  - {at: 2026-11-25 05:43, status: resolved, message: We renewed it.}\n",
]
MAINTENANCE = """\
title: Database upgrade
maintenance: {start: 2026-11-25 05:50, end: 2026-11-25 06:05}
components: {web: under_maintenance}
"""


@dataclass
class Site:
    root: Path
    hook: Webhook
    mail: list[tuple[str, list[str], bytes]]
    outputs: list[str] = field(default_factory=list)

    def run(self, minutes: int, capsys: pytest.CaptureFixture[str], api: str = "up",
            web: str = "up", *extra: str) -> int:
        """Record one run ``minutes`` after T0, then ``kabar notify`` as at that run."""
        at = T0 + timedelta(minutes=minutes)
        config = load_config(self.root / "status.yaml")
        results = [Result("api", at, api, 120.0, 200 if api == "up" else None,
                          None if api == "up" else "connection refused"),
                   Result("web", at, web, 30.0, None, None if web == "up" else "timed out")]
        path = self.root / "results" / f"{minutes}.json"
        write_run(Run("default", at, at + timedelta(seconds=1), tuple(results)), path)
        record(self.root / "history", [path], config)
        return self.notify(minutes, capsys, *extra)

    def notify(self, minutes: int, capsys: pytest.CaptureFixture[str], *extra: str) -> int:
        at = T0 + timedelta(minutes=minutes)
        code = main(["notify", "-v", "--config", str(self.root / "status.yaml"),
                     "--incidents", str(self.root / "incidents"),
                     "--history", str(self.root / "history"), "--now", isoformat(at), *extra])
        captured = capsys.readouterr()
        self.outputs += [captured.out, captured.err]
        return code

    def received(self, host: str, path: str = "") -> list[tuple[str, str]]:
        """(title, text) of each message a webhook took, in order."""
        found = []
        for request in self.hook.received:
            if not request.host.startswith(host) or not request.path.startswith(path):
                continue
            body = request.json()
            if "attachments" in body and body["attachments"]:  # Slack
                found.append((body["attachments"][0]["title"], body["attachments"][0]["text"]))
            elif "content" in body:  # Discord: the title is the first line
                title, _, text = body["content"].partition("\r\n")
                found.append((title, text))
            else:  # Apprise's JSON, and ntfy
                found.append((body["title"], body["message"]))
        return found

    def emails(self) -> list[tuple[str, str]]:
        parsed = [email.message_from_bytes(raw, policy=email.policy.default)
                  for _, _, raw in self.mail]
        return [(str(m["Subject"]), m.get_content().replace("\r\n", "\n").rstrip("\n"))
                for m in parsed]  # type: ignore[attr-defined]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("HOOK_SECRET", HOOK_SECRET)
    monkeypatch.setenv("SLACK_SECRET", SLACK_SECRET)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with webhook(tmp_path) as hook, smtp_server() as (smtp_port, mail):
        # Slack and Discord go to their own hosts: through the test's proxy.
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{hook.port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        root = tmp_path / "site"
        (root / "incidents").mkdir(parents=True)
        (root / "status.yaml").write_text(STATUS.format(hook=hook.port, smtp=smtp_port))
        yield Site(root, hook, mail)


OUTAGE = ("Nusa Status: API down",
          "API has been down since 25 November 2026 05:05 WIB.\n"
          "Last check: connection refused\n"
          "Details: https://status.example.com/components/api.html")
RECOVERY = ("Nusa Status: API recovered",
            "API is operational again since 25 November 2026 05:20 WIB, after 15 minutes.\n"
            "Details: https://status.example.com/components/api.html")
LINK = "Details: https://status.example.com/incidents/2026-11-25-login.html"
PUBLISHED = ("Nusa Status: Login errors (Investigating)",
             "New incident (Investigating), posted 25 November 2026 05:38 WIB:\n"
             f"Some users cannot log in.\nAffected: API\n{LINK}")
IDENTIFIED = ("Nusa Status: Login errors (Identified)",
              "Update (Identified), posted 25 November 2026 05:41 WIB:\n"
              f"A certificate expired.\nAffected: API\n{LINK}")
RESOLVED = ("Nusa Status: Login errors (Resolved)",
            "Resolved, 25 November 2026 05:43 WIB:\nWe renewed it.\nDuration: 5 minutes.\n"
            f"Affected: API\n{LINK}")
DB = "Details: https://status.example.com/incidents/2026-11-25-db.html"
WINDOW = "Window: 25 November 2026 05:50 WIB – 25 November 2026 06:05 WIB"
STARTED = ("Nusa Status: maintenance started: Database upgrade",
           f"Maintenance started at 25 November 2026 05:50 WIB.\n{WINDOW}\n"
           f"Affected: Website\n{DB}")
COMPLETED = ("Nusa Status: maintenance completed: Database upgrade",
             f"Maintenance completed at 25 November 2026 06:05 WIB.\n{WINDOW}\n"
             f"Affected: Website\n{DB}")


def test_a_scripted_day_sends_each_event_once_to_the_channels_that_want_it(
        site: Site, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    json_hook = f"127.0.0.1:{site.hook.port}"
    assert site.run(0, capsys) == 0  # the baseline: nothing to say
    assert site.run(5, capsys, "down") == 0  # one failed run says nothing yet
    assert site.received(json_hook) == []
    assert site.run(10, capsys, "down") == 0  # the second in a row: an outage
    assert site.received(json_hook, "/") == [OUTAGE, OUTAGE]  # the JSON hook and ntfy
    assert site.run(15, capsys, "down") == 0  # still down: nothing new
    assert site.run(20, capsys, "up") == 0
    assert site.run(25, capsys, "up") == 0  # up twice: recovered
    assert site.run(30, capsys, "up", "down") == 0  # the website fails once only
    assert site.run(35, capsys) == 0
    assert site.notify(35, capsys) == 0  # a rerun of the same run sends nothing
    assert site.outputs[-2] == "nothing new to send\n"

    login = site.root / "incidents" / "2026-11-25-login.yaml"
    login.write_text(LOGIN + UPDATES[0])
    assert site.run(40, capsys) == 0
    login.write_text(LOGIN + "".join(UPDATES))
    assert site.run(45, capsys) == 0
    (site.root / "incidents" / "2026-11-25-db.yaml").write_text(MAINTENANCE)
    for minutes in (50, 55, 60):  # down during its maintenance: no outage
        assert site.run(minutes, capsys, "up", "down") == 0
    for minutes in (65, 70, 75):  # back after it: no recovery either
        assert site.run(minutes, capsys) == 0

    assert site.received(json_hook, f"/{HOOK_SECRET}") == [
        OUTAGE, RECOVERY, PUBLISHED, IDENTIFIED, RESOLVED, STARTED, COMPLETED]
    assert site.received(json_hook, "/ ") == []
    ntfy = [r.json() for r in site.hook.received if r.path == "/"]
    assert [(m["topic"], m["title"], m["message"]) for m in ntfy] == [
        ("nusa-status", *OUTAGE), ("nusa-status", *RECOVERY)]
    assert site.emails() == [PUBLISHED, IDENTIFIED, RESOLVED]
    assert [(sender, to) for sender, to, _ in site.mail] == [
        ("status@example.com", ["ops@example.com"])] * 3
    slack = [r for r in site.hook.received if r.host == "hooks.slack.com"]
    assert [r.path for r in slack] == [f"/services/T000/B000/{SLACK_SECRET}"] * 2
    assert site.received("hooks.slack.com") == [STARTED, COMPLETED]
    assert site.received("discord.com") == [OUTAGE]
    assert [r.path for r in site.hook.received if r.host == "discord.com"] == [
        "/api/webhooks/1234/abcd"]

    # The secrets went to their receivers and nowhere else: no output, no log, no file.
    written = [p.read_bytes() for p in site.root.rglob("*") if p.is_file()]
    for secret in (HOOK_SECRET, SLACK_SECRET):
        assert all(secret not in text for text in site.outputs)
        assert secret not in caplog.text
        assert all(secret.encode() not in data for data in written)
    assert "apprise: " in caplog.text  # apprise's own lines were there, secrets hidden
    assert "sent 1 message" in "".join(site.outputs)


def test_a_failing_channel_is_one_line_and_is_retried_on_the_next_run(
        site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.run(0, capsys)
    site.run(5, capsys, "down")
    site.hook.status = 500
    assert site.run(10, capsys, "down") == 1
    failures = [line for line in site.outputs[-1].splitlines() if line.startswith("notify:")]
    assert len(failures) == 3  # the JSON hook, ntfy and Discord all answer 500
    assert failures[0].startswith("notify: channel 1 (json): not sent: sending failed (")
    assert failures[0].endswith("); it is tried again on the next run")
    assert HOOK_SECRET not in site.outputs[-1]
    site.hook.status = 200
    site.hook.received.clear()
    assert site.run(15, capsys, "down") == 0
    assert site.received(f"127.0.0.1:{site.hook.port}") == [OUTAGE, OUTAGE]
    assert site.received("discord.com") == [OUTAGE]
    assert site.run(20, capsys, "down") == 0
    assert len(site.hook.received) == 3


def test_an_unset_variable_fails_that_channel_only(
        site: Site, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOOK_SECRET")
    site.run(0, capsys)
    site.run(5, capsys, "down")
    assert site.run(10, capsys, "down") == 1
    assert ("notify: channel 1 (json): not sent: ${HOOK_SECRET} is not set; export it, or "
            "pass the secret to the workflow step's env:; it is tried again on the next run"
            ) in site.outputs[-1].splitlines()
    assert site.received(f"127.0.0.1:{site.hook.port}", "/") == [OUTAGE]  # ntfy still got it


def test_dry_run_prints_and_sends_nothing(site: Site, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    site.run(0, capsys, "up", "up", "--dry-run")
    site.run(5, capsys, "down", "up", "--dry-run")
    assert site.run(10, capsys, "down", "up", "--dry-run") == 0
    assert site.outputs[-2].splitlines()[:4] == [
        "channel 1 (json): would send: Nusa Status: API down",
        "    API has been down since 25 November 2026 05:05 WIB.",
        "    Last check: connection refused",
        "    Details: https://status.example.com/components/api.html"]
    assert site.hook.received == []
    assert not (site.root / "history" / "notified.json").exists()


def test_test_sends_one_message_to_every_channel(site: Site,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert site.notify(0, capsys, "--test") == 0
    expected = ("Nusa Status: test message", "This is a test message from Kabar: messages "
                "about Nusa Status will arrive here.\nhttps://status.example.com/")
    assert site.received(f"127.0.0.1:{site.hook.port}") == [expected, expected]
    assert site.received("hooks.slack.com") == [expected]
    assert site.received("discord.com") == [expected]
    assert site.emails() == [expected]
    assert not (site.root / "history" / "notified.json").exists()


def test_merge_adds_what_a_racing_run_sent(site: Site, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    site.run(0, capsys)
    site.run(5, capsys, "down")
    site.run(10, capsys, "down")
    sent = site.root / "history" / "notified.json"
    ours = site.root / "ours.json"
    ours.write_bytes(sent.read_bytes())
    sent.write_text('{"sent": []}\n')  # the other run's file, which never heard of ours
    site.hook.received.clear()
    assert site.notify(10, capsys, "--merge", str(ours)) == 0
    assert site.hook.received == []
    assert sent.read_bytes() == ours.read_bytes()
    assert sent.read_text().count("measured/api/down/2026-11-24T22:05:00Z") == 3


def test_indonesian_site_words_its_messages_in_indonesian(
        site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    status = site.root / "status.yaml"
    status.write_text(status.read_text().replace("  timezone: Asia/Jakarta\n",
                                                 "  timezone: Asia/Jakarta\n  language: id\n"))
    for minutes, state in ((0, "up"), (5, "down"), (10, "down")):
        site.run(minutes, capsys, state)
    assert site.received("discord.com") == [(
        "Nusa Status: API mati",
        "API mati sejak 25 November 2026 05.05 WIB.\n"
        "Pemeriksaan terakhir: connection refused\n"
        "Rincian: https://status.example.com/components/api.html")]


def test_a_channel_in_another_language_links_the_pages_in_it(
        site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    status = site.root / "status.yaml"
    text = status.read_text().replace("  timezone: Asia/Jakarta\n",
                                      "  timezone: Asia/Jakarta\n  languages: [en, id]\n")
    status.write_text(text.replace('    - url: "discord://1234/abcd?verify=no"\n',
                                   '    - url: "discord://1234/abcd?verify=no"\n'
                                   '      language: id\n'))
    for minutes, state in ((0, "up"), (5, "down"), (10, "down")):
        site.run(minutes, capsys, state)
    assert site.received("discord.com") == [(
        "Nusa Status: API mati",
        "API mati sejak 25 November 2026 05.05 WIB.\n"
        "Pemeriksaan terakhir: connection refused\n"
        "Rincian: https://status.example.com/id/components/api.html")]
    others = [text for _, text in site.received("127.0.0.1")]  # the first language's
    assert others and all(text.endswith(
        "Details: https://status.example.com/components/api.html") for text in others)


def test_kabar_run_builds_the_page_when_a_channel_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.servers import closed_port

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOOK_SECRET", HOOK_SECRET)
    with webhook() as service:  # answers a GET with 501: the API is down
        Path("status.yaml").write_text(f"""\
site: {{title: Nusa Status, url: "https://status.example.com/"}}
components:
  - {{id: api, name: API, probe: {{http: "http://127.0.0.1:{service.port}/health"}}}}
notify:
  after: 1
  channels: [{{url: "json://127.0.0.1:{closed_port()}/${{HOOK_SECRET}}"}}]
""")
        assert main(["run", "--out", "_site", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert "built _site/" in out
    assert (tmp_path / "_site" / "index.html").is_file()
    failures = [line for line in err.splitlines() if line.startswith("notify:")]
    assert len(failures) == 1
    assert failures[0].startswith("notify: channel 1 (json): not sent: sending failed")
    assert HOOK_SECRET not in out + err
    assert not (tmp_path / "history" / "notified.json").exists()  # tried again next run


def test_a_new_channel_hears_no_old_news(site: Site, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    for minutes, state in ((0, "up"), (5, "down"), (10, "down")):
        site.run(minutes, capsys, state, "up", "--dry-run")
    assert "would send: Nusa Status: API down" in site.outputs[-2]
    assert site.notify(10 + 24 * 60 + 1, capsys) == 0  # the outage began over a day ago
    assert site.outputs[-2] == "nothing new to send\n"
    assert site.hook.received == []


def test_notified_json_is_sorted_keys_kept_for_a_week(tmp_path: Path) -> None:
    from generator.load.notify import Channel
    from generator.notify import sent

    channel = Channel("json://hooks.example/${HOOK}")
    old = sent.key(T0 - timedelta(days=8), "incident/a/2026-11-16T22:00:00Z/resolved", channel)
    new = sent.key(T0, "measured/api/down/2026-11-24T21:55:00Z", channel)
    path = tmp_path / "notified.json"
    sent.write(path, [new, old, new], T0)
    digest = sent.channel_id(channel)
    assert path.read_text() == (
        '{"sent": [\n'
        f'"2026-11-24T22:00:00Z measured/api/down/2026-11-24T21:55:00Z #{digest}"\n'
        "]}\n")
    assert sent.read(path) == {new}
    path.write_text('{"sent": "all of it"}')
    with pytest.raises(HistoryError, match=r"notified.json: expected \{\"sent\": \[keys\]\}"):
        sent.read(path)


def test_updates_stamped_in_the_same_minute_go_out_in_the_file_order(
        site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """``kabar new`` stamps to the minute: a quick investigating, identified, resolved share
    one time, and their messages keep the order of the file."""
    (site.root / "incidents" / "2026-11-25-login.yaml").write_text(LOGIN + "".join(
        update.replace("05:41", "05:38").replace("05:43", "05:38") for update in UPDATES))
    assert site.notify(40, capsys) == 0
    assert [title for title, _ in site.received(f"127.0.0.1:{site.hook.port}")] == [
        "Nusa Status: Login errors (Investigating)", "Nusa Status: Login errors (Identified)",
        "Nusa Status: Login errors (Resolved)"]
    assert [subject for subject, _ in site.emails()] == [
        "Nusa Status: Login errors (Investigating)", "Nusa Status: Login errors (Identified)",
        "Nusa Status: Login errors (Resolved)"]


def test_a_failed_test_message_says_it_is_not_tried_again(
        site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """``--test`` records nothing: a test message that failed is never sent again by itself."""
    site.hook.status = 500
    assert site.notify(0, capsys, "--test") == 1
    failures = [line for line in site.outputs[-1].splitlines() if line.startswith("notify:")]
    assert len(failures) == 4  # the JSON hook, ntfy, Slack and Discord answer 500; mail took it
    assert failures[0].startswith("notify: channel 1 (json): test message not sent: sending "
                                  "failed (")
    assert failures[0].endswith("); nothing is recorded and nothing retried: fix the channel "
                                "and run kabar notify --test again")
    assert len(site.emails()) == 1
    site.hook.status = 200
    site.hook.received.clear()
    assert site.notify(0, capsys) == 0  # the next run sends no test message
    assert site.outputs[-2] == "nothing new to send\n"
    assert site.hook.received == []
    assert len(site.emails()) == 1


def test_help_lists_every_event(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.load.notify import EVENTS

    with pytest.raises(SystemExit) as done:
        main(["notify", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert ("events: outage, degraded, recovery, incident, maintenance, upstream (a channel's "
            "default: "
            "outage, recovery, incident, maintenance)") in text.splitlines()
    assert all(event in text.split("events: ")[-1] for event in EVENTS)
    assert "send one test message to every channel, whatever its events" in " ".join(
        text.split())


def test_failures_inside_a_maintenance_window_send_no_outage_the_same_outside_do(
        site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """A maintenance is in progress by its window, though its only update says scheduled:
    what probes measure inside it is no outage; the same failures after it are one."""
    (site.root / "incidents" / "2026-11-25-db.yaml").write_text("""\
title: Database upgrade
maintenance: {start: 2026-11-25 05:03, end: 2026-11-25 05:30}
components: {api: under_maintenance}
updates:
  - {at: 2026-11-25 04:00, status: scheduled, message: We will upgrade the database.}
""")
    for minutes in (-5, 0):
        assert site.run(minutes, capsys) == 0
    for minutes in (5, 10, 15):  # inside the window
        assert site.run(minutes, capsys, "down") == 0
    ntfy = [r for r in site.hook.received if r.path == "/"]  # outage and recovery only
    assert ntfy == []
    for minutes in (20, 25, 30, 35):
        assert site.run(minutes, capsys) == 0
    for minutes in (40, 45):  # after it
        assert site.run(minutes, capsys, "down") == 0
    outage = ("Nusa Status: API down",
              "API has been down since 25 November 2026 05:40 WIB.\n"
              "Last check: connection refused\n"
              "Details: https://status.example.com/components/api.html")
    assert [r.json()["title"] for r in site.hook.received if r.path == "/"] == [outage[0]]
    assert site.received(f"127.0.0.1:{site.hook.port}", f"/{HOOK_SECRET}") == [
        ("Nusa Status: maintenance started: Database upgrade",
         "Maintenance started at 25 November 2026 05:03 WIB.\n"
         "Window: 25 November 2026 05:03 WIB – 25 November 2026 05:30 WIB\n"
         "Affected: API\n"
         "Details: https://status.example.com/incidents/2026-11-25-db.html"),
        ("Nusa Status: maintenance completed: Database upgrade",
         "Maintenance completed at 25 November 2026 05:30 WIB.\n"
         "Window: 25 November 2026 05:03 WIB – 25 November 2026 05:30 WIB\n"
         "Affected: API\n"
         "Details: https://status.example.com/incidents/2026-11-25-db.html"),
        outage]
