#!/usr/bin/env bash
# The test command for one mutant: only the scenarios that ran its lines, in parallel
# (mutation/run_mutant.py; the coverage map comes from `scripts/mutation.sh map`).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# As in mutation/acceptance.sh: a mutant killed mid-way through an engine restart can leave
# the engine down; bring it back, or void the session.
if ! docker info >/dev/null 2>&1; then
  if ! bash scripts/provision-engine.sh >&2; then
    date -u +%FT%TZ >>mutation/engine-lost
    exit 1
  fi
fi

export AGENTS_RUNNER_REQUIRE_DOCKER=1
exec uv run --no-sync python mutation/run_mutant.py --workers "${MUTATION_WORKERS:-2}"
