"""The ``kabar`` command: one subcommand per stage of the pipeline."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from generator import __version__
from generator.errors import KabarError, ValidationError, counted
from generator.load.notify import DEFAULT_EVENTS, EVENTS
from generator.model.states import OUTAGE_STATES, IncidentStatus
from generator.site.cache import DEFAULT_FOLDER
from generator.texts import LANGUAGES

log = logging.getLogger("generator")
# The default --incidents, compared by identity: a folder the user names must exist.
INCIDENTS = Path("incidents")
# A message that already has its position and severity: "path:line[:col]: error: ...".
_POSITIONED = re.compile(r"^[^\n]*?:\d+(?::\d+)?: error: ")


STATES = ", ".join(OUTAGE_STATES)
STATUSES = ", ".join(IncidentStatus)
MAINTENANCE = "scheduled, in_progress, verifying, completed"


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit 1, as every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(1, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got {port}")
    return port


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=Path("status.yaml"),
                        help="the site's configuration (default: status.yaml)")
    parser.add_argument("--incidents", type=Path, default=INCIDENTS,
                        help="the folder of incident files (default: incidents/)")
    parser.add_argument("--history", type=Path, default=Path("history"),
                        help="the folder of recorded probe results (default: history/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show more detail")


def _command(sub: Any, name: str, summary: str, description: str,
             epilog: str | None = None) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, description=textwrap.fill(description, 78), epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="kabar", description="Kabar: a static status page from probes and incident files.",
        epilog="Start with `kabar demo` to see an example, or `kabar init` to make your own "
               "site. `kabar COMMAND --help` says more. Errors are one line and exit 1.")
    top.add_argument("--version", action="version", version=f"kabar {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "validate", "check status.yaml and every incident file",
                 "Check status.yaml and every file in incidents/ and print every problem at "
                 "once, one line each as file:line:col: error: message. Writes nothing; exit "
                 "1 when anything is wrong.")
    _common(p)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")

    p = _command(sub, "probe", "probe every component once and write a results file",
                 "Probe every component with a probe: in status.yaml (http, tcp, tls, dns), "
                 "all at once, each under its own deadline; print a table and write the "
                 "results file. Exit 0 even when services are down: down is data.")
    _common(p)
    p.add_argument("--location", default="default", help="this runner's name (default: default)")
    p.add_argument("--out", type=Path, help="results file (default: results/LOCATION.json)")

    p = _command(sub, "record", "merge results files into history/",
                 "Merge one run's results files (one per location, as kabar probe wrote "
                 "them) into history/; a component is down only when --quorum locations say so.")
    _common(p)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--quorum", type=int, default=1,
                   help="down only when at least N locations say so (default: 1)")

    p = _command(sub, "build", "render the site",
                 "Render the status page, feeds, API, badges and calendar from status.yaml, "
                 "incidents/ and history/ into --out. All or nothing: on an error the last "
                 "site stays as it was; only changed files are written.")
    _common(p)
    _build_options(p)
    _cache_options(p)
    _jobs_option(p)

    p = _command(sub, "run", "probe, record, build and notify, on this machine",
                 "Probe every component, record the results into history/, build the site, "
                 "then send what is due to the notify: channels, all in this folder.")
    _common(p)
    _build_options(p)
    _cache_options(p)
    _jobs_option(p)
    p.add_argument("--location", default="default", help="this runner's name (default: default)")

    p = _command(sub, "job", "record results on the data branch, notify and push",
                 "What the scheduled workflow runs after kabar probe, in the site's git "
                 "checkout: fetch the data branch into a temporary worktree, record the "
                 "results files into its history/, send what is due to the notify: channels "
                 "(a channel that fails is tried again next run and never fails the job), "
                 "commit and push. A push that loses a race to another run fetches, records "
                 "again on top and retries; the branch keeps one commit per UTC day.",
                 epilog="environment: KABAR_DATA_BRANCH, KABAR_QUORUM, KABAR_SQUASH and "
                        "KABAR_SITE_BRANCH give the defaults of --branch, --quorum, --squash "
                        "and --site-branch")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE",
                   help="results files, one per location (kabar probe --out)")
    p.add_argument("--publish", type=Path, metavar="DIR",
                   help="push the built site in DIR (kabar build --out) as the whole of "
                        "--site-branch, for a second host that serves a branch")
    p.add_argument("--site-branch", metavar="NAME",
                   help="the branch --publish writes (default: kabar-site)")
    p.add_argument("--config", type=Path, default=Path("status.yaml"),
                   help="the site's configuration (default: status.yaml)")
    p.add_argument("--incidents", type=Path, default=INCIDENTS,
                   help="the folder of incident files (default: incidents/)")
    p.add_argument("--branch", help="the branch that holds history/ (default: kabar-data)")
    p.add_argument("--remote", default="origin",
                   help="the git remote (a name or a URL) to fetch from and push to "
                        "(default: origin)")
    p.add_argument("--quorum", help="down only when at least N locations say so (default: 1)")
    p.add_argument("--squash", choices=("daily", "never"),
                   help="daily: one commit per UTC day; never: one per run (default: daily)")
    p.add_argument("--no-notify", dest="notify", action="store_false",
                   help="record and push only")
    p.add_argument("--retries", type=int, default=5,
                   help="attempts to push before giving up (default: 5)")
    p.add_argument("--retry-sleep", type=int, default=5, metavar="SECONDS",
                   help="the longest pause between attempts (default: 5; 0 for none)")
    p.add_argument("-v", "--verbose", action="store_true", help="show more detail")

    p = _command(sub, "notify", "send a message about each new event to every notify: channel",
                 "Send one message per new event (a measured outage, degradation or recovery "
                 "that held for notify.after runs; an incident published, updated or resolved; "
                 "a maintenance starting or completing) to every channel in status.yaml's "
                 "notify:, each exactly once (history/notified.json keeps what was sent).",
                 epilog=f"events: {', '.join(EVENTS)} (a channel's default: "
                        f"{', '.join(DEFAULT_EVENTS)})")
    _common(p)
    p.add_argument("--dry-run", action="store_true", help="print what is due; send nothing")
    p.add_argument("--test", action="store_true",
                   help="send one test message to every channel, whatever its events; reads "
                        "and records nothing, so one that fails is not tried again")
    p.add_argument("--now", help="as at this time (ISO 8601); else SOURCE_DATE_EPOCH")
    p.add_argument("--merge", type=Path, metavar="FILE",
                   help="add what another notified.json says was sent (kabar job does after "
                        "a push race)")

    p = _command(sub, "new", "write a new incident file, or add an update to one",
                 "Write incidents/<date>-<title>.yaml stamped with the current time in the "
                 "site's time zone, or with --update add an update to an incident file, "
                 "leaving the rest of it as you wrote it.",
                 epilog=f"component states: {STATES}\n"
                        f"incident statuses: {STATUSES}\n"
                        f"maintenance statuses: {MAINTENANCE}\n"
                        "impacts: none, minor, major, critical\n\n"
                        "examples:\n"
                        '  kabar new "Login failures" --component login=major_outage \\\n'
                        '      --message "Most users cannot log in. We are investigating."\n'
                        "  kabar new --update 2025-07-16-login-failures --status resolved "
                        '--message "Logins work again."')
    _common(p)
    p.add_argument("title", nargs="?", help="the new incident's title")
    p.add_argument("--component", action="append", default=[], metavar="ID=STATE",
                   help="an affected component and its state, e.g. api=major_outage; "
                        "repeat for more")
    p.add_argument("--update", metavar="ID", help="add an update to incident ID instead "
                   "(its file name without .yaml)")
    p.add_argument("--status", help="the update's status (default: investigating for a new "
                   "incident; with --update, the incident's current status)")
    p.add_argument("--message", help="the update's message, Markdown (required with "
                   "--update; default for a new incident: We are investigating this issue.)")
    p.add_argument("--impact", help="none, minor, major or critical (default: from the worst "
                   "component state)")
    for language in LANGUAGES:  # the title and message above are in the site's first language
        p.add_argument(f"--title-{language}", metavar="TEXT",
                       help=f"the title in {language}, for a site in several languages")
        p.add_argument(f"--message-{language}", metavar="TEXT",
                       help=f"the message in {language}, for a site in several languages")
    p.add_argument("--now", help="the time to stamp, ISO 8601 (default: the clock)")

    p = _command(sub, "serve", "build, serve on 127.0.0.1 and rebuild on change",
                 "Build the site, serve it on http://127.0.0.1:PORT/ and rebuild when "
                 "status.yaml, an incident or the history changes. A bad edit prints its "
                 "error and the last good site stays up. Run it in your site's folder.")
    _common(p)
    _build_options(p)
    _cache_options(p)
    p.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")

    p = _command(sub, "demo", "run local demo services, probe them and build the example",
                 "Build the example status page (Nusa AI, a fictional company) with no "
                 "internet: 90 days of simulated history, recorded as kabar record does, "
                 "then small services started on 127.0.0.1 and probed live for the last "
                 "minutes.",
                 epilog="example: kabar demo --now 2025-07-16T07:30+07:00   "
                        "(the example's outage of 16 July 2025, as it was at 07.30 WIB)")
    p.add_argument("--out", type=Path, default=Path("_site"), help="site folder (default: _site)")
    p.add_argument("--serve", action="store_true", help="serve the site afterwards")
    p.add_argument("--port", type=_port, default=8000, help="port for --serve (default: 8000)")
    p.add_argument("--rounds", type=int, default=3, help="live probe rounds (default: 3)")
    p.add_argument("--now", help="build as at this time, ISO 8601; the simulated history "
                   "ends there (default: the clock)")
    p.add_argument("--language", choices=("en", "id"),
                   help="the language at the site's root, en or id; the example's others "
                   "follow under /<lang>/ (default: the example's first, id)")
    p.add_argument("-v", "--verbose", action="store_true", help="show more detail")

    p = _command(sub, "watch", "probe in a loop and act within rounds of a change",
                 "Probe every component (and upstream) every --every, as kabar probe does, on "
                 "any machine; when a component's state has held for --after rounds, run "
                 "--on-change once (env KABAR_CHANGED: the changes as JSON) and/or send a "
                 "repository_dispatch that starts the scheduled job now. The first round is "
                 "the baseline. Stops on SIGTERM or Ctrl-C. Writes nothing.",
                 epilog="environment: KABAR_DISPATCH_TOKEN (for --dispatch: a token that may "
                        "write the repository's contents), GITHUB_API_URL (the default --api)")
    _common(p)
    p.add_argument("--every", default="30s", help="time between rounds (default: 30s)")
    p.add_argument("--after", type=int,
                   help="rounds a change must hold (default: notify.after, else 2)")
    p.add_argument("--on-change", metavar="CMD", help="a shell command to run on each change")
    p.add_argument("--dispatch", metavar="OWNER/REPO",
                   help="send repository_dispatch (event_type kabar-watch) to this repository")
    p.add_argument("--api", help="the GitHub API (default: $GITHUB_API_URL, else "
                   "https://api.github.com; GitHub Enterprise: https://HOST/api/v3)")
    p.add_argument("--rounds", type=int, help="stop after N rounds (default: never)")

    p = _command(sub, "schema", "print the JSON Schema of status.yaml or of an incident file",
                 "Print the JSON Schema that status.yaml (status) or an incident file "
                 "(incident) follows, for editors that check YAML as you type (the YAML "
                 "language server reads a first-line comment: # yaml-language-server: "
                 "$schema=PATH). kabar init writes both into .kabar/schemas/.")
    p.add_argument("kind", nargs="?", choices=("status", "incident"), default="status",
                   help="which schema (default: status)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE instead")

    p = _command(sub, "init", "write a fresh site to start from",
                 "Write a new site into DIR: a minimal status.yaml with one probed "
                 "component, an empty incidents/, a .gitignore, the JSON Schemas for editors "
                 "(.kabar/schemas/) and the GitHub workflows (.github/workflows/), which "
                 "install this version of Kabar (KABAR_PIN) and run kabar commands. Existing "
                 "files are never overwritten. With --upgrade, rewrite only the workflows and "
                 "schemas of an existing site (after you upgraded kabar) and show the diff; "
                 "status.yaml and incidents/ are never touched.",
                 epilog=f"default --pin: {_default_pin()}")
    p.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR",
                   help="the folder to write into (default: the current folder)")
    p.add_argument("--pin", metavar="SPEC",
                   help="what the workflows pip install, e.g. kabar==0.2.0 or a git URL at a "
                        "tag (default: the version running now)")
    p.add_argument("--upgrade", action="store_true",
                   help="refresh the workflows and schemas of the site in DIR")
    p.add_argument("--ci", choices=("github", "gitlab"),
                   help="whose scheduler runs the job: github (.github/workflows/) or gitlab "
                        "(.gitlab-ci.yml) (default: github; --upgrade: the one the site has)")
    p.add_argument("-v", "--verbose", action="store_true", help="show more detail")
    return top


def _default_pin() -> str:
    from generator.cli.init import default_pin

    return default_pin()


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


def _jobs(text: str) -> int | None:
    if text == "auto":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes or auto, got {text!r}")
    return int(text)


def _jobs_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="build with N worker processes; 1: in this process only (default: "
                        "auto, one per core; KABAR_WORKERS=N says the same)")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # -v shows Kabar's own detail; the libraries' debug logs (markdown-it logs every rule it
    # tries, a million lines for a large site) stay off.
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=logging.WARNING)
    if getattr(args, "verbose", False):
        log.setLevel(logging.DEBUG)
    try:
        from generator.cli import commands

        named = getattr(args, "incidents", INCIDENTS)
        if named is not INCIDENTS and args.command != "new" and not named.exists():
            raise KabarError(f"--incidents {named}: no such folder; give the folder that "
                             "holds the incident files")
        handler = getattr(commands, args.command.replace("-", "_"))
        return int(handler(args))
    except ValidationError as exc:
        github = os.environ.get("GITHUB_ACTIONS") == "true"
        for problem in exc.problems:
            print(problem, file=sys.stderr)
            if github:
                print(problem.annotation(), file=sys.stdout)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        written = "" if args.command == "validate" else "; nothing was written"
        print(f"{counted(errors, 'error')}{written}", file=sys.stderr)
        return 1
    except KabarError as exc:
        text = str(exc)  # "file:line:col: error: ..." says error already
        print(text if _POSITIONED.match(text) else f"error: {text}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only folder: one line, not a traceback
        if getattr(args, "verbose", False):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run() -> NoReturn:
    """The ``kabar`` command: ``main``, then an exit that skips tearing the interpreter down.

    Freeing a large build's million objects one by one at exit takes 0.22-0.27 s after a
    build of 10,000 incidents (measured from ``main`` returning to the process's end; 0.01 s
    this way), longer than some builds; the output is flushed first (mypy exits the same
    way). The usual exit is taken when a thread or a child process is still there: it waits
    for them (a build has joined its workers before it returns).
    """
    code = main()
    multiprocessing = sys.modules.get("multiprocessing")
    if threading.active_count() > 1 or (multiprocessing and multiprocessing.active_children()):
        raise SystemExit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            code = code or 1
    os._exit(code)
