"""``kabar new``: write a new incident file, or append an update to one.

The files are the authors': a new one is written as tidy text in a fixed key order, and an
update is appended as one more item of ``updates:`` through ruamel.yaml's round trip, which
keeps the comments, styles and order of everything else. What ruamel.yaml cannot keep (two
indentations in one file, a comment inside a flow list) is refused with the line it would
rewrite, and nothing is written unless the data read back is the old data plus the update.
"""

from __future__ import annotations

import io
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from generator.cli.yamlwrite import CONTROL, scalar, text_lines, update_lines
from generator.errors import KabarError
from generator.files import atomic_write
from generator.load.checker import did_you_mean, display_path
from generator.load.config import Config
from generator.load.incidents import IMPACTS, INCIDENT_STATUSES, MAINTENANCE_STATUSES
from generator.load.yamlsource import MAX_BYTES, escapes, loads
from generator.model.states import OUTAGE_STATES, IncidentStatus
from generator.texts import Text

log = logging.getLogger(__name__)

# Where a site keeps the incident schema (kabar init), or this repository's example site.
SCHEMA_PLACES = (Path(".kabar") / "schemas", Path("generator") / "schemas")
INCIDENT_STATES = tuple(state.value for state in OUTAGE_STATES)
_SLUG_MAX = 60
_SPACES = re.compile(r"(?<=\S)[ \t]+")


def _schema_line(incidents_dir: Path) -> list[str]:
    """The first-line comment that points editors at the schema, if the site has one."""
    for place in SCHEMA_PLACES:
        schema = incidents_dir.parent / place / "incident.schema.json"
        if schema.is_file():
            relative = os.path.relpath(schema, incidents_dir)
            return [f"# yaml-language-server: $schema={Path(relative).as_posix()}"]
    return []


def new_incident(config: Config, incidents_dir: Path, title: str,
                 components: Mapping[str, str], *,
                 status: str = IncidentStatus.INVESTIGATING,
                 message: str, impact: str | None = None, at: datetime) -> Path:
    """Write ``incidents/<date>-<slug>.yaml`` with one update stamped at ``at``; return it."""
    title = _each(title, _check_title)
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
    message = _each(message, _check_message)

    tz = config.site.zone
    lines = [*_schema_line(incidents_dir), *text_lines("title", title, indent=0)]
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
    """Append an update to ``incidents/<incident_id>.yaml``, leaving the rest as it was.

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
        text = handle.read(MAX_BYTES + 1)
    if len(text) > MAX_BYTES:
        raise KabarError(f"{shown}:1:1: error: the file is larger than "
                         f"{MAX_BYTES // 1024 // 1024} MB")
    data = _round_trip(text, shown)
    if not isinstance(data, CommentedMap):
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
            isinstance(u, dict) and u.get("status") == IncidentStatus.RESOLVED for u in updates):
        raise KabarError(f"{shown} is resolved; nothing follows a resolved update — "
                         "write a new incident")
    if updates is not None and not isinstance(updates, CommentedSeq):
        line, col = data.lc.value("updates")
        raise KabarError(f"{shown}:{line + 1}:{col + 1}: error: 'updates' is not a list; "
                         "fix the file first (kabar validate)")

    item = CommentedMap()
    item["at"] = f"{at.astimezone(config.site.zone):%Y-%m-%d %H:%M}"
    item["status"] = status
    item["message"] = (LiteralScalarString(message + "\n")
                       if "\n" in message and not CONTROL.search(message) else message)
    yaml = _dumper(text, data)
    if updates is None:  # a maintenance needs no update: add the key at the end
        data["updates"] = CommentedSeq([item])
    else:
        _follow(updates, item)
    out = io.StringIO()
    yaml.dump(data, out)
    written = out.getvalue()
    _check_only_added(text, written, item, shown)
    if (line := _rewritten_line(text, written)) is not None:
        raise KabarError(
            f"{shown}:{line}: error: appending the update would also rewrite this line "
            "(ruamel.yaml keeps one indentation for a whole file, and no comment inside a "
            "flow list); add the update by hand")
    atomic_write(path, written.encode("utf-8"))
    log.debug("appended a %s update to %s", status, path)
    return path


def _round_trip(text: str, shown: str) -> Any:
    """The file as ruamel.yaml's round-trip data: comments, styles and order kept."""
    try:
        return YAML().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "1:1"
        raise KabarError(f"{shown}:{where}: error: {exc.problem or exc.context}; "
                         "fix the file first (kabar validate)") from None
    except (YAMLError, RecursionError) as exc:
        raise KabarError(f"{shown}:1:1: error: cannot read it as YAML ({exc}); fix the "
                         "file first (kabar validate)") from None


