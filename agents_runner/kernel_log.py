"""The kernel's own account of an out-of-memory kill: the `oom-kill:` line it writes to
its log (/dev/kmsg) for each process it kills, which names the memory cgroup the kill
was for. A container's cgroup path holds its id (`/docker/ID`, `libpod-ID.scope`,
`docker-ID.scope`), so the line tells which container it was, whatever the engine
reports. Readable by root, or by anyone where kernel.dmesg_restrict is 0, and only on
the engine's own host."""

from __future__ import annotations

import errno
import os

KMSG = "/dev/kmsg"
OOM_KILL_LINE = "oom-kill:"
MAX_RECORDS = 100_000  # the ring holds far fewer; a bound against a log written as fast


def oom_kill_logged(container_id: str, kmsg: str = KMSG) -> bool | None:
    """Whether the kernel's log holds an out-of-memory kill in the container's memory
    cgroup; None when the log cannot be read here (or the id is too short to tell)."""
    if len(container_id) < 12:
        return None
    try:
        fd = os.open(kmsg, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        for _ in range(MAX_RECORDS):
            try:
                record = os.read(fd, 8192)
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten while read: go on with the next
                    continue
                if exc.errno == errno.EAGAIN:  # the end of the log
                    return False
                return None
            if not record:
                return False
            message = record.split(b";", 1)[-1].decode(errors="replace")
            if message.startswith(OOM_KILL_LINE) and _names_cgroup_of(message, container_id):
                return True
        return False
    finally:
        os.close(fd)


def _names_cgroup_of(line: str, container_id: str) -> bool:
    """Whether the line's memory cgroups (oom_memcg=, task_memcg=) are the container's."""
    fields = dict(part.split("=", 1) for part in line.split(",") if "=" in part)
    cgroups = (fields.get("oom_memcg", ""), fields.get("task_memcg", ""))
    return any(container_id in cgroup for cgroup in cgroups)
