"""``kabar job --publish DIR``: the built site, as it is, on a branch a second host serves.

Cloudflare Pages, Netlify and any host that deploys a branch then serve the same bytes as
GitHub Pages, so the page survives its CI's or its host's outage (docs/operations.md). The
branch holds the site's files at its root and nothing else: each publish is one commit with no
parent, pushed over the last (a site has no history worth keeping; its files are in the data
branch and the incidents), and nothing is pushed when the files are the ones already there.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from generator.cli.job import Git, say
from generator.errors import KabarError, counted


def publish(site: Path, branch: str, remote: str) -> None:
    """Push the files of ``site`` as the whole tree of ``branch`` on ``remote``."""
    if not (site / "index.html").is_file():
        raise KabarError(f"--publish {site}: no index.html there; run kabar build --out "
                         f"{site} first")
    git = Git()
    if git.run("rev-parse", "--git-dir").returncode != 0:
        raise KabarError("run kabar job inside the status page's git checkout")
    if git.run("check-ref-format", f"refs/heads/{branch}").returncode != 0:
        raise KabarError(f"--site-branch {branch}: not a branch name")
    with tempfile.TemporaryDirectory(prefix="kabar-publish.") as scratch:
        # A tree of the site's files, made in an index of our own: the checkout's index, its
        # worktree and its .gitignore are left alone (--force: a site file is never ignored).
        git.env["GIT_INDEX_FILE"] = str(Path(scratch) / "index")
        try:
            git.out("--work-tree", str(site.resolve()), "add", "--all", "--force", ".")
            tree = git.out("write-tree")
        finally:
            del git.env["GIT_INDEX_FILE"]
    files = len(git.out("ls-tree", "-r", "--name-only", tree).splitlines())
    listed = git.run("ls-remote", "--heads", remote, f"refs/heads/{branch}")
    if listed.returncode != 0:
        why = (listed.stderr.strip().splitlines() or [""])[-1]
        raise KabarError(f"cannot reach {remote} (git ls-remote exited {listed.returncode}"
                         f"{': ' + why if why else ''})")
    if listed.stdout.strip():
        git.out("fetch", "--quiet", "--no-tags", "--depth=1", remote,
                f"+refs/heads/{branch}:refs/kabar/{branch}")
        if git.out("rev-parse", f"refs/kabar/{branch}^{{tree}}") == tree:
            say(f"{remote} {branch} already serves these {counted(files, 'file')}")
            return
    commit = git.out("commit-tree", tree, "-m", f"The site as built ({counted(files, 'file')})")
    pushed = git.run("push", "--quiet", "--force", remote, f"{commit}:refs/heads/{branch}")
    if pushed.returncode != 0:
        why = (pushed.stderr.strip().splitlines() or [f"exit {pushed.returncode}"])[-1]
        raise KabarError(f"could not push the site to {remote} {branch}: {why}")
    say(f"published {counted(files, 'file')} of {site}/ to {remote} {branch} ({commit[:12]})")
