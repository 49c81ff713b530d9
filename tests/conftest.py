"""Fixtures shared by the unit tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents_runner.config import DEFAULT_USER


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A workspace an agent may run in without --user: run as root, it is handed to the
    default agent user, since a root-owned workspace is refused."""
    path = tmp_path / "project"
    path.mkdir()
    if os.geteuid() == 0:
        os.chown(path, *(int(part) for part in DEFAULT_USER.split(":")))
    return path
