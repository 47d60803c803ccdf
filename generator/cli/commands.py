"""What each ``kabar`` subcommand does; ``cli.py`` parses, this module acts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from generator import clock
from generator.errors import KabarError, counted

if TYPE_CHECKING:
    from generator.load.config import Config, ConfigCheck


def _github() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _print_warnings(lines: tuple[str, ...]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def validate(args: argparse.Namespace) -> int:
    from generator.load.site import load_site

    config, incidents, warnings = load_site(args.config, args.incidents, now=clock.now())
    for problem in warnings:
        print(problem, file=sys.stderr)
        if _github():
            print(problem.annotation())
    if warnings and args.strict:
        print(f"{counted(len(warnings), 'warning')} and --strict is on", file=sys.stderr)
        return 1
    components = counted(len(config.components), "component", "components")
    files = counted(len(incidents), "incident or maintenance file",
                     "incident and maintenance files")
    print(f"{args.config}: {components}, {files}: valid")
    return 0


def probe(args: argparse.Namespace) -> int:
    from generator.load.config import load_config

    _probe(load_config(args.config), args.location, args.history,
           args.out or Path("results") / f"{args.location}.json")
    return 0


def _probe(config: Config, location: str, history: Path, out: Path) -> None:
    from generator.history.read import last_readings
    from generator.load.results import write_run
    from generator.probe import format_table, run_probes

    previous = last_readings(history, config) if config.upstreams else {}
    run = run_probes(config, location, previous=previous)
    write_run(run, out)
    print(format_table(run))
    print(f"wrote {out}")


def record(args: argparse.Namespace) -> int:
    from generator.load.config import load_config

    if args.quorum < 1:
        raise KabarError(f"--quorum must be 1 or more, got {args.quorum}")
    _record(load_config(args.config), args.history, args.files, args.quorum)
    return 0


def _record(config: Config, history: Path, files: list[Path], quorum: int) -> None:
    from generator.history.record import record as record_history

    summary = record_history(history, files, config, quorum)
    _print_warnings(summary.warnings)
    what = "as unknown" if summary.unknown else counted(summary.recorded, "result")
    print(f"recorded {what} into {history}/")


def build(args: argparse.Namespace) -> int:
    from generator.load.config import check_config

    return _build(check_config(args.config), args)


def _build(config: ConfigCheck, args: argparse.Namespace) -> int:
    from generator.site.build import BuildOptions
    from generator.site.build import build as build_site

    result = build_site(config, BuildOptions(args.out, args.incidents, args.history, args.now,
                                             args.strict, args.cache, args.jobs))
    _print_warnings(result.warnings)
    report = result.report
    total = report.unchanged + len(report.written)
    if report.changed:
        print(f"built {args.out}/ in {result.seconds:.2f} s: {total} files, "
              f"{len(report.written)} written, {len(report.removed)} removed")
    else:
        print(f"built {args.out}/ in {result.seconds:.2f} s: {total} files, nothing changed")
    return 0


def run(args: argparse.Namespace) -> int:
    """The scheduled job on this machine: probe, record, build, then notify, as library
    calls on one checked config. The page is built before anyone is told to look at it; a
    message that cannot be sent never keeps the page from building, nor a failed build the
    messages from going."""
    from generator.load.config import check_config

    checked = check_config(args.config)
    config = checked.loaded(warn=False)  # the build reports its warnings, once
    out = Path("results") / f"{args.location}.json"
    _probe(config, args.location, args.history, out)
    _record(config, args.history, [out], 1)
    try:
        return _build(checked, args)
    finally:
        _notify_due(config, args.incidents, args.history, args.now)


def _notify_due(config: Config, incidents: Path, history: Path, now: str | None) -> None:
    from generator.notify import notify as send_due

    try:
        outcome = send_due(config, incidents, history, clock.now(now))
        for line in outcome.failures:
            print(f"notify: {line}", file=sys.stderr)
    except KabarError as exc:
        print(f"notify: error: {exc}", file=sys.stderr)


def new(args: argparse.Namespace) -> int:
    from generator.cli.new import add_update, new_incident
    from generator.load.config import load_config
    from generator.model.states import IncidentStatus

    config = load_config(args.config)
    at = clock.now(args.now)
    if args.update:
        if args.title or args.component:
            raise KabarError("--update adds to an existing incident; drop the title and "
                             "--component")
        if not args.message:
            raise KabarError('--update needs --message, e.g. --message "Logins work again."')
        path = add_update(config, args.incidents, args.update, args.status, args.message, at)
        print(f"updated {path}")
        return 0
    if not args.title:
        raise KabarError('give a title: kabar new "Login failures" --component api=major_outage')
    components: dict[str, str] = {}
    for item in args.component:
        name, sep, state = item.partition("=")
        if not sep:
            raise KabarError(f"--component {item!r}: expected ID=STATE, e.g. api=major_outage")
        components[name.strip()] = state.strip()
    languages = config.site.languages
    message = args.message or "We are investigating this issue."
    path = new_incident(config, args.incidents,
                        _in_languages(args, "title", args.title, languages), components,
                        status=args.status or IncidentStatus.INVESTIGATING,
                        message=_in_languages(args, "message", message, languages),
                        impact=args.impact, at=at)
    print(f"wrote {path}")
    return 0


def _in_languages(args: argparse.Namespace, what: str, first: str,
                  languages: tuple[str, ...]) -> str:
    """``first`` (in the site's first language) and each ``--title-en``-like option given, as
    one text; plain when no other language is given."""
    from generator.texts import LANGUAGES, Text

    others = {language: getattr(args, f"{what}_{language}") for language in LANGUAGES
              if getattr(args, f"{what}_{language}", None)}
    for language in others:
        if language not in languages:
            raise KabarError(f"--{what}-{language}: {language!r} is not a language of this "
                             f"site (site.languages: {', '.join(languages)})")
    if not others:
        return first
    return Text({languages[0]: first} | others)


def serve(args: argparse.Namespace) -> int:
    from generator.cli.serve import serve as serve_site

    serve_site(args.config, args.incidents, args.history, args.out, args.port,
               now=args.now, strict=args.strict, cache=args.cache)
    return 0


def demo(args: argparse.Namespace) -> int:
    from generator.cli.demo import run_demo

    run_demo(args.out, rounds=args.rounds, serve=args.serve, port=args.port, now=args.now,
             language=args.language)
    return 0


def notify(args: argparse.Namespace) -> int:
    from generator.load.config import load_config
    from generator.notify import notify as send_due

    outcome = send_due(load_config(args.config), args.incidents, args.history,
                       clock.now(args.now),
                       dry_run=args.dry_run, test=args.test, merge=args.merge)
    for line in outcome.failures:
        print(f"notify: {line}", file=sys.stderr)
    return 1 if outcome.failures else 0


def init(args: argparse.Namespace) -> int:
    from generator.cli.init import check_pin, default_pin, init_site, pinned, upgrade_site
    from generator.load.checker import display_path

    pin = check_pin(args.pin) if args.pin else default_pin()
    if args.ci is None:  # --upgrade keeps a GitLab site on GitLab
        gitlab = (args.dir / ".gitlab-ci.yml").is_file() and not (
            args.dir / ".github" / "workflows").is_dir()
        args.ci = "gitlab" if args.upgrade and gitlab else "github"
    if not pinned(pin):
        print(f"note: {pin} names no one version, so each run installs whatever is newest; "
              "pin one (kabar==X, or a git URL ending in @TAG) to upgrade when you choose",
              file=sys.stderr)
    if args.upgrade:
        result = upgrade_site(args.dir, pin, args.ci)
        for diff in result.diffs:
            print(diff, end="")
        for path in result.written:
            print(f"updated {display_path(path)}")
        for warning in result.warnings:
            print(warning, file=sys.stderr)
        if not result.written:
            print(f"the workflows and schemas already install {pin}; nothing changed")
        else:
            print(f"the workflows now install {pin}; review the change (git diff), commit "
                  "and push it")
        return 0
    result = init_site(args.dir, pin, args.ci)
    for path in result.written:
        print(f"wrote {display_path(path)}")
    for path in result.kept:
        print(f"kept {display_path(path)} (already there, the same)")
    config = display_path(args.dir / "status.yaml")
    steps = [] if args.dir.resolve() == Path.cwd().resolve() else [f"cd {args.dir}"]
    steps += ["kabar validate", "kabar serve      # the page on http://127.0.0.1:8000/"]
    print(f"next: edit {config} (your site and its components), then\n"
          + "".join(f"  {step}\n" for step in steps)
          + ("and publish it: README.md, \"Run your own status page on GitHub\" (the "
             if args.ci == "github" else
             "and publish it: docs/operations.md, \"On GitLab\" (the ")
          + f"workflows install {pin}).")
    return 0

def schema(args: argparse.Namespace) -> int:
    from generator.files import atomic_write
    from generator.resources import schema as schema_file

    data = schema_file(args.kind).read_bytes()
    if args.out is None:
        sys.stdout.write(data.decode("utf-8"))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out, data)
    print(f"wrote {args.out}")
    return 0


def job(args: argparse.Namespace) -> int:
    from generator.cli.job import JobOptions, run_job

    branch = args.branch or os.environ.get("KABAR_DATA_BRANCH") or "kabar-data"
    quorum_text = args.quorum or os.environ.get("KABAR_QUORUM") or "1"
    squash = args.squash or os.environ.get("KABAR_SQUASH") or "daily"
    where = "--quorum" if args.quorum else "KABAR_QUORUM"
    if not quorum_text.isdigit() or int(quorum_text) < 1:
        raise KabarError(f"{where} must be 1 or more, got {quorum_text!r}")
    if squash not in ("daily", "never"):
        raise KabarError(f"KABAR_SQUASH must be daily or never, got {squash!r}")
    if args.retries < 1:
        raise KabarError(f"--retries must be 1 or more, got {args.retries}")
    if args.retry_sleep < 0:
        raise KabarError(f"--retry-sleep must be 0 or more seconds, got {args.retry_sleep}")
    if not args.files and args.publish is None:
        raise KabarError("give the results files to record (kabar job results/*.json), or "
                         "--publish DIR to push a built site")
    site_branch = args.site_branch or os.environ.get("KABAR_SITE_BRANCH") or "kabar-site"
    if args.publish is not None and site_branch == branch:
        raise KabarError(f"--site-branch {site_branch} is the data branch; name another")
    if args.files:
        run_job(args.files, args.config, args.incidents, JobOptions(
            branch=branch, remote=args.remote, quorum=int(quorum_text), notify=args.notify,
            squash=squash, retries=args.retries, retry_sleep=args.retry_sleep))
    if args.publish is not None:
        from generator.cli.publish import publish

        publish(args.publish, site_branch, args.remote)
    return 0


def watch(args: argparse.Namespace) -> int:
    import asyncio
    import re

    from generator.cli.watch import Options, Watch
    from generator.load.config import load_config
    from generator.probe import RETRY_PAUSE, RUN_SLACK, run_cap

    every = clock.parse_duration(args.every)
    if every is None or every.total_seconds() <= 0:
        raise KabarError(f"--every: expected a duration such as 30s or 1m, got {args.every!r}")
    if args.after is not None and args.after < 1:
        raise KabarError(f"--after must be 1 or more, got {args.after}")
    if args.rounds is not None and args.rounds < 1:
        raise KabarError(f"--rounds must be 1 or more, got {args.rounds}")
    token = os.environ.get("KABAR_DISPATCH_TOKEN")
    if args.dispatch and not re.fullmatch(r"[\w.-]+/[\w.-]+", args.dispatch):
        raise KabarError(f"--dispatch: expected OWNER/REPO, got {args.dispatch!r}")
    if args.dispatch and not token:
        raise KabarError("--dispatch needs a token in KABAR_DISPATCH_TOKEN (one that may "
                         "write the repository's contents)")
    config = load_config(args.config)
    after = args.after or (config.notify.after if config.notify else 2)
    api = args.api or os.environ.get("GITHUB_API_URL") or "https://api.github.com"
    options = Options(every.total_seconds(), after, args.on_change, args.dispatch, api, token,
                      args.verbose, args.rounds)
    what = counted(sum(1 for c in config.components if c.probe), "component")
    if config.upstreams:
        what += f" and {counted(len(config.upstreams), 'upstream')}"
    print(f"watching {what} every {args.every}; a change counts after "
          f"{counted(after, 'round')}", flush=True)
    probes = [c.probe for c in config.components if c.probe]
    longest = run_cap(probes, 200, RETRY_PAUSE) - RUN_SLACK if probes else 0.0
    if longest > options.every:
        print(f"warning: a round may take {longest:g} s (timeout x attempts), longer than "
              f"--every {args.every}; a round not finished when the next is due counts as "
              "nothing: raise --every or lower timeout/retries", file=sys.stderr)
    asyncio.run(Watch(config, options, lambda line: print(line, flush=True)).run())
    return 0
