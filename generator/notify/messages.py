"""The words of each message, in the channel's language and the site's time zone, with a link
to the page in that language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from generator.load.config import Config
from generator.model.states import Action, ComponentState, EventKind
from generator.notify.events import Event
from generator.render.i18n import Translator

# Apprise's notification types (its colours and icons): info, success, warning, failure.
_TYPE = {EventKind.OUTAGE: "failure", EventKind.DEGRADED: "warning",
         EventKind.RECOVERY: "success", EventKind.INCIDENT: "warning",
         EventKind.MAINTENANCE: "info", EventKind.UPSTREAM: "warning"}


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    type: str  # info | success | warning | failure
    events: tuple[Event, ...]  # what it tells: their keys are marked sent together


def translator(config: Config, language: str | None = None) -> Translator:
    """The words and times of a channel's ``language`` (default: the site's first)."""
    site = config.site
    return Translator(language or site.languages[0], site.zone, site.languages[0])


def page_url(config: Config, t: Translator, path: str = "") -> str:
    """The absolute URL of ``path`` among the pages in ``t``'s language."""
    site = config.site
    folder = "" if t.language == site.languages[0] else f"{t.language}/"
    return f"{site.url}{folder}{path}"


def compose(config: Config, events: Sequence[Event],
            language: str | None = None) -> list[Message]:
    """One message per incident update or maintenance step; measured changes of one kind found
    in the same run go together. In ``language`` (default: the site's first), linking to the
    pages in it."""
    t = translator(config, language)
    messages: list[Message] = []
    groups: dict[tuple[EventKind, datetime, frozenset[str]], list[Event]] = {}
    for event in events:
        if event.kind == "upstream":
            messages.append(_upstream(config, t, event))
        elif event.component is not None:
            groups.setdefault((event.kind, event.at, event.episode), []).append(event)
        else:
            messages.append(_incident(config, t, event))
    for (kind, _, _), members in groups.items():
        messages.append(_measured(config, t, kind, members))
    order = {id(e): n for n, e in enumerate(events)}
    return sorted(messages, key=lambda m: order[id(m.events[0])])


def test_message(config: Config, language: str | None = None) -> Message:
    t = translator(config, language)
    site = config.site
    return Message(t("notify.test_title", site=site.title),
                   f"{t('notify.test_body', site=site.title)}\n{page_url(config, t)}",
                   "info", ())


def _name(config: Config, t: Translator, component_id: str) -> str:
    component = config.component(component_id)
    return t.text(component.name) if component else component_id


def _measured(config: Config, t: Translator, kind: EventKind, events: Sequence[Event]) -> Message:
    site = config.site
    names = ", ".join(_name(config, t, e.component or "") for e in events)
    lines = []
    for event in events:
        values = {"component": _name(config, t, event.component or ""),
                  "since": t.datetime(event.since)}
        if kind == EventKind.RECOVERY and event.previous is not None:
            lines.append(t("notify.recovery_line", **values,
                           duration=t.duration(event.since - event.previous)))
        else:
            lines.append(t(f"notify.{kind}_line", **values))
        if event.error:
            lines.append(t("page.last_error", error=t.reason(event)))
    link = (page_url(config, t, f"components/{events[0].component}.html") if len(events) == 1
            else page_url(config, t))
    lines.append(t("notify.link", url=link))
    return Message(t(f"notify.{kind}_title", site=site.title, components=names),
                   "\n".join(lines), _TYPE[kind], tuple(events))


def _upstream(config: Config, t: Translator, event: Event) -> Message:
    """A vendor's change: "GitHub (Actions) reports Major outage since 22.00 WIB"."""
    upstream = config.upstream(event.upstream or "")
    name = upstream.name if upstream else (event.upstream or "")
    if event.vendor_component:
        name = f"{name} ({event.vendor_component})"
    state = t(f"state.{event.state}")
    lines = [t("notify.upstream_line", upstream=name, state=state,
               was=t(f"state.{event.was}"), since=t.datetime(event.since))]
    if upstream is not None:
        lines.append(t("notify.upstream_source", url=upstream.url))
    lines.append(t("notify.link", url=page_url(config, t)))
    kind = "success" if event.state == ComponentState.OPERATIONAL else "warning"
    return Message(t("notify.upstream_title", site=config.site.title, upstream=name,
                     state=state), "\n".join(lines), kind, (event,))


def _incident(config: Config, t: Translator, event: Event) -> Message:
    view = event.view
    assert view is not None
    site = config.site
    incident = view.incident
    names = ", ".join(_name(config, t, c) for c in incident.components)
    lines: list[str] = []
    kind = "success" if event.action in (Action.RESOLVED, Action.COMPLETED) \
        else _TYPE[event.kind]
    if event.update is not None:
        status = t(f"status.{event.update.status}")
        lines.append(t(f"notify.incident_{event.action}", status=status,
                       time=t.datetime(event.since)))
        lines.append(t.text(event.update.message).strip())
        if event.action == Action.RESOLVED and view.end is not None:
            lines.append(t("notify.lasted", duration=t.duration(view.end - view.start)))
        title = t("notify.incident_title", site=site.title, title=incident.title,
                  status=status)
    else:
        lines.append(t(f"notify.maintenance_{event.action}", time=t.datetime(event.since)))
        lines.append(t("notify.window", window=_window(t, view.start, view.end)))
        title = t(f"notify.maintenance_{event.action}_title", site=site.title,
                  title=incident.title)
    if names:
        lines.append(t("notify.affected", components=names))
    lines.append(t("notify.link", url=page_url(config, t, view.path)))
    return Message(title, "\n".join(lines), kind, (event,))


def _window(t: Translator, start: datetime, end: datetime | None) -> str:
    if end is None:
        return t.datetime(start)
    return t("page.range", start=t.datetime(start), end=t.datetime(end))
