"""Loading ``status.yaml``: every rule's exact message, all problems at once, a round trip."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from generator.errors import ValidationError
from generator.load.config import Component, Expect, Probe, Site, load_config
from generator.load.site import load_site

SITE = """\
site:
  title: Example Status
  url: https://status.example.com/
"""
API = """\
components:
  - id: api
    name: API
"""


def _problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    """Every line ``kabar validate`` prints for a status.yaml holding ``text``."""
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(text)
    with pytest.raises(ValidationError) as caught:
        load_config(Path("status.yaml"))
    return [str(problem) for problem in caught.value.problems]


RULES = [
    pytest.param("site: [\n", "status.yaml:2:1: error: YAML syntax: did not find expected node "
                 "content", id="yaml-syntax"),
    pytest.param(SITE + "site: {}\n" + API, "status.yaml:4:1: error: 'site': duplicate key "
                 "(also on line 1); keep only one", id="duplicate-key"),
    pytest.param("", "status.yaml:1:1: error: the file is empty; expected the keys 'site' and "
                 "'components'", id="empty-file"),
    pytest.param("- site\n", "status.yaml:1:1: error: the file: expected a mapping with the "
                 "keys 'site' and 'components'; got ['site']", id="not-a-mapping"),
    pytest.param(API, "status.yaml:1:1: error: 'site': required key is missing",
                 id="missing-site"),
    pytest.param(SITE, "status.yaml:1:1: error: 'components': required key is missing",
                 id="missing-components"),
    pytest.param(SITE + API + "componets: []\n", "status.yaml:7:1: error: 'componets': unknown "
                 "key; expected one of components, control, notify, site, subscribe, upstreams, "
                 "uptime (did you mean 'components'?)",
                 id="unknown-top-key"),
    pytest.param(SITE + API + "uptime:\n  partial_outage: 30\n", "status.yaml:8:19: error: "
                 "'partial_outage': expected a number from 0 to 1 (the share of a minute counted "
                 "as down); got 30 (a share, not a percentage: 0.3)", id="uptime-percentage"),
    pytest.param(SITE + API + "uptime:\n  maintenance: excluded\n", "status.yaml:8:16: error: "
                 "'maintenance': expected exclude (left out of the count), or a number from 0 "
                 "to 1 (the share of a minute counted as down); got 'excluded' (did you mean "
                 "'exclude'?)", id="uptime-exclude-typo"),
    pytest.param(SITE + API + "uptime:\n  major_outage: exclude\n", "status.yaml:8:17: error: "
                 "'major_outage': expected a number from 0 to 1 (the share of a minute counted "
                 "as down); got 'exclude'", id="uptime-state-not-excludable"),
    pytest.param(SITE + API + "uptime:\n  no_data: true\n", "status.yaml:8:12: error: "
                 "'no_data': expected exclude (left out of the count), or a number from 0 to 1 "
                 "(the share of a minute counted as down); got True", id="uptime-bool"),
    pytest.param(SITE + API + "uptime:\n  major_outages: 1\n", "status.yaml:8:3: error: "
                 "'major_outages': "
                 "unknown key; expected one of degraded_performance, maintenance, major_outage, "
                 "no_data, partial_outage (did you mean 'major_outage'?)", id="uptime-unknown"),
    pytest.param(SITE + API + "uptime: strict\n", "status.yaml:7:9: error: 'uptime': expected "
                 "a mapping of states to weights, like {partial_outage: 0.3}; got 'strict'",
                 id="uptime-not-a-mapping"),
    pytest.param(SITE + "  colour: red\n" + API, "status.yaml:4:3: error: 'colour': unknown "
                 "key; expected one of accent, description, favicon, interval, language, "
                 "languages, links, logo, timezone, title, url",
                 id="unknown-key-no-suggestion"),
    pytest.param("site: {url: 'https://s.example/'}\n" + API, "status.yaml:1:7: error: "
                 "'title': required key is missing", id="missing-title"),
    pytest.param(SITE.replace("Example Status", "404") + API, "status.yaml:2:10: error: "
                 "'title': expected a non-empty string; got 404 (put it in quotes to keep it "
                 "as text)", id="title-number"),
    pytest.param(SITE.replace("https://status.example.com/", "status.example.com") + API,
                 "status.yaml:3:8: error: 'url': expected an absolute http(s) URL like "
                 "https://status.example.com/; got 'status.example.com'", id="url-relative"),
    pytest.param(SITE + "  timezone: Asia/Jakata\n" + API, "status.yaml:4:13: error: "
                 "'timezone': expected an IANA time zone like Asia/Jakarta or UTC; got "
                 "'Asia/Jakata' (did you mean 'Asia/Jakarta'?)", id="timezone-unknown"),
    pytest.param(SITE + "  timezone: GMT+7\n" + API, "status.yaml:4:13: error: "
                 "'timezone': expected an IANA time zone like Asia/Jakarta or UTC; got "
                 "'GMT+7' (GMT+7 is an offset, not a zone: write Etc/GMT-7 (UTC+7; note the "
                 "inverted sign) or a city such as Asia/Jakarta)", id="timezone-gmt-offset"),
    pytest.param(SITE + "  timezone: UTC-3:30\n" + API, "status.yaml:4:13: error: "
                 "'timezone': expected an IANA time zone like Asia/Jakarta or UTC; got "
                 "'UTC-3:30' (UTC-3:30 is an offset, not a zone: write a city such as "
                 "America/St_Johns)", id="timezone-half-hour-offset"),
    pytest.param(SITE + "  timezone: +7\n" + API, "status.yaml:4:13: error: "
                 "'timezone': expected an IANA time zone like Asia/Jakarta or UTC; got 7 "
                 "(+7 is an offset, not a zone: write Etc/GMT-7 (UTC+7; note the inverted "
                 "sign) or a city such as Asia/Jakarta)", id="timezone-number"),
    pytest.param(SITE + "  timezone: UTC+0\n" + API, "status.yaml:4:13: error: "
                 "'timezone': expected an IANA time zone like Asia/Jakarta or UTC; got "
                 "'UTC+0' (UTC+0 is an offset, not a zone: write UTC, or a city such as "
                 "Europe/London)", id="timezone-zero-offset"),
    pytest.param(SITE + "  language: fr\n" + API, "status.yaml:4:13: error: 'language': "
                 "expected one of en, id; got 'fr'", id="language"),
    pytest.param(SITE + "  interval: 5\n" + API, "status.yaml:4:13: error: 'interval': "
                 "expected a duration above zero like 500ms, 10s, 5m, 2h or 14d; got 5",
                 id="duration-without-unit"),
    pytest.param(SITE + "  interval: 0s\n" + API, "status.yaml:4:13: error: 'interval': "
                 "expected a duration above zero like 500ms, 10s, 5m, 2h or 14d; got '0s'",
                 id="duration-zero"),
    pytest.param(SITE + "components: []\n", "status.yaml:4:13: error: 'components': expected "
                 "a list of components, each with an id and a name; got []",
                 id="components-empty"),
    pytest.param(SITE + "components:\n  - api\n", "status.yaml:5:5: error: 'components[0]': "
                 "expected a mapping with at least an id and a name; got 'api'",
                 id="component-not-a-mapping"),
    pytest.param(SITE + "components:\n  - {id: Api Gateway, name: API}\n", "status.yaml:5:10: "
                 "error: 'id': expected lowercase letters, digits and '-' like api-gateway; got "
                 "'Api Gateway'", id="component-id-pattern"),
    pytest.param(SITE + API + "  - id: api\n    name: API again\n", "status.yaml:7:9: error: "
                 "'id': 'api' is already the id of the component at line 5; ids must be unique",
                 id="component-id-duplicate"),
    pytest.param(SITE + "components:\n  - id: api\n", "status.yaml:5:5: error: 'name': "
                 "required key is missing", id="component-name-missing"),
    pytest.param(SITE + API + "    since: 2025-02-30\n", "status.yaml:7:12: error: 'since': "
                 "expected a date like 2025-07-16; got '2025-02-30' (there is no 2025-02-30)",
                 id="since-not-a-date"),
    pytest.param(SITE + API + "    probe: {timeout: 5s}\n", "status.yaml:7:12: error: 'probe': "
                 "expected exactly one of http, tcp, dns, tls; got none", id="probe-no-kind"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', dns: a.example}\n",
                 "status.yaml:7:41: error: 'probe': expected exactly one of http, tcp, dns, "
                 "tls; got 'http' and 'dns'", id="probe-two-kinds"),
    pytest.param(SITE + API + "    probe: {http: a.example/health}\n", "status.yaml:7:19: "
                 "error: 'http': expected an absolute http(s) URL like "
                 "https://example.com/health; got 'a.example/health'", id="http-not-a-url"),
    pytest.param(SITE + API + "    probe: {tcp: db.example}\n", "status.yaml:7:18: error: "
                 "'tcp': expected host:port like db.example.com:5432; got 'db.example'",
                 id="tcp-without-port"),
    pytest.param(SITE + API + "    probe: {tls: 'db.example:70000'}\n", "status.yaml:7:18: "
                 "error: 'tls': expected host:port like db.example.com:5432; got "
                 "'db.example:70000'", id="tls-port-out-of-range"),
    pytest.param(SITE + API + "    probe: {dns: 'a b'}\n", "status.yaml:7:18: error: 'dns': "
                 "expected a host name like example.com; got 'a b'", id="dns-not-a-name"),
    pytest.param(SITE + API + "    probe: {dns: a.example, resolver: 1.1.1.1}\n",
                 "status.yaml:7:39: error: 'resolver': expected host:port like 1.1.1.1:53; "
                 "got '1.1.1.1'", id="resolver-without-port"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', methd: GET}\n",
                 "status.yaml:7:41: error: 'methd': unknown key; expected one of body, "
                 "cert_expiry_within, degraded_over, dns, expect, headers, http, max_body, "
                 "method, resolver, retries, tcp, timeout, tls (did you mean 'method'?)",
                 id="probe-unknown-key"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', max_body: 5M}\n",
                 "status.yaml:7:51: error: 'max_body': expected a size like 512KB, 5MB or 1GB; "
                 "got '5M'", id="max-body"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', method: get}\n",
                 "status.yaml:7:49: error: 'method': expected one of GET, HEAD, POST, PUT, "
                 "PATCH, DELETE, OPTIONS; got 'get'", id="method"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', headers: [a]}\n",
                 "status.yaml:7:50: error: 'headers': expected a mapping of header names to "
                 "values; got ['a']", id="headers-not-a-mapping"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', headers: {X-N: 5}}\n",
                 "status.yaml:7:56: error: 'X-N': expected a string; got 5 (put it in quotes "
                 "to keep it as text)", id="header-value-number"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', retries: -1}\n",
                 "status.yaml:7:50: error: 'retries': expected a whole number of at least 0; "
                 "got -1", id="retries-negative"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', retries: yes}\n",
                 "status.yaml:7:50: error: 'retries': expected a whole number of at least 0; "
                 "got True", id="retries-bool"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', timeout: 10}\n",
                 "status.yaml:7:50: error: 'timeout': expected a duration above zero like "
                 "500ms, 10s, 5m, 2h or 14d; got 10", id="timeout-without-unit"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', expect: {status: "
                 "[200, 2x]}}\n", "status.yaml:7:64: error: 'status[1]': expected an HTTP "
                 "status like 200 or a class like 3xx; got '2x'", id="expect-status"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', expect: {status: []}}\n",
                 "status.yaml:7:58: error: 'status': expected a status like 200 or 3xx, or a "
                 "list of them; got []", id="expect-status-empty"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', expect: {json: {path: "
                 "a}}}\n", "status.yaml:7:56: error: 'equals': required key is missing",
                 id="expect-json-without-equals"),
    pytest.param(SITE + API + "    probe: {http: 'https://a.example/', expect: {contain: "
                 "ok}}\n", "status.yaml:7:50: error: 'contain': unknown key; expected one of "
                 "contains, json, not_contains, status (did you mean 'contains'?)",
                 id="expect-unknown-key"),
]


@pytest.mark.parametrize(("text", "line"), RULES)
def test_each_rule_prints_its_line(text: str, line: str, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert _problems(tmp_path, monkeypatch, text) == [line]


def test_all_problems_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = SITE + "  language: fr\n" + API + "    probe: {tcp: db}\n  - {id: api, name: Again}\n"
    assert _problems(tmp_path, monkeypatch, text) == [
        "status.yaml:4:13: error: 'language': expected one of en, id; got 'fr'",
        "status.yaml:8:18: error: 'tcp': expected host:port like db.example.com:5432; got 'db'",
        "status.yaml:9:10: error: 'id': 'api' is already the id of the component at line 6; "
        "ids must be unique",
    ]


def test_missing_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        load_config(Path("status.yaml"))
    assert str(caught.value) == "status.yaml:1:1: error: cannot read: No such file or directory"


def test_absolute_path_is_shown_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "status.yaml").write_text(SITE + "  language: fr\n" + API)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        load_config(tmp_path / "site" / "status.yaml")
    assert str(caught.value).startswith("site/status.yaml:4:13: error: 'language'")


FULL = """\
site:
  title: Example Status
  url: https://status.example.com
  description: Live status
  timezone: Asia/Jakarta
  language: id
  interval: 2m
