"""Reading a vendor's status page: one GET per upstream per run, bounded in time and size.

The GET carries the validators of the previous reading (``If-None-Match``,
``If-Modified-Since``); a 304 keeps the previous reading's state. Redirects are not followed:
a status page that answers elsewhere has moved (to another platform, often) and says so
instead of being read as something it is not. A page that cannot be read is "no data"
(``state`` None) with a reason code, never an outage.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from http.cookies import BaseCookie

from yarl import URL

from generator.load.results import UpstreamResult
from generator.load.upstreams import Upstream
from generator.probe.base import CURRENT, Failure, Net, Progress, seconds, size
from generator.probe.client import fetch
from generator.probe.vendors import ADAPTERS, Unreadable
from generator.reasons import part, say

PLATFORM_NAMES = {"statuspage": "Statuspage", "incidentio": "incident.io",
                  "instatus": "Instatus", "betterstack": "Better Stack", "feed": "RSS/Atom"}
_ACCEPT = {"feed": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"}


async def read_upstream(upstream: Upstream, net: Net, previous: UpstreamResult | None,
                        at: datetime | None = None) -> UpstreamResult:
    """Read ``upstream`` once under its timeout; never raises for a page that cannot be read."""
    at = at or datetime.now(UTC).replace(microsecond=0)
    progress = Progress()
    CURRENT.set(progress)
    limit = upstream.timeout.total_seconds()
    try:
        async with asyncio.timeout(limit):
            return await _read(upstream, net, previous, progress, at)
    except Failure as failure:
        return UpstreamResult(upstream.id, at, None, error=failure.error,
                              reason=failure.reason, status_code=failure.status_code,
                              parts=failure.parts)
    except TimeoutError:
        why = part("timeout_reading" if progress.answered else "timeout", limit=seconds(limit))
        return UpstreamResult(upstream.id, at, None, error=say((why,)), reason=why[0],
                              parts=(why,))


async def _read(upstream: Upstream, net: Net, previous: UpstreamResult | None,
                progress: Progress, at: datetime) -> UpstreamResult:
    headers = {"Connection": "close",
               "Accept": _ACCEPT.get(upstream.platform, "application/json")}
    if previous is not None and previous.state is not None:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.modified:
            headers["If-Modified-Since"] = previous.modified
    response = await fetch(URL(upstream.fetch_url), "GET", headers, None, net, None, progress,
                           upstream.max_body, BaseCookie())
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    status = response.status

    def unread(reason: str, **values: object) -> UpstreamResult:
        why = part(reason, **values)
        return UpstreamResult(upstream.id, at, None, error=say((why,)), reason=reason,
                              status_code=status, parts=(why,))

    if status == 304 and previous is not None and previous.state is not None:
        return UpstreamResult(upstream.id, at, previous.state, previous.components,
                              status_code=status, unchanged=True,
                              etag=etag or previous.etag,
                              modified=modified or previous.modified)
    if status in (301, 302, 303, 307, 308):
        return unread("upstream_moved", location=response.headers.get("Location", "?"),
                      status=status)
    if not 200 <= status < 300:
        return unread("upstream_status", got=status)
    if not response.whole:
        return unread("upstream_too_large", size=size(upstream.max_body))
    try:
        reading = ADAPTERS[upstream.platform](response.body, upstream, at)
    except Unreadable as exc:
        return unread(exc.reason, **exc.values)
    except (AttributeError, TypeError, KeyError, ValueError):
        return unread("upstream_not_platform", platform=PLATFORM_NAMES[upstream.platform],
                      detail="an unexpected shape")
    return UpstreamResult(upstream.id, at, reading.state.value,
                          {name: state.value for name, state in reading.components.items()},
                          status_code=status, etag=etag, modified=modified)
