"""A process and the processes under it, read from /proc, for checks that nothing the
suite started outlives it."""

from __future__ import annotations

from pathlib import Path

from ..proc import start_ticks


def children(pid: int) -> list[int]:
    """The pids of `pid`'s children (none when it is gone)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except FileNotFoundError:
        pass
    return found


def process_tree(root: int) -> list[tuple[int, int]]:
    """`root` and every process under it, as (pid, start ticks): a pid reused later by
    another process is not mistaken for one of these."""
    tree, frontier = [root], [root]
    while frontier:
        below = children(frontier.pop())
        tree += below
        frontier += below
    found = [(pid, start_ticks(pid)) for pid in tree]
    return [(pid, ticks) for pid, ticks in found if ticks is not None]


def still_running(processes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Those of `processes` (pid, start ticks) that have not ended."""
    return [(pid, ticks) for pid, ticks in processes if start_ticks(pid) == ticks]
