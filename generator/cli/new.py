"""``kabar new``: write a new incident file, or append an update to one.

The files are the authors': a new one is written as tidy text in a fixed key order, and an
update is appended as one more list item at the end of ``updates:`` without rewriting (or
reformatting, or dropping the comments of) anything else in the file.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from generator.errors import KabarError
from generator.files import atomic_write
from generator.load.checker import did_you_mean, display_path
from generator.load.config import Config
from generator.load.incidents import IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES
from generator.load.yamlsource import escapes, loads

log = logging.getLogger(__name__)

SCHEMA_LINE = "# yaml-language-server: $schema=../generator/schemas/incident.schema.json"
# What an incident (not a maintenance) may declare for its components.
INCIDENT_STATES = ("degraded_performance", "partial_outage", "major_outage")
_SLUG_MAX = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def new_incident(config: Config, incidents_dir: Path, title: str,
                 components: Mapping[str, str], *, status: str = "investigating",
                 message: str, impact: str | None = None, at: datetime) -> Path:
    """Write ``incidents/<date>-<slug>.yaml`` with one update stamped at ``at``; return it."""
    title = title.strip()
    if not title or "\n" in title or "\r" in title:
        raise KabarError('the title must be one line of text, e.g. kabar new "Login failures"')
    known = [c.id for c in config.components]
    for component_id, state in components.items():
        if component_id not in known:
            raise KabarError(
                f"--component {component_id}={state}: unknown component {component_id!r}"
                f"{did_you_mean(component_id, known)}; status.yaml defines "
                f"{', '.join(known) or 'no components'}")
        if state not in INCIDENT_STATES:
            raise KabarError(
                f"--component {component_id}={state}: unknown state {state!r}"
                f"{did_you_mean(state, INCIDENT_STATES)}; expected one of "
                f"{', '.join(INCIDENT_STATES)}")
    _check_status(status, INCIDENT_STATUSES)
    if impact is not None and impact not in IMPACTS:
        raise KabarError(f"--impact {impact}: expected one of {', '.join(IMPACTS)}"
                         f"{did_you_mean(impact, IMPACTS)}")
    message = _check_message(message)

    tz = config.site.zone
    lines = [SCHEMA_LINE, f"title: {scalar(title)}"]
    if impact is not None:
        lines.append(f"impact: {impact}")
    if components:
        lines.append("components:")
        lines += [f"  {cid}: {state}" for cid, state in components.items()]
    else:
        lines.append("components: {}")
    lines.append("updates:")
    lines += update_lines(at.astimezone(tz), status, message, indent=2)
    text = "\n".join(lines) + "\n"

    incidents_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{at.astimezone(tz):%Y-%m-%d}-{slugify(title)}"
    for n in range(1, 1000):
        path = incidents_dir / (f"{stem}.yaml" if n == 1 else f"{stem}-{n}.yaml")
        try:
            handle = path.open("x", encoding="utf-8", newline="\n")  # never clobber
        except FileExistsError:
            continue
        try:
            with handle:
                handle.write(text)
        except OSError as exc:  # a full disk: leave no empty incident behind
            path.unlink(missing_ok=True)
            raise KabarError(f"{display_path(path)}: cannot write: {exc.strerror or exc}"
                             ) from None
        log.debug("wrote %s", path)
        return path
    raise KabarError(f"{display_path(incidents_dir)}: too many incidents named {stem}; "
                     "choose another title")


def add_update(config: Config, incidents_dir: Path, incident_id: str, status: str | None,
               message: str, at: datetime) -> Path:
    """Append an update to ``incidents/<incident_id>.yaml``, leaving the rest untouched.

    Without ``status`` the update keeps the incident's current one (its latest update's).
    """
    stem = Path(incident_id).name.removesuffix(".yaml").removesuffix(".yml")
    path = incidents_dir / f"{stem}.yaml"
    shown = display_path(path)
    if escapes(path, incidents_dir):
        raise KabarError(f"{shown}: a symbolic link to a file outside the incidents folder; "
                         "refusing to write through it")
    if not stem or not path.is_file():
        known = sorted(p.stem for p in incidents_dir.glob("*.yaml"))
        raise KabarError(f"{shown}: no such incident{did_you_mean(stem, known)}; "
                         'write a new one with kabar new "TITLE" --component ID=STATE')
    with path.open(encoding="utf-8", newline="") as handle:  # keep the author's line endings
        text = handle.read()
    data = loads(text, shown).data
    if not isinstance(data, dict):
        raise KabarError(f"{shown}:1:1: error: expected a mapping with title, components "
                         "and updates; fix the file first (kabar validate)")
    maintenance = "maintenance" in data
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    updates = data.get("updates")
    if status is None:
        status = _current_status(updates)
        if status is None:
            raise KabarError(f"{shown} has no update yet; give its status with --status "
                             f"({', '.join(statuses)})")
    _check_status(status, statuses)
    message = _check_message(message)
    if not maintenance and isinstance(updates, list) and any(
            isinstance(u, dict) and u.get("status") == "resolved" for u in updates):
        raise KabarError(f"{shown} is resolved; nothing follows a resolved update — "
                         "write a new incident")

    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    at_local = at.astimezone(config.site.zone)
    insert_at, dash_col = _append_point(text, shown)
    if insert_at is None:  # no updates yet (a maintenance needs none): add the key at the end
        block = ["updates:", *update_lines(at_local, status, message, indent=2)]
        insert_at = len(lines)
    else:
        block = update_lines(at_local, status, message, indent=dash_col)
    if insert_at > 0 and not lines[insert_at - 1].endswith(("\n", "\r")):
        lines[insert_at - 1] += newline
    lines[insert_at:insert_at] = [line + newline for line in block]
    atomic_write(path, "".join(lines).encode("utf-8"))
    log.debug("appended a %s update to %s", status, path)
    return path


def _append_point(text: str, shown: str) -> tuple[int | None, int]:
    """The line index after the last item of ``updates:`` and the items' dash column.

    ``(None, 0)`` when the file has no ``updates`` key.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise KabarError(f"{shown}:1:1: error: expected a mapping; fix the file first")
    for key, value in root.value:
        if not (isinstance(key, yaml.ScalarNode) and key.value == "updates"):
            continue
        if not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
            line, col = value.start_mark.line + 1, value.start_mark.column + 1
            raise KabarError(
                f"{shown}:{line}:{col}: error: 'updates' is not a block list; write each "
                "update as its own '- at: …' item, then add the update again")
        # The end of the last item's last value, not of the item: a mapping ends only at
        # the next key, after any comments in between, and those belong to what follows.
        last = _last_leaf(value.value[-1]).end_mark
        # A block scalar ends at the start of the line after it (and after blank lines).
        end = last.line if last.column == 0 else last.line + 1
        lines = text.splitlines()
        start = value.value[-1].start_mark.line + 1
        while end > start and not lines[end - 1].strip():
            end -= 1  # new item right after the last one, not after blank lines
        return end, value.start_mark.column
    return None, 0


