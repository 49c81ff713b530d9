#!/usr/bin/env bash
# The test command for one mutant: the whole acceptance suite, stopping at the first failure.
# Features run cheapest and broadest first, so most mutants die in the first minute.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source mutation/engine_back.sh
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
