"""Stage 4: every output of the site, from the model only (``outputs.py`` runs them all).

Each renderer module has ``render(ctx) -> Iterator[tuple[str, bytes | None]]`` yielding
``(path inside the site, bytes)``. A renderer whose outputs are many and rarely change
(incident and history pages, feeds) first asks ``ctx.keep`` with a key of the output's
inputs: when the last build wrote the same key, it yields ``(path, None)`` and the file
stays as it is.
"""
