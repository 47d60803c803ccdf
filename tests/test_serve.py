"""``kabar serve``: an author previews the site and sees each edit, or its error, at once."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.cli.serve import serve
from tests.conftest import ROOT


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


def test_serve_rebuilds_on_change_and_keeps_the_last_good_site(example_site: Path) -> None:
    said: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=serve, kwargs=dict(
        config=example_site / "status.yaml", incidents=example_site / "incidents",
        history=example_site / "history", out=example_site / "_site", port=0,
        now="2025-07-16T07:30:00+07:00", poll=0.1, stop=stop, say=said.append,
        cache=example_site / ".kabar-cache"), daemon=True)
    thread.start()
    try:
        _wait(lambda: any(line.startswith("serving http://127.0.0.1:") for line in said))
        port = re.search(r":(\d+)/", next(s for s in said if s.startswith("serving"))).group(1)
        base = f"http://127.0.0.1:{port}/"
        status, page = _get(base)
        assert status == 200 and "Tingkat kesalahan tinggi dan kegagalan login" in page

        # An author writes a new incident: the page shows it after the rebuild.
        (example_site / "incidents" / "2025-07-16-video.yaml").write_text(
            "title: Video rendering is slow\ncomponents: {video: degraded_performance}\n"
            "updates:\n  - {at: 2025-07-16 07:00, status: investigating, message: Slow.}\n")
        _wait(lambda: "Video rendering is slow" in _get(base)[1])

        # A bad edit prints its error with the position; the last good site stays up.
        (example_site / "incidents" / "2025-07-16-video.yaml").write_text("title: [oops\n")
        _wait(lambda: any("still serving the last good site" in line for line in said))
        assert any(line.endswith("incidents/2025-07-16-video.yaml:2:1: error: YAML syntax: "
                                 "did not find expected ',' or ']'; close the '[' opened at "
                                 "line 1 col 8, or quote a value that holds ',' or ': '")
                   for line in said)
        assert "Video rendering is slow" in _get(base)[1]

        status, page = _get(base + "no/such/page.html")
        assert status == 404 and '<html lang="id">' in page
    finally:
        stop.set()
        thread.join(10)


def _kabar(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_serve_on_a_busy_port_is_one_line(tmp_path: Path) -> None:
    shutil.copy(ROOT / "status.yaml", tmp_path / "status.yaml")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = _kabar("serve", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (f"error: port {port} on 127.0.0.1 is in use; pick another, "
                             f"e.g. --port {port + 1}\n")


@pytest.mark.parametrize("port", ["65536", "-1", "http"])
def test_serve_on_an_invalid_port_is_one_line(tmp_path: Path, port: str) -> None:
    result = _kabar("serve", "--port", port, cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("kabar serve: error: argument --port: expected a port")


def test_serve_without_a_site_says_so(tmp_path: Path) -> None:
    result = _kabar("serve", "--port", "0", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ("error: status.yaml: no such file; run kabar serve in your site's "
                             "folder (the one with status.yaml), or start a site with "
                             "kabar init\n")
    assert not (tmp_path / "_site").exists()
