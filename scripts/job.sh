#!/usr/bin/env bash
# Record probe results on the data branch and push them, what the scheduled job runs after
# probing. Run it from the repository's root (status.yaml and the git remote live there):
#
#   scripts/job.sh results/*.json
#
# It fetches the data branch (created as an orphan branch on the first run) into a temporary
# worktree, runs `kabar record FILE... --quorum N` into its history/, commits and pushes. When
# the push is rejected because another run pushed first, it fetches again, starts over from
# the remote branch and records the same results files again (recording is idempotent), up
# to KABAR_RETRIES times with a short random sleep in between.
#
# Environment (all optional):
#   KABAR              the kabar command (default: kabar; tests use "python3 -m generator")
#   KABAR_DATA_BRANCH  the branch that holds history/ (default: kabar-data)
#   KABAR_REMOTE       the git remote to fetch from and push to (default: origin)
#   KABAR_QUORUM       down only when at least N locations say so (default: 1)
#   KABAR_CONFIG       the site's configuration (default: status.yaml)
#   KABAR_RETRIES      attempts to push before giving up (default: 5)
#   KABAR_RETRY_SLEEP  the longest sleep between attempts, in seconds (default: 5; 0 for none)
set -euo pipefail

log() { printf 'job: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

read -r -a kabar <<<"${KABAR:-kabar}"
branch="${KABAR_DATA_BRANCH:-kabar-data}"
remote="${KABAR_REMOTE:-origin}"
quorum="${KABAR_QUORUM:-1}"
config="${KABAR_CONFIG:-status.yaml}"
retries="${KABAR_RETRIES:-5}"
max_sleep="${KABAR_RETRY_SLEEP:-5}"

[[ $# -gt 0 ]] || die "no results files given; usage: scripts/job.sh results/*.json"
git rev-parse --git-dir >/dev/null 2>&1 || die "run this inside the status page's git checkout"
git check-ref-format "refs/heads/$branch" || die "KABAR_DATA_BRANCH=$branch is not a branch name"
[[ $quorum =~ ^[1-9][0-9]*$ ]] || die "KABAR_QUORUM must be 1 or more, got '$quorum'"
[[ $retries =~ ^[1-9][0-9]*$ ]] || die "KABAR_RETRIES must be 1 or more, got '$retries'"
[[ $max_sleep =~ ^[0-9]+$ ]] || die "KABAR_RETRY_SLEEP must be whole seconds, got '$max_sleep'"
[[ -f $config ]] || die "$config: no such file; run this from the repository's root"

# The worktree lives elsewhere, so give kabar absolute paths.
files=()
for file in "$@"; do
    [[ -f $file ]] || die "$file: no such results file"
    files+=("$(cd "$(dirname "$file")" && pwd)/$(basename "$file")")
done
config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"

# A ref of our own, so KABAR_REMOTE may be a URL as well as a remote's name.
tracking="refs/kabar/$branch"
# In a shallow clone (CI) fetch only the tip: pushing on top of it needs nothing older.
depth=()
if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
    depth=(--depth=1)
fi
worktree="$(mktemp -d "${TMPDIR:-/tmp}/kabar-data.XXXXXX")"
cleanup() {
    git worktree remove --force "$worktree" >/dev/null 2>&1 || rm -rf "$worktree"
    git worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT
git worktree add --quiet --detach "$worktree" HEAD

# The committer: whoever git is configured for, else a bot-like default (CI has neither).
name="$(git config user.name || true)"
email="$(git config user.email || true)"
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-${name:-kabar}}"
export GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-${email:-kabar@localhost}}"
export GIT_COMMITTER_NAME="${GIT_COMMITTER_NAME:-$GIT_AUTHOR_NAME}"
export GIT_COMMITTER_EMAIL="${GIT_COMMITTER_EMAIL:-$GIT_AUTHOR_EMAIL}"

# Point the worktree at the remote branch's tip; print that tip, or nothing for a new branch.
sync() {
    local status=0
    git ls-remote --exit-code --heads "$remote" "refs/heads/$branch" >/dev/null || status=$?
    if [[ $status -eq 2 ]]; then
        log "$remote has no branch $branch yet; starting it (orphan)"
        git -C "$worktree" read-tree --empty
        git -C "$worktree" clean -fdxq
        return 0
    elif [[ $status -ne 0 ]]; then
        die "cannot reach $remote (git ls-remote exited $status)"
    fi
    git fetch --quiet --no-tags ${depth[@]+"${depth[@]}"} "$remote" "+refs/heads/$branch:$tracking"
    git -C "$worktree" reset --quiet --hard "$tracking"
    git -C "$worktree" clean -fdxq
    git rev-parse "$tracking"
}

attempt=1
while :; do
    parent="$(sync)"
    log "attempt $attempt/$retries: recording ${#files[@]} results file(s) on $branch" \
        "at ${parent:-a new branch}"
    "${kabar[@]}" record --config "$config" --history "$worktree/history" \
        --quorum "$quorum" "${files[@]}"
    git -C "$worktree" add --all .
    tree="$(git -C "$worktree" write-tree)"
    if [[ -n $parent && $tree == "$(git rev-parse "$parent^{tree}")" ]]; then
        log "nothing new to record: $branch already holds these results"
        exit 0
    fi
    message="Record probe results $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    if [[ -n $parent ]]; then
        commit="$(git commit-tree "$tree" -p "$parent" -m "$message")"
    else
        commit="$(git commit-tree "$tree" -m "$message")"
    fi
    if git push --quiet "$remote" "$commit:refs/heads/$branch"; then
        log "pushed $commit to $remote $branch: $message"
        exit 0
    fi
    if [[ $attempt -ge $retries ]]; then
        die "could not push to $remote $branch after $retries attempts; the results are" \
            "still in the results files, so re-running this job records them"
    fi
    pause=0
    if [[ $max_sleep -gt 0 ]]; then
        pause=$((RANDOM % max_sleep + 1))
    fi
    log "push rejected (another run pushed first?); fetching and recording again in ${pause}s"
    sleep "$pause"
    attempt=$((attempt + 1))
done
