"""Why a probe failed: a stable code and its plain English words (the results file's contract).

A probe says each failure as ``words(code, **values)``; the results file keeps the words in
``error``, the first code in ``reason`` and every part, code and values, in ``reasons``;
history keeps the parts too. A page says them in the site's language from the parts (its
catalogue has a ``reason.<code>`` entry for each code here); nothing reads English back.
"""

from __future__ import annotations

from collections.abc import Sequence
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

# One part of why: a code and the values its words take. A degraded result may have several.
Part = tuple[str, dict[str, str]]


def words(code: str, **values: Any) -> str:
    """The English words for ``code``, with ``values`` filled in."""
    return WORDS[code].format(**values)


def part(code: str, **values: Any) -> Part:
    return code, {key: str(value) for key, value in values.items()}


def say(parts: Sequence[Part]) -> str | None:
    """The English words of ``parts``; None for none."""
    return SEPARATOR.join(words(code, **values) for code, values in parts) or None
