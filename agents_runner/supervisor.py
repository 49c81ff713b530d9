"""TaskSupervisor: drives one task from queued to its end. It alone finalizes the task.

Other code (this process's runner, or another process) only records intent in the
store and wakes it; it reads the intent under the payload's lock when it settles,
so whatever was recorded before the end wins.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import failpoints
from .engine import (
    LABEL_STORE,
    LABEL_TASK_ID,
    ContainerExit,
    Engine,
    EngineError,
    PullAborted,
    PullHandle,
)
from .outcome import record_stop_request, settle
from .spec import TaskSpec
from .states import TaskState
from .store import TaskStore
from .task import Task, parse_time, utc_now

log = logging.getLogger(__name__)

LOG_DRAIN_TIMEOUT = 10.0


class TaskSupervisor:
    def __init__(
        self,
        task_id: str,
        spec: TaskSpec,
        store: TaskStore,
        engine: Engine,
        *,
        poll_interval: float,
        on_change: Callable[[], None],
        resume: bool = False,
    ) -> None:
        self.task_id = task_id
        self.spec = spec  # the in-memory spec: the only place its secrets live
        self.store = store
        self.engine = engine
        self.poll_interval = poll_interval
        self.on_change = on_change
        self.wake = threading.Event()
        self.detached = threading.Event()
        self.container_id: str | None = None
        self.resume = resume

    def run(self) -> None:
        try:
            self._resume() if self.resume else self._drive()
        except _EndedElsewhere:
            self._remove()  # a request settled it (while queued) before it could go on
        except Exception as exc:
            log.exception("task %s: supervisor failed", self.task_id)
            self._fail(f"{type(exc).__name__}: {exc}")

    # -- phases ---------------------------------------------------------------

    def _drive(self) -> None:
        failpoints.reach("start-up")
        task = self.store.load(self.task_id)
        if task.is_terminal:  # a request settled it while it was queued
            return
        if self._requested(task):
            self._settle()
            return
        if not self._ensure_image():
            return
        self._transition(TaskState.STARTING)
        try:
            self.container_id = self._create()
        except EngineError as exc:
            self._settle(error=str(exc))
            return
        failpoints.reach("after-create")
        if self._requested(self._update(container_id=self.container_id)):
            self._remove()
            self._settle()
            return
        try:
            self.engine.start(self.container_id)
        except EngineError as exc:
            self._remove()
            self._settle(error=str(exc))
            return
        failpoints.reach("after-start")
        self._transition(TaskState.RUNNING)
        self._watch(self.container_id, self._deadline(elapsed=0.0))

    def _resume(self) -> None:
        """Take over a task whose owner died: watch a container that still runs, finish
        one that exited from its real exit code and output, and settle what cannot go on."""
        task = self.store.load(self.task_id)
        if task.is_terminal:
            return
        self.container_id = task.container_id
        if task.state in (TaskState.QUEUED, TaskState.PULLING, TaskState.STARTING):
            self._remove()
            self._settle(error=interrupted_reason(task.state))
            return
        if self.container_id is None or self.engine.inspect(self.container_id) is None:
            # Its exit code is recorded before the container is removed, so a crash
            # between the two still ends the task from the real exit.
            lost = None if task.exit_code is not None else CONTAINER_LOST
            self._settle(exit_code=task.exit_code, error=lost)
            return
        running_at = parse_time(task.reached(TaskState.RUNNING) or task.updated_at)
        elapsed = (datetime.now(UTC) - running_at).total_seconds()
        self._watch(self.container_id, self._deadline(elapsed=elapsed))

    def _deadline(self, *, elapsed: float) -> float | None:
        """The monotonic time at which the task's timeout (counted from running) passes."""
        if not self.spec.timeout:
            return None
        return time.monotonic() + self.spec.timeout - elapsed

    def _ensure_image(self) -> bool:
        image, policy = self.spec.image, self.spec.pull
        if policy == "missing" and self.engine.image_present(image):
            return True
        if policy == "never":
            if self.engine.image_present(image):
                return True
            self._settle(error=f"image {image} is not present and the pull policy is 'never'")
            return False
        self._transition(TaskState.PULLING)
        progress = PullProgress()

        def on_progress(chunk: Mapping[str, Any]) -> None:
            if progress.add(chunk):
                self._update(pull_progress=progress.summary())

        handle = PullHandle()
        pulled = threading.Event()
        watcher = threading.Thread(
            target=self._abort_pull_on_request,
            args=(handle, pulled),
            name=f"pull-watch-{self.task_id}",
            daemon=True,
        )
        watcher.start()
        try:
            self.engine.pull(image, on_progress=on_progress, handle=handle)
        except PullAborted:
            if not self.detached.is_set():
                self._settle()
            return False
        except EngineError as exc:
            self._settle(error=str(exc))
            return False
        finally:
            pulled.set()
            self.wake.set()
            watcher.join()
        self._update(pull_progress=progress.summary(done=True))
        return True

    def _abort_pull_on_request(self, handle: PullHandle, pulled: threading.Event) -> None:
        while not pulled.is_set():
            self.wake.wait(self.poll_interval)
            self.wake.clear()
            if pulled.is_set():
                return
            if self.detached.is_set() or self._requested(self.store.load(self.task_id)):
                handle.abort()
                return

    def _create(self) -> str:
        spec = self.spec
        binds = {spec.workspace: {"bind": "/workspace", "mode": "rw"}} if spec.workspace else None
        user, env = workspace_user(spec.workspace, {**spec.env, **spec.secrets})
        return self.engine.create(
            name=f"agents-runner-{self.task_id}",
            image=spec.image,
            argv=spec.argv(),
            env=env,
            user=user,
            memory=spec.memory,  # type: ignore[arg-type]  # validated to bytes
            cpus=spec.cpus,
            labels={
                **spec.labels,
                LABEL_TASK_ID: self.task_id,
                LABEL_STORE: self.store.store_id,
            },
            working_dir="/workspace" if spec.workspace else None,
            binds=binds,
            network=spec.network,
        )

    def _watch(self, container_id: str, deadline: float | None) -> None:
        exited: list[ContainerExit | BaseException] = []
        logs = threading.Thread(
            target=self._copy_logs, args=(container_id,), name=f"logs-{self.task_id}", daemon=True
        )
        logs.start()

        def wait_for_exit() -> None:
            try:
                exited.append(self.engine.wait(container_id))
            except BaseException as exc:
                exited.append(exc)
            finally:
                self.wake.set()

        threading.Thread(target=wait_for_exit, name=f"wait-{self.task_id}", daemon=True).start()
        stop_sent = kill_sent = False
        while not exited:
            self.wake.clear()
            if self.detached.is_set():
                return
            task = self.store.load(self.task_id)
            if task.kill_requested_at and not kill_sent:
                kill_sent = True
                # Forced removal is SIGKILL, then removal, in one engine call (docker rm -f);
                # the wait already under way still returns the exit code.
                self.engine.remove(container_id)
            elif task.stop_requested_at and not (stop_sent or kill_sent):
                stop_sent = True
                self._send_stop(container_id, task)
            elif (
                deadline is not None
                and not (stop_sent or kill_sent)
                and time.monotonic() >= deadline
            ):
                self._record_deadline()
                continue
            timeout = self.poll_interval
            if deadline is not None and not stop_sent:
                timeout = max(0.0, min(timeout, deadline - time.monotonic()))
            self.wake.wait(timeout)
        outcome = exited[0]
        if isinstance(outcome, BaseException):
            raise outcome
        failpoints.reach("before-end")
        logs.join(LOG_DRAIN_TIMEOUT)
        task = self._update(exit_code=outcome.exit_code)
        # SIGKILL's exit code is also the OOM killer's: ask Docker only when it could be.
        oom = (
            outcome.exit_code == 137
            and not task.kill_requested_at
            and self.engine.oom_killed(container_id)
        )
        if (not self.spec.keep_container or task.kill_requested_at) and not kill_sent:
            self._remove()  # (a kill that was sent removed it already)
        self._settle(
            exit_code=outcome.exit_code,
            error=outcome.error,
            oom_killed=oom,
            last_output=last_line(self.store.log_path(self.task_id)),
        )

    def _send_stop(self, container_id: str, task: Task) -> None:
        if task.state is TaskState.RUNNING:  # the stop was asked for before the container ran
            self._update_with(
                lambda t: t.move_to(TaskState.STOPPING) if t.state is TaskState.RUNNING else False
            )
        grace = task.stop_grace if task.stop_grace is not None else self.spec.stop_grace

        def stop() -> None:
            try:
                self.engine.stop(container_id, grace)
            except EngineError:
                log.exception("task %s: stop failed", self.task_id)

        threading.Thread(target=stop, name=f"stop-{self.task_id}", daemon=True).start()
        failpoints.reach("during-stopping")

    def _record_deadline(self) -> None:
        self._update_with(
            lambda t: record_stop_request(
                t, at=utc_now(), grace=self.spec.stop_grace, reason="timeout"
            )
        )

    def _copy_logs(self, container_id: str) -> None:
        path = self.store.log_path(self.task_id)
        try:
            # Docker returns the output from the start, so the copy starts afresh: after a
            # take-over the log is Docker's whole account, never a duplicate.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "wb", buffering=0) as out:
                for chunk in self.engine.follow_logs(container_id):
                    out.write(chunk)
        except Exception:
            log.exception("task %s: copying the logs failed", self.task_id)

    # -- store helpers ---------------------------------------------------------------

    @staticmethod
    def _requested(task: Task) -> bool:
        return bool(task.stop_requested_at or task.kill_requested_at)

    def _transition(self, state: TaskState) -> None:
        def change(task: Task) -> None:
            if task.is_terminal:
                raise _EndedElsewhere(task.state)
            task.move_to(state)

        self._update_with(change)

    def _update(self, **fields: Any) -> Task:
        def change(task: Task) -> None:
            for name, value in fields.items():
                setattr(task, name, value)

        return self._update_with(change)

    def _update_with(self, change: Callable[[Task], Any]) -> Task:
        """One locked read-change-write; returns the task as stored."""
        task = self.store.update(self.task_id, change)
        self.on_change()
        return task

    def _settle(self, **outcome: Any) -> None:
        self._update_with(lambda task: settle(task, **outcome))

    def _remove(self) -> None:
        if self.container_id is not None:
            self.engine.remove(self.container_id)

    def _fail(self, reason: str) -> None:
        try:
            self._remove()
        except Exception:
            log.exception("task %s: removing the container failed", self.task_id)
        try:
            self._settle(error=reason)
        except Exception:
            log.exception("task %s: could not record the failure", self.task_id)


