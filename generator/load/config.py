"""``status.yaml``: the site and its components, loaded and validated."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.errors import Problem, ValidationError
from generator.load import yamlsource
from generator.load.brand import Accent, Image, Logo, check_accent, check_image, check_logo
from generator.load.checker import Checker, display_path, label
from generator.load.notify import Link, Notify, check_links, check_notify, check_subscribe
from generator.load.policy import UptimePolicy, check_policy
from generator.load.probes import Expect as Expect
from generator.load.probes import Probe as Probe
from generator.load.probes import check_probe, check_url
from generator.load.upstreams import Upstream as Upstream
from generator.load.upstreams import check_upstreams
from generator.load.yamlsource import KeyPath
from generator.load.zones import zone_hint
from generator.texts import LANGUAGES


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    group: str | None = None
    description: str | None = None
    probe: Probe | None = None
    since: date | None = None  # the first day it existed; earlier days show "no data"


@dataclass(frozen=True)
class Site:
    title: str
    url: str  # absolute, always ends with "/"
    description: str = ""
    timezone: str = "UTC"
    language: str = "en"  # the first of ``languages``, the one at the site's root
    languages: tuple[str, ...] = ()  # every language, each other at /<lang>/; () = (language,)
    interval: timedelta = timedelta(minutes=5)
    logo: Logo | None = None  # shown in every page's header, beside the title
    favicon: Image | None = None  # else a dot in the colour of the page's status
    accent: Accent | None = None  # links and focus, in each theme
    links: tuple[Link, ...] = ()  # the header's links after the page's own ("Help center")
    # The zone named by ``timezone``, made once: every stage takes it from here.
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))
        if self.languages:
            object.__setattr__(self, "language", self.languages[0])
        else:
            object.__setattr__(self, "languages", (self.language,))


@dataclass(frozen=True)
class Config:
    site: Site
    components: tuple[Component, ...]
    path: Path = Path("status.yaml")
    notify: Notify | None = None  # where messages about changes go (generator/notify/)
    subscribe: tuple[Link, ...] = ()  # links shown in the page's Subscribe block
    # Checks of the runner's own network, run when every probe failed without an answer:
    # see ``generator/probe/control.py``. None: the default ones.
    control: tuple[Probe, ...] | None = None
    upstreams: tuple[Upstream, ...] = ()  # vendors shown in their own group (upstreams.py)

    def upstream(self, upstream_id: str) -> Upstream | None:
        return next((u for u in self.upstreams if u.id == upstream_id), None)
    uptime: UptimePolicy = field(default_factory=UptimePolicy)  # how uptime is counted

    def component(self, component_id: str) -> Component | None:
        for component in self.components:
            if component.id == component_id:
                return component
        return None


log = logging.getLogger(__name__)

ROOT_KEYS = ("site", "components", "notify", "subscribe", "control", "upstreams", "uptime")
SITE_KEYS = ("title", "url", "description", "timezone", "language", "languages", "interval",
             "logo", "favicon", "accent", "links")
COMPONENT_KEYS = ("id", "name", "group", "description", "probe", "since")
_COMPONENT_ID = re.compile(r"[a-z0-9-]+")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class ConfigCheck:
    """What :func:`check_config` found, including what incidents can be checked against."""

    config: Config | None  # None when there is any error
    problems: tuple[Problem, ...]  # errors and warnings
    # What incidents may name: the ids of the components and upstreams that parsed; None when
    # the components are unreadable.
    component_ids: frozenset[str] | None
    zone: ZoneInfo  # the site's, or UTC when it is missing or not valid
    path: Path = Path("status.yaml")  # the file read

    def loaded(self, warn: bool = True) -> Config:
        """The config; ``ValidationError`` with every problem when it has an error. Its
        warnings are logged unless ``warn`` is false."""
        if self.config is None:
            raise ValidationError(list(self.problems))
        for problem in self.problems if warn else ():
            log.warning("%s", problem)
        return self.config


def load_config(path: Path) -> Config:
    """Load and validate ``status.yaml``; raise ``ValidationError`` with every problem."""
    return check_config(path).loaded()


def check_config(path: Path) -> ConfigCheck:
    """Read ``status.yaml`` collecting every problem instead of stopping at the first."""
    problems: list[Problem] = []
    if yamlsource.escapes(path, path.parent):
        return ConfigCheck(None, (Problem(display_path(path), 1, 1, "a symbolic link to a file "
                                          "outside its folder; put the file itself there"),),
                           None, ZoneInfo("UTC"), path)
    try:
        source = yamlsource.load(path, display_path(path))
    except ValidationError as exc:
        return ConfigCheck(None, tuple(exc.problems), None, ZoneInfo("UTC"), path)
    check = Checker(source, problems)
    root: dict[str, Any] | None = None
    if source.data is None:
        check.error((), "the file is empty; expected the keys 'site' and 'components'")
    else:
        root = check.mapping((), source.data, ROOT_KEYS, ("site", "components"),
                             what="a mapping with the keys 'site' and 'components'")
    root = root or {}
    site = _site(check, root["site"], path.parent) if "site" in root else None
    components, ids = _components(check, root["components"]) if "components" in root else (
        None, None)
    zone = site.zone if site else ZoneInfo(_valid_timezone(root.get("site")))
    extra: dict[str, Any] = {}
    if "notify" in root:
        extra["notify"] = check_notify(check, root["notify"],
                                       site.languages if site else LANGUAGES)
    if "subscribe" in root:
        extra["subscribe"] = check_subscribe(check, root["subscribe"])
    if "control" in root:
        extra["control"] = _control(check, root["control"])
    if "upstreams" in root:
        extra["upstreams"] = check_upstreams(check, root["upstreams"], ids)
        if ids is not None and extra["upstreams"]:
            ids = ids | {upstream.id for upstream in extra["upstreams"]}
    if "uptime" in root:
        extra["uptime"] = check_policy(check, root["uptime"])
    config = None
    if site and components is not None and not check.failures:
        config = Config(site, components, path, **extra)
    return ConfigCheck(config, tuple(problems), ids, zone, path)


def _control(check: Checker, value: Any) -> tuple[Probe, ...] | None:
    """``control:``: a list of probes (as a component's ``probe:``) of things outside the
    site's own services; an empty list turns the control off."""
    if not isinstance(value, list):
        check.expected(("control",), "a list of probes, each like a component's probe:", value)
        return None
    probes = [check_probe(check, ("control", n), item) for n, item in enumerate(value)]
    return tuple(probe for probe in probes if probe is not None)


def _valid_timezone(site: Any) -> str:
    name = site.get("timezone") if isinstance(site, dict) else None
    return name if isinstance(name, str) and _zone(name) else "UTC"


def _zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _site(check: Checker, value: Any, folder: Path) -> Site | None:
    path: KeyPath = ("site",)
    data = check.mapping(path, value, SITE_KEYS, ("title", "url"))
    if data is None:
        return None
    before = check.failures
    title = check.string((*path, "title"), data["title"]) if "title" in data else None
    url = check_url(check, (*path, "url"), data["url"], "https://status.example.com/") if (
        "url" in data) else None
    fields: dict[str, Any] = {}
    if "description" in data:
        fields["description"] = check.string((*path, "description"), data["description"],
                                             nonempty=False)
    if "timezone" in data:
        zone = data["timezone"]
        if isinstance(zone, str) and _zone(zone):
            fields["timezone"] = zone
        else:
            check.expected((*path, "timezone"), "an IANA time zone like Asia/Jakarta or UTC",
                           zone, zone_hint(zone))
    if "language" in data and "languages" in data:
        check.error((*path, "languages"), "'languages': give either 'language' or 'languages' "
                    "(its first is the site's main language), not both", key=True)
    elif "language" in data:
        fields["language"] = check.choice((*path, "language"), data["language"], LANGUAGES)
    elif "languages" in data:
        fields["languages"] = _languages(check, (*path, "languages"), data["languages"])
    if "interval" in data:
        fields["interval"] = check.duration((*path, "interval"), data["interval"])
    if "logo" in data:
        fields["logo"] = check_logo(check, (*path, "logo"), data["logo"], folder)
    if "favicon" in data:
        fields["favicon"] = check_image(check, (*path, "favicon"), data["favicon"], folder)
    if "accent" in data:
        fields["accent"] = check_accent(check, (*path, "accent"), data["accent"])
    if "links" in data:
        fields["links"] = check_links(check, (*path, "links"), data["links"],
                                      '{name: Help center, url: "https://help.example.com/"}')
    if title is None or url is None or check.failures > before:
        return None
    return Site(title=title, url=url if url.endswith("/") else url + "/", **fields)


def _languages(check: Checker, path: KeyPath, value: Any) -> tuple[str, ...]:
    """``[id, en]``: known languages, each once, the first at the site's root."""
    if not isinstance(value, list) or not value:
        check.expected(path, f"a list of languages like [{', '.join(LANGUAGES)}]", value)
        return ()
    found: list[str] = []
    for index, item in enumerate(value):
        language = check.choice((*path, index), item, LANGUAGES)
        if language in found:
            check.error((*path, index), f"{label((*path, index))}: {language!r} is listed "
                        "twice; list each language once")
        elif language:
            found.append(language)
    return tuple(found)


def _components(check: Checker, value: Any) -> tuple[tuple[Component, ...] | None,
                                                      frozenset[str] | None]:
    if not isinstance(value, list) or not value:
        check.expected(("components",), "a list of components, each with an id and a name",
                       value)
        return None, None
    components: list[Component] = []
    seen: dict[str, int] = {}  # id -> the line it was first given on
    for index, item in enumerate(value):
        component = _component(check, ("components", index), item, seen)
        if component:
            components.append(component)
    return tuple(components), frozenset(seen)


def _component(check: Checker, path: KeyPath, value: Any, seen: dict[str, int]) -> \
        Component | None:
    data = check.mapping(path, value, COMPONENT_KEYS, ("id", "name"),
                         what="a mapping with at least an id and a name")
    if data is None:
        return None
    before = check.failures
    component_id = data.get("id")
    if "id" in data:
        where = check.source.where((*path, "id"))
        if not isinstance(component_id, str) or not _COMPONENT_ID.fullmatch(component_id):
            check.expected((*path, "id"), "lowercase letters, digits and '-' like api-gateway",
                           component_id)
        elif component_id in seen:
            check.error((*path, "id"), f"'id': {component_id!r} is already the id of the "
                        f"component at line {seen[component_id]}; ids must be unique")
        else:
            seen[component_id] = where[0]
    name = check.text((*path, "name"), data["name"]) if "name" in data else None
    fields: dict[str, Any] = {}
    for key in ("group", "description"):
        if key in data:
            fields[key] = check.text((*path, key), data[key])
    if "since" in data:
        fields["since"] = _day(check, (*path, "since"), data["since"])
    if "probe" in data:
        fields["probe"] = check_probe(check, (*path, "probe"), data["probe"])
    if check.failures > before or not isinstance(component_id, str) or name is None:
        return None
    return Component(id=component_id, name=name, **fields)


def _day(check: Checker, path: KeyPath, value: Any) -> date | None:
    hint = ""
    if isinstance(value, str) and _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            hint = f" (there is no {value})"
    check.expected(path, "a date like 2025-07-16", value, hint)
    return None
