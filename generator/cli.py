"""The ``kabar`` command: one subcommand per stage of the pipeline."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import __version__
from generator.cache import DEFAULT_FOLDER
from generator.errors import KabarError, ValidationError

log = logging.getLogger("generator")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("status.yaml"),
                        help="the site's configuration (default: status.yaml)")
    parser.add_argument("--incidents", type=Path, default=Path("incidents"),
                        help="the folder of incident files (default: incidents/)")
    parser.add_argument("--history", type=Path, default=Path("history"),
                        help="the folder of recorded probe results (default: history/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show more detail")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="kabar", description="Kabar: a static status page from probes and incident files.")
    top.add_argument("--version", action="version", version=f"kabar {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check status.yaml and every incident file")
    _common(p)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")

    p = sub.add_parser("probe", help="probe every component once and write a results file")
    _common(p)
    p.add_argument("--location", default="default", help="this runner's name (default: default)")
    p.add_argument("--out", type=Path, help="results file (default: results/LOCATION.json)")

    p = sub.add_parser("record", help="merge results files into history/")
    _common(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--quorum", type=int, default=1,
                   help="down only when at least N locations say so (default: 1)")

    p = sub.add_parser("build", help="render the site")
    _common(p)
    _build_options(p)
    _cache_options(p)

    p = sub.add_parser("run", help="probe, record and build: what the scheduled job runs")
    _common(p)
    _build_options(p)
    _cache_options(p)
    p.add_argument("--location", default="default", help="this runner's name (default: default)")

    p = sub.add_parser("notify", help="send a message about each new event to every channel "
                       "in notify:")
    _common(p)
    p.add_argument("--dry-run", action="store_true", help="print what is due; send nothing")
    p.add_argument("--test", action="store_true", help="send one test message to every channel")
    p.add_argument("--now", help="as at this time (ISO 8601); else SOURCE_DATE_EPOCH")
    p.add_argument("--merge", type=Path, metavar="FILE",
                   help="add what another notified.json says was sent (scripts/job.sh uses "
                        "it after a push race)")

    p = sub.add_parser("new", help="write a new incident file, or add an update to one")
    _common(p)
    p.add_argument("title", nargs="?", help="the new incident's title")
    p.add_argument("--component", action="append", default=[], metavar="ID=STATE",
                   help="an affected component and its state, e.g. api=major_outage")
    p.add_argument("--update", metavar="ID", help="add an update to incident ID instead")
    p.add_argument("--status", help="the update's status (default: investigating)")
    p.add_argument("--message", help="the update's message (Markdown)")
    p.add_argument("--impact", help="none, minor, major or critical")
    p.add_argument("--now", help="the time to stamp, ISO 8601 (default: the clock)")

    p = sub.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on change")
    _common(p)
    _build_options(p)
    _cache_options(p)
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")

    p = sub.add_parser("demo", help="run local demo services, probe them and build the example")
    p.add_argument("--out", type=Path, default=Path("_site"), help="site folder (default: _site)")
    p.add_argument("--serve", action="store_true", help="serve the site afterwards")
    p.add_argument("--port", type=int, default=8000, help="port for --serve (default: 8000)")
    p.add_argument("--rounds", type=int, default=3, help="probe rounds (default: 3)")
    p.add_argument("-v", "--verbose", action="store_true", help="show more detail")
    return top


def _build_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=Path("_site"), help="site folder (default: _site)")
    p.add_argument("--now", help="build as at this time (ISO 8601); else SOURCE_DATE_EPOCH")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _cache_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cache", type=Path, default=DEFAULT_FOLDER, metavar="DIR",
                   help="keep what a build read and wrote here, so the next one redoes only "
                        "what changed; safe to delete (default: .kabar-cache)")
    p.add_argument("--no-cache", dest="cache", action="store_const", const=None,
                   help="build everything, and read or write no cache")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(format="%(message)s", stream=sys.stderr,
                        level=logging.DEBUG if args.verbose else logging.WARNING)
    try:
        from generator import commands

        handler = getattr(commands, args.command.replace("-", "_"))
        return int(handler(args))
    except ValidationError as exc:
        github = os.environ.get("GITHUB_ACTIONS") == "true"
        for problem in exc.problems:
            print(problem, file=sys.stderr)
            if github:
                print(problem.annotation(), file=sys.stdout)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        print(f"{errors} error(s); nothing was written", file=sys.stderr)
        return 1
    except KabarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

