"""``kabar init --ci gitlab``: the scheduled job as one ``.gitlab-ci.yml``.

The same job as GitHub's ``status.yml``, in GitLab's terms: a pipeline schedule (set in the
project, *Build → Pipeline schedules*) probes, records on the data branch with ``kabar job``,
builds and deploys to GitLab Pages; a merge request validates and builds a preview. Pushing
to the data branch needs a project access token with ``write_repository`` in the CI/CD
variable ``KABAR_PUSH_TOKEN`` (a job's own token may not push). Checked against GitLab's
published CI schema (``check-jsonschema --builtin-schema vendor.gitlab-ci``).
"""

from __future__ import annotations

import json

FILE = ".gitlab-ci.yml"

TEMPLATE = """\
# Kabar's scheduled job on GitLab (written by kabar init --ci gitlab; kabar init --upgrade
# --ci gitlab refreshes it). Set up, once, in the project:
# - Settings > CI/CD > Variables: KABAR_PUSH_TOKEN, a project access token with the
#   write_repository scope (role Developer or more), masked and protected; kabar job pushes
#   the probe history to the data branch with it. Add each ${VAR} your status.yaml names
#   (probe secrets, notify: channel URLs) the same way.
# - Build > Pipeline schedules: a schedule on the default branch, e.g. */5 * * * *.
# - Deploy > Pages: the page is served from what the pages job publishes.
# A pipeline also runs by hand (Run pipeline), through a trigger token (kabar watch
# --on-change can call it), on a push to the default branch that changes status.yaml or
# incidents/, and on a merge request (validate and build only).

workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_PIPELINE_SOURCE =~ /^(schedule|web|api|trigger|pipeline)$/
    - if: $CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
      changes: [status.yaml, "incidents/**/*"]

variables:
  # The Kabar these jobs install: one version, so a run never changes under you.
  KABAR_PIN: "@PIN@"
  # The branch that holds history/: each run's results are committed there (one commit per
  # day), so the default branch only changes when people change it.
  KABAR_DATA_BRANCH: kabar-data
  PIP_DISABLE_PIP_VERSION_CHECK: "1"
  PIP_CACHE_DIR: "$CI_PROJECT_DIR/.cache/pip"
  GIT_DEPTH: "1"

default:
  image: python:3.12  # Debian with git, which kabar job needs
  cache:
    key: kabar-pip
    paths: [.cache/pip]
  before_script:
    - pip install "$KABAR_PIN"

check:
  stage: test
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - kabar validate
    - kabar build --out _site
  artifacts:
    expose_as: site preview
    paths: [_site/]
    expire_in: 1 week

pages:
  stage: deploy
  # One run at a time, never two pushing at once (kabar job still retries a lost race).
  resource_group: kabar-status
  rules:
    - if: $CI_PIPELINE_SOURCE != "merge_request_event"
  timeout: 10 minutes
  script:
    # Probe and record; a failure here still publishes the incidents below.
    - kabar probe --location default --out results/default.json || echo "kabar probe failed"
    - >-
      git remote set-url origin
      "https://kabar:${KABAR_PUSH_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git"
    - kabar job results/*.json || echo "kabar job failed"
    # The history as the data branch holds it now ("no data" before the first run).
    - mkdir -p .kabar-data
    - >-
      git fetch --quiet --depth=1 origin "$KABAR_DATA_BRANCH"
      && git archive FETCH_HEAD history | tar -x -C .kabar-data
      || echo "no data branch yet"
    - kabar build --history .kabar-data/history --out public
  artifacts:
    paths: [public/]
"""


def gitlab_ci(pin: str) -> str:
    """The ``.gitlab-ci.yml`` that installs ``pin`` (a checked spec: no quote to escape)."""
    return TEMPLATE.replace('"@PIN@"', json.dumps(pin))
