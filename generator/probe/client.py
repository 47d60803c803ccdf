"""One HTTP request through aiohttp, as curl would send it, with plain words for each failure.

aiohttp does the talking (proxies, TLS, IDN hosts, URL credentials, compressed bodies: gzip,
deflate, Brotli, zstd; both address families); this module chooses the proxy, reads the body
to its end or a cap, notes the first byte and the certificate of each connection, and names
what went wrong."""

from __future__ import annotations

import base64
import errno
import functools
import ssl
import time
import urllib.request
from dataclasses import dataclass
from http.cookies import BaseCookie
from typing import Any

import aiohttp
import webencodings
from aiohttp.client_proto import ResponseHandler
from multidict import CIMultiDictProxy
from yarl import URL

from generator import __version__
from generator.probe import certs
from generator.probe.base import CURRENT, Failure, Net, Progress
from generator.probe.dns import Resolver, lookup_failure
from generator.probe.netio import connect, os_failure, peer_certificate

CHUNK = 64 * 1024
MAX_HEADER = 256 * 1024  # one header line or field up to this: big cookies happen
MAX_HEADERS = 4096  # how many header fields a response may have


@dataclass(frozen=True)
class Response:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes  # decoded from gzip/deflate; at most the cap
    whole: bool  # the body was read to its end
    encoding: str  # the WHATWG encoding its Content-Type names (a byte order mark wins over it)
    answered: float  # time.monotonic() when its headers had arrived
    peercert: dict[str, Any] | None  # the server's certificate, for https


def open_client(net: Net, resolver: str | None) -> aiohttp.ClientSession:
    """The run's HTTP client for probes that use ``resolver`` (None: the system's)."""
    session = net.clients.get(resolver)
    if session is None:
        connector = _Connector(resolver=Resolver(resolver), ssl=net.tls, force_close=True,
                               limit=0, ttl_dns_cache=10)
        session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None),  # the attempt's own deadline rules
            headers={"User-Agent": f"kabar/{__version__}", "Accept": "*/*"},
            max_line_size=MAX_HEADER, max_field_size=MAX_HEADER, max_headers=MAX_HEADERS)
        net.clients[resolver] = session
    return session


