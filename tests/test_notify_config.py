"""``notify:`` and ``subscribe:`` in status.yaml: the exact message of each rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import ValidationError
from generator.load.config import load_config
from generator.load.notify import DEFAULT_EVENTS, Channel, Link, Notify
from tests.notify_receivers import webhook

BASE = """\
site:
  title: Example Status
  url: https://status.example.com/
components:
  - id: api
    name: API
"""


def _problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(BASE + text)
    with pytest.raises(ValidationError) as caught:
        load_config(Path("status.yaml"))
    return [str(problem) for problem in caught.value.problems]


RULES = [
    pytest.param("notify: {after: 2}\n",
                 "status.yaml:7:9: error: 'channels': required key is missing",
                 id="no-channels"),
    pytest.param("notify: {channels: []}\n",
                 "status.yaml:7:20: error: 'channels': expected a list of channels, each with "
                 "an Apprise url; got []", id="empty-channels"),
    pytest.param('notify:\n  after: 0\n  channels: [{url: "json://hooks.example/x"}]\n',
                 "status.yaml:8:10: error: 'after': expected a whole number of at least 1; "
                 "got 0", id="after-zero"),
    pytest.param('notify:\n  channels:\n    - url: "slak://${SLACK_TOKEN}"\n',
                 "status.yaml:9:12: error: 'url': apprise does not support the scheme 'slak' "
                 "(did you mean 'slack'?); see https://github.com/caronc/apprise/wiki for the "
                 "URL of each service", id="unknown-scheme"),
    pytest.param('notify:\n  channels:\n    - url: "https://hooks.example.com/notify"\n',
                 "status.yaml:9:12: error: 'url': apprise knows no service at this https:// "
                 "address: give a service's own webhook URL as it hands it out (Slack's, "
                 "Discord's, ...) or an Apprise URL (jsons:// for a plain JSON webhook); see "
                 "https://github.com/caronc/apprise/wiki", id="unknown-web-address"),
    pytest.param('notify:\n  channels:\n    - url: "slack://T000"\n',
                 "status.yaml:9:12: error: 'url': apprise refuses this Slack URL (slack://): "
                 "a part is missing or malformed; see https://appriseit.com/services/slack/ "
                 "for its form", id="refused-by-its-service"),
    pytest.param('notify:\n  channels:\n    - url: "hooks.example/secret-token"\n',
                 "status.yaml:9:12: error: 'url': expected an Apprise URL that starts with a "
                 "scheme, like slack://, discord://, ntfys://, mailtos:// or json://",
                 id="no-scheme"),
    pytest.param("notify:\n  channels:\n    - url: 42\n",
                 "status.yaml:9:12: error: 'url': expected an Apprise URL like "
                 "\"slack://${SLACK_TOKEN}\" or \"ntfys://ntfy.sh/${NTFY_TOPIC}\" (put secrets "
                 "in ${VARIABLES})", id="not-a-string"),
    pytest.param('notify:\n  channels:\n    - {url: "json://h/x", events: [outage, incdent]}\n',
                 "status.yaml:9:44: error: 'events[1]': expected one of outage, degraded, "
                 "recovery, incident, maintenance, upstream; got 'incdent'", id="unknown-event"),
    pytest.param('notify:\n  channels:\n    - {url: "json://h/x", to: ops}\n',
                 "status.yaml:9:27: error: 'to': unknown key; expected one of events, language, "
                 "url",
                 id="unknown-channel-key"),
    pytest.param("subscribe:\n  - {name: ntfy, url: ntfy.sh/topic}\n",
                 "status.yaml:8:23: error: 'url': expected a URL visitors can open, starting "
                 "with one of http:, https:, mailto:, webcal:, irc:, ircs:, xmpp:, matrix:; "
                 "got 'ntfy.sh/topic'", id="link-without-scheme"),
    pytest.param("subscribe: {name: ntfy}\n",
                 "status.yaml:7:12: error: 'subscribe': expected a list of links like {name: "
                 "ntfy, url: \"https://ntfy.sh/example-status\"}; got {'name': 'ntfy'}",
                 id="subscribe-not-a-list"),
    pytest.param("notfy: {}\n",
                 "status.yaml:7:1: error: 'notfy': unknown key; expected one of components, "
                 "control, notify, site, subscribe, upstreams, uptime (did you mean 'notify'?)",
                 id="typo"),
]


@pytest.mark.parametrize(("text", "line"), RULES)
def test_each_rule_prints_its_line(text: str, line: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert _problems(tmp_path, monkeypatch, text) == [line]


def test_no_message_quotes_a_channel_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    """A URL written inline may hold a token: an error names the key, never the URL."""
    problems = _problems(tmp_path, monkeypatch, 'notify:\n  channels:\n'
                         '    - url: "slak://T000/B000/inline-canary-e2"\n'
                         '    - url: "inline-canary-e3/hook"\n')
    assert len(problems) == 2
    assert not any("canary" in line for line in problems)


def test_valid_notify_and_subscribe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(BASE + """\
notify:
  after: 3
  channels:
    - url: "slack://${SLACK_TOKEN}"
      events: [recovery, outage]
    - url: "${NOTIFY_URL}"
    - url: "mailtos://user:${SMTP_PASSWORD}@mail.example.com?to=ops@example.com"
subscribe:
  - {name: ntfy, url: "https://ntfy.sh/example-status"}
  - {name: Mailing list, url: "mailto:status-subscribe@example.com"}
""")
    config = load_config(Path("status.yaml"))
    assert config.notify == Notify(3, (
        Channel("slack://${SLACK_TOKEN}", ("outage", "recovery"), 0),
        Channel("${NOTIFY_URL}", DEFAULT_EVENTS, 1),
        Channel("mailtos://user:${SMTP_PASSWORD}@mail.example.com?to=ops@example.com",
                DEFAULT_EVENTS, 2)))
    assert [c.label for c in config.notify.channels] == [
        "channel 1 (slack)", "channel 2 (?)", "channel 3 (mailtos)"]
    assert config.subscribe == (Link("ntfy", "https://ntfy.sh/example-status"),
                                Link("Mailing list", "mailto:status-subscribe@example.com"))


def test_any_url_apprise_accepts_is_a_channel(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook URLs Slack and Discord hand out are channels, ${VAR} in them or not;
    validating one sends nothing (the receiver is also the proxy to Slack's and Discord's
    hosts, so a request there would arrive in it)."""
    monkeypatch.chdir(tmp_path)
    with webhook(tmp_path) as hook:
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{hook.port}")
        urls = (f"json://127.0.0.1:{hook.port}/${{HOOK_SECRET}}",
                "https://hooks.slack.com/services/T000/B000/XXXX",
                "https://hooks.slack.com/services/T000/B000/${SLACK_SECRET}",
                "https://discord.com/api/webhooks/1234/abcd",
                "https://discord.com/api/webhooks/${DISCORD_ID}/${DISCORD_TOKEN}",
                "tgram://${TELEGRAM_TOKEN}/${TELEGRAM_CHAT}")
        Path("status.yaml").write_text(BASE + "notify:\n  channels:\n" + "".join(
            f'    - url: "{url}"\n' for url in urls))
        config = load_config(Path("status.yaml"))
        assert config.notify is not None
        assert [c.url for c in config.notify.channels] == list(urls)
        assert hook.received == []


def test_without_notify_there_is_nothing_to_send(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from generator.cli.main import main

    (tmp_path / "status.yaml").write_text(BASE)
    assert main(["notify", "--config", str(tmp_path / "status.yaml")]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'status.yaml'}: no notify: channels; " \
                                      "nothing to send\n"