def workspace_user(workspace: str | None, env: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """The agent runs as the owner of its workspace, so what it writes there belongs to
    the person who owns the project. A non-root agent gets HOME=/tmp unless env sets
    one: an arbitrary uid has no home in most images."""
    if workspace is None:
        return None, env
    info = os.stat(workspace)
    if info.st_uid != 0 and "HOME" not in env:
        env = {**env, "HOME": "/tmp"}
    return f"{info.st_uid}:{info.st_gid}", env


class _EndedElsewhere(Exception):
    """The task reached a terminal state through a request, not through its supervisor."""


CONTAINER_LOST = "container lost: it no longer exists in the engine"


def interrupted_reason(state: TaskState) -> str:
    return (
        f"interrupted while {state.value}: the runner process that owned it exited before "
        "its container ran; secrets are never stored, so it is not restarted: submit it again"
    )


def last_line(path: Path, limit: int = 4096) -> str | None:
    """The last non-empty line of a log, for a failure reason a person can act on."""
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            log_file.seek(max(0, log_file.tell() - limit))
            tail = log_file.read().decode(errors="replace")
    except FileNotFoundError:
        return None
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    return lines[-1][:500] if lines else None


_LAYER_ID = re.compile(r"^[0-9a-f]{12}$")


class PullProgress:
    """Layers and bytes of a pull, from the engine's progress chunks."""

    def __init__(self) -> None:
        self.layers: dict[str, dict[str, Any]] = {}
        self._last_report = 0.0

    def add(self, chunk: Mapping[str, Any]) -> bool:
        """Take one chunk; True when the summary is worth persisting (at most 4 per second)."""
        layer = chunk.get("id", "")
        status = chunk.get("status", "")
        if not status or not _LAYER_ID.match(layer):  # tags and warnings carry ids too
            return False
        entry = self.layers.setdefault(layer, {"status": "", "current": 0, "total": 0})
        entry["status"] = status
        detail = chunk.get("progressDetail") or {}
        if "current" in detail:
            entry["current"] = int(detail["current"])
        if "total" in detail:
            entry["total"] = int(detail["total"])
        now = time.monotonic()
        if now - self._last_report >= 0.25:
            self._last_report = now
            return True
        return False

    def summary(self, *, done: bool = False) -> dict[str, Any]:
        finished = ("Pull complete", "Already exists", "Download complete")
        return {
            "layers_total": len(self.layers),
            "layers_done": sum(1 for e in self.layers.values() if e["status"] in finished),
            "bytes_current": sum(e["current"] for e in self.layers.values()),
            "bytes_total": sum(e["total"] for e in self.layers.values()),
            "done": done,
        }
