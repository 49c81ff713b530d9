"""A process's start time from /proc: with its pid, what tells it apart from a later
process that reuses the pid. No imports beyond the standard library's lightest."""

from __future__ import annotations


def start_ticks(pid: int) -> int | None:
    """Clock ticks after boot at which `pid` started; None when it is gone (or a zombie,
    which has exited and only waits for its parent to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            stat = stat_file.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and ")"
    if fields[0] == "Z":
        return None
    return int(fields[19])