components:
  - id: chatgpt
    name: ChatGPT
    group: Apps
    description: Web and mobile chat
    since: 2025-01-15
    probe:
      http: https://chatgpt.example/
      method: POST
      headers: {Authorization: "Bearer ${API_TOKEN}"}
      body: '{"q": 1}'
      timeout: 1500ms
      expect:
        status: [200, 3XX]
        contains: ok
        json: {path: status.indicator, equals: none}
      degraded_over: 2s
      retries: 0
      cert_expiry_within: 14d
  - id: dns
    name: DNS
    probe: {dns: example.com, resolver: "127.0.0.1:5353"}
  - {id: plain, name: Plain}
"""


def test_valid_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(FULL)
    config = load_config(Path("status.yaml"))
    assert config.site == Site(title="Example Status", url="https://status.example.com/",
                               description="Live status", timezone="Asia/Jakarta",
                               language="id", interval=timedelta(minutes=2))
    assert config.components == (
        Component(id="chatgpt", name="ChatGPT", group="Apps", description="Web and mobile chat",
                  since=date(2025, 1, 15), probe=Probe(
                      kind="http", target="https://chatgpt.example/", method="POST",
                      headers={"Authorization": "Bearer ${API_TOKEN}"}, body='{"q": 1}',
                      timeout=timedelta(milliseconds=1500),
                      expect=Expect(status=("200", "3xx"), contains="ok",
                                    json_path="status.indicator", json_equals="none"),
                      degraded_over=timedelta(seconds=2), retries=0,
                      cert_expiry_within=timedelta(days=14))),
        Component(id="dns", name="DNS", probe=Probe(kind="dns", target="example.com",
                                                    resolver="127.0.0.1:5353")),
        Component(id="plain", name="Plain"),
    )
    assert config.path == Path("status.yaml")


WARNINGS = [
    pytest.param("    probe: {tcp: 'db:5432', expect: {status: 200}}\n",
                 "status.yaml:7:29: warning: 'expect': only http probes use it; this is a tcp "
                 "probe", id="http-only-key"),
    pytest.param("    probe: {http: 'http://a.example/', cert_expiry_within: 14d}\n",
                 "status.yaml:7:40: warning: 'cert_expiry_within': only https and tls probes "
                 "have a certificate", id="certificate-on-plain-http"),
    pytest.param("    probe: {http: 'https://a.example/', timeout: 2s, degraded_over: 5s}\n",
                 "status.yaml:7:69: warning: 'degraded_over': 5s is not below the timeout (2s), "
                 "so it never applies", id="degraded-over-above-timeout"),
]


@pytest.mark.parametrize(("probe", "line"), WARNINGS)
def test_warnings_do_not_fail_the_load(probe: str, line: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("status.yaml").write_text(SITE + API + probe)
    config, incidents, warnings = load_site(Path("status.yaml"), Path("incidents"))
    assert [str(warning) for warning in warnings] == [line]
    assert (config.components[0].probe is not None, incidents) == (True, ())


def test_every_zone_an_offset_hint_suggests_exists() -> None:
    """A suggestion the reader copies must load: each city, and every Etc/GMT zone named."""
    import re
    from zoneinfo import ZoneInfo

    from generator.load.zones import _CITIES, zone_hint

    for (hours, minutes), city in _CITIES.items():
        offset = timedelta(hours=hours, minutes=minutes)
        seasons = {ZoneInfo(city).utcoffset(datetime(2025, m, 15)) for m in (1, 7)}
        assert offset in seasons, (city, seasons)  # its standard time, summer or winter
        text = zone_hint(f"UTC{hours:+d}:{abs(minutes):02d}")
        for name in re.findall(r"(?:Etc/GMT[+-]\d+|[A-Z][a-z]+/[A-Za-z_]+)", text):
            ZoneInfo(name)
