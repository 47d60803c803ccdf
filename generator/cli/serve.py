"""``kabar serve``: build, serve on 127.0.0.1, rebuild when an input changes.

A bad edit prints its error and the last good site keeps being served, so an author sees an
incident as readers will before opening a pull request.
"""

from __future__ import annotations

import errno
import functools
import html
import http.server
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from generator.errors import KabarError, ValidationError, counted
from generator.files import StatKey, input_files
from generator.load.config import check_config
from generator.site.build import BuildOptions, build

log = logging.getLogger(__name__)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site folder; unknown paths get the site's own 404 page. While the last
    build has warnings (an update dated ahead, say) or failed, every page it serves shows
    them at its top, where the author looks: the built files stay as readers will get them."""

    def do_GET(self) -> None:
        notes: list[str] = getattr(self.server, "notes", [])
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not notes or path.suffix != ".html" or not path.is_file():
            super().do_GET()
            return
        items = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
        box = ('<div role="alert" style="background:#fff8c5;color:#1f2328;border:2px solid '
               '#9a6700;padding:.5rem 1rem;font:14px/1.4 system-ui,sans-serif">'
               f"<strong>kabar serve:</strong><ul>{items}</ul></div>")
        body = path.read_bytes().replace(b"<body>", b"<body>" + box.encode(), 1)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def static_server(directory: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A server for ``directory`` on 127.0.0.1:``port`` (0 picks a free port).

    Raise ``KabarError`` with one line when the port cannot be had.
    """
    if not 0 <= port <= 65535:
        raise KabarError(f"--port {port}: expected a port from 1 to 65535, e.g. --port 8001")
    handler = functools.partial(_Handler, directory=str(directory))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise KabarError(f"port {port} on 127.0.0.1 is in use; pick another, "
                             f"e.g. --port {port + 1 if port < 65535 else 8001}") from None
        if exc.errno == errno.EACCES:
            raise KabarError(f"port {port}: permission denied; pick a port above 1023, "
                             "e.g. --port 8001") from None
        raise KabarError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}") from None


def snapshot(config: Path, incidents: Path, history: Path) -> dict[str, StatKey | None]:
    """The stat key of every input file, to notice edits."""
    return {name: key for name, (_, key) in input_files(config, incidents, history).items()}


def rebuild(config: Path, options: BuildOptions, say: Callable[[str], None],
            notes: list[str] | None = None) -> bool:
    """Build once; report the outcome through ``say`` (and into ``notes``, which the pages
    served show); never raise for a user's mistake."""
    try:
        result = build(check_config(config), options)
    except (ValidationError, KabarError) as exc:
        shown = [str(p) for p in exc.problems] if isinstance(exc, ValidationError) \
            else [f"error: {exc}"]
        shown.append("build failed; still serving the last good site")
        ok = False
    else:
        shown, ok = list(result.warnings), True
    for line in shown:
        say(line)
    if ok:
        say(f"rebuilt {options.out}/: {counted(len(result.report.written), 'file')} changed")
    if notes is not None:
        notes[:] = shown
    return ok


def serve(config: Path, incidents: Path, history: Path, out: Path, port: int,
          now: str | None = None, strict: bool = False, poll: float = 0.5,
          stop: threading.Event | None = None,
          say: Callable[[str], None] | None = None, cache: Path | None = None) -> None:
    """Build, serve and rebuild on change until ``stop`` is set or Ctrl+C."""
    speak = say or (lambda line: print(line, file=sys.stderr, flush=True))
    if not config.is_file():
        raise KabarError(f"{config}: no such file; run kabar serve in your site's folder "
                         "(the one with status.yaml), or start a site with kabar init")
    out.mkdir(parents=True, exist_ok=True)
    server = static_server(out, port)  # before the build: a busy port fails at once
    notes: list[str] = []
    server.notes = notes  # type: ignore[attr-defined]  # shown on every page served
    options = BuildOptions(out, incidents, history, now, strict, cache)
    rebuild(config, options, speak, notes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    speak(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)")
    stop = stop or threading.Event()
    seen = snapshot(config, incidents, history)
    try:
        while not stop.wait(poll):
            current = snapshot(config, incidents, history)
            if current != seen:
                seen = current
                rebuild(config, options, speak, notes)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        server.server_close()
