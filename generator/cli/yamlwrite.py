"""How ``kabar new`` writes YAML: one-line scalars that read back unchanged, block scalars for
Markdown, and a text in several languages as a mapping (``title: {id: …, en: …}``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import yaml

from generator.texts import Text

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def text_lines(key: str, value: str, *, indent: int) -> list[str]:
    """``key: value`` as lines at ``indent``; one line per language for a ``Text``."""
    pad = " " * indent
    if not isinstance(value, Text):
        return _one(f"{pad}{key}", value, pad)
    lines = [f"{pad}{key}:"]
    for language, text in value.texts.items():
        lines += _one(f"{pad}  {language}", text, pad + "  ")
    return lines


def _one(head: str, text: str, pad: str) -> list[str]:
    """``head: text``: a block scalar for Markdown of several lines, else one line."""
    if "\n" in text and not CONTROL.search(text):
        body = text.split("\n")
        first = next(line for line in body if line.strip())
        marker = "|2" if first[0].isspace() else "|"  # YAML would take its spaces as indent
        return [f"{head}: {marker}", *(f"{pad}  {line}" if line.strip() else "" for line in body)]
    return [f"{head}: {scalar(text)}"]


def update_lines(at: datetime, status: str, message: str, *, indent: int) -> list[str]:
    """One ``updates`` item as lines, its dash at column ``indent``."""
    pad = " " * indent
    return [f"{pad}- at: {at:%Y-%m-%d %H:%M}", f"{pad}  status: {status}",
            *text_lines("message", message, indent=indent + 2)]


def scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar: plain when YAML reads it back unchanged, else quoted."""
    if text == text.strip() and "\n" not in text and not CONTROL.search(text):
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
        elif CONTROL.match(char):
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


