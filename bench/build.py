"""Benchmark: ``kabar build`` next to its floor, on 10,000 incidents, 100 components, a year.

Run from the repository root: ``python3 bench/build.py`` (``--incidents N``, ``--quick`` for
a small run, ``--skip-20k`` to leave out the 20,000-incident build, ``--languages`` to compare
the same site in two languages, ``--runs N`` cold builds
of each size, the fastest compared: the machine may be shared). It makes a data set like
a real site's: every incident has its own Markdown messages (paragraphs, lists, links, code),
two to five updates and one to four of the 100 components; a year of 5-minute history. The
data set is made from a seed, so every run builds the same files.

Each build is its own ``kabar build`` process, as a user or CI runs it; its wall time, user
and system CPU and peak memory are that process's own (``os.wait4``; the forked worker is
counted in the CPU). Every build writes into a folder with a new name: nothing is deleted
just before a timed step (on ext4, creating files right after deleting many costs kernel
time that is not Kabar's). Before each cold step the data is synced and, where allowed,
the kernel's page cache dropped. On a virtual machine whose disk is thinly provisioned, the
minutes after many files were deleted (this script's own clean-up at the end of a run) make
writing files and touching new memory several times slower: its system time shows it; run
it again a few minutes later.

The floor is what no build can avoid, measured on the same files: LibYAML composing every
input YAML file (``yaml.compose`` with the C loader, no construction), and writing the
bytes of the site the build made into a fresh folder; each part is the best of three runs.
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from record import write_year  # noqa: E402

NOW = "2026-11-24T22:00:00Z"
END = datetime(2026, 11, 24, 20, tzinfo=UTC)
STATES = ("degraded_performance", "partial_outage", "major_outage")
STATUSES = ("investigating", "identified", "monitoring", "resolved")
WORDS = ("login", "checkout", "search", "upload", "webhook", "database", "cache", "queue",
         "latency", "timeouts", "errors", "replica", "region", "cluster", "certificate", "DNS",
         "gateway", "payments", "email", "notifications", "storage", "backups", "API", "mobile",
         "dashboard", "sync", "import", "export", "billing", "reports", "scheduler", "worker")
VERBS = ("investigating", "seeing", "tracking", "mitigating", "rolling back", "monitoring",
         "scaling", "restarting", "rerouting", "patching")
CAUSES = ("a misconfigured load balancer", "a failed deploy", "an expired certificate",
          "a saturated connection pool", "a noisy neighbour", "a full disk", "a network "
          "partition", "an upstream provider outage", "a slow query", "a memory leak")

try:
    from yaml import CSafeLoader as FLOOR_LOADER
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as FLOOR_LOADER  # type: ignore[assignment]

FLOOR_RUNS = 3


def message(rng: random.Random, n: int, update: int, component: str) -> list[str]:
    """A distinct Markdown message, as lines of a YAML block scalar."""
    a, b, c = rng.sample(WORDS, 3)
    lines = [f"We are {rng.choice(VERBS)} **{a} {b}** on `{component}` "
             f"(ticket #{n * 10 + update}, {rng.randint(2, 99)}% of requests)."]
    shape = rng.randrange(4)
    if shape == 0:
        lines += ["", f"The cause looks like {rng.choice(CAUSES)}; {c} is not affected."]
    elif shape == 1:
        lines += ["", "Affected:", ""]
        lines += [f"- {w} in region `{rng.choice(('eu', 'us', 'ap'))}-{rng.randint(1, 9)}`"
                  for w in rng.sample(WORDS, rng.randint(2, 4))]
    elif shape == 2:
        lines += ["", f"See [the {c} runbook](https://docs.example.com/runbooks/{n}-{update}) "
                  f"and the _{rng.choice(CAUSES)}_ note."]
    else:
        lines += ["", f"> {c.capitalize()} retries: {rng.randint(1, 500)} per minute.",
                  "", f"Next update within {rng.choice((15, 30, 60))} minutes."]
    return lines


def write_incident(path: Path, n: int, start: datetime, components: list[str],
                   rng: random.Random) -> None:
    count = rng.randint(2, 5)
    statuses = [*STATUSES[:count - 1], "resolved"] if count < 4 else \
        [*rng.choices(STATUSES[:3], k=count - 1), "resolved"]
    body = [f"title: {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} problems "
            f"({n})", "components:"]
    body += [f"  {cid}: {rng.choice(STATES)}" for cid in components]
    body.append("updates:")
    at = start
    for update, status in enumerate(statuses):
        body += [f"  - at: {at:%Y-%m-%dT%H:%M:%SZ}", f"    status: {status}",
                 "    message: |"]
        body += [f"      {line}" if line else "" for line in
                 message(rng, n, update, components[0])]
        at += timedelta(minutes=rng.randint(5, 120))
    path.write_text("\n".join(body) + "\n")


def make_site(folder: Path, incidents: int, components: int, seed: int,
              languages: str = "id") -> list[str]:
    """``status.yaml``, ``incidents/`` and ``history/`` in ``folder``; ``languages`` as in
    status.yaml ("id", or "[id, en]")."""
    rng = random.Random(seed)
    ids = [f"component-{n:03d}" for n in range(components)]
    lines = ["site:", "  title: Bench Status", "  url: https://status.example.com/",
             "  timezone: Asia/Jakarta", f"  languages: [{languages}]", "components:"]
    for n, cid in enumerate(ids):
        lines += [f"  - id: {cid}", f"    name: Component {n}", f"    group: Group {n // 10}",
                  "    probe:", f"      http: https://{cid}.example.com/health"]
    folder.mkdir()
    (folder / "status.yaml").write_text("\n".join(lines) + "\n")
    (folder / "incidents").mkdir()
    for n in range(incidents):
        start = END - timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        write_incident(folder / "incidents" / f"bench-{n:05d}.yaml", n, start,
                       rng.sample(ids, rng.randint(1, 4)), rng)
    write_year(folder / "history", ids, random.Random(seed + 1))
    return ids


def settle() -> None:
    """Write out what is pending and drop the page cache where the kernel lets us."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        pass


