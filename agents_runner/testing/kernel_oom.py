"""The kernel's log, read with util-linux's `dmesg`: the `oom-kill:` lines it writes for
each process it kills for a memory cgroup's limit, which name that cgroup (a
container's holds the container's id). The independent account of an out-of-memory
kill, whatever the engine reports; readable by root."""

from __future__ import annotations

import subprocess


def oom_kills_logged(container_id: str) -> list[str]:
    """The kernel log's `oom-kill:` lines whose memory cgroup is the container's."""
    result = subprocess.run(
        ["dmesg", "--notime"], capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"the kernel's log cannot be read here: {result.stderr.strip()}")
    lines = [line for line in result.stdout.splitlines() if "oom-kill:" in line]
    return [line for line in lines if container_id in line.partition("oom_memcg=")[2]]
