"""Benchmark: declaring and making every output of the bench site, by kind, in one process.

Run from the repository root: ``python3 bench/render.py`` (``--dir SITE`` to use a site that
``bench/build.py`` made; else one is made in a temporary folder: 10,000 incidents
(``--incidents N``), 100 components, a year; ``--runs N``, 3 by default). It times the render
stage alone, as ``kabar build -j 1`` runs it after the model is computed: declaring the
outputs (their paths, the templates' compilation), making each one's bytes, nothing
written, and their keys. Each run is a fresh process, so Markdown and the date formats' caches start
empty as in a build; the fastest run of each kind is printed (the machine may be shared).
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

NOW = datetime(2026, 11, 24, 22, tzinfo=UTC)


def kind(path: str) -> str:
    """An output's kind: its folder, or its name with digits left out (``history/#.html``)."""
    head = path.split("/")[0] if "/" in path else path
    return re.sub(r"[-\d]+", "#", head)


def once(site: Path) -> dict[str, float]:
    """Seconds to declare every output and to make each kind, in this process."""
    from generator.load.config import check_config
    from generator.render.base import contexts
    from generator.render.outputs import site_outputs
    from generator.site.build import load_model

    gc.disable()
    model, _ = load_model(check_config(site / "status.yaml"), site / "incidents",
                          site / "history", NOW)
    gc.enable()
    gc.freeze()  # as the build does: the model lives to the end
    start = time.perf_counter()
    outputs = list(site_outputs(contexts(model)))
    times = {"declare": time.perf_counter() - start}
    for output in outputs:
        start = time.perf_counter()
        output.make()
        name = kind(output.path)
        times[name] = times.get(name, 0.0) + time.perf_counter() - start
    # A key is computed when first asked for: a cold build's workers ask after making.
    start = time.perf_counter()
    for output in outputs:
        output.key  # noqa: B018
    times["keys"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None, help="a site bench/build.py made")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--incidents", type=int, default=10_000, help="without --dir")
    parser.add_argument("--once", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once is not None:
        print(json.dumps(once(args.once)))
        return
    with tempfile.TemporaryDirectory(prefix="kabar-render-") as scratch:
        site = args.dir
        if site is None:
            from build import make_site

            site = Path(scratch) / "site"
            print(f"making the bench site in {site} …", flush=True)
            make_site(site, args.incidents, 100, 11)
        best: dict[str, float] = {}
        for _ in range(args.runs):
            run = subprocess.run([sys.executable, __file__, "--once", str(site.resolve())],
                                 check=True, capture_output=True, text=True, cwd=ROOT)
            for name, seconds in json.loads(run.stdout).items():
                best[name] = min(best.get(name, seconds), seconds)
    print(f"best of {args.runs} runs, one process each (seconds):")
    for name, seconds in sorted(best.items(), key=lambda item: -item[1]):
        print(f"  {name:20} {seconds:6.2f}")
    print(f"  {'all':20} {sum(best.values()):6.2f}")


if __name__ == "__main__":
    main()