@dataclass(frozen=True)
class Run:
    seconds: float
    user: float
    system: float
    peak_mb: float
    output: str


def build(site: Path, out: Path, cache: Path) -> Run:
    """One ``kabar build`` process into ``out``; its own time, CPU and peak memory."""
    with tempfile.TemporaryFile("w+") as log:
        begin = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "generator", "build", "--now", NOW, "--out", str(out),
             "--cache", str(cache)], cwd=site, stdout=log, stderr=subprocess.STDOUT,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - begin
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().strip()
    if child.returncode:
        raise SystemExit(f"kabar build failed ({child.returncode}):\n{output}")
    return Run(seconds, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, output)


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file's (inode, mtime_ns): a written file gets a new one or the other."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            info = path.stat()
            found[str(path.relative_to(folder))] = (info.st_ino, info.st_mtime_ns)
    return found


def floor(site: Path, out: Path, fresh: Path) -> tuple[float, float, int]:
    """Seconds to compose every input YAML file, and to write ``out``'s bytes to ``fresh``.

    It runs in a process of its own: holding the site's bytes here would raise the peak
    memory the next builds report (a child starts as a copy of this process).
    """
    result = subprocess.run([sys.executable, __file__, "--floor", str(site), str(out),
                             str(fresh)], capture_output=True, text=True, check=True)
    compose, write, size = result.stdout.split()
    return float(compose), float(write), int(size)


