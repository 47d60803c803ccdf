"""YAML syntax errors as one line that says what to do, at the parser's position.

The parser says what it found ("found character that cannot start any token"); people
need the mistake they made (a tab) and the fix (indent with spaces).
"""

from __future__ import annotations

import re

import yaml

from generator.errors import Problem

# ``key: value`` at the start of a line, possibly a list item: the key whose value holds ': '.
_KEY = re.compile(r"\s*(?:-\s+)?([A-Za-z_][\w-]*):\s+(.*)")


def syntax_problem(exc: yaml.YAMLError, text: str, path: str) -> Problem:
    """One problem for a YAML error: its position, the parser's words and a hint."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return Problem(path, line, col, f"YAML syntax: the control character #x{char:04x} "
                       "is not allowed in YAML text; remove it")
    if not isinstance(exc, yaml.MarkedYAMLError):
        return Problem(path, 1, 1, f"YAML syntax: {exc}")
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.split("\n")
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    what = exc.problem or "invalid YAML"
    if "maximum nesting depth" in what:  # libyaml's own limit, 1,000 levels
        return Problem(path, line, col, "values nested more than 32 levels deep; Kabar's "
                       "files need a few levels: flatten it")
    tab = _tab(lines, line, col)
    if tab is not None:
        return Problem(path, tab[0], tab[1], "YAML syntax: a tab character; indent with "
                       "spaces, not tabs")
    if what.startswith("mapping values are not allowed"):
        key = _KEY.match(here)
        if key and col - 1 <= key.end(1):  # the key's own colon: it is indented too far
            return Problem(path, line, col, f"YAML syntax: {key.group(1)!r} is indented more "
                           "than the line above allows; line it up with the keys it belongs "
                           "with (same number of spaces)")
        if key:
            name, value = key.group(1), key.group(2).rstrip()
            example = value if len(value) <= 40 else value[:37] + "..."
            return Problem(path, line, col, f"YAML syntax: ': ' inside the value of "
                           f"{name!r}; quote the {name}, like {name}: \"{example}\"")
        return Problem(path, line, col, f"YAML syntax: {what}; quote a value that holds ': '")
    if what == "found undefined alias":
        return Problem(path, line, col, "YAML syntax: '*' starts an alias, and no anchor "
                       "'&name' comes before it; quote the text if the '*' is meant literally")
    opened = exc.context_mark
    if exc.context and opened is not None and opened is not mark:
        where = f"line {opened.line + 1} col {opened.column + 1}"
        if "quoted scalar" in exc.context:
            return Problem(path, line, col, f"YAML syntax: {what}; close the quote opened at "
                           f"{where}")
        if "flow sequence" in exc.context or "flow mapping" in exc.context:
            bracket = "[" if "sequence" in exc.context else "{"
            return Problem(path, line, col, f"YAML syntax: {what}; close the '{bracket}' "
                           f"opened at {where}, or quote a value that holds ',' or ': '")
    if what == "did not find expected '-' indicator" and opened is not None:
        return Problem(path, line, col, _list_item(here, col, opened.line + 1,
                                                   opened.column + 1))
    if what.startswith(("expected <block end>", "did not find expected key")) or (
            "indentation" in what):
        return Problem(path, line, col, f"YAML syntax: {what}; line this up with the keys "
                       "it belongs with (same number of spaces)")
    return Problem(path, line, col, f"YAML syntax: {what}")


def _list_item(here: str, col: int, first_line: int, first_col: int) -> str:
    """Plain words for a line inside a list that does not line up as one of its items."""
    text = here.lstrip(" ")
    column = len(here) - len(text) + 1
    if text.startswith("-") and text[1:2] not in ("", " "):
        return (f"YAML syntax: {text.split()[0]!r} is not a list item; put a space after "
                f"the '-' (\"- {text[1:].split(':')[0]}\")")
    if text.startswith("- "):
        return (f"YAML syntax: this list item's '-' is at column {column}, but the list "
                f"began at column {first_col} (line {first_line}); start every '- ' of one "
                f"list at the same column")
    return (f"YAML syntax: this line is at column {column}, where the list that began on "
            f"line {first_line} has its '- '; indent it to line up with the keys of the "
            f"item above, or start a new item with '- '")


def _tab(lines: list[str], line: int, col: int) -> tuple[int, int] | None:
    """The position of a tab the error is about: at the mark, or in the line's indent."""
    for number in (line, line - 1):
        if not 0 < number <= len(lines):
            continue
        text = lines[number - 1]
        indent = len(text) - len(text.lstrip(" \t-"))
        at = text.find("\t", 0, max(indent, col if number == line else 0))
        if at >= 0:
            return number, at + 1
    return None
