"""Make every output of one renderer at once, as a test wants them (the build makes only the
stale ones: ``generator/site/build.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from generator.render.base import RenderContext
from generator.render.output import Output


def render(outputs: Callable[[RenderContext], Iterable[Output]], ctx: RenderContext
           ) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of each output ``outputs(ctx)`` declares, made now."""
    for output in outputs(ctx):
        yield output.path, output.make()
