"""A small tmpfs for a state dir that can really run out of space (needs root)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import tempfile
from pathlib import Path


class SmallDisk:
    def __init__(self, size: str, prefix: str) -> None:
        if os.geteuid() != 0:
            raise AssertionError("a tmpfs needs root: run the fault scenarios as root")
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(self.path)],
            check=True,
            capture_output=True,
        )
        self._filler = self.path / "filler"

    def fill(self) -> None:
        """Write until the file system says it is full."""
        block = b"\0" * 4096
        with open(self._filler, "ab", buffering=0) as out:
            while True:
                try:
                    out.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    return

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)

    def is_full(self) -> bool:
        stats = os.statvfs(self.path)
        return stats.f_bavail == 0

    def close(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
        with contextlib.suppress(OSError):
            self.path.rmdir()
