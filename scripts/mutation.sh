#!/usr/bin/env bash
# Mutation testing of the core against the acceptance suite (cosmic-ray).
#   bash scripts/mutation.sh            # 100 sampled mutants, seed 20261125
#   MUTATION_COUNT=300 MUTATION_SEED=1 bash scripts/mutation.sh
# cosmic-ray edits agents_runner/ in place while it runs (and puts each file back), so run it
# in a clean clone or `git worktree`, and edit nothing there meanwhile. Needs the engine that
# scripts/setup.sh provisions; one mutant costs one acceptance run (up to about 3 minutes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

count=${MUTATION_COUNT:-100}
seed=${MUTATION_SEED:-20261125}
out=reports/mutation
session=$out/session.sqlite

if ! git diff --quiet -- agents_runner; then
  echo "mutation: agents_runner/ has uncommitted changes; run this in a clean checkout" >&2
  exit 2
fi
mkdir -p "$out"
rm -f "$session" mutation/engine-lost
uv sync --locked --group mutation --quiet

echo "mutation: the suite must pass unmutated first" >&2
if ! bash mutation/acceptance.sh >"$out/baseline.txt" 2>&1; then
  echo "mutation: the unmutated suite failed (see $out/baseline.txt); no score" >&2
  exit 1
fi

uv run --group mutation cosmic-ray init mutation/cosmic-ray.toml "$session" 2>/dev/null
uv run --group mutation python -W ignore mutation/sample.py "$session" --count "$count" --seed "$seed" \
  | tee "$out/sample.txt"
uv run --group mutation cosmic-ray exec mutation/cosmic-ray.toml "$session"

if [ -e mutation/engine-lost ]; then
  echo "mutation: the engine was lost during the run (mutation/engine-lost); no score" >&2
  exit 1
fi
if ! git diff --quiet -- agents_runner; then
  echo "mutation: a mutant was left in agents_runner/; restore it with git checkout" >&2
  exit 1
fi
uv run --group mutation python mutation/report.py "$session" --seed "$seed" | tee "$out/summary.md"
