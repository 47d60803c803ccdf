"""Load YAML as plain data while remembering where each key and value stands.

Scalars that YAML would turn into dates or times stay strings: Kabar parses times itself, in
the site's time zone. Nothing is ever constructed from tags (safe_load-level safety).

A file is refused, with a position, before it can cost much: more than ``MAX_BYTES``, values
nested deeper than ``MAX_DEPTH``, or aliases (``*name``) that would expand it to more than
``MAX_VALUES`` values (an "alias bomb": nine lists of nine, eight deep, is 387 million).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Problem, ValidationError
from generator.load.yamlhints import syntax_problem

try:  # libyaml is ten times faster; fall back when it is not compiled in
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

KeyPath = tuple[str | int, ...]

MAX_BYTES = 1024 * 1024  # a status.yaml of 1,000 components is about 300 KB
MAX_DEPTH = 32  # Kabar's deepest key (components[].probe.expect.json.equals) is 6 down
MAX_VALUES = 100_000  # values after expanding aliases; 100 components are about 3,000


# PyYAML's implicit resolvers by a plain scalar's first character, each list joined once with
# those for any character, in PyYAML's order; the safe loader has no path resolvers.
Resolvers = tuple[tuple[str, re.Pattern[str]], ...]
_ANY_FIRST: Resolvers = tuple(_SafeLoader.yaml_implicit_resolvers.get(None, []))
_BY_FIRST: dict[str, Resolvers] = {
    first: (*resolvers, *_ANY_FIRST)
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items() if first is not None}
_COLLECTION_TAGS: dict[type[yaml.Node], str] = {
    yaml.SequenceNode: _SafeLoader.DEFAULT_SEQUENCE_TAG,
    yaml.MappingNode: _SafeLoader.DEFAULT_MAPPING_TAG}


class _Loader(_SafeLoader):
    """The safe loader, its tags resolved as PyYAML resolves them, from tables joined once.

    The parser asks for the tag of every value (300,000 times for the bench's 10,000 incident
    files), and PyYAML's own ``resolve`` joins two lists each time: it cost a sixth of
    composing.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in _BY_FIRST.get(value[:1], _ANY_FIRST):
                    if pattern.match(value):
                        return tag
            return _SafeLoader.DEFAULT_SCALAR_TAG
        return _COLLECTION_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Nothing to track: there are no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to track: there are no path resolvers."""


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
            _Walk(self.path, self).convert(node, ())
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


def load(path: Path, display: str | None = None) -> Source:
    """Read and parse ``path``; raise ``ValidationError`` with the parser's position on failure."""

    shown = display or str(path)
    return loads(read_text(path, shown)[0], shown)


def escapes(path: Path, folder: Path) -> bool:
    """Whether ``path`` is a symbolic link that leads out of ``folder`` (both resolved)."""
    if not os.path.islink(path):
        return False
    target, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([target, root]) != root


def printable(name: str) -> str:
    """A file name as a message shows it: control characters escaped, so it stays one line."""
    return name if name.isprintable() else name.encode("unicode_escape").decode("ascii")


