"""``kabar demo``: the embedded default, with no internet.

It simulates 90 days of history (``demo_history``), then starts small services on 127.0.0.1
(healthy, slow, failing, and a TCP service), points the example site's probes at them, probes
for real for a few rounds, records the results on top and builds the example page with the
same ``build()`` as ``kabar build``.
"""

from __future__ import annotations

import dataclasses
import http.server
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from generator import clock
from generator.cli.demo_history import BASE_MS, simulate, write_story
from generator.clock import isoformat
from generator.errors import KabarError
from generator.history.record import record
from generator.load.config import Component, Config, Expect, Probe
from generator.load.incidents import Incident
from generator.load.results import Run, write_run
from generator.load.site import load_site
from generator.model.incidents import incident_view
from generator.model.states import ComponentState
from generator.resources import example

SLOW_SECONDS = 0.6
# The example's fictional vendor, Awan Cloud: its status page as it stood during its outage of
# 2 July 2025 (Statuspage's summary.json), served at /awan/api/v2/summary.json.
AWAN = Path(__file__).with_name("demo_awan.json")
# Which demo service stands in for each kind of component of the example site.
ROLES = {"chat": "healthy", "video": "slow", "login": "healthy", "api": "failing"}


class _DemoHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/awan/api/v2/summary.json":
            self._answer(200, AWAN.read_bytes())
            return
        if self.path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
        elif self.path.startswith("/healthy/"):  # answer about as fast as the simulation says
            time.sleep(BASE_MS.get(self.path.rsplit("/", 1)[-1], 100.0) / 1000)
        if self.path.startswith("/failing"):
            body, code = b'{"status": "error", "message": "upstream unavailable"}', 503
        else:
            body, code = b'{"status": "ok"}', 200
        self._answer(code, body)

    def _answer(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def demo_services() -> Iterator[tuple[int, int]]:
    """Run an HTTP service and a TCP service on 127.0.0.1; yield their ports."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DemoHandler)
    web.daemon_threads = True
    tcp = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        tcp.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = tcp.accept()
                conn.close()
            except OSError:
                continue

    threads = [threading.Thread(target=web.serve_forever, daemon=True),
               threading.Thread(target=accept, daemon=True)]
    for thread in threads:
        thread.start()
    try:
        yield web.server_address[1], tcp.getsockname()[1]
    finally:
        stop.set()
        web.shutdown()
        web.server_close()
        tcp.close()


def playing(incidents: Sequence[Incident], at: datetime) -> dict[str, str]:
    """The demo services' roles at ``at``: as ``ROLES``, but a component an open incident
    names answers as the incident says (an outage fails, degraded performance is slow), so
    a replay of the story measures what its incident tells."""
    roles = dict(ROLES)
    for incident in incidents:
        view = incident_view(incident, at)
        if view is None or not view.is_open or incident.is_maintenance:
            continue
        for component_id, state in incident.components.items():
            roles[component_id] = ("slow" if state == ComponentState.DEGRADED_PERFORMANCE
                                   else "failing")
    return roles


def localise(config: Config, http_port: int, tcp_port: int,
             roles: Mapping[str, str] = ROLES) -> Config:
    """The example config with every probe pointed at the local demo services, and every
    upstream at the demo's copy of Awan Cloud's status page."""
    components = []
    for component in config.components:
        probe = component.probe
        if probe is not None:
            probe = _local_probe(component, probe, http_port, tcp_port, roles)
        components.append(dataclasses.replace(component, probe=probe))
    upstreams = tuple(dataclasses.replace(u, platform="statuspage",
                                          url=f"http://127.0.0.1:{http_port}/awan/")
                      for u in config.upstreams)
    return dataclasses.replace(config, components=tuple(components), upstreams=upstreams)


def _local_probe(component: Component, probe: Probe, http_port: int, tcp_port: int,
                 roles: Mapping[str, str]) -> Probe:
    if probe.kind != "http":
        return dataclasses.replace(probe, kind="tcp", target=f"127.0.0.1:{tcp_port}",
                                   timeout=timedelta(seconds=2), retries=0)
    role = roles.get(component.id, "healthy")
    return dataclasses.replace(
        probe, target=f"http://127.0.0.1:{http_port}/{role}/{component.id}", headers={},
        expect=Expect(status=("2xx",), json_path="status", json_equals="ok"),
        timeout=timedelta(seconds=3), retries=1,
        degraded_over=timedelta(seconds=SLOW_SECONDS * 0.8), cert_expiry_within=None)


def run_demo(out: Path, rounds: int = 3, serve: bool = False, port: int = 8000,
             now: str | None = None, language: str | None = None) -> Path:
    """Simulate 90 days, probe the demo services live, record, build the example; return ``out``.

    The live rounds are recorded at the last ``rounds`` intervals up to ``now`` (the clock,
    or ``--now`` to replay the example's story), on top of the simulated history. With the
    clock, a simulated incident of yesterday joins the example's, so the page has a recent
    story to tell.
    """
    from generator.load.config import check_config
    from generator.probe import format_table, run_probes
    from generator.site.build import BuildOptions, build

    if rounds < 1:
        raise KabarError(f"--rounds {rounds}: expected 1 or more")
    at = clock.now(now)
    started = time.perf_counter()
    example_config, incidents_dir = example()
    with tempfile.TemporaryDirectory(prefix="kabar-demo-") as work, \
            demo_services() as (http_port, tcp_port):
        config_path = _config_file(example_config, Path(work), language)
        if now is None:
            incidents_dir = _with_story(incidents_dir, Path(work), at, config_path)
        config, incidents, _ = load_site(config_path, incidents_dir)
        local = localise(config, http_port, tcp_port, playing(incidents, at))
        history = Path(work) / "history"
        interval = config.site.interval
        slots = [at - interval * (rounds - 1 - n) for n in range(rounds)]
        sim = simulate(history, config, incidents, at, until=slots[0])
        print(f"simulated 90 days of history, {sim.runs:,} runs of {sim.components} probes "
              f"(not real measurements), recorded into history/ as kabar record does",
              flush=True)
        for n, slot in enumerate(slots, 1):
            run = _stamped(run_probes(local, "demo"), slot)
            results = Path(work) / f"round-{n}.json"
            write_run(run, results)
            summary = record(history, [results], local)
            for warning in summary.warnings:
                print(warning, file=sys.stderr)
            print(f"live round {n} of {rounds}, recorded as at {isoformat(slot)}:\n"
                  f"{format_table(run)}", flush=True)
        result = build(check_config(config_path),
                       BuildOptions(out, incidents_dir, history, isoformat(at)))
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    seconds = time.perf_counter() - started
    report = result.report
    print(f"built the example status page into {out}/ in {seconds:.1f} s "
          f"({report.unchanged + len(report.written)} files): open {out / 'index.html'}\n"
          "to start a status page of your own: kabar init my-status (README.md, \"Run your "
          "own status page on GitHub\")")
    if serve:
        from generator.cli.serve import static_server

        server = static_server(out, port)
        print(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)",
              file=sys.stderr, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    return out


def _config_file(example_config: Path, work: Path, language: str | None) -> Path:
    """The example's status.yaml, with ``language`` first (at the site's root) when one is
    asked for; the example's other languages follow it under ``/<lang>/``."""
    text = example_config.read_text(encoding="utf-8")
    if language is not None:
        found = _languages(text)
        if not found:
            raise KabarError(f"{example_config}: no site.languages line to set")
        ordered = [language, *(other for other in found if other != language)]
        text = re.sub(r"(?m)^  languages?:.*$", f"  languages: [{', '.join(ordered)}]", text,
                      count=1)
    path = work / "status.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _with_story(incidents_dir: Path, work: Path, at: datetime, config_path: Path) -> Path:
    """A copy of the example's incidents with the demo's recent, simulated one added."""
    folder = work / "incidents"
    shutil.copytree(incidents_dir, folder)
    story = write_story(folder, at, _languages(config_path.read_text(encoding="utf-8"))
                        or ["en"])
    print(f"added a simulated incident of yesterday, made relative to now: {story.name} "
          "(it says it is simulated)", flush=True)
    return folder


def _languages(text: str) -> list[str]:
    """The languages of a status.yaml's ``language: id`` or ``languages: [id, en]`` line."""
    match = re.search(r"(?m)^  languages?: *\[?([\w, ]+)\]?\s*(?:#.*)?$", text)
    return re.findall(r"\w+", match.group(1)) if match else []


def _stamped(run: Run, at: datetime) -> Run:
    """``run`` moved to ``at``: the demo's live probes stand for the checks made at ``now``."""
    shift = at - run.started
    results = tuple(dataclasses.replace(r, at=r.at + shift) for r in run.results)
    upstreams = tuple(dataclasses.replace(u, at=u.at + shift) for u in run.upstreams)
    return dataclasses.replace(run, started=at, finished=run.finished + shift, results=results,
                               upstreams=upstreams)
