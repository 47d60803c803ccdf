"""Real servers on 127.0.0.1 for the probe tests: HTTP(S), a silent port, a DNS server."""

from __future__ import annotations

import atexit
import json
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Route = Callable[["Handler"], None]


class Handler(BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.reply(404, b"not found")
        else:
            route(self)

    do_POST = do_HEAD = do_GET

    def reply(self, status: int, body: bytes = b"", content_type: str = "text/plain",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 1024  # many probes connect at once
    routes: dict[str, Route]
    requests: list[tuple[str, str, dict[str, str]]]
    tls: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # the probe refused our certificate: that is the test
        with wrapped:
            super().finish_request(wrapped, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a probe that stops reading (body cap, deadline) breaks the pipe on purpose


@contextmanager
def http_server(routes: dict[str, Route], tls: ssl.SSLContext | None = None
                ) -> Iterator[Server]:
    """Serve ``routes`` on 127.0.0.1 (``server.server_address[1]`` is the port)."""
    server = Server(("127.0.0.1", 0), Handler)
    server.routes, server.requests, server.tls = routes, [], tls
    with serving(server, poll_interval=0.05):
        yield server


@contextmanager
def serving(server: socketserver.BaseServer, poll_interval: float = 0.5) -> Iterator[None]:
    """Run ``server`` in a thread of its own for the ``with`` block; then stop it, close its
    socket and wait for the thread."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": poll_interval},
                              daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def drip(data: bytes, every: float) -> Callable[[Handler], None]:
    """Write ``data`` raw, a byte at a time."""
    def route(handler: Handler) -> None:
        for byte in data:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(every)
    return route


def answer_json(value: Any) -> Route:
    return lambda h: h.reply(200, json.dumps(value).encode(), "application/json")


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield sock.getsockname()[1]


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on, nor can until this process ends: one port, held
    bound and not listening, so a connection to it is refused (a port closed after binding
    could be given to another process's server meanwhile, and answer)."""
    return int(_reserved().getsockname()[1])


@cache
def _reserved() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    atexit.register(sock.close)
    return sock


# --- DNS ---------------------------------------------------------------------------------

@contextmanager
def udp_server(reply: Callable[[bytes], bytes | None], host: str = "127.0.0.1"
               ) -> Iterator[str]:
    """A UDP server answering each datagram with ``reply(datagram)`` (None: no answer).

    Yields its ``"host:port"``.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            answer = reply(data)
            if answer is not None:
                sock.sendto(answer, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        shown = f"[{host}]" if ":" in host else host
        yield f"{shown}:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        sock.close()


@contextmanager
def dns_server(zone: dict[str, list[str]], udp_limit: int | None = None) -> Iterator[str]:
    """A DNS server (UDP and TCP on one port) answering A and AAAA queries from ``zone``.

    Other names get NXDOMAIN; a name mapped to ``[]`` exists but has no address. An answer
    over UDP with more than ``udp_limit`` records is sent truncated (TC, no records), as BIND
    and Unbound do when it does not fit: the full answer comes over TCP. dnspython builds the
    messages. Yields ``"127.0.0.1:port"``.
    """
    def answer(data: bytes, over_udp: bool) -> bytes:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        response = dns.message.make_response(query)
        if name not in zone:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response.to_wire()
        wanted = [a for a in zone[name] if (":" in a) == (question.rdtype == dns.rdatatype.AAAA)]
        if wanted and question.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            if over_udp and udp_limit is not None and len(wanted) > udp_limit:
                response.flags |= dns.flags.TC
                return response.to_wire()
            response.answer.append(dns.rrset.from_text_list(
                question.name, 60, "IN", dns.rdatatype.to_text(question.rdtype), wanted))
        return response.to_wire()

    tcp = socket.socket()
    with udp_server(lambda data: answer(data, True)) as address:
        tcp.bind(("127.0.0.1", int(address.rsplit(":", 1)[1])))
        tcp.listen(16)
        tcp.settimeout(0.05)
        stop = threading.Event()

        def serve_tcp() -> None:
            while not stop.is_set():
                try:
                    conn, _ = tcp.accept()
                except TimeoutError:
                    continue
                with conn:
                    conn.settimeout(2)
                    try:
                        size = struct.unpack("!H", _recv_exactly(conn, 2))[0]
                        reply = answer(_recv_exactly(conn, size), False)
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
                    except OSError:
                        pass

        thread = threading.Thread(target=serve_tcp, daemon=True)
        thread.start()
        try:
            yield address
        finally:
            stop.set()
            thread.join()
            tcp.close()


def _recv_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


# --- certificates --------------------------------------------------------------------------

Key = ec.EllipticCurvePrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca() -> tuple[x509.Certificate, Key]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(_name("Kabar Test CA"))
            .issuer_name(_name("Kabar Test CA")).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                         False), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_leaf(not_before: datetime, not_after: datetime,
              ca: tuple[x509.Certificate, Key] | None = None,
              names: tuple[str, ...] = ("localhost", "service.test")
              ) -> tuple[x509.Certificate, Key]:
    """A server certificate for ``names`` and 127.0.0.1, signed by ``ca`` or by itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer, signer = (ca[0].subject, ca[1]) if ca else (_name(names[0]), key)
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(IPv4Address("127.0.0.1")), x509.IPAddress(IPv6Address("::1"))]
    builder = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.SubjectAlternativeName(sans), critical=False))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                        critical=True)
    return builder.sign(signer, hashes.SHA256()), key


def server_context(cert: x509.Certificate, key: Key, folder: Path) -> ssl.SSLContext:
    """A server-side TLS context presenting ``cert``."""
    path = folder / f"{cert.serial_number}.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
                     + cert.public_bytes(serialization.Encoding.PEM))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(path)
    return ctx


def write_pem(cert: x509.Certificate, path: Path) -> Path:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


# --- raw answers, for what a well-behaved library server would not send ---------------------

@contextmanager
def raw_server(answer: bytes, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None,
               port: int = 0, linger: float = 0.0) -> Iterator[int]:
    """Reads each request's head, then sends ``answer`` as it is and closes (``linger``
    seconds later, reading nothing meanwhile, when given). Yields the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(64)
    listener.settimeout(0.05)
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        try:
            if tls is not None:
                conn = tls.wrap_socket(conn, server_side=True)
            conn.settimeout(2)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            conn.sendall(answer)
            time.sleep(linger)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        listener.close()


def http_answer(status: str, headers: list[tuple[str, str]], body: bytes,
                newline: bytes = b"\r\n") -> bytes:
    """A whole HTTP/1.1 response as bytes (header values sent as UTF-8)."""
    lines = [f"HTTP/1.1 {status}".encode()]
    lines += [f"{name}: {value}".encode() for name, value in headers]
    lines.append(f"Content-Length: {len(body)}".encode())
    lines.append(b"Connection: close")
    return newline.join(lines) + newline + newline + body


# An HTTP/2 server's first words: a SETTINGS frame, then GOAWAY (PROTOCOL_ERROR) for a
# client that did not send the HTTP/2 preface.
H2_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
H2_GOAWAY = b"\x00\x00\x08\x07\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"


def free_port() -> int:
    """A TCP port free on both 127.0.0.1 and ::1 now (for a server that listens on both).

    Another process may take it before the caller binds it: ``real_servers.running`` starts
    its server again on another port when that happens."""
    for _ in range(50):
        with socket.socket() as four:
            four.bind(("127.0.0.1", 0))
            port = int(four.getsockname()[1])
            try:
                with socket.socket(socket.AF_INET6) as six:
                    six.bind(("::1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no port free on both 127.0.0.1 and ::1")
