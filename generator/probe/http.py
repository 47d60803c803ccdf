"""The http(s) check: follow redirects, then hold the answer to what ``expect`` says."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from generator.config import Expect, Probe
from generator.probe import certs
from generator.probe.base import Failure, Net, Outcome, Progress, seconds
from generator.probe.httpwire import Response, fetch

MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
_CREDENTIALS = ("authorization", "cookie", "proxy-authorization")


async def check_http(probe: Probe, net: Net, progress: Progress) -> Outcome:
    """Up when the final answer has an expected status and body; degraded when slow."""
    start = time.monotonic()
    response = await _follow(probe, net, progress)
    latency = time.monotonic() - start
    judge(probe.expect, response)
    warnings = []
    if probe.degraded_over is not None and latency > probe.degraded_over.total_seconds():
        shown = f"{latency:.1f}" if latency >= 1 else f"{latency:.2f}"
        warnings.append(f"answered in {shown} s, over "
                        f"{seconds(probe.degraded_over.total_seconds())}")
    expiry = certs.expiry_warning(response.peercert, probe.cert_expiry_within)
    if expiry:
        warnings.append(expiry)
    return Outcome("degraded" if warnings else "up", latency_ms=latency * 1000,
                   status_code=response.status, error="; ".join(warnings) or None)


async def _follow(probe: Probe, net: Net, progress: Progress) -> Response:
    """Fetch the target, following redirects unless a specific 3xx code is expected."""
    follow = not any(code.startswith("3") and code.isdigit() for code in probe.expect.status)
    url = probe.target
    method = probe.method.upper()
    headers = list(probe.headers.items())
    body = probe.body.encode("utf-8") if probe.body is not None else None
    seen = {url}
    for _ in range(MAX_REDIRECTS + 1):
        parts = urlsplit(url)
        response = await fetch(parts, method, headers, body, net, probe.resolver, progress)
        location = response.headers.get("location")
        if not (follow and response.status in _REDIRECTS and location):
            return response
        url = urljoin(url, location.strip())
        if url in seen:
            raise Failure("too many redirects (loop)", network=False,
                          status_code=response.status)
        seen.add(url)
        following = urlsplit(url)
        if following.scheme not in ("http", "https") or not following.hostname:
            raise Failure("redirected to an address that is not http(s)", network=False,
                          status_code=response.status)
        if (following.scheme, following.netloc) != (parts.scheme, parts.netloc):
            headers = [(k, v) for k, v in headers if k.lower() not in _CREDENTIALS]
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise Failure(f"too many redirects (more than {MAX_REDIRECTS})", network=False,
                  status_code=response.status)


def judge(expect: Expect, response: Response) -> None:
    """Raise ``Failure`` saying what in ``response`` is not what ``expect`` asks for."""
    code = response.status
    wanted = tuple(str(s).lower() for s in expect.status)
    if not any(status_matches(code, pattern) for pattern in wanted):
        raise Failure(f"expected {or_list(wanted)}, got {code}", network=False, status_code=code)
    if expect.contains is None and expect.not_contains is None and expect.json_path is None:
        return
    text = response.body.decode("utf-8", errors="replace")
    if expect.contains is not None and expect.contains not in text:
        raise Failure(f"response does not contain {quote(expect.contains)}", network=False,
                      status_code=code)
    if expect.not_contains is not None and expect.not_contains in text:
        raise Failure(f"response contains {quote(expect.not_contains)}", network=False,
                      status_code=code)
    if expect.json_path is not None:
        _judge_json(expect.json_path, expect.json_equals, text, code)


def _judge_json(path: str, equals: Any, text: str, code: int) -> None:
    try:
        value = json.loads(text)
    except ValueError:
        raise Failure("response is not JSON", network=False, status_code=code) from None
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.lstrip("-").isdigit() and \
                -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            raise Failure(f"JSON has no {path}", network=False, status_code=code)
    if not _same(value, equals):
        raise Failure(f"JSON {path} is {show(value)}, expected {show(equals)}", network=False,
                      status_code=code)


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) != isinstance(expected, bool):
        return False  # 1 == True in Python, but not in JSON
    return bool(value == expected)


def status_matches(code: int, pattern: str) -> bool:
    if pattern.endswith("xx"):
        return str(code)[0] == pattern[0]
    return pattern == str(code)


def or_list(items: tuple[str, ...]) -> str:
    """``("200", "3xx")`` -> ``"200 or 3xx"``; three or more get commas."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def quote(text: str) -> str:
    return f"'{text}'"


def show(value: Any) -> str:
    """A JSON value as a person reads it: strings in quotes, others as JSON."""
    if isinstance(value, str):
        return quote(value)
    return json.dumps(value, ensure_ascii=False)
