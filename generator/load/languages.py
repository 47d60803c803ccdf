"""Texts in several languages, checked against ``site.languages`` once everything is loaded.

Both are warnings (errors with ``--strict``): a text in a language the site does not have
(a language left out of ``site.languages``, or dropped from it: no page shows it), and a text
without one of the site's languages (its pages in that language show the first language's
text, marked with its ``lang``); a language Kabar does not know is an error when loading.
A plain string is the same text in every language and is never warned about.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from generator.errors import Problem, ValidationError
from generator.load import yamlsource
from generator.load.checker import display_path, label
from generator.load.config import Config
from generator.load.incidents import Incident
from generator.load.yamlsource import KeyPath
from generator.texts import Text


def language_problems(config: Config, config_path: Path,
                      incidents: Iterable[Incident]) -> list[Problem]:
    """Every text whose languages differ from the site's, at its place in its file."""
    problems: list[Problem] = []
    shown = display_path(config_path)
    texts = list(_component_texts(config))
    if any(_differs(config, text) for _, text in texts):
        problems += _check(config, config_path, shown, texts)
    for incident in incidents:
        found = list(_incident_texts(incident))
        if any(_differs(config, text) for _, text in found):
            problems += _check(config, Path(incident.path), incident.path, found)
    return problems


def _differs(config: Config, text: str) -> bool:
    return isinstance(text, Text) and set(text.texts) != set(config.site.languages)


def _component_texts(config: Config) -> Iterator[tuple[KeyPath, str]]:
    for index, component in enumerate(config.components):
        for key in ("name", "group", "description"):
            value = getattr(component, key)
            if value is not None:
                yield ("components", index, key), value


def _incident_texts(incident: Incident) -> Iterator[tuple[KeyPath, str]]:
    yield ("title",), incident.title
    if incident.postmortem is not None:
        yield ("postmortem",), incident.postmortem
    for update in incident.updates:
        if isinstance(update.message, Text):
            yield ("updates", -1, "message"), update.message  # its index: found below


def _check(config: Config, path: Path, shown: str,
           texts: list[tuple[KeyPath, str]]) -> list[Problem]:
    """The problems of one file's texts (the file is parsed again for positions: rare)."""
    languages = config.site.languages
    try:
        source: yamlsource.Source | None = yamlsource.load(path, shown)
    except ValidationError:
        source = None
    problems: list[Problem] = []
    for keypath, text in texts:
        if not isinstance(text, Text):
            continue
        if keypath[1:2] == (-1,) and source is not None:
            keypath = _update_path(source.data, text)
        where = source.where(keypath) if source else (1, 1)
        for language in text.texts:
            if language not in languages:
                line, col = source.where((*keypath, language), key=True) if source else where
                problems.append(Problem(
                    shown, line, col, f"'{language}': not a language of this site "
                    f"(site.languages: {', '.join(languages)}), so no page shows it; add it "
                    "there or remove this text", "warning"))
        missing = [language for language in languages if language not in text.texts]
        if missing:
            problems.append(Problem(
                shown, *where, f"{label(keypath)}: no {' or '.join(missing)} text; "
                f"{'those pages show' if len(missing) > 1 else 'its pages show'} the "
                f"{languages[0]} one", "warning"))
    return problems


def _update_path(data: Any, text: Text) -> KeyPath:
    updates = data.get("updates") if isinstance(data, dict) else None
    for index, item in enumerate(updates if isinstance(updates, list) else []):
        if isinstance(item, dict) and item.get("message") == text.texts:
            return ("updates", index, "message")
    return ("updates",)
