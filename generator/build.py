"""``kabar build``: gather everything, compute one model at one ``now``, render, write."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import jinja2

from generator import clock
from generator.errors import BuildError, Problem
from generator.history import read_history
from generator.model import SiteModel, compute
from generator.output import WriteReport, write_site
from generator.render import render_site
from generator.validate import load_site

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildResult:
    model: SiteModel
    report: WriteReport
    warnings: tuple[str, ...]
    seconds: float


def load_model(config_path: Path, incidents_dir: Path, history_dir: Path,
               now: datetime) -> tuple[SiteModel, tuple[str, ...]]:
    """Load config, incidents and history, and compute the model at ``now``."""
    config, incidents, problems = load_site(config_path, incidents_dir)
    history = read_history(history_dir, config, now)
    model = compute(config, incidents, history, now)
    warnings = tuple(str(p) for p in problems) + model.warnings
    return model, warnings


def render(model: SiteModel) -> list[tuple[str, bytes]]:
    """Render every output in memory, so a failure writes nothing."""
    try:
        return list(render_site(model))
    except jinja2.TemplateError as exc:
        where = f"{exc.filename}:{exc.lineno}: " if isinstance(
            exc, jinja2.TemplateSyntaxError) else ""
        raise BuildError(f"{where}template error: {exc}") from None


def build(config_path: Path, incidents_dir: Path, history_dir: Path, out: Path,
          now: str | None = None, strict: bool = False) -> BuildResult:
    """Build the site into ``out``; on any error raise and leave ``out`` untouched."""
    started = time.perf_counter()
    at = clock.now(now)
    model, warnings = load_model(config_path, incidents_dir, history_dir, at)
    if strict and warnings:
        raise BuildError(f"{len(warnings)} warning(s) and --strict is on; fix them first")
    files = render(model)
    report = write_site(out, files)
    return BuildResult(model, report, warnings, time.perf_counter() - started)


def problem_lines(problems: list[Problem], github: bool) -> list[str]:
    """Lines to print for ``problems``, plus GitHub annotations when running in Actions."""
    lines = [str(p) for p in problems]
    if github:
        lines += [p.annotation() for p in problems]
    return lines
