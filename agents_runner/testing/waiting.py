"""Waiting on a condition with a deadline: the suite's only way to synchronise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

POLL_INTERVAL = 0.05


def wait_until(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timeout: float,
    describe: str,
    interval: float = POLL_INTERVAL,
) -> T:
    """Call `probe` every `interval` seconds until `accept` takes its result;
    AssertionError naming what was awaited and the last thing seen if `timeout` seconds
    pass first."""
    deadline = time.monotonic() + timeout
    while True:
        seen = probe()
        if accept(seen):
            return seen
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout}s for {describe}; last seen: {seen!r}")
        time.sleep(interval)  # the poll interval of this deadline-bound wait
