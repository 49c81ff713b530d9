"""Riding out an engine that is away, or a disk that is full: one retry loop."""

from __future__ import annotations

import errno
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ..engine.errors import EngineUnavailable
from ..logsetup import get_logger

log = get_logger(__name__)

ENGINE_OUTAGE_LIMIT = 120.0  # seconds an engine call is retried while the engine is away
FIRST_PAUSE = 0.1
LONGEST_PAUSE = 2.0
T = TypeVar("T")


class EngineGaveUp(EngineUnavailable):
    """The engine did not answer for ENGINE_OUTAGE_LIMIT seconds while the runner was
    `what` (for example "waiting", or "cannot record the end")."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(detail)
        self.what = what

    @property
    def reason(self) -> str:
        minutes = ENGINE_OUTAGE_LIMIT / 60
        return (
            f"the engine did not answer for {minutes:g} minutes ({self.what}), so the "
            "runner gave the task up; its container is removed once the engine answers "
            "again, or by 'agents-runner recover'"
        )


class Retrier:
    """Retries an action while the engine is unreachable (for up to ENGINE_OUTAGE_LIMIT
    seconds), or, when asked, while the disk is full (for as long as it takes), after a
    pause that doubles each time. Each outage ridden out is remembered, as (from, to) in
    wall-clock seconds. `interrupt` being set cuts a pause short and ends the retries."""

    def __init__(self, task_id: str, interrupt: threading.Event) -> None:
        self.task_id = task_id
        self.interrupt = interrupt
        self.outages: list[tuple[float, float]] = []

    def retry(self, what: str, action: Callable[[], T], *, disk_full_too: bool = False) -> T:
        """Do `action`; any other error, or an interrupt, ends the retries."""
        pause, warned = FIRST_PAUSE, False
        away_since: float | None = None
        while True:
            try:
                result = action()
            except (OSError, EngineUnavailable) as exc:
                if isinstance(exc, EngineUnavailable):
                    away_since = away_since or time.time()
                    if time.time() - away_since > ENGINE_OUTAGE_LIMIT:
                        raise EngineGaveUp(what, str(exc)) from exc
                elif not disk_full_too or exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                if not warned:
                    warned = True
                    kept = "; the container is kept" if disk_full_too else ""
                    log.warning("task %s: %s (%s)%s; retrying", self.task_id, what, exc, kept)
                if self.interrupt.wait(pause):
                    raise
                pause = min(pause * 2, LONGEST_PAUSE)
                continue
            if away_since is not None:
                self.outages.append((away_since, time.time()))
            return result
