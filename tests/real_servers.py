"""Servers nobody here wrote, started by the tests on ephemeral ports: nginx, tinyproxy,
dnsmasq. Each runs in the foreground as a child process, with its files in a temporary
folder, and is stopped when its ``with`` block ends."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import tools
from tests.servers import free_port

READY_WITHIN = 10.0  # seconds a server may take to start listening


@contextmanager
def running(command: list[str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until the block ends; wait until ``port`` accepts on 127.0.0.1."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} stopped: {log.read_text(errors='replace')}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{command[0]} does not listen on {port}") from None
                time.sleep(0.05)
        yield process
    finally:
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
    port = free_port()
    temp = "\n".join(f"  {kind}_temp_path {folder}/{kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        "".join(f"load_module {module};\n" for module in modules) +
        "user root;\nworker_processes 1;\nevents { worker_connections 256; }\n"
        f"http {{\n  access_log off;\n  default_type text/plain;\n{temp}\n"
        f"{servers.replace('{port}', str(port)).replace('{folder}', str(folder))}\n}}\n")
    command = [binary, "-p", str(folder), "-c", str(conf), "-g",
               f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"]
    with running(command, port, folder / "nginx.out"):
        yield port


@contextmanager
def tinyproxy(folder: Path, connect_ports: tuple[int, ...] = (),
              login: tuple[str, str] | None = None) -> Iterator[tuple[int, Path]]:
    """A forward proxy on 127.0.0.1; CONNECT only to ``connect_ports`` when given; basic
    auth with ``login`` when given. Yields its port and its log."""
    binary = tools.tinyproxy()
    port = free_port()
    log = folder / "tinyproxy.log"
    conf = folder / "tinyproxy.conf"
    conf.write_text("\n".join([
        f"Port {port}", "Listen 127.0.0.1", "Timeout 10", "Allow 127.0.0.1", "User root",
        "Group root", "LogLevel Info", f'LogFile "{log}"', f'PidFile "{folder}/tp.pid"',
        "MaxClients 64", *(f"ConnectPort {p}" for p in connect_ports),
        *([f"BasicAuth {login[0]} {login[1]}"] if login else [])]) + "\n")
    with running([binary, "-d", "-c", str(conf)], port, folder / "tinyproxy.out"):
        yield port, log


@contextmanager
def dnsmasq(folder: Path, records: dict[str, list[str]],
            missing: tuple[str, ...] = ()) -> Iterator[str]:
    """dnsmasq answering ``records`` (name -> addresses) and NXDOMAIN for ``missing``;
    nothing else (no upstream, no /etc/hosts). Yields its ``"127.0.0.1:port"``."""
    binary = tools.dnsmasq()
    port = free_port()
    command = [binary, "--keep-in-foreground", "--no-resolv", "--no-hosts", f"--port={port}",
               "--listen-address=127.0.0.1", "--bind-interfaces", "--log-facility=-",
               f"--pid-file={folder}/dnsmasq.pid", "--user=root"]
    command += [f"--host-record={name},{','.join(addresses)}"
                for name, addresses in records.items()]
    command += [f"--address=/{name}/" for name in missing]
    with running(command, port, folder / "dnsmasq.out"):
        yield f"127.0.0.1:{port}"
