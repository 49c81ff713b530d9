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
# install_uv: with pip; where the system's Python refuses that (PEP 668, Debian's own
# python3), into a virtual environment of its own, linked from /usr/local/bin.
install_uv() {
  echo "setup: installing uv with pip" >&2
  python3 -m pip install --quiet uv 2>/dev/null && return 0
  local venv=/opt/agents-runner-uv
  echo "setup: this Python refuses pip installs outside a virtual environment; uv goes to $venv" >&2
  if ! python3 -m venv "$venv" 2>/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet uv
  ln -sf "$venv/bin/uv" /usr/local/bin/uv
}
command -v uv >/dev/null 2>&1 || install_uv
uv sync --locked
# The suite starts hundreds of Python processes (the CLI, detached supervisors,
# watchdogs): with their bytecode compiled once, each starts in half the CPU time,
# even where PYTHONDONTWRITEBYTECODE keeps Python from caching it on its own.
uv run --no-sync python -m compileall -q -j 0 agents_runner .venv/lib >/dev/null || true
bash scripts/provision-agent-images.sh ||
  echo "setup: the agents' images could not be made; the @real-agent scenarios say why" >&2
echo "setup: ready; run 'uv run behave' (acceptance) and 'uv run pytest' (unit)" >&2