def read_text(path: Path, shown: str) -> tuple[str, str]:
    """The text of ``path`` and the SHA-256 of its bytes; ``ValidationError`` when unreadable.

    Only a regular file is read (a FIFO would block, a device never end), and only its
    first ``MAX_BYTES``.
    """
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValidationError([Problem(shown, 1, 1, f"cannot read: {exc.strerror}")]) from None
    try:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            kind = "a folder" if os.path.isdir(path) else "not a regular file"
            raise ValidationError([Problem(shown, 1, 1, f"cannot read: it is {kind}; an "
                                           "incident or status.yaml must be a plain file")])
        chunks, size = [], 0
        while size <= MAX_BYTES and (chunk := os.read(handle, MAX_BYTES + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise ValidationError([Problem(shown, 1, 1, f"cannot read: {exc.strerror}")]) from None
    finally:
        os.close(handle)
    if len(data) > MAX_BYTES:
        raise ValidationError([Problem(
            shown, 1, 1, f"the file is larger than {MAX_BYTES // 1024 // 1024} MB; this is not "
            "a Kabar file, or it needs to be split or shortened")])
    nul = data.find(b"\0")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise ValidationError([Problem(shown, line, col, "a NUL byte: this is binary data, "
                                       "not YAML text; replace the file with a text one")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise ValidationError([Problem(
            shown, line, col, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file "
            "as UTF-8")]) from None
    # read_text() would also turn \r\n into \n: keep what the parser saw before.
    return text.replace("\r\n", "\n").replace("\r", "\n"), hashlib.sha256(data).hexdigest()


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of byte ``offset``."""
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return data.count(b"\n", 0, offset) + 1, col


def loads(text: str, path: str) -> Source:
    """Parse YAML text named ``path``."""
    return _loads(text, path, fast=False)


def loads_fast(text: str, path: str) -> Source:
    """``loads``, but the positions are found only when ``Source.where`` first needs one.

    The data and every message are the same: most files are valid and never need them.
    """
    return _loads(text, path, fast=True)


def _loads(text: str, path: str, *, fast: bool) -> Source:
    if len(text) > MAX_BYTES:  # text given directly, not read by read_text
        raise ValidationError([Problem(path, 1, 1, f"the file is larger than "
                                       f"{MAX_BYTES // 1024 // 1024} MB")])
    try:
        if len(text) > _COUNT_FIRST:
            _count_values(text, path)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ValidationError([syntax_problem(exc, text, path)]) from None
    source = Source(path, None)
    if node is None:
        return source
    walk = _Walk(path, source if not fast else None)
    try:
        data = walk.plain(node, 0) if fast else walk.convert(node, ())
    except _TooBig:
        raise ValidationError([_too_big(node, path)]) from None
    if walk.duplicates:
        raise ValidationError(walk.duplicates)
    source.data = data
    if fast:
        source.node = node
    return source


# Composing builds a node per value (2 s for 500,000): a big file's values are counted first,
# from the parser's events, which is twenty times cheaper and stops at the limit.
_COUNT_FIRST = 64 * 1024
_VALUE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent,
                 yaml.AliasEvent)


def _count_values(text: str, path: str) -> None:
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, _VALUE_EVENTS):
            count += 1
            if count > MAX_VALUES:
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                raise ValidationError([Problem(
                    path, line, col, f"more than {MAX_VALUES:,} values in one file; this is "
                    "not a Kabar file, or it needs to be split or shortened")])


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# The constructors themselves: construct_object would keep every node it ever saw.
_TYPED = {tag: yaml.constructor.SafeConstructor.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float")}


def _scalar(node: yaml.ScalarNode) -> Any:
    construct = _TYPED.get(node.tag)
    # YAML 1.1 reads 17:24 as the base-60 number 1044: keep it as the text that was written.
    if construct is not None and ":" not in node.value:
        return construct(_CONSTRUCTOR, node)
    return node.value  # str, timestamp and anything else stay text


def _key(node: yaml.Node) -> str:
    key = _scalar(node) if isinstance(node, yaml.ScalarNode) else str(node)
    return key if isinstance(key, str) else str(key)


def _at(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _TooBig(Exception):
    """Aliases expand the file beyond MAX_VALUES, or it nests deeper than MAX_DEPTH."""


class _Walk:
    """Turns a composed tree into plain data, recording positions into ``source`` if given.

    It counts every value it makes and stops (``_TooBig``) past MAX_VALUES or MAX_DEPTH, so
    an alias bomb or a cycle costs at most that much. Every duplicate key is collected.
    """

    def __init__(self, path: str, source: Source | None) -> None:
        self.path = path
        self.source = source
        self.count = 0
        self.duplicates: list[Problem] = []

    def convert(self, node: yaml.Node, keypath: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_VALUES or len(keypath) > MAX_DEPTH:
            raise _TooBig
        if self.source is not None:
            self.source.positions[keypath] = _at(node)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*keypath, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            first: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = _key(key_node)
                line, col = _at(key_node)
                if key in first:
                    self.duplicates.append(Problem(
                        self.path, line, col, f"{key!r}: duplicate key (also on line "
                        f"{first[key]}); keep only one"))
                    continue
                first[key] = line
                child = (*keypath, key)
                if self.source is not None:
                    self.source.key_positions[child] = (line, col)
                result[key] = self.convert(value_node, child)
            return result
        return None  # pragma: no cover

    def plain(self, node: yaml.Node, depth: int) -> Any:
        """``convert`` without positions, ``depth`` levels down: about half its cost, and
        most files never need a position."""
        self.count += 1
        if self.count > MAX_VALUES or depth > MAX_DEPTH:
            raise _TooBig
        # Composing makes exactly these three classes.
        if type(node) is yaml.ScalarNode:
            return _scalar(node) if node.tag in _TYPED else node.value
        if type(node) is yaml.SequenceNode:
            return [self.plain(item, depth + 1) for item in node.value]
        if type(node) is yaml.MappingNode:
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = key_node.value if type(key_node) is yaml.ScalarNode and (
                    key_node.tag not in _TYPED) else _key(key_node)
                if key in result:
                    first = next(k for k, _ in node.value if _key(k) == key)
                    line, col = _at(key_node)
                    self.duplicates.append(Problem(
                        self.path, line, col, f"{key!r}: duplicate key (also on line "
                        f"{_at(first)[0]}); keep only one"))
                    continue
                result[key] = self.plain(value_node, depth + 1)
            return result
        return None  # pragma: no cover


def _too_big(root: yaml.Node, path: str) -> Problem:
    """Where and why a tree is too big: a cycle, too deep, or too many values."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    # Iteratively, children first: a deep tree must not exhaust Python's recursion.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    visiting: set[int] = set()
    while stack:
        node, done = stack.pop()
        ident = id(node)
        children = _children(node)
        if done:
            visiting.discard(ident)
            sizes[ident] = min(1 + sum(sizes[id(c)] for c in children), 10 * MAX_VALUES)
            depths[ident] = 1 + max((depths[id(c)] for c in children), default=0)
            continue
        if ident in sizes:
            continue
        if ident in visiting:
            line, col = _at(node)
            return Problem(path, line, col, "an alias (*name) inside the value it names "
                           "repeats it forever; write the value out instead")
        visiting.add(ident)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    if depths[id(root)] - 1 > MAX_DEPTH:
        node = root
        for _ in range(MAX_DEPTH + 1):
            node = max(_children(node), key=lambda child: depths[id(child)])
        line, col = _at(node)
        return Problem(path, line, col, f"values nested more than {MAX_DEPTH} levels deep; "
                       "Kabar's files need a few levels: flatten it")
    if len(sizes) > MAX_VALUES:
        return Problem(path, 1, 1, f"more than {MAX_VALUES:,} values in one file; this is "
                       "not a Kabar file, or it needs to be split or shortened")
    total = 0
    culprit = root
    for child in _children(root)[1::2] if isinstance(root, yaml.MappingNode) else _children(
            root):
        total += sizes[id(child)]
        if total > MAX_VALUES:
            culprit = child
            break
    line, col = _at(culprit)
    return Problem(path, line, col, f"aliases (*name) expand this to more than {MAX_VALUES:,} "
                   "values; write the values out instead of repeating aliases")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []
