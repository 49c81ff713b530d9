"""Where the state dir is (docs/CONTRACT.md section 4), and the settings the command line
offers, here so that it can offer them without importing what validates them."""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR_VARIABLE = "AGENTS_RUNNER_STATE_DIR"
DEFAULT_ORPHAN_GRACE = 60.0  # seconds before a container nobody knows counts as an orphan
PULL_POLICIES = ("missing", "always", "never")
# The fence's defaults (README, "Hardening"); here, so the parser needs no spec module.
DEFAULT_USER = "1000:1000"  # an agent never runs as root unless asked to
DEFAULT_PIDS_LIMIT = 512
DEFAULT_NOFILE = 4096


def resolve_state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--state-dir, else $AGENTS_RUNNER_STATE_DIR, else $XDG_DATA_HOME/agents-runner,
    else ~/.local/share/agents-runner."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get(STATE_DIR_VARIABLE):
        return Path(os.environ[STATE_DIR_VARIABLE]).expanduser()
    if os.environ.get("XDG_DATA_HOME"):
        return Path(os.environ["XDG_DATA_HOME"]) / "agents-runner"
    return Path.home() / ".local" / "share" / "agents-runner"
