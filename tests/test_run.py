"""``kabar run`` (the scheduled job) and ``kabar demo`` (the README's first command)."""

from __future__ import annotations

import http.server
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.servers import serving
from tests.test_cli import kabar


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        code = 503 if self.path == "/broken" else 200
        body = b"ok" if code == 200 else b"unavailable"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    with serving(server):
        yield server.server_address[1]


def test_run_probes_records_and_builds(tmp_path: Path, service: int) -> None:
    (tmp_path / "status.yaml").write_text(f"""\
site: {{title: Acme Status, url: "https://status.acme.test/", timezone: UTC, language: en}}
components:
  - id: web
    name: Website
    probe: {{http: "http://127.0.0.1:{service}/", timeout: 2s, retries: 0}}
  - id: api
    name: API
    probe: {{http: "http://127.0.0.1:{service}/broken", timeout: 2s, retries: 0}}
""")
    result = kabar("run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # an outage is data, not a failure
    assert "expected 2xx or 3xx, got 503" in result.stdout
    run = json.loads((tmp_path / "results" / "default.json").read_text())
    assert [(r["component"], r["state"]) for r in run["results"]] == [("web", "up"),
                                                                      ("api", "down")]
    assert any((tmp_path / "history").rglob("*.jsonl"))
    summary = json.loads((tmp_path / "_site" / "api" / "v2" / "summary.json").read_text())
    states = {c["id"]: c["status"] for c in summary["components"]}
    assert states == {"web": "operational", "api": "major_outage"}
    assert summary["status"]["indicator"] == "major"  # one of two components down
    page = (tmp_path / "_site" / "index.html").read_text()
    assert "Major outage on API since " in re.sub(r"<[^>]+>", "", page)
    assert "detected by monitoring. No incident has been posted yet." in page
    # The feed agrees with the page: subscribers hear of the outage before any incident.
    feed = (tmp_path / "_site" / "history.atom").read_text()
    assert "<title>Major outage on API, detected by monitoring</title>" in feed


def test_demo_probes_local_services_and_builds_the_example(tmp_path: Path) -> None:
    result = kabar("demo", "--out", "site", "--rounds", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "built the example status page into site/" in result.stdout
    assert result.stdout.endswith(
        "to start a status page of your own: kabar init my-status (README.md, \"Run your own "
        "status page on GitHub\")\n")
    assert "expected 2xx, got 503" in result.stdout  # the failing demo service, probed for real
    page = (tmp_path / "site" / "index.html").read_text()
    assert '<html lang="id">' in page
    assert "Nusa Chat" in page and "Gangguan besar" in page
    summary = json.loads((tmp_path / "site" / "api" / "v2" / "summary.json").read_text())
    states = {c["id"]: c["status"] for c in summary["components"] if not c.get("group")}
    assert states["chat"] == "operational"
    assert states["video"] == "degraded_performance"
    assert states["api"] == "major_outage"
    assert states["realtime"] == "operational"
    # With the real clock the page has a recent story too: yesterday's incident, which says
    # it is simulated, in the list of the last 14 days and on its own page.
    assert "added a simulated incident of yesterday, made relative to now" in result.stdout
    recent = page[page.index("Insiden dalam 14 hari terakhir"):]
    story = re.search(r'<a href="(incidents/[^"]+-demo-slow-video\.html)">Simulasi: '
                      r'pembuatan video lambat</a>\s*<div class=meta><time datetime="([^"]+)"',
                      recent)
    assert story is not None, recent[:600]
    began = datetime.fromisoformat(story.group(2))
    assert timedelta(hours=26) < datetime.now(UTC) - began < timedelta(hours=28)
    text = (tmp_path / "site" / story.group(1)).read_text()
    assert "Insiden simulasi dari <code>kabar demo</code>" in text
    assert "<strong class=status>Selesai</strong>" in text
    english = (tmp_path / "site" / "en" / story.group(1)).read_text()  # told in both
    assert "A simulated incident from <code>kabar demo</code>" in english
    assert "<h1>Simulated: slow video generation</h1>" in english


def test_demo_replays_the_example_story_on_90_days_of_simulated_history(tmp_path: Path) -> None:
    result = kabar("demo", "--out", "site", "--rounds", "1", "--language", "en",
                   "--now", "2025-07-16T07:30+07:00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "simulated 90 days of history, 25,920 runs of 5 probes (not real measurements)" \
        in result.stdout
    assert "live round 1 of 1, recorded as at 2025-07-16T00:30:00Z" in result.stdout
    page = (tmp_path / "site" / "index.html").read_text()
    assert '<html lang="en">' in page
    assert ('Last updated <time datetime="2025-07-16T07:05:00+07:00">16 July 2025 07:05 WIB'
            in page)  # its latest update: "identified"
    # The outage story: the open incident, its latest update as known at 07:30.
    assert "Elevated error rates and login failures" in page  # people's words, in English
    assert "<strong>Identified</strong>" in page
    other = (tmp_path / "site" / "id" / "index.html").read_text()  # the example's other language
    assert '<html lang="id">' in other and "Tingkat kesalahan tinggi" in other
    assert "Simulated" not in page and "simulated incident" not in result.stdout
    summary = json.loads((tmp_path / "site" / "api" / "v2" / "summary.json").read_text())
    states = {c["id"]: c["status"] for c in summary["components"] if not c.get("group")}
    assert states["chat"] == states["login"] == "major_outage"
    # Every probed component has data on each of the 90 days, and the 19 June incident
    # (API partial outage) colours its day.
    chat = (tmp_path / "site" / "components" / "chat.html").read_text()
    bars = chat.split("<div class=bars", 1)[1].split("</div>", 1)[0]
    assert "class=n" not in bars
    api = (tmp_path / "site" / "components" / "api.html").read_text()
    assert 'href="../incidents/2025-06-19-api-latency.html"' in api


def test_run_reads_status_yaml_once_for_its_stages(tmp_path: Path, service: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: `kabar run` loaded status.yaml four times (probe, record, notify, build),
    calling each command's handler with a made-up Namespace. Now the stages are library
    calls on one checked config, which the build takes too."""
    from generator.cli.main import main
    from generator.load import config, site

    reads: list[Path] = []
    real = config.check_config

    def counting(path: Path) -> config.ConfigCheck:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(config, "check_config", counting)
    monkeypatch.setattr(site, "check_config", counting)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "status.yaml").write_text(f"""\
site: {{title: Acme Status, url: "https://status.acme.test/", timezone: UTC, language: en}}
components:
  - {{id: web, name: Website, probe: {{http: "http://127.0.0.1:{service}/", timeout: 2s}}}}
notify: {{channels: [{{url: "json://127.0.0.1:9/"}}]}}
""")
    assert main(["run", "--no-cache"]) == 0
    assert reads == [Path("status.yaml")]
    assert (tmp_path / "_site" / "index.html").is_file()


def test_run_builds_on_workers_then_notifies(tmp_path: Path, service: int) -> None:
    """Issue 16: `kabar run` notified before building; apprise keeps threads for the life
    of the process, and a process with threads builds without workers, so notify had to
    shut apprise's pools down itself. Now the page is built first, on workers, and then
    subscribers are told of the outage, which the page already shows."""
    from tests.notify_receivers import webhook

    def config(path: str) -> None:
        (tmp_path / "status.yaml").write_text(f"""\
site: {{title: Acme Status, url: "https://status.acme.test/", timezone: UTC, language: en}}
components:
  - {{id: api, name: API, probe: {{http: "http://127.0.0.1:{service}{path}", retries: 0}}}}
notify: {{after: 1, channels: [{{url: "json://127.0.0.1:{hook.port}/"}}]}}
""")

    (tmp_path / "incidents").mkdir()
    for n in range(600):  # enough files for the build to share them among workers
        (tmp_path / "incidents" / f"old-{n:03d}.yaml").write_text(
            f"title: Old {n}\ncomponents: {{api: partial_outage}}\nupdates:\n"
            f"  - {{at: 2025-01-01 {n % 24:02d}:00, status: resolved, message: Done.}}\n")
    with webhook() as hook:
        said = []
        for path in ("/", "/broken"):  # up, then down: with after: 1 a message is due
            config(path)
            result = kabar("run", "-v", "--no-cache", cwd=tmp_path,
                           env={"KABAR_WORKERS": "2"})
            assert result.returncode == 0, result.stderr
            said.append(result.stdout + result.stderr)
        assert [r.json()["title"] for r in hook.received] == ["Acme Status: API down"], said
    assert "built with 4 worker processes" in result.stderr  # 2 parsed, 2 rendered
    built = result.stdout.index("built _site/")
    assert result.stdout.index("channel 1 (json): sent 1 message") > built
    page = re.sub(r"<[^>]+>", "", (tmp_path / "_site" / "index.html").read_text())
    assert "Major outage on API since " in page  # what the message's link will show
