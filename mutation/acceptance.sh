#!/usr/bin/env bash
# The test command for one mutant: the whole acceptance suite, stopping at the first failure.
# Features run cheapest and broadest first, so most mutants die in the first minute.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# A mutant killed mid-way through an engine restart can leave the engine down; bring it back
# so the next mutant is not "killed" by a missing engine.
# If it cannot come back, the session is void: scripts/mutation.sh refuses to report a score.
if ! docker info >/dev/null 2>&1; then
  if ! bash scripts/provision-engine.sh >&2; then
    date -u +%FT%TZ >>mutation/engine-lost
    exit 1
  fi
fi

export AGENTS_RUNNER_REQUIRE_DOCKER=1
first=(contract complete cancel kill failures workspace limits bad_input secrets orphans
  store_faults agents leftovers deadline abandoned cancel_anywhere pull recovery concurrency
  crash_points timing cli command_line races engine_faults)
last=(output)
features=()
for name in "${first[@]}"; do features+=("features/$name.feature"); done
for file in features/*.feature; do  # any feature not named above still runs
  name=$(basename "$file" .feature)
  [[ " ${first[*]} ${last[*]} " == *" $name "* ]] || features+=("$file")
done
for name in "${last[@]}"; do features+=("features/$name.feature"); done
exec uv run --no-sync python -m behave --stop --format progress --no-junit "${features[@]}"