def measure_floor(site: Path, out: Path, fresh: Path) -> None:
    """Print the floor's parts, each the best of ``FLOOR_RUNS`` (a stricter floor on a
    shared machine), each write into a folder of its own."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    inputs = [site / "status.yaml", *sorted((site / "incidents").iterdir())]
    composes, writes = [], []
    for run in range(FLOOR_RUNS):
        settle()
        begin = time.perf_counter()
        for path in inputs:
            with open(path, encoding="utf-8") as handle:
                yaml.compose(handle.read(), Loader=FLOOR_LOADER)
        composes.append(time.perf_counter() - begin)
        settle()
        begin = time.perf_counter()
        made = set()
        for name, data in files.items():
            target = fresh / str(run) / name
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            with open(target, "wb") as handle:
                handle.write(data)
        writes.append(time.perf_counter() - begin)
    print(min(composes), min(writes), sum(map(len, files.values())))


def show(label: str, run: Run, extra: str = "") -> None:
    print(f"{label:<40} {run.seconds:6.2f} s  (user {run.user:5.2f} s, sys {run.system:4.2f} s)"
          f"  peak {run.peak_mb:4.0f} MB{extra}")


def main() -> None:
    if sys.argv[1:2] == ["--floor"]:
        measure_floor(*map(Path, sys.argv[2:5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--quick", action="store_true",
                        help="1,000 incidents and no 20,000-incident build")
    parser.add_argument("--skip-20k", action="store_true",
                        help="leave out the build of twice as many incidents")
    parser.add_argument("--dir", type=Path, default=None,
                        help="where to make the temporary data (default: the system's; "
                             "--dir /dev/shm/kabar for a RAM disk)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--languages", action="store_true",
                        help="also build the same site in two languages (id, en) and compare "
                             "(target <= 1.6x)")
    parser.add_argument("--runs", type=int, default=3,
                        help="cold builds of each size, each into new folders; the fastest "
                             "is compared (the machine may be shared; default: 3)")
    args = parser.parse_args()
    incidents = 1_000 if args.quick else args.incidents
    twice = not (args.quick or args.skip_20k)
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="kabar-bench-") as temp:
        base = Path(temp)
        site = base / "site"
        ids = make_site(site, incidents, args.components, args.seed)
        if twice:
            make_site(base / "site2", 2 * incidents, args.components, args.seed)
        size = sum(p.stat().st_size for p in (site / "incidents").iterdir())
        print(f"{incidents:,} incidents ({size / 1e6:.1f} MB of YAML, distinct messages), "
              f"{args.components} components, a year of 5-minute history; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

        colds = []
        for run in range(args.runs):
            settle()
            colds.append(build(site, base / f"out-cold{run}", base / f"cache-cold{run}"))
            show("cold build (nothing cached)", colds[-1])
        best = min(range(args.runs), key=lambda run: colds[run].seconds)
        cold = colds[best]
        compose, write, written = floor(site, base / f"out-cold{best}", base / "out-floor")
        bottom = compose + write
        print(f"{'floor: LibYAML compose + write':<40} {bottom:6.2f} s  (compose {compose:.2f} s"
              f", write {write:.2f} s of {written / 1e6:.1f} MB)")
        print(f"{'fastest cold build / floor':<40} {cold.seconds / bottom:6.1f}x  (target <= 2x, "
              f"3x on a RAM disk; peak target <= 300 MB)")

        if twice:
            doubles = []
            for run in range(args.runs):
                settle()
                doubles.append(build(base / "site2", base / f"out-double{run}",
                                     base / f"cache-double{run}"))
            double = min(doubles, key=lambda made: made.seconds)
            show(f"cold build, {2 * incidents:,} incidents (best)", double,
                 f"  {double.seconds / cold.seconds:.2f}x the {incidents:,} (target <= 2.1x)")

        if args.languages:
            make_site(base / "site-two", incidents, args.components, args.seed, "id, en")
            twos = []
            for run in range(args.runs):
                settle()
                twos.append(build(base / "site-two", base / f"out-two{run}",
                                  base / f"cache-two{run}"))
            two = min(twos, key=lambda made: made.seconds)
            show("cold build in two languages (best)", two,
                 f"  {two.seconds / cold.seconds:.2f}x one language (target <= 1.6x)")

        out = base / f"out-cold{best}"
        before = stamps(out)
        again = build(site, out, base / f"cache-cold{best}")
        after = stamps(out)
        changed = sum(1 for name, stamp in after.items() if before.get(name) != stamp)
        show("same build again, nothing changed", again,
             f"  {changed} of {len(after):,} files written (target <= 0.5 s, none)")

        write_incident(site / "incidents" / "zz-new.yaml", incidents, END, ids[:2],
                       random.Random(args.seed + 2))
        before = after
        added = build(site, out, base / f"cache-cold{best}")
        after = stamps(out)
        changed = sum(1 for name, stamp in after.items() if before.get(name) != stamp)
        show("one incident added", added, f"  {changed} of {len(after):,} files written")
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(this script itself peaked at {own:.0f} MB; the builds are separate processes)")
        shutil.rmtree(base / "out-floor", ignore_errors=True)


if __name__ == "__main__":
    main()
