"""Text people wrote in one or more languages: ``Nusa Chat`` or ``{id: "…", en: "…"}``.

A leaf every stage may import. A ``Text`` is the ``str`` of the language written first (what
code that knows no language sees), and keeps every language's text, so that
``generator/load/languages.py`` can check the languages against
``site.languages`` after loading. Renderers ask their ``Translator`` for a reader's language
(``t.text(value)``); a plain ``str`` is the same text in every language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("en", "id")  # the languages Kabar's pages speak (site_templates/i18n/)


class Text(str):
    """One text in several languages; its ``str`` is the first language written."""

    __slots__ = ("texts",)
    texts: Mapping[str, str]

    def __new__(cls, texts: Mapping[str, str]) -> Text:
        self = super().__new__(cls, next(iter(texts.values())))
        self.texts = dict(texts)
        return self

    def __repr__(self) -> str:  # output keys are digests of reprs: every language counts
        return f"Text({self.texts!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (self.texts,))


def texts(value: str | None) -> tuple[str, ...]:
    """Every language's text of ``value`` (one for a plain string, none for None)."""
    if value is None:
        return ()
    return tuple(value.texts.values()) if isinstance(value, Text) else (value,)


def encode(value: str | None) -> str | dict[str, str] | None:
    """``value`` as JSON keeps it: a mapping of languages for a ``Text``."""
    return dict(value.texts) if isinstance(value, Text) else value


def decode(value: Any) -> str | None:
    """What ``encode`` wrote, back."""
    if isinstance(value, dict):
        return Text({str(k): str(v) for k, v in value.items()})
    return value if value is None else str(value)
