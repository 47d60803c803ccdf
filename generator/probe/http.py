"""The http(s) check: follow redirects, then hold the answer to what ``expect`` says.

As a browser would: up to 20 redirects (Chromium's and Firefox's limit), and the cookies the
answers set are sent on the next hops of the same check, never to another check. A 429 or
503 passes on its ``Retry-After`` for the retry to honour.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
from yarl import URL

from generator.load.config import Probe
from generator.model.states import ProbeState
from generator.probe import certs
from generator.probe.base import Failure, Net, Outcome, Progress, seconds
from generator.probe.client import Response, fetch
from generator.probe.expect import judge
from generator.reasons import Part, part

MAX_REDIRECTS = 20
_REDIRECTS = (301, 302, 303, 307, 308)
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")


async def check_http(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the final answer has an expected status and body; degraded when slow.

    The latency runs from this probe's first request (name lookup, connection and TLS
    included) to the final answer's headers: the wait for a free slot among concurrent
    probes is not in it, nor the reading of the body.
    """
    start = time.monotonic()
    response = await _follow(probe, net, progress)
    latency = response.answered - start
    try:
        judge(probe.expect, response, probe.max_body)
    except Failure as failure:
        if failure.reason == "status" and response.status in (429, 503):
            failure.retry_after = retry_after(response.headers.get("Retry-After"))
        raise
    warnings: list[Part] = []
    if probe.degraded_over is not None and latency > probe.degraded_over.total_seconds():
        shown = f"{latency:.1f}" if latency >= 1 else f"{latency:.2f}"
        warnings.append(part("slow", took=f"{shown} s",
                             limit=seconds(probe.degraded_over.total_seconds())))
    expiry = certs.expiry_warning(response.peercert, probe.cert_expiry_within)
    if expiry:
        warnings.append(part(expiry[0], **expiry[1]))
    return Outcome(ProbeState.DEGRADED if warnings else ProbeState.UP, latency_ms=latency * 1000,
                   status_code=response.status, parts=tuple(warnings))


async def _follow(probe: Probe, net: Net, progress: Progress) -> Response:
    """Fetch the target, following redirects unless a specific 3xx code is expected."""
    follow = not any(code.startswith("3") and code.isdigit() for code in probe.expect.status)
    url = URL(probe.target)
    method = probe.method.upper()
    headers = {"Connection": "close", **probe.headers}
    if url.user is not None and any(k.lower() == "authorization" for k in headers):
        url = url.with_user(None)  # the header the config gives wins over the URL's
    body = probe.body.encode("utf-8") if probe.body is not None else None
    seen = {str(url)}
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: IP-address hosts keep cookies too
    for _ in range(MAX_REDIRECTS + 1):
        response = await fetch(url, method, headers, body, net, probe.resolver, progress,
                               probe.max_body, jar.filter_cookies(url))
        jar.update_cookies_from_headers(response.headers.getall("Set-Cookie", []), url)
        location = response.headers.get("location")
        if not (follow and response.status in _REDIRECTS and location):
            return response
        following = _join(url, location.strip(), response.status)
        if str(following) in seen:
            raise Failure("redirect_loop", network=False, status_code=response.status)
        seen.add(str(following))
        if (following.scheme, following.host, following.port) != (url.scheme, url.host,
                                                                   url.port):
            headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
        url = following
    raise Failure("redirect_limit", network=False, status_code=response.status,
                  limit=MAX_REDIRECTS)


def retry_after(value: str | None) -> float | None:
    """The seconds ``Retry-After`` asks to wait: a number of seconds or an HTTP-date."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, as HTTP-dates are
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _join(base: URL, location: str, status: int) -> URL:
    """The absolute address a ``Location`` names (UTF-8 in it is percent-encoded)."""
    try:
        following = base.join(URL(location))
    except (ValueError, UnicodeError):
        raise Failure("redirect_scheme", network=False, status_code=status) from None
    if following.scheme not in ("http", "https") or not following.host:
        raise Failure("redirect_scheme", network=False, status_code=status)
    return following
