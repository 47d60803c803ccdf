"""``kabar demo``: the embedded default, with no internet.

It starts small services on 127.0.0.1 (healthy, slow, failing, and a TCP service), points the
example site's probes at them, probes for real for a few rounds, records the results and builds
the example page.
"""

from __future__ import annotations

import dataclasses
import http.server
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from generator import clock
from generator.config import Component, Config, Expect, Probe
from generator.history import read_history, record
from generator.model import compute
from generator.output import write_site
from generator.render import render_site
from generator.resources import example
from generator.results import write_run
from generator.validate import load_site

SLOW_SECONDS = 0.6
# Which demo service stands in for each kind of component of the example site.
ROLES = {"chat": "healthy", "video": "slow", "login": "healthy", "api": "failing"}


class _DemoHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path.startswith("/slow"):
            time.sleep(SLOW_SECONDS)
        if self.path.startswith("/failing"):
            body, code = b'{"status": "error", "message": "upstream unavailable"}', 503
        else:
            body, code = b'{"status": "ok"}', 200
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


def localise(config: Config, http_port: int, tcp_port: int) -> Config:
    """The example config with every probe pointed at the local demo services."""
    components = []
    for component in config.components:
        probe = component.probe
        if probe is not None:
            probe = _local_probe(component, probe, http_port, tcp_port)
        components.append(dataclasses.replace(component, probe=probe))
    return dataclasses.replace(config, components=tuple(components))


def _local_probe(component: Component, probe: Probe, http_port: int, tcp_port: int) -> Probe:
    if probe.kind != "http":
        return dataclasses.replace(probe, kind="tcp", target=f"127.0.0.1:{tcp_port}",
                                   timeout=timedelta(seconds=2), retries=0)
    role = ROLES.get(component.id, "healthy")
    return dataclasses.replace(
        probe, target=f"http://127.0.0.1:{http_port}/{role}", headers={},
        expect=Expect(status=("2xx",), json_path="status", json_equals="ok"),
        timeout=timedelta(seconds=3), retries=1,
        degraded_over=timedelta(seconds=SLOW_SECONDS / 2), cert_expiry_within=None)


def run_demo(out: Path, rounds: int = 3, serve: bool = False, port: int = 8000) -> Path:
    """Probe the demo services, record, build the example into ``out``; return ``out``."""
    from generator.probe import format_table, run_probes

    config_path, incidents_dir = example()
    config, incidents, _ = load_site(config_path, incidents_dir)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kabar-demo-") as work, \
            demo_services() as (http_port, tcp_port):
        local = localise(config, http_port, tcp_port)
        history = Path(work) / "history"
        for n in range(1, max(1, rounds) + 1):
            run = run_probes(local, "demo")
            results = Path(work) / f"round-{n}.json"
            write_run(run, results)
            record(history, [results], local)
            print(f"round {n} of {rounds}:\n{format_table(run)}", flush=True)
        now = clock.now()
        model = compute(config, incidents, read_history(history, config, now), now)
        report = write_site(out, render_site(model))
    seconds = time.perf_counter() - started
    print(f"built the example status page into {out}/ in {seconds:.1f} s "
          f"({report.unchanged + len(report.written)} files): open {out / 'index.html'}")
    if serve:
        from generator.serve import static_server

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
