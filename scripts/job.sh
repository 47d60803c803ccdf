#!/usr/bin/env bash
# Record probe results on the data branch, send what is due to the notify: channels, and
# push, what the scheduled job runs after probing. Run it from the repository's root
# (status.yaml and the git remote live there):
#
#   scripts/job.sh results/*.json
#
# It fetches the data branch (created as an orphan branch on the first run) into a temporary
# worktree, runs `kabar record FILE... --quorum N` into its history/, then `kabar notify`
# (which writes history/notified.json; a channel that fails is reported and tried again on
# the next run, and never fails the job), commits and pushes. When the push is rejected
# because another run pushed first, it fetches again, starts over from the remote branch,
# records the same results files again (recording is idempotent) and runs `kabar notify
# --merge` with the notified.json it wrote before, so what either run sent stays recorded
# (a union), up to KABAR_RETRIES times with a short random sleep in between.
#
# The data branch keeps one commit per UTC day: a run on the same day as the branch's tip
# replaces the tip (same parents, the new tree: every run of the day is in it) and pushes
# with --force-with-lease, so a run that lost a race can never overwrite the winner's work;
# a run on a new day adds a commit. So the branch grows by 365 small commits a year, not by
# one per run, and no recorded run is lost. KABAR_SQUASH=never keeps a commit per run.
#
# Environment (all optional):
#   KABAR              the kabar command (default: kabar; tests use "python3 -m generator")
#   KABAR_DATA_BRANCH  the branch that holds history/ (default: kabar-data)
#   KABAR_REMOTE       the git remote to fetch from and push to (default: origin)
#   KABAR_QUORUM       down only when at least N locations say so (default: 1)
#   KABAR_CONFIG       the site's configuration (default: status.yaml)
#   KABAR_INCIDENTS    the folder of incident files (default: incidents)
#   KABAR_NOTIFY       1 to run kabar notify after recording, 0 not to (default: 1)
#   KABAR_SQUASH       daily: one commit per UTC day; never: one per run (default: daily)
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
incidents="${KABAR_INCIDENTS:-incidents}"
notify="${KABAR_NOTIFY:-1}"
squash="${KABAR_SQUASH:-daily}"
retries="${KABAR_RETRIES:-5}"
max_sleep="${KABAR_RETRY_SLEEP:-5}"

[[ $# -gt 0 ]] || die "no results files given; usage: scripts/job.sh results/*.json"
git rev-parse --git-dir >/dev/null 2>&1 || die "run this inside the status page's git checkout"
git check-ref-format "refs/heads/$branch" || die "KABAR_DATA_BRANCH=$branch is not a branch name"
[[ $quorum =~ ^[1-9][0-9]*$ ]] || die "KABAR_QUORUM must be 1 or more, got '$quorum'"
[[ $retries =~ ^[1-9][0-9]*$ ]] || die "KABAR_RETRIES must be 1 or more, got '$retries'"
[[ $max_sleep =~ ^[0-9]+$ ]] || die "KABAR_RETRY_SLEEP must be whole seconds, got '$max_sleep'"
[[ $notify == 0 || $notify == 1 ]] || die "KABAR_NOTIFY must be 0 or 1, got '$notify'"
[[ $squash == daily || $squash == never ]] || die "KABAR_SQUASH must be daily or never, got '$squash'"
[[ -f $config ]] || die "$config: no such file; run this from the repository's root"

# The worktree lives elsewhere, so give kabar absolute paths.
files=()
for file in "$@"; do
    [[ -f $file ]] || die "$file: no such results file"
    files+=("$(cd "$(dirname "$file")" && pwd)/$(basename "$file")")
done
config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
[[ $incidents == /* ]] || incidents="$(pwd)/$incidents"
# git keeps no empty folder: a site with no incident yet has no incidents/, which kabar allows
# only when the folder is not named (a named one that is missing is a typo).
incidents_args=()
if [[ -n ${KABAR_INCIDENTS:-} || -d $incidents ]]; then
    incidents_args=(--incidents "$incidents")
fi

# A ref of our own, so KABAR_REMOTE may be a URL as well as a remote's name.
tracking="refs/kabar/$branch"
# In a shallow clone (CI) fetch only the tip and its parents: a commit that replaces the tip
# needs nothing older.
depth=()
if [[ $(git rev-parse --is-shallow-repository) == true ]]; then
    depth=(--depth=2)
fi
worktree="$(mktemp -d "${TMPDIR:-/tmp}/kabar-data.XXXXXX")"
# What this job's kabar notify recorded as sent, kept across attempts (see --merge).
sent="$(mktemp -d "${TMPDIR:-/tmp}/kabar-sent.XXXXXX")/notified.json"
cleanup() {
    git worktree remove --force "$worktree" >/dev/null 2>&1 || rm -rf "$worktree"
    git worktree prune >/dev/null 2>&1 || true
    rm -rf "$(dirname "$sent")"
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

# The UTC day of a unix time.
day_of() { date -u -d "@$1" +%Y-%m-%d; }

attempt=1
while :; do
    parent="$(sync)"
    log "attempt $attempt/$retries: recording ${#files[@]} results file(s) on $branch" \
        "at ${parent:-a new branch}"
    "${kabar[@]}" record --config "$config" --history "$worktree/history" \
        --quorum "$quorum" "${files[@]}"
    if [[ $notify == 1 ]]; then
        merge=()
        if [[ -f $sent ]]; then
            merge=(--merge "$sent")
        fi
        "${kabar[@]}" notify --config "$config" ${incidents_args[@]+"${incidents_args[@]}"} \
            --history "$worktree/history" ${merge[@]+"${merge[@]}"} \
            || log "warning: kabar notify did not send everything; what failed is tried" \
                   "again on the next run"
        if [[ -f $worktree/history/notified.json ]]; then
            cp "$worktree/history/notified.json" "$sent"
        fi
    fi
    git -C "$worktree" add --all .
    tree="$(git -C "$worktree" write-tree)"
    if [[ -n $parent && $tree == "$(git rev-parse "$parent^{tree}")" ]]; then
        log "nothing new to record: $branch already holds these results"
        exit 0
    fi
    # The committer's time honours GIT_COMMITTER_DATE, as the commit itself will.
    now="$(git var GIT_COMMITTER_IDENT | awk '{print $(NF-1)}')"
    today="$(day_of "$now")"
    parents=()
    if [[ -n $parent ]]; then
        parents=(-p "$parent")
        if [[ $squash == daily && $(day_of "$(git show -s --format=%ct "$parent")") == "$today" ]]
        then
            # Replace today's commit: the new one gets its parents (fetched: --depth=2).
            parents=()
            while read -r p; do
                parents+=(-p "$p")
            done < <(git cat-file -p "$parent" | sed -n 's/^parent //p')
        fi
    fi
    message="Record probe results $today (the last run recorded at $(date -u -d "@$now" +%H:%M:%SZ))"
    commit="$(git commit-tree "$tree" ${parents[@]+"${parents[@]}"} -m "$message")"
    lease="refs/heads/$branch:${parent}"
    if git push --quiet --force-with-lease="$lease" "$remote" "$commit:refs/heads/$branch"; then
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
