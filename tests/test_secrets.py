"""The secret canary: a secret given to probes through the environment appears nowhere.

Black-box on purpose (the command line and the files it writes, never the probe code), so it
holds whatever the probes are built on. Probes send the secret in a header, in the URL's
query and credentials and in a request body, to a local server that answers well, answers
badly while echoing what it got, refuses, and stalls; then every byte Kabar printed (with
``-v``) or wrote (results, history, the site, the cache) is searched for the secret.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from tests.servers import closed_port, serving

CANARY = "kabar-canary-7f3a9c61"
FORMS = (CANARY, quote(CANARY, safe=""), base64.b64encode(f"user:{CANARY}".encode()).decode(),
         base64.b64encode(CANARY.encode()).decode())


class Echo(BaseHTTPRequestHandler):
    """/ok answers 200 when the secret arrived; /echo answers 503 with all it got."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        got = f"{self.requestline}\n{self.headers}\n".encode() + body
        Echo.seen.append(got.decode("latin-1"))
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        status, reply = (200, b"ok") if self.path.startswith("/ok") else (503, got)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    httpd.daemon_threads = True
    Echo.seen = []
    with serving(httpd):
        yield httpd.server_address[1]


def write_site(root: Path, port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": "Bearer ${API_TOKEN}", "X-Api-Key": "${API_TOKEN}"}
    probes = {
        "ok": {"http": f"{base}/ok?key=${{API_TOKEN}}", "headers": auth},
        "echo": {"http": f"http://user:${{API_TOKEN}}@127.0.0.1:{port}/echo?token=${{API_TOKEN}}",
                 "headers": {"X-Api-Key": "${API_TOKEN}"},  # credentials: Basic auth
                 "expect": {"contains": "never there"}},
        "post": {"http": f"{base}/echo", "method": "POST", "body": '{"token": "${API_TOKEN}"}',
                 "headers": auth, "expect": {"json": {"path": "status", "equals": "ok"}}},
        "refused": {"http": f"http://127.0.0.1:{closed_port()}/x?token=${{API_TOKEN}}",
                    "headers": auth},
        "slow": {"http": f"{base}/slow?token=${{API_TOKEN}}", "headers": auth,
                 "timeout": "500ms"},
    }
    status = {
        "site": {"title": "Canary", "url": "https://status.example.com/",
                 "timezone": "Asia/Jakarta", "language": "en", "interval": "5m"},
        "components": [{"id": cid, "name": cid.title(), "probe": {**probe, "retries": 0}}
                       for cid, probe in probes.items()],
    }
    (root / "status.yaml").write_text(yaml.safe_dump(status, sort_keys=False))
    (root / "incidents").mkdir()


def kabar(root: Path, *args: str, secret: str = CANARY) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | {
        "API_TOKEN": secret, "GITHUB_ACTIONS": "true"}  # annotations: one more output path
    done = subprocess.run([sys.executable, "-m", "generator", *args, "-v"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def leaks(root: Path, printed: str) -> list[str]:
    found = [f"printed: {form}" for form in FORMS if form in printed]
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != "status.yaml":
            data = path.read_bytes()
            found += [f"{path.relative_to(root)}: {form}" for form in FORMS
                      if form.encode() in data]
    return found


def test_a_secret_from_the_environment_appears_in_no_output(server: int,
                                                            tmp_path: Path) -> None:
    write_site(tmp_path, server)
    printed = kabar(tmp_path, "validate")
    printed += kabar(tmp_path, "probe", "--out", "results/default.json")
    printed += kabar(tmp_path, "record", "results/default.json")
    printed += kabar(tmp_path, "build", "--out", "_site")
    printed += kabar(tmp_path, "run", "--out", "_run")
    # The probes did send it: the server saw it in headers, queries and a body. (The URL's
    # credentials are not asserted on the wire: that is the probes' business, not this test's.)
    sent = "\n".join(Echo.seen)
    assert f"Bearer {CANARY}" in sent and f"?key={CANARY}" in sent
    assert f"/echo?token={CANARY}" in sent and f'"token": "{CANARY}"' in sent
    # Every error path ran, and the site shows each failure.
    assert printed.count("exit 0") == 5, printed
    results = (tmp_path / "results/default.json").read_text()
    for error in ("connection refused", "timed out", "got 503"):
        assert error in results, results
    summary = json.loads((tmp_path / "_site/api/v2/summary.json").read_text())
    assert {c["id"]: c["status"] for c in summary["components"]} == {
        "ok": "operational", "echo": "major_outage", "post": "major_outage",
        "refused": "major_outage", "slow": "major_outage"}
    assert (tmp_path / "_run/index.html").is_file()
    assert any((tmp_path / "history").rglob("*.jsonl"))
    assert leaks(tmp_path, printed) == []


def test_a_secret_that_breaks_a_header_is_refused_without_being_shown(server: int,
                                                                      tmp_path: Path) -> None:
    write_site(tmp_path, server)
    bad = f"{CANARY}\r\nX-Injected: yes"
    printed = kabar(tmp_path, "probe", "--out", "results/default.json", secret=bad)
    assert printed.startswith("exit 1"), printed
    assert "contains a line break" in printed
    assert not any("X-Injected" in request for request in Echo.seen)
    assert leaks(tmp_path, printed) == []
