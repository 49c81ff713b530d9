#!/usr/bin/env bash
# The test command for one mutant: only the scenarios that ran its lines, in parallel
# (mutation/run_mutant.py; the coverage map comes from `scripts/mutation.sh map`).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source mutation/engine_back.sh
exec uv run --no-sync python mutation/run_mutant.py --workers "${MUTATION_WORKERS:-2}"
