"""Reading a state dir that the runner may still be changing: a file listed a moment
ago may be gone (a queue slot released, a lock dropped) by the time it is read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path


def files_in(root: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file below `root` that still exists when read, with its bytes."""
    for path in root.rglob("*"):
        if path.is_file():
            try:
                yield path, path.read_bytes()
            except FileNotFoundError:
                continue


def modes_in(root: Path) -> dict[str, int]:
    """The permission bits of everything below `root` that still exists when looked at."""
    modes = {}
    for path in root.rglob("*"):
        try:
            modes[str(path.relative_to(root))] = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            continue
    return modes
