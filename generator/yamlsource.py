"""Load YAML as plain data while remembering where each key and value stands.

Scalars that YAML would turn into dates or times stay strings: Kabar parses times itself, in
the site's time zone. Nothing is ever constructed from tags (safe_load-level safety).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Problem

try:  # libyaml is ten times faster; fall back when it is not compiled in
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]


@dataclass
class Source:
    """A loaded YAML file: its data and the (line, col) of every key path, 1-based."""

    path: str
    data: Any
    positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    # Set by ``loads_fast``: the parsed tree, walked for positions only when one is asked for.
    node: yaml.Node | None = field(default=None, repr=False, compare=False)

    def where(self, keypath: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """The position of the value at ``keypath`` (or its key), else its nearest parent."""
        if self.node is not None:  # positions were left for now: find them all
            node, self.node = self.node, None
            _convert(node, (), self)
        table = self.key_positions if key else self.positions
        probe = keypath
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def problem(self, keypath: KeyPath, message: str, *, key: bool = False,
                severity: str = "error") -> Problem:
        """A problem at ``keypath`` in this file."""
        line, col = self.where(keypath, key=key)
        return Problem(self.path, line, col, message, severity)


class DuplicateKey(Exception):
    def __init__(self, key: str, line: int, col: int) -> None:
        self.key, self.line, self.col = key, line, col


def load(path: Path, display: str | None = None) -> Source:
    """Read and parse ``path``; raise ``ValidationError`` with the parser's position on failure."""

    shown = display or str(path)
    return loads(read_text(path, shown)[0], shown)


def read_text(path: Path, shown: str) -> tuple[str, str]:
    """The text of ``path`` and the SHA-256 of its bytes; ``ValidationError`` when unreadable."""
    from generator.errors import ValidationError

    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError([Problem(shown, 1, 1, f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise ValidationError([Problem(shown, 1, 1, f"cannot read: {exc.strerror}")]) from None
    # read_text() would also turn \r\n into \n: keep what the parser saw before.
    return text.replace("\r\n", "\n").replace("\r", "\n"), hashlib.sha256(data).hexdigest()


def loads(text: str, path: str) -> Source:
    """Parse YAML text named ``path``."""
    return _loads(text, path, fast=False)


def loads_fast(text: str, path: str) -> Source:
    """``loads``, but the positions are found only when ``Source.where`` first needs one.

    The data and every message are the same: most files are valid and never need them.
    """
    return _loads(text, path, fast=True)


def _loads(text: str, path: str, *, fast: bool) -> Source:
    from generator.errors import ValidationError

    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        raise ValidationError([Problem(path, line, col, f"YAML syntax: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ValidationError([Problem(path, 1, 1, f"YAML syntax: {exc}")]) from None
    source = Source(path, None)
    if node is None:
        return source
    try:
        if fast:
            source.data, source.node = _plain(node), node
        else:
            source.data = _convert(node, (), source)
    except DuplicateKey as dup:
        raise ValidationError(
            [Problem(path, dup.line, dup.col, f"{dup.key!r}: duplicate key; keep only one")]
        ) from None
    return source


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# The constructors themselves: construct_object would keep every node it ever saw.
_TYPED = {tag: yaml.constructor.SafeConstructor.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float")}


def _scalar(node: yaml.ScalarNode) -> Any:
    construct = _TYPED.get(node.tag)
    if construct is not None:
        return construct(_CONSTRUCTOR, node)
    return node.value  # str, timestamp and anything else stay text


def _key(node: yaml.Node) -> str:
    key = _scalar(node) if isinstance(node, yaml.ScalarNode) else str(node)
    return key if isinstance(key, str) else str(key)


def _plain(node: yaml.Node) -> Any:
    """``_convert`` without recording positions."""
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item) for item in node.value]
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            if key in result:
                raise DuplicateKey(key, key_node.start_mark.line + 1,
                                   key_node.start_mark.column + 1)
            result[key] = _plain(value_node)
        return result
    return None  # pragma: no cover


def _convert(node: yaml.Node, path: KeyPath, source: Source) -> Any:
    source.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), source) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _key(key_node)
            if key in result:
                raise DuplicateKey(key, key_node.start_mark.line + 1,
                                   key_node.start_mark.column + 1)
            child = (*path, key)
            source.key_positions[child] = (
                key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = _convert(value_node, child, source)
        return result
    return None  # pragma: no cover
