"""Why a probe failed: a stable code and its plain English words (the results file's contract).

A probe says each failure as ``words(code, **values)``; the results file keeps the words in
``error`` and the code in ``reason``. The words can be read back into their code and values
(``explain``), so a page shows a failure in the site's language (its catalogue has a
``reason.<code>`` entry for each code here) even from history, which keeps the words only.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

WORDS: dict[str, str] = {
    # the attempt as a whole
    "timeout": "timed out after {limit}",
    "timeout_reading": "timed out after {limit} while reading the response",
    "run_deadline": "did not finish within the run's deadline of {limit}",
    "unexpected": "the probe failed unexpectedly ({name})",
    # names
    "nxdomain": "name does not resolve (NXDOMAIN)",
    "no_such_name": "name does not resolve",
    "no_address": "name has no address (no A or AAAA record)",
    "bad_name": "name is not a valid DNS name",
    "dns_failed": "name lookup failed ({detail})",
    "dns_silent": "DNS server {server} does not answer ({detail})",
    "dns_malformed": "the DNS server sent a malformed answer",
    # connections
    "refused": "connection refused",
    "reset": "connection reset by the server",
    "closed": "the server closed the connection without answering",
    "closed_early": "the server closed the connection before the end of its response",
    "net_unreachable": "network is unreachable",
    "host_unreachable": "host is unreachable",
    "connect_timeout": "connection timed out",
    "connect_failed": "could not connect ({detail})",
    "proxy_failed": "could not reach the proxy {proxy} ({detail})",
    "proxy_refused": "the proxy {proxy} answered {status} to a tunnel request",
    "proxy_auth": "the proxy {proxy} asks for credentials (407)",
    # TLS
    "cert_expired": "certificate expired on {date}",
    "cert_expired_undated": "certificate has expired",
    "cert_not_yet_valid": "certificate is not valid before {date}",
    "cert_not_yet_valid_undated": "certificate is not valid yet",
    "cert_self_signed": "certificate is self-signed",
    "cert_untrusted_root": "certificate chain ends in an untrusted self-signed root",
    "cert_unknown_issuer": "certificate is signed by an unknown authority",
    "cert_hostname": "certificate is not valid for {host}",
    "cert_invalid": "certificate verify failed: {detail}",
    "tls_failed": "TLS handshake failed ({detail})",
    "cert_expiring": "certificate expires on {date} (in {days} days)",
    "cert_expiring_day": "certificate expires on {date} (in 1 day)",
    "cert_expiring_hours": "certificate expires on {date} (in less than a day)",
    # HTTP
    "http2_only": "the server speaks only HTTP/2, which the probe does not support",
    "not_http": "the server's answer is not HTTP",
    "headers_too_large": "the response headers are too large",
    "bad_body": "the response body is malformed ({detail})",
    "status": "expected {expected}, got {got}",
    "redirect_loop": "too many redirects (loop)",
    "redirect_limit": "too many redirects (more than {limit})",
    "redirect_scheme": "redirected to an address that is not http(s)",
    "keyword_missing": "response does not contain {text}",
    "keyword_missing_partial": "response does not contain {text} in its first {size}",
    "keyword": "response contains {text}",
    "body_too_large": "the response is larger than {size} (max_body), so {check} could not "
                      "check all of it",
    "not_json": "response is not JSON",
    "json_missing": "JSON has no {path}",
    "json_mismatch": "JSON {path} is {value}, expected {expected}",
    "slow": "answered in {took}, over {limit}",
    # upstreams: a vendor's status page that could not be read (generator/probe/upstream.py)
    "upstream_moved": "the status page moved to {location} ({status})",
    "upstream_status": "the status page answered {got}",
    "upstream_too_large": "the status page's answer is larger than {size} (max_body)",
    "upstream_not_json": "the answer is not {platform} JSON but {detail}",
    "upstream_not_platform": "the answer is not a {platform} status ({detail})",
    "upstream_not_feed": "the answer is not an RSS or Atom feed ({detail})",
    "upstream_no_component": "the status page lists no component named {name}",
}

SEPARATOR = "; "  # between the warnings of one degraded result


def words(code: str, **values: Any) -> str:
    """The English words for ``code``, with ``values`` filled in."""
    return WORDS[code].format(**values)


def explain(error: str) -> list[tuple[str, dict[str, str]]] | None:
    """Read ``error`` back into its codes and values; None when it is not Kabar's words."""
    parts = [_match(part) for part in error.split(SEPARATOR)]
    if len(parts) > 1 and all(part is not None for part in parts):
        return [part for part in parts if part is not None]
    whole = _match(error)  # one failure whose values hold the separator
    return None if whole is None else [whole]


def code_of(error: str | None) -> str | None:
    """The reason code of ``error`` (the first, for several warnings); None when unknown."""
    found = explain(error) if error else None
    return found[0][0] if found else None


def _match(text: str) -> tuple[str, dict[str, str]] | None:
    for code, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found:
            return code, found.groupdict()
    return None


@cache
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Each code's words as a pattern, those with more fixed words first ("timed out after
    {limit} while reading the response" before "timed out after {limit}")."""
    compiled = []
    for code, template in WORDS.items():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(template))
        compiled.append((code, re.compile(regex, re.DOTALL)))
    return sorted(compiled, key=lambda item: -len(re.sub(r"\{\w+\}", "", WORDS[item[0]])))
