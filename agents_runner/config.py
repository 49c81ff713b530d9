"""Where the state dir is (docs/CONTRACT.md section 4), and every default of a task and of
the command line: the one place they are written, here so that the command line can
offer them (and say them in its help) without importing what validates them."""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_VARIABLE = "AGENTS_RUNNER_STATE_DIR"
BACKEND_VARIABLE = "AGENTS_RUNNER_BACKEND"  # --backend: where tasks run
BACKENDS = ("docker", "swarm")
CONSTRAINT_HELP = (
    "with --backend swarm: run only on a node that matches, e.g. node.hostname==n1 or "
    "node.labels.gpu==yes (repeatable)"
)  # one engine (Docker or Podman), or a Docker Swarm cluster
DEFAULT_ORPHAN_GRACE = 60.0  # seconds before a container nobody knows counts as an orphan
DEFAULT_PRUNE_AGE = "7d"  # prune: how long ago a task must have ended (a duration)
PULL_POLICIES = ("missing", "always", "never")
DEFAULT_PULL = "missing"
DEFAULT_STOP_GRACE = 10.0  # seconds between the stop signal and SIGKILL
# The fence's defaults (README, "Hardening").
DEFAULT_USER = "1000:1000"  # an agent never runs as root unless asked to
DEFAULT_MEMORY = "4g"  # no swap
DEFAULT_TMP_SIZE = "256m"  # /tmp on a tmpfs of this size
DEFAULT_PIDS_LIMIT = 512
DEFAULT_NOFILE = 4096
# How a duration is written on the command line (terminal.parse_duration reads it).
DURATION_HELP = "seconds, or with a unit: 90, 90s, 15m, 2h, 1d"
MAX_SECONDS = 100 * 365 * 86400  # the longest duration: a century; longer is a typo


def resolve_state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--state-dir, else $AGENTS_RUNNER_STATE_DIR, else $XDG_DATA_HOME/agents-runner,
    else ~/.local/share/agents-runner."""
    if isinstance(explicit, str) and not explicit.strip():
        raise ValueError("state_dir: must not be empty (leave it out for the default)")
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(STATE_DIR_VARIABLE):
        return Path(os.environ[STATE_DIR_VARIABLE]).expanduser()
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]) / "agents-runner"
    return Path.home() / ".local" / "share" / "agents-runner"


def backend_from_environment() -> str:
    """The backend AGENTS_RUNNER_BACKEND names ("docker" when unset); ValueError for
    another name, whichever verb reads it."""
    name = os.environ.get(BACKEND_VARIABLE, "").strip().lower() or "docker"
    if name not in BACKENDS:
        raise ValueError(
            f"{BACKEND_VARIABLE}: {name!r} is not a backend; use one of {', '.join(BACKENDS)}"
        )
    return name
