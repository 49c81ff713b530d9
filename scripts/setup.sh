#!/usr/bin/env bash
# Everything a fresh clone needs before `uv run behave`: a Docker engine with the
# test image (scripts/provision-engine.sh), Podman's service beside it
# (scripts/provision-podman.sh), a three-node test Swarm on loopback
# (scripts/provision-swarm.sh), uv, the project's locked dependencies, and
# the agents' own images (scripts/provision-agent-images.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/provision-engine.sh
bash scripts/provision-podman.sh ||
  echo "setup: no Podman service (it needs root to start); the suite runs on Docker only" >&2
bash scripts/provision-swarm.sh ||
  echo "setup: no test Swarm (provision-swarm said why above); the @swarm scenarios say so too" >&2
if ! command -v uv >/dev/null 2>&1; then
  echo "setup: installing uv with pip" >&2
  python3 -m pip install --quiet uv
fi
uv sync --locked
# The suite starts hundreds of Python processes (the CLI, detached supervisors,
# watchdogs): with their bytecode compiled once, each starts in half the CPU time,
# even where PYTHONDONTWRITEBYTECODE keeps Python from caching it on its own.
uv run --no-sync python -m compileall -q -j 0 agents_runner .venv/lib >/dev/null || true
bash scripts/provision-agent-images.sh ||
  echo "setup: the agents' images could not be made; the @real-agent scenarios say why" >&2
echo "setup: ready; run 'uv run behave' (acceptance) and 'uv run pytest' (unit)" >&2