class _Handler(ResponseHandler):
    """aiohttp's connection, noting for its attempt the first byte and the certificate;
    closed by aborting it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._progress = CURRENT.get(None)

    def connection_made(self, transport: Any) -> None:
        if self._progress is not None:
            self._progress.peercert = transport.get_extra_info("peercert")
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if data and self._progress is not None:
            self._progress.answered = True
        super().data_received(data)

    def close(self) -> None:
        # Each connection serves one request (force_close), so there is nothing to close
        # gracefully: a TLS close would wait for the server's close_notify, which a busy or
        # silent server may not send before the run ends, leaving the socket open behind it.
        self.abort()


class _Connector(aiohttp.TCPConnector):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._factory = functools.partial(_Handler, loop=self._loop)  # type: ignore[assignment]


def proxy_for(url: URL, proxies: dict[str, str]) -> str | None:
    """The proxy ``HTTP_PROXY`` / ``HTTPS_PROXY`` name for ``url``, unless ``NO_PROXY`` says
    to go direct (curl's and urllib's rules)."""
    proxy = proxies.get(url.scheme)
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if not proxy or bypass(url.raw_host or "", proxies):
        return None
    return proxy


async def fetch(url: URL, method: str, headers: dict[str, str], body: bytes | None,
                net: Net, resolver: str | None, progress: Progress, cap: int,
                cookies: BaseCookie[str]) -> Response:
    """Send one request with ``cookies`` and read its answer: the body to its end, or up to
    ``cap`` bytes.

    Never less, even when the check has seen what it looks for: a body that ends before its
    ``Content-Length`` (or its last chunk) is a failure whatever came before, as it is for
    curl and browsers.
    """
    proxy = proxy_for(url, net.proxies)
    session = open_client(net, resolver)
    via = URL(proxy) if proxy else None
    login = _proxy_login(via)
    if login and url.scheme == "http":  # no tunnel: the request itself goes to the proxy
        headers, login = headers | login, None
    try:
        async with session.request(
                method, url, headers=headers, data=body, cookies=cookies, allow_redirects=False,
                proxy=via.with_user(None) if via else None, proxy_headers=login) as response:
            answered = time.monotonic()
            if via is not None and response.status == 407:
                raise Failure("proxy_auth", network=True, proxy=_where(proxy))
            encoding = _encoding(response.charset)
            try:
                data, whole = await _read(response, cap)
            except (aiohttp.ClientPayloadError, aiohttp.ClientResponseError) as exc:
                raise _body_failure(exc, response) from None
            return Response(response.status, response.headers, data, whole, encoding,
                            answered, progress.peercert if url.scheme == "https" else None)
    except aiohttp.ClientError as exc:
        raise await _failure(exc, url, proxy, resolver) from None


async def _read(response: aiohttp.ClientResponse, cap: int) -> tuple[bytes, bool]:
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK):
        body += chunk
        if len(body) > cap:
            del body[cap:]
            return bytes(body), False
    return bytes(body), True


def _body_failure(exc: aiohttp.ClientError, response: aiohttp.ClientResponse) -> Failure:
    """Plain words for a body that could not be read to its end."""
    text = str(exc.__cause__ or exc).lower()
    if "not enough data" in text:
        return Failure("closed_early", network=False, status_code=response.status)
    if "content-encoding" in text:
        coding = response.headers.get("Content-Encoding", "").strip().lower() or "encoding"
        return Failure("bad_body", network=False, status_code=response.status,
                       detail=f"not valid {coding}")
    detail = "bad chunked encoding" if "chunk" in text else "unreadable"
    return Failure("bad_body", network=False, status_code=response.status, detail=detail)


def _encoding(charset: str | None) -> str:
    """The encoding a browser reads ``charset`` as (WHATWG labels: ``latin1`` and ``ascii``
    are windows-1252); UTF-8 when it names none it knows."""
    found = webencodings.lookup(charset) if charset else None
    return str(found.name) if found is not None else "utf-8"


async def _failure(exc: aiohttp.ClientError, url: URL, proxy: str | None,
                   resolver: str | None) -> Failure:
    """Plain words for what aiohttp raised."""
    host, port = url.raw_host or "", url.port or 443
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return Failure("proxy_failed", network=True, proxy=_where(proxy),
                       detail=os_failure(exc.os_error).error)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        if exc.status == 407:
            return Failure("proxy_auth", network=True, proxy=_where(proxy))
        return Failure("proxy_refused", network=True, proxy=_where(proxy), status=exc.status)
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        error = exc.certificate_error
        if not isinstance(error, ssl.SSLCertVerificationError):
            return Failure("cert_invalid", network=False, detail=str(error))
        der = await peer_certificate(host, port, resolver) \
            if error.verify_code in certs.DATED and proxy is None else None
        return certs.verify_failure(error, url.host or host, der)
    if isinstance(exc, aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError):
        if await _only_http2(url, proxy, resolver):
            return Failure("http2_only", network=False)
        error = exc.os_error
        return certs.tls_failure(error) if isinstance(error, ssl.SSLError) \
            else Failure("tls_failed", network=False, detail=str(error))
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return lookup_failure(exc.os_error)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return os_failure(exc.os_error)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        if await _only_http2(url, proxy, resolver):
            return Failure("http2_only", network=False)
        return Failure("closed", network=False)
    if isinstance(exc, aiohttp.ClientResponseError):  # what came back is not HTTP/1.x
        said = f"{exc.message} {exc.__cause__ or ''}".lower()
        if "got more than" in said or "too long" in said:
            return Failure("headers_too_large", network=False)
        if "chunk" in said:  # the head was fine, the start of the body was not
            return Failure("bad_body", network=False, detail="bad chunked encoding")
        if await _only_http2(url, proxy, resolver):
            return Failure("http2_only", network=False)
        return Failure("not_http", network=False)
    if isinstance(exc, aiohttp.ClientOSError):
        if isinstance(exc, ConnectionResetError) or exc.errno == errno.ECONNRESET:
            return Failure("reset", network=False)
        failure = os_failure(exc)
        return Failure(failure.reason, network=False, **failure.values)
    if isinstance(exc, aiohttp.InvalidURL):
        return Failure("redirect_scheme", network=False)
    raise exc


async def _only_http2(url: URL, proxy: str | None, resolver: str | None) -> bool:
    """After HTTP/1.1 failed over TLS: does the server pick HTTP/2 when offered it?"""
    if url.scheme != "https" or proxy is not None:
        return False
    try:
        transport = await connect(url.raw_host or "", url.port or 443, resolver,
                                  certs.insecure_context(("h2",)))
    except Failure:
        return False
    try:
        ssl_object = transport.get_extra_info("ssl_object")
        return ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2"
    finally:
        transport.abort()


def _proxy_login(proxy: URL | None) -> dict[str, str] | None:
    """``Proxy-Authorization`` from ``user:password@`` in the proxy's URL."""
    if proxy is None or proxy.user is None:
        return None
    login = f"{proxy.user}:{proxy.password or ''}".encode()
    return {"Proxy-Authorization": f"Basic {base64.b64encode(login).decode()}"}


def _where(proxy: str | None) -> str:
    """The proxy as ``host:port``, never with its credentials."""
    parsed = URL(proxy or "")
    return f"{parsed.raw_host}:{parsed.port}" if parsed.raw_host else "(unknown)"
