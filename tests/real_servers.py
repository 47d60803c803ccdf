"""Servers nobody here wrote, started by the tests on ephemeral ports: nginx, tinyproxy,
dnsmasq. Each runs in the foreground as a child process, with its files in a temporary
folder, and is stopped when its ``with`` block ends."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import tools
from tests.servers import free_port

READY_WITHIN = 10.0  # seconds a server may take to start listening
TRIES = 5  # ports tried before giving up: another process may take one between pick and bind


@contextmanager
def running(command: Callable[[int], list[str]], pid_file: Path, log: Path,
            in_use: str) -> Iterator[int]:
    """Run ``command(port)`` on a free port until the block ends; yield the port.

    A port is free when picked and may be taken before the server binds it, so readiness is
    the server's own pid file (each of these writes it once its sockets are bound), never a
    connection that another process's socket could accept. A server that stops with
    ``in_use`` in its log lost that race and is started again on another port."""
    for _ in range(TRIES):
        port = free_port()
        pid_file.unlink(missing_ok=True)
        with log.open("wb") as out:
            process = subprocess.Popen(command(port), stdout=out, stderr=subprocess.STDOUT)
        try:
            if _bound(process, pid_file):
                break
        except BaseException:
            _stop(process)
            raise
        said = log.read_text(errors="replace")
        if in_use not in said:
            raise RuntimeError(f"{process.args[0]} stopped: {said}")
    else:
        raise RuntimeError(f"{process.args[0]} found no free port in {TRIES} tries: {said}")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=READY_WITHIN).close()
        yield port
    finally:
        _stop(process)


def _bound(process: subprocess.Popen[bytes], pid_file: Path) -> bool:
    """Whether ``process`` wrote ``pid_file`` (False: it stopped first)."""
    deadline = time.monotonic() + READY_WITHIN
    while process.poll() is None:
        if pid_file.exists() and pid_file.read_text().strip():
            return True
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.args[0]} wrote no {pid_file.name} in {READY_WITHIN} s")
        time.sleep(0.02)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def nginx(folder: Path, servers: str, modules: tuple[str, ...] = ()) -> Iterator[int]:
    """nginx with ``servers`` (``server { }`` blocks; ``{port}`` and ``{folder}`` filled in)
    on one port of both 127.0.0.1 and ::1, with the dynamic ``modules`` (their paths)
    loaded. Yields the port."""
    binary = tools.nginx()
    temp = "\n".join(f"  {kind}_temp_path {folder}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"

    def command(port: int) -> list[str]:
        conf.write_text(
            "".join(f"load_module {module};\n" for module in modules) +
            "user root;\nworker_processes 1;\nevents { worker_connections 256; }\n"
            f"http {{\n  access_log off;\n  default_type text/plain;\n{temp}\n"
            f"{servers.replace('{port}', str(port)).replace('{folder}', str(folder))}\n}}\n")
        return [binary, "-p", str(folder), "-c", str(conf), "-g",
                f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"]

    with running(command, folder / "nginx.pid", folder / "nginx.out",
                 "Address already in use") as port:
        yield port


@contextmanager
def tinyproxy(folder: Path, connect_ports: tuple[int, ...] = (),
              login: tuple[str, str] | None = None) -> Iterator[tuple[int, Path]]:
    """A forward proxy on 127.0.0.1; CONNECT only to ``connect_ports`` when given; basic
    auth with ``login`` when given. Yields its port and its log."""
    binary = tools.tinyproxy()
    log = folder / "tinyproxy.log"
    conf = folder / "tinyproxy.conf"

    def command(port: int) -> list[str]:
        conf.write_text("\n".join([
            f"Port {port}", "Listen 127.0.0.1", "Timeout 10", "Allow 127.0.0.1", "User root",
            "Group root", "LogLevel Info", f'LogFile "{log}"', f'PidFile "{folder}/tp.pid"',
            "MaxClients 64", *(f"ConnectPort {p}" for p in connect_ports),
            *([f"BasicAuth {login[0]} {login[1]}"] if login else [])]) + "\n")
        return [binary, "-d", "-c", str(conf)]

    with running(command, folder / "tp.pid", folder / "tinyproxy.out",
                 "Could not create listening sockets") as port:
        yield port, log


@contextmanager
def dnsmasq(folder: Path, records: dict[str, list[str]],
            missing: tuple[str, ...] = ()) -> Iterator[str]:
    """dnsmasq answering ``records`` (name -> addresses) and NXDOMAIN for ``missing``;
    nothing else (no upstream, no /etc/hosts). Yields its ``"127.0.0.1:port"``."""
    binary = tools.dnsmasq()

    def command(port: int) -> list[str]:
        return [binary, "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--port={port}",
                "--listen-address=127.0.0.1", "--bind-interfaces", "--log-facility=-",
                f"--pid-file={folder}/dnsmasq.pid", "--user=root",
                *(f"--host-record={name},{','.join(addresses)}"
                  for name, addresses in records.items()),
                *(f"--address=/{name}/" for name in missing)]

    with running(command, folder / "dnsmasq.pid", folder / "dnsmasq.out",
                 "Address already in use") as port:
        yield f"127.0.0.1:{port}"