def _last_leaf(node: yaml.Node) -> yaml.Node:
    while not getattr(node, "flow_style", False):
        if isinstance(node, yaml.MappingNode) and node.value:
            node = node.value[-1][1]
        elif isinstance(node, yaml.SequenceNode) and node.value:
            node = node.value[-1]
        else:
            break
    return node


def update_lines(at: datetime, status: str, message: str, *, indent: int) -> list[str]:
    """One ``updates`` item as lines, its dash at column ``indent``."""
    pad = " " * indent
    lines = [f"{pad}- at: {at:%Y-%m-%d %H:%M}", f"{pad}  status: {status}"]
    if "\n" in message and not _CONTROL.search(message):
        body = message.split("\n")
        first = next(line for line in body if line.strip())
        marker = "|2" if first[0].isspace() else "|"  # YAML would take its spaces as indent
        lines.append(f"{pad}  message: {marker}")
        lines += [f"{pad}    {line}" if line.strip() else "" for line in body]
    else:
        lines.append(f"{pad}  message: {scalar(message)}")
    return lines


def scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar: plain when YAML reads it back unchanged, else quoted."""
    if text == text.strip() and "\n" not in text and not _CONTROL.search(text):
        try:
            if _reads_back(text):
                return text
        except yaml.YAMLError:
            pass
    return _double_quoted(text)


def _reads_back(text: str) -> bool:
    loaded: Any = yaml.safe_load(f"k: {text}\n")
    return isinstance(loaded, dict) and list(loaded) == ["k"] and loaded["k"] == text \
        and isinstance(loaded["k"], str)


def _double_quoted(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif _CONTROL.match(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def slugify(title: str) -> str:
    """An ASCII ``[a-z0-9-]`` slug of ``title``; ``incident`` when nothing ASCII is left."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > _SLUG_MAX:
        cut = slug[:_SLUG_MAX + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:_SLUG_MAX]
    return slug.strip("-") or "incident"


def _current_status(updates: object) -> str | None:
    """The status of the latest update (by its ``at``), None without one."""
    if not isinstance(updates, list):
        return None
    known = [(str(u.get("at")), str(u["status"])) for u in updates
             if isinstance(u, dict) and isinstance(u.get("status"), str)]
    return max(known)[1] if known else None


def _check_status(status: str, statuses: tuple[str, ...]) -> None:
    if status not in statuses:
        raise KabarError(f"--status {status}: expected one of {', '.join(statuses)}"
                         f"{did_you_mean(status, statuses)}")


def _check_message(message: str) -> str:
    message = message.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not message.strip():
        raise KabarError('--message is empty; say what people see, e.g. --message '
                         '"Logins fail for most users. We are investigating."')
    return message


__all__ = ["add_update", "new_incident", "scalar", "slugify", "update_lines"]
