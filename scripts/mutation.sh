#!/usr/bin/env bash
# Mutation testing of the core against the acceptance suite (cosmic-ray); docs/TESTING.md,
# "Suite strength: mutation testing".
#   bash scripts/mutation.sh map        # only the coverage map: which scenarios run each line
#   bash scripts/mutation.sh            # the map (unless it is of this code), then 100 mutants
#   MUTATION_COUNT=10 MUTATION_SEED=7 bash scripts/mutation.sh
#   MUTATION_SUITE=whole bash scripts/mutation.sh   # the old way: the whole suite per mutant
# Each mutant runs the unit tests that ran its lines (reports/mutation/unit-map.json), then,
# if they pass, only the scenarios that ran its lines (reports/mutation/coverage-map.json),
# MUTATION_WORKERS (2) behave processes at a time, stopping at the first failure.
# MUTATION_TAGS (a behave tag expression, e.g. 'not @serial') narrows the map's run, and so
# every mutant's; MUTATION_MAP_WORKERS (4) is the map run's behave processes.
# MUTATION_LEGS ('swarm podman') are the map's legs beside Docker's, as .ci/run runs them:
# Podman's run beside Docker's, the Swarm backend's @on-swarm scenarios after it. A mutant
# that survives Docker's scenarios runs those that reached its lines only on another leg.
# cosmic-ray edits agents_runner/ in place while it runs (and puts each file back), so run it
# in a clean clone or `git worktree`, and edit nothing there meanwhile. Needs the engine that
# scripts/setup.sh provisions.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

count=${MUTATION_COUNT:-100}
seed=${MUTATION_SEED:-20261125}
suite=${MUTATION_SUITE:-covered}
out=reports/mutation
session=$out/session.sqlite
map=$out/coverage-map.json
tags=()
if [ -n "${MUTATION_TAGS:-}" ]; then tags=(--tags "$MUTATION_TAGS"); fi
read -r -a other_legs <<<"${MUTATION_LEGS-swarm podman}"
legs=()
for leg in "${other_legs[@]}"; do
  case $leg in
    swarm | podman) legs+=(--leg "$leg=$PWD/$out/coverage-data-$leg") ;;
    *) echo "mutation: MUTATION_LEGS names '$leg': the legs are swarm and podman" >&2; exit 2 ;;
  esac
done
has_leg() { [[ " ${other_legs[*]} " == *" $1 "* ]]; }

if ! git diff --quiet -- agents_runner; then
  echo "mutation: agents_runner/ has uncommitted changes; run this in a clean checkout" >&2
  exit 2
fi
mkdir -p "$out"
rm -f mutation/engine-lost
uv sync --locked --group mutation --quiet

# map_leg LEG [ENV=VALUE ...] -- [behave options]: one leg's run of the unmutated suite,
# every Python process it starts measured by coverage.py (mutation/coverage.rc,
# mutation/coverage_hook.py) into $out/coverage-data-LEG; the output in $out/map-LEG.txt.
map_leg() {
  local leg=$1 data=$PWD/$out/coverage-data-$1 environment=()
  shift
  while [ "$1" != -- ]; do environment+=("$1") && shift; done
  shift
  rm -rf "$data" && mkdir -p "$data"
  env "${environment[@]}" AGENTS_RUNNER_COVERAGE="$data" \
    COVERAGE_PROCESS_START="$PWD/mutation/coverage.rc" AGENTS_RUNNER_REQUIRE_DOCKER=1 \
    uv run --no-sync python -m agents_runner.testing.parallel \
    --workers "${MUTATION_MAP_WORKERS:-4}" --junit-directory "$out/map-junit-$leg" \
    "${tags[@]}" "$@" >"$out/map-$leg.txt" 2>&1
}

make_map() {
  # The unmutated suite, once per leg: it is also the baseline that must pass.
  local started failed=()
  started=$(date +%s)
  uv run --no-sync python mutation/coverage_hook.py >/dev/null
  echo "mutation: the coverage map: the whole suite once (legs: docker ${other_legs[*]}), every process measured" >&2
  local podman=0
  if has_leg podman; then
    map_leg podman DOCKER_HOST=unix:///run/agents-runner-podman.sock -- --tags 'not @docker-only' &
    podman=$!
  fi
  map_leg docker -- || failed+=(docker)
  if has_leg swarm; then
    map_leg swarm AGENTS_RUNNER_TEST_BACKEND=swarm -- --tags @on-swarm || failed+=(swarm)
  fi
  if [ "$podman" != 0 ] && ! wait "$podman"; then failed+=(podman); fi
  if [ ${#failed[@]} -gt 0 ]; then
    for leg in "${failed[@]}"; do
      echo "mutation: the unmutated suite failed on the $leg leg (see $out/map-$leg.txt); no map, no score" >&2
    done
    exit 1
  fi
  uv run --no-sync python mutation/coverage_map.py "$PWD/$out/coverage-data-docker" "$map" \
    "${tags[@]}" "${legs[@]}"
  rm -rf "$PWD/$out"/coverage-data-*
  echo "mutation: the map took $(($(date +%s) - started)) s" >&2
}

if [ "${1:-}" = map ]; then
  make_map
  exit 0
fi

config=mutation/cosmic-ray.toml
if [ "$suite" = whole ]; then
  config=$out/cosmic-ray-whole.toml
  sed -e 's#mutation/covered.sh#mutation/acceptance.sh#' -e 's#^timeout = .*#timeout = 480.0#' \
    mutation/cosmic-ray.toml >"$config"
  echo "mutation: the suite must pass unmutated first" >&2
  if ! bash mutation/acceptance.sh >"$out/baseline.txt" 2>&1; then
    echo "mutation: the unmutated suite failed (see $out/baseline.txt); no score" >&2
    exit 1
  fi
elif uv run --no-sync python mutation/coverage_map.py --current "$map" "${legs[@]}"; then
  echo "mutation: the coverage map of this code and these scenarios is there ($map)" >&2
else
  make_map
fi

# The unit tests' map (seconds, not minutes): each mutant runs the unit tests of its lines
# first, and its scenarios only if they pass.
uv run --group mutation python mutation/unit_map.py "$out/unit-map.json" >&2

rm -f "$session"
uv run --group mutation cosmic-ray init "$config" "$session" 2>/dev/null
uv run --group mutation python -W ignore mutation/sample.py "$session" --count "$count" --seed "$seed" \
  | tee "$out/sample.txt"
started=$(date +%s)
uv run --group mutation cosmic-ray exec "$config" "$session"
echo "mutation: $count mutants took $(($(date +%s) - started)) s" | tee "$out/took.txt" >&2

if [ -e mutation/engine-lost ]; then
  echo "mutation: the engine was lost during the run (mutation/engine-lost); no score" >&2
  exit 1
fi
if ! git diff --quiet -- agents_runner; then
  echo "mutation: a mutant was left in agents_runner/; restore it with git checkout" >&2
  exit 1
fi
uv run --group mutation python mutation/report.py "$session" --seed "$seed" | tee "$out/summary.md"
