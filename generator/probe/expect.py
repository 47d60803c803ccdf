"""Holding an answer to what ``expect`` asks for: its status, its text, a JSON value.

A body longer than the probe's ``max_body`` is read only that far: a check that needed the
rest says so, and never passes for not having seen it. Text and JSON are read in the charset
a browser would read them in (``decode``).
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import webencodings

from generator.load.config import Expect
from generator.probe.base import Failure, size


class Answer(Protocol):
    @property
    def status(self) -> int: ...
    @property
    def body(self) -> bytes: ...
    @property
    def whole(self) -> bool: ...
    @property
    def encoding(self) -> str: ...


def judge(expect: Expect, response: Answer, cap: int) -> None:
    """Raise ``Failure`` saying what in ``response`` is not what ``expect`` asks for."""
    code = response.status
    wanted = tuple(str(s).lower() for s in expect.status)
    if not any(status_matches(code, pattern) for pattern in wanted):
        raise Failure("status", network=False, status_code=code, expected=or_list(wanted),
                      got=code)
    if expect.contains is None and expect.not_contains is None and expect.json_path is None:
        return
    text = decode(response.body, response.encoding)
    cut = not response.whole  # read only up to the cap
    if expect.contains is not None and expect.contains not in text:
        if cut:
            raise Failure("keyword_missing_partial", network=False, status_code=code,
                          text=quote(expect.contains), size=size(cap))
        raise Failure("keyword_missing", network=False, status_code=code,
                      text=quote(expect.contains))
    if expect.not_contains is not None:
        if expect.not_contains in text:
            raise Failure("keyword", network=False, status_code=code,
                          text=quote(expect.not_contains))
        if cut:
            raise Failure("body_too_large", network=False, status_code=code, size=size(cap),
                          check="not_contains")
    if expect.json_path is not None:
        if cut:
            raise Failure("body_too_large", network=False, status_code=code, size=size(cap),
                          check="json")
        _judge_json(expect.json_path, expect.json_equals, text, code)


def decode(body: bytes, encoding: str) -> str:
    """``body`` as a browser reads it: a byte order mark (UTF-8, UTF-16) decides, else
    ``encoding``; what cannot be decoded becomes U+FFFD (WHATWG Encoding Standard)."""
    text, _ = webencodings.decode(body, encoding, errors="replace")
    return str(text)


def _judge_json(path: str, equals: Any, text: str, code: int) -> None:
    try:
        value = json.loads(text)
    except ValueError:
        raise Failure("not_json", network=False, status_code=code) from None
    for key in path.split("."):
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.lstrip("-").isdigit() and \
                -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            raise Failure("json_missing", network=False, status_code=code, path=path)
    if not _same(value, equals):
        raise Failure("json_mismatch", network=False, status_code=code, path=path,
                      value=show(value), expected=show(equals))


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) != isinstance(expected, bool):
        return False  # 1 == True in Python, but not in JSON
    return bool(value == expected)


def status_matches(code: int, pattern: str) -> bool:
    if pattern.endswith("xx"):
        return str(code)[0] == pattern[0]
    return pattern == str(code)


def or_list(items: tuple[str, ...]) -> str:
    """``("200", "3xx")`` -> ``"200 or 3xx"``; three or more get commas."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def quote(text: str) -> str:
    return f"'{text}'"


def show(value: Any) -> str:
    """A JSON value as a person reads it: strings in quotes, others as JSON."""
    if isinstance(value, str):
        return quote(value)
    return json.dumps(value, ensure_ascii=False)
