"""``status.yaml``'s ``upstreams:``: the vendors the site runs on, loaded and validated.

Each upstream names one platform and the page it publishes; ``kabar probe`` fetches the
address :attr:`Upstream.fetch_url` derives from it (``generator/probe/upstream.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from generator.load.checker import Checker, did_you_mean
from generator.load.probes import check_size, check_url
from generator.load.yamlsource import KeyPath

PLATFORMS = ("statuspage", "incidentio", "instatus", "betterstack", "feed")
UPSTREAM_KEYS = ("id", "name", "description", *PLATFORMS, "components", "affects", "timeout",
                 "max_body")
# Platforms whose public answer names no components of their own.
NO_COMPONENTS = ("instatus", "feed")
# What each platform serves at a page's root, when the URL given is the page itself.
_ENDPOINT = {"statuspage": "api/v2/summary.json", "incidentio": "api/v1/summary",
             "instatus": "summary.json", "betterstack": "index.json"}
_ID = re.compile(r"[a-z0-9-]+")


@dataclass(frozen=True)
class Upstream:
    """A vendor the site depends on, and where its status is read."""

    id: str
    name: str
    platform: str  # one of PLATFORMS
    url: str  # the address as written: the vendor's page (shown as the source) or its feed
    components: tuple[str, ...] = ()  # the vendor's components shown; () = its overall status
    affects: tuple[str, ...] = ()  # our component ids its trouble degrades
    description: str | None = None
    timeout: timedelta = timedelta(seconds=10)
    max_body: int = 2 * 1024 * 1024  # bytes read at most: a bigger answer is not read

    @property
    def fetch_url(self) -> str:
        """The one address fetched each run: the platform's JSON under the page, or the URL
        itself when it names a file (a path that does not end with ``/``) or a feed."""
        if self.platform == "feed" or not self.url.endswith("/"):
            return self.url
        return self.url + _ENDPOINT[self.platform]


def check_upstreams(check: Checker, value: Any, component_ids: frozenset[str] | None
                    ) -> tuple[Upstream, ...] | None:
    """``upstreams:``: a list of vendors, ids unique among the upstreams and the components."""
    if not isinstance(value, list):
        check.expected(("upstreams",), "a list of upstreams, each with an id, a name and one "
                       f"of {', '.join(PLATFORMS)}", value)
        return None
    found: list[Upstream] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        upstream = _upstream(check, ("upstreams", index), item, component_ids, seen)
        if upstream is not None:
            found.append(upstream)
    return tuple(found)


def _upstream(check: Checker, path: KeyPath, value: Any, component_ids: frozenset[str] | None,
              seen: dict[str, int]) -> Upstream | None:
    data = check.mapping(path, value, UPSTREAM_KEYS, ("id", "name"),
                         what=f"a mapping with an id, a name and one of {', '.join(PLATFORMS)}")
    if data is None:
        return None
    before = check.failures
    upstream_id = data.get("id")
    if "id" in data:
        if not isinstance(upstream_id, str) or not _ID.fullmatch(upstream_id):
            check.expected((*path, "id"), "lowercase letters, digits and '-' like github",
                           upstream_id)
        elif component_ids is not None and upstream_id in component_ids:
            check.error((*path, "id"), f"'id': {upstream_id!r} is already the id of a "
                        "component; an upstream needs an id of its own")
        elif upstream_id in seen:
            check.error((*path, "id"), f"'id': {upstream_id!r} is already the id of the "
                        f"upstream at line {seen[upstream_id]}; ids must be unique")
        else:
            seen[upstream_id] = check.source.where((*path, "id"))[0]
    name = check.text((*path, "name"), data["name"]) if "name" in data else None
    platforms = [key for key in PLATFORMS if key in data]
    if len(platforms) != 1:
        got = " and ".join(repr(key) for key in platforms) or "none"
        check.error((*path, platforms[1]) if platforms else path,
                    f"'upstreams': expected exactly one of {', '.join(PLATFORMS)}; got {got}",
                    key=bool(platforms))
        return None
    platform = platforms[0]
    url = check_url(check, (*path, platform), data[platform], "https://www.githubstatus.com/")
    fields: dict[str, Any] = {}
    if "description" in data:
        fields["description"] = check.text((*path, "description"), data["description"])
    if "components" in data:
        if platform in NO_COMPONENTS:
            check.error((*path, "components"), f"'components': {platform} sources name no "
                        "components; remove it to show the overall status", key=True)
        else:
            fields["components"] = _names(check, (*path, "components"), data["components"])
    if "affects" in data:
        fields["affects"] = _affects(check, (*path, "affects"), data["affects"], component_ids)
    if "timeout" in data:
        fields["timeout"] = check.duration((*path, "timeout"), data["timeout"])
    if "max_body" in data:
        fields["max_body"] = check_size(check, (*path, "max_body"), data["max_body"])
    if check.failures > before or not isinstance(upstream_id, str) or name is None or url is None:
        return None
    return Upstream(id=upstream_id, name=name, platform=platform, url=url, **fields)


def _names(check: Checker, path: KeyPath, value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        check.expected(path, "a list of the vendor's component names, like [Git Operations]",
                       value)
        return None
    names = [check.string((*path, n), item) for n, item in enumerate(value)]
    return tuple(name for name in names if name is not None)


def _affects(check: Checker, path: KeyPath, value: Any,
             component_ids: frozenset[str] | None) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value:
        check.expected(path, "a list of component ids, like [api]", value)
        return None
    ids: list[str] = []
    for n, item in enumerate(value):
        if not isinstance(item, str):
            check.expected((*path, n), "a component id", item)
        elif component_ids is not None and item not in component_ids:
            choices = ", ".join(sorted(component_ids)) if len(component_ids) <= 12 else \
                f"the {len(component_ids)} ids in components"
            check.error((*path, n), f"{item!r}: unknown component id; expected one of "
                        f"{choices}{did_you_mean(item, component_ids)}")
        else:
            ids.append(item)
    return tuple(ids)
