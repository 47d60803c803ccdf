"""Issue 15: the simplest site tells the truth when its one service is down.

A refused connection is the target answering: down. A run counts as unknown (the runner lost
its network) only when a control check that does not depend on the site's services fails
too. Each case runs the real commands (``kabar probe``, ``record``, ``build``) against real
servers on 127.0.0.1, as a newcomer's site would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.servers import closed_port, http_server, silent_port
from tests.test_cli import kabar

SITE = ('site: {{title: One, url: "https://status.example.test/", timezone: UTC, language: en, '
        'interval: 5m}}\ncomponents:\n  - {{id: db, name: Database, probe: {probe}}}\n')


def make_site(folder: Path, probe: str, control: str | None = None) -> Path:
    (folder / "incidents").mkdir(parents=True)
    text = SITE.format(probe=probe)
    if control is not None:
        text += f"control: {control}\n"
    (folder / "status.yaml").write_text(text)
    return folder


def probe_record_build(folder: Path) -> tuple[str, dict[str, Any]]:
    """The scheduled job's three steps; what they printed and the built API."""
    printed = ""
    for args in (("probe", "--out", "r.json"), ("record", "r.json"), ("build", "--out", "site")):
        result = kabar(*args, cwd=folder)
        assert result.returncode == 0, result.stderr
        printed += result.stdout + result.stderr
    api = {name: json.loads((folder / "site" / "api" / "v2" / f"{name}.json").read_text())
           for name in ("status", "components")}
    return printed, api


def banner(folder: Path) -> str:
    page = (folder / "site" / "index.html").read_text()
    found = re.search(r'<h1 class="banner[^"]*">([^<]*)</h1>', page)
    assert found is not None
    return found.group(1)


def test_a_one_component_site_whose_port_refuses_shows_its_outage(tmp_path: Path) -> None:
    """The issue's newcomer: one service, its port closed. Before: "No Recent Data", an
    indicator of none, and "recorded as unknown, not as an outage"."""
    site = make_site(tmp_path, f'{{tcp: "127.0.0.1:{closed_port()}", timeout: 2s}}')
    printed, api = probe_record_build(site)
    assert "connection refused" in printed
    assert "unknown" not in printed
    assert api["components"]["components"][0]["status"] == "major_outage"
    assert api["status"]["status"] == {"indicator": "critical",
                                       "description": "Major System Outage", "data": "current",
                                       "built_at": api["status"]["status"]["built_at"]}
    assert banner(site) == "Major System Outage"
    badge = (site / "site" / "badge.svg").read_text()
    assert "Major System Outage" in badge


def test_no_answer_is_an_outage_when_the_control_check_answers(tmp_path: Path) -> None:
    with silent_port() as port, http_server({"/": lambda h: h.reply(200, b"ok")}) as control:
        site = make_site(
            tmp_path, f'{{http: "http://127.0.0.1:{port}/", timeout: 1s, retries: 0}}',
            f'[{{http: "http://127.0.0.1:{control.server_address[1]}/", timeout: 2s}}]')
        printed, api = probe_record_build(site)
        assert control.requests, "the control check was not made"
    assert "timed out" in printed
    assert "the control check (status.yaml control:) was answered" in printed
    assert api["components"]["components"][0]["status"] == "major_outage"
    assert banner(site) == "Major System Outage"


def test_no_answer_anywhere_is_recorded_as_unknown(tmp_path: Path) -> None:
    with silent_port() as port:
        site = make_site(
            tmp_path, f'{{http: "http://127.0.0.1:{port}/", timeout: 1s, retries: 0}}',
            f'[{{tcp: "127.0.0.1:{closed_port()}", timeout: 1s}}]')
        printed, api = probe_record_build(site)
    assert "failed too: the runner's network is down" in printed
    assert "recorded as unknown" in printed
    component = api["components"]["components"][0]
    assert (component["status"], component["data"]) == ("operational", "none")
    assert api["status"]["status"] == {"indicator": "none", "description": "No Recent Data",
                                       "data": "none",
                                       "built_at": api["status"]["status"]["built_at"]}
    assert banner(site) == "No Recent Data"


def test_an_empty_control_list_trusts_every_failure(tmp_path: Path) -> None:
    with silent_port() as port:
        site = make_site(
            tmp_path, f'{{http: "http://127.0.0.1:{port}/", timeout: 1s, retries: 0}}', "[]")
        printed, api = probe_record_build(site)
    assert "unknown" not in printed
    assert api["components"]["components"][0]["status"] == "major_outage"


def test_a_run_where_something_answered_needs_no_control(tmp_path: Path) -> None:
    """One probe up proves the network: the other's timeout is its own, and the control
    (which would fail here) is never asked."""
    with silent_port() as port, http_server({"/": lambda h: h.reply(200, b"ok")}) as up:
        (tmp_path / "incidents").mkdir()
        (tmp_path / "status.yaml").write_text(
            'site: {title: Two, url: "https://status.example.test/", timezone: UTC}\n'
            "components:\n"
            f'  - {{id: web, name: Web, probe: {{http: "http://127.0.0.1:{up.server_address[1]}/"}}}}\n'
            f'  - {{id: db, name: DB, probe: {{http: "http://127.0.0.1:{port}/", timeout: 1s, '
            "retries: 0}}\n"
            f'control: [{{tcp: "127.0.0.1:{closed_port()}"}}]\n')
        printed, api = probe_record_build(tmp_path)
    assert "control check" not in printed
    states = {c["id"]: c["status"] for c in api["components"]["components"]}
    assert states == {"web": "operational", "db": "major_outage"}
    assert api["status"]["status"]["description"] == "Partial System Outage"
