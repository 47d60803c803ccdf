"""``${VAR}`` in a probe's URL, headers and body, filled in from the environment.

The expanded values are secrets: they go on the wire and nowhere else (no log, no error).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import replace

from generator.errors import ProbeError
from generator.load.config import Component, Probe

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, where: str = "status.yaml",
               environ: Mapping[str, str] | None = None) -> str:
    """Fill in each ``${VAR}`` in ``text``; raise ``ProbeError`` naming ``where`` if unset."""
    env = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ProbeError(f"{where} uses ${{{name}}}, which is not set; export it or add it "
                             "as a repository secret")
        return env[name]

    return _VAR.sub(value, text)


def prepare(component: Component, path: str,
            environ: Mapping[str, str] | None = None) -> Probe:
    """``component``'s probe with its variables expanded, ready to run."""
    probe = component.probe
    assert probe is not None
    where = f"{path}: component '{component.id}'"
    headers = {}
    for name, raw in probe.headers.items():
        value = expand_env(str(raw), f"{where}: header '{name}'", environ)
        if "\r" in value or "\n" in value:
            raise ProbeError(f"{where}: header '{name}' contains a line break; a header value "
                             "is one line")
        headers[name] = value
    target = expand_env(probe.target, f"{where}: {probe.kind} target", environ)
    if any(char in target for char in " \t\r\n"):
        raise ProbeError(f"{where}: the {probe.kind} target contains a space or line break once "
                         "its variables are filled in; encode it (%20)")
    body = None if probe.body is None else expand_env(probe.body, f"{where}: body", environ)
    return replace(probe, target=target, headers=headers, body=body)