def _dumper(text: str, data: CommentedMap) -> YAML:
    """A round-trip dumper that writes ``data`` as the file was written: its indents (from
    where ruamel.yaml read the first nested block mapping and block list), line endings."""
    yaml = YAML()
    yaml.width = 4096  # long lines stay as they were
    yaml.preserve_quotes = True
    if "\r\n" in text:
        yaml.line_break = "\r\n"  # type: ignore[assignment]  # typed None, takes a str
    mapping, sequence, offset = 2, 4, 2  # as new_incident writes
    found_mapping = found_sequence = False
    for key, value in data.items():
        key_col = data.lc.key(key)[1]
        if not value or not isinstance(value, CommentedMap | CommentedSeq) \
                or value.fa.flow_style():
            continue
        if isinstance(value, CommentedMap) and not found_mapping:
            mapping, found_mapping = value.lc.col - key_col, True
        elif isinstance(value, CommentedSeq) and not found_sequence:
            offset = value.lc.col - key_col
            first = value[0]
            block = isinstance(first, CommentedMap) and not first.fa.flow_style()
            sequence = first.lc.col - key_col if block else offset + 2
            found_sequence = True
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _follow(updates: CommentedSeq, item: CommentedMap) -> None:
    """Append ``item`` right after the last update.

    Comments and blank lines after the last update belong to what follows it (ruamel.yaml
    keeps them on the update's last value), so they move to follow the new item; a comment
    on the last update's own line stays there.
    """
    if updates.fa.flow_style():
        item.fa.set_flow_style()
    holder, slot, place = _trailing_comment(updates, len(updates) - 1)
    updates.append(item)
    token = holder[slot][place] if holder is not None else None
    if token is None:
        return
    # After a block scalar the comment's text starts on the next line; after any other value
    # it starts with the rest of that value's own line.
    value = str(token.value)
    if isinstance(_leaf(updates[-2]), LiteralScalarString | FoldedScalarString):
        own_line, after = "", value
    else:
        own_line, _, after = value.partition("\n")
    if not after:  # nothing but a comment on the last update's own line: it stays
        return
    if own_line.strip():
        token.value = own_line + "\n"
    else:
        holder[slot][place] = None
    if not isinstance(item["message"], LiteralScalarString):
        after = "\n" + after
    moved = type(token)(after, token.start_mark, None, column=0)
    if item.fa.flow_style():
        updates.ca.items[len(updates) - 1] = [moved, None, None, None]
    else:
        item.ca.items["message"] = [None, None, moved, None]


def _leaf(node: Any) -> Any:
    """The last value written in ``node``, going into block mappings and lists."""
    while isinstance(node, CommentedMap | CommentedSeq) and node and \
            not node.fa.flow_style():
        node = node[list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1]
    return node


def _trailing_comment(updates: CommentedSeq, index: int) -> tuple[Any, Any, int]:
    """Where ruamel.yaml keeps the comment after update ``index``: the comment holder, the
    key in it and the place in its entry (a list's items keep it first, a mapping's keys
    third); ``(None, None, 0)`` when there is none."""
    node: Any = updates[index]
    holder, slot, place = updates.ca.items, index, 0
    while isinstance(node, CommentedMap | CommentedSeq) and node and \
            not node.fa.flow_style():
        last = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        holder, slot, place = node.ca.items, last, 2 if isinstance(node, CommentedMap) else 0
        node = node[last]
    return (holder, slot, place) if slot in holder else (None, None, 0)


def _rewritten_line(text: str, written: str) -> int | None:
    """The first line of ``text`` that ``written`` does not keep, where ``written`` is more
    than ``text`` with the update inserted at one place (spaces within a line aside: a
    comment after a flow list that grew keeps one space before it). None when it is not."""
    before, after = _SPACES.sub(" ", text), _SPACES.sub(" ", written)
    prefix = len(os.path.commonprefix([before, after]))
    suffix = len(os.path.commonprefix([before[prefix:][::-1], after[prefix:][::-1]]))
    if prefix + suffix >= len(before):
        return None
    return before.count("\n", 0, prefix) + 1


def _check_only_added(text: str, written: str, item: CommentedMap, shown: str) -> None:
    """Refuse to write a file whose data changed other than by the added update (read by
    Kabar's own loader, which refuses what would cost too much, alias bombs included)."""
    before, after = loads(text, shown).data, loads(written, shown).data
    if before.get("updates") is None:
        before["updates"] = []
    before["updates"].append({key: str(value) for key, value in item.items()})
    if before != after:
        raise KabarError(f"{shown}: appending the update would change the rest of the "
                         "file; add it by hand")


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


def _each(value: str, check: Callable[[str], str]) -> str:
    """``check`` applied to each language's text of ``value``."""
    if isinstance(value, Text):
        return Text({language: check(text) for language, text in value.texts.items()})
    return check(value)


def _check_title(title: str) -> str:
    title = title.strip()
    if not title or "\n" in title or "\r" in title:
        raise KabarError('the title must be one line of text, e.g. kabar new "Login failures"')
    return title


def _check_message(message: str) -> str:
    message = message.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if not message.strip():
        raise KabarError('--message is empty; say what people see, e.g. --message '
                         '"Logins fail for most users. We are investigating."')
    return message


__all__ = ["add_update", "new_incident", "scalar", "slugify", "update_lines"]
