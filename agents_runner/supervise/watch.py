"""Watching a running agent until its container exits: requests and the deadline are
acted on in the order they come, each signal sent before the next is decided."""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from .. import failpoints
from ..engine import ContainerExit
from ..engine.boundary import EngineBoundary
from ..states import TaskState
from ..task import utc_at
from .escalation import Step, StopEscalation
from .record import TaskRecord

T = TypeVar("T")
# How long the engine may take to see an exit that came before a signal it took.
EXIT_NOTICE = 0.5


class AgentWatch:
    """One agent's container, from its start to its exit. `engine_call` rides out an
    engine that is away, `must` a write that has to happen; `wake` makes it look at the
    store at once, `detached` lets go."""

    def __init__(
        self,
        container_id: str,
        engine: EngineBoundary,
        record: TaskRecord,
        *,
        engine_call: Callable[[str, Callable[[], T]], T],
        must: Callable[[str, Callable[[], T]], T],
        wake: threading.Event,
        detached: threading.Event,
        poll_interval: float,
    ) -> None:
        self.container_id = container_id
        self.engine = engine
        self.record = record
        self.engine_call = engine_call
        self.must = must
        self.wake = wake
        self.detached = detached
        self.poll_interval = poll_interval

    def until_exit(
        self, deadline: float | None, stop_sent_at: float | None = None
    ) -> ContainerExit | None:
        """The container's exit; None if detached first. `stop_sent_at`: when a previous
        owner sent the stop signal (time.monotonic()), the grace counting on from then."""
        exited: list[ContainerExit | BaseException] = []
        container_id = self.container_id
        ended = threading.Event()

        def wait_for_exit() -> None:
            try:
                exited.append(self.engine_call("waiting", lambda: self.engine.wait(container_id)))
            except BaseException as exc:
                exited.append(exc)
            finally:
                ended.set()
                self.wake.set()

        name = f"wait-{self.record.task_id}"
        threading.Thread(target=wait_for_exit, name=name, daemon=True).start()
        escalation = StopEscalation(deadline=deadline, grace=self.record.spec.stop_grace)
        if stop_sent_at is not None:
            grace = self.record.load().stop_grace
            escalation.grace = self.record.spec.stop_grace if grace is None else grace
            escalation.stop_sent_at = stop_sent_at
        while not exited:
            self.wake.clear()
            if self.detached.is_set():
                return None
            task = self.record.load()
            step = escalation.next_step(task, time.monotonic())
            if step in (Step.KILL, Step.GRACE_OVER):
                escalation.kill_sent = True
                self._signal("SIGKILL")
            elif step is Step.STOP:
                if task.stop_grace is not None:
                    escalation.grace = task.stop_grace
                if task.state is TaskState.RUNNING:  # not when asked before the container ran
                    self.must("cannot record the stop", self.record.begin_stop)
                if self._signal(self._stop_signal()):
                    self.must("cannot record the stop", self.record.record_stop_sent)
                escalation.stop_sent_at = time.monotonic()
                failpoints.reach("during-stopping")
            elif step is Step.DEADLINE:
                escalation.deadline = None
                # The deadline counts only if the stop reaches a running agent: one that
                # exited a moment before it ends by its own exit.
                stop = self._stop_signal()
                sending_at = time.time()
                if self._signal(stop):
                    sent_at = time.time()
                    escalation.stop_sent_at = time.monotonic()
                    if not self._exited_before((sending_at, sent_at), stop, ended, exited):
                        record = functools.partial(self.record.record_deadline, utc_at(sent_at))
                        stored = self.must("cannot record the deadline", record)
                        if stored.stop_grace is not None:  # a cancel's, if one came first
                            escalation.grace = stored.stop_grace
                        failpoints.reach("during-stopping")
                continue
            self.wake.wait(escalation.seconds_to_next(time.monotonic(), self.poll_interval))
        outcome = exited[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _exited_before(
        self,
        sent: tuple[float, float],
        stop: str,
        ended: threading.Event,
        exited: list[ContainerExit | BaseException],
    ) -> bool:
        """Whether the agent had exited on its own before the `stop` signal reached the
        engine (`sent`: when the kill was asked for and when it returned, seconds since
        the epoch): Docker answers a kill of a container whose exit it has not yet seen
        with success. An exit the engine has not seen EXIT_NOTICE after the kill (asked of
        it then, not only of the wait, whose answer a busy machine can hold back past
        that), or with the code the signal gives, came of the signal. Engines time an
        exit a moment late (the dialect's exit_recorded_late), so a clean exit (code 0)
        timed less than that lag after the kill was asked for is the agent's own: an agent
        that exits 0 that soon on the signal counts as done. (The exit's time is the
        engine's clock: an engine on another machine whose clock runs behind could make a
        quick graceful exit look like the agent's own.)"""
        ended.wait(EXIT_NOTICE)
        if exited and not isinstance(exited[0], ContainerExit):
            return False
        found = self.engine_call("inspecting", lambda: self.engine.inspect(self.container_id))
        if found is None or found.running or found.finished_at is None:
            return False
        finished = found.finished_at
        code = exited[0].exit_code if exited else found.exit_code
        late = self.engine.dialect.exit_recorded_late
        return exited_on_its_own(code, finished, sent, signal_number(stop), late)

    def _stop_signal(self) -> str:
        """The image's STOPSIGNAL, else SIGTERM."""
        found = self.engine_call("inspecting", lambda: self.engine.inspect(self.container_id))
        return (found.stop_signal if found else None) or "SIGTERM"

    def _signal(self, name: str) -> bool:
        """Send the signal `name` now, in this thread, so that signals reach the engine in
        the order they were decided. False when the container had already stopped."""
        return self.engine_call(
            f"sending {name}", lambda: self.engine.kill(self.container_id, name)
        )


def signal_number(name: str) -> int | None:
    """`SIGTERM`, `TERM` or `15` as a number; None for a name this host does not know."""
    if name.isdigit():
        return int(name)
    upper = name.upper()
    try:
        return signal.Signals[upper if upper.startswith("SIG") else f"SIG{upper}"].value
    except KeyError:
        return None


def exited_on_its_own(
    code: int | None,
    finished: float,
    sent: tuple[float, float],
    stop_number: int | None,
    late: float,
) -> bool:
    """Whether an exit with `code` (None: the engine gave none), timed `finished` by the
    engine, came before the stop signal numbered `stop_number` (None when unknown) that
    was sent over `sent` (asked for, returned; seconds since the epoch); `late` is how
    late the engine times an exit."""
    if code is None:
        return False
    if stop_number is not None and code == 128 + stop_number:
        return False
    sending_at, sent_at = sent
    if finished < sent_at:
        return True
    return code == 0 and finished < sending_at + late
