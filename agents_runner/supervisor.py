"""TaskSupervisor: drives one task from queued to its end. It alone finalizes the task.

Other code (this process's runner, or another process) only records intent in the
store and wakes it; it reads the intent under the payload's lock when it settles,
so whatever was recorded before the end wins.
"""

from __future__ import annotations

import errno
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from . import failpoints
from .agents import PROFILES, PROMPT_FILE, prompt_needs_file
from .config import DEFAULT_USER
from .diagnosis import diagnose
from .engine import (
    LABEL_STORE,
    LABEL_TASK_ID,
    ContainerExit,
    ContainerLimits,
    Engine,
    EngineError,
    EngineUnavailable,
    PullAborted,
    PullHandle,
)
from .host_login import login_binds, login_owner
from .logcopy import LogCopy
from .logsetup import get_logger
from .logstream import to_unix_nanos
from .outcome import OOM_REASON, record_stop_request, settle
from .processes import ProcessIdentity
from .spec import TaskSpec
from .states import TaskState
from .store import TaskStore
from .task import Task, parse_time, utc_now

log = get_logger(__name__)

ENGINE_OUTAGE_LIMIT = 120.0  # seconds an engine call is retried while the engine is away
# An agent that exited this long before the engine became unreachable was stopped by it.
ENGINE_SHUTDOWN_WINDOW = 10.0
T = TypeVar("T")


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
        self.outages: list[tuple[float, float]] = []  # (from, to), wall-clock seconds
        self._pause = threading.Event()  # never set: a wait on it is an interruptible sleep

    @property
    def container_name(self) -> str:
        """Decided before the container exists, so a crash right after create still finds it."""
        return f"agents-runner-{self.task_id}"

    def run(self) -> None:
        try:
            self._resume() if self.resume else self._drive()
        except _EndedElsewhere:
            self._remove()  # a request settled it (while queued) before it could go on
        except Exception as exc:
            log.exception("task %s: supervisor failed", self.task_id)
            self._fail(f"{type(exc).__name__}: {exc}")
        finally:
            if self.detached.is_set():
                self._release()

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
            self.container_id = self._ride_out("creating the container", self._create_once)
        except EngineError as exc:
            self._remove()  # a create whose answer was lost may have made it all the same
            self._settle(error=str(exc))
            return
        failpoints.reach("after-create")
        if self._requested(self._update(container_id=self.container_id)):
            self._remove()  # the end is recorded once no container is left
            self._settle()
            return
        container_id = self.container_id
        try:
            self._ride_out("starting the container", lambda: self.engine.start(container_id))
        except EngineError as exc:
            self._remove()
            self._settle(error=str(exc))
            return
        failpoints.reach("after-start")
        self._transition(TaskState.RUNNING)
        self._watch(self.container_id, self._deadline(elapsed=0.0))

    def _resume(self) -> None:
        """Take over a task whose owner is gone: watch a container that runs, finish one
        that exited from its real exit code and output, and settle what cannot go on."""
        task = self.store.load(self.task_id)
        if task.is_terminal:
            return
        container = self._ride_out(
            "finding the container", lambda: self.engine.inspect(self.container_name)
        )
        if container is not None and not _ours(container, self.task_id, self.store.store_id):
            container = None
        self.container_id = container["Id"] if container else task.container_id
        if task.state is TaskState.STARTING and container and _has_started(container):
            # Started just before its owner died: it runs, with the secrets it was given.
            self._update_with(lambda t: _record_start(t, container["Id"]))
            task = self.store.load(self.task_id)
        if task.state in (TaskState.QUEUED, TaskState.PULLING, TaskState.STARTING):
            self._settle(error=interrupted_reason(task.state))
            self._remove()
            return
        if container is None:
            # Its exit code is recorded before the container is removed: without one, the
            # container was removed behind the runner's back.
            if task.exit_code is None:
                self._settle(error=CONTAINER_LOST)
            else:
                self._settle(
                    exit_code=task.exit_code,
                    error=task.error,
                    **self._end_of_output(),
                )
            return
        running_at = parse_time(task.reached(TaskState.RUNNING) or task.updated_at)
        elapsed = (datetime.now(UTC) - running_at).total_seconds()
        self._watch(container["Id"], self._deadline(elapsed=elapsed))

    def _deadline(self, *, elapsed: float) -> float | None:
        """The monotonic time at which the task's timeout (counted from running) passes."""
        if not self.spec.timeout:
            return None
        return time.monotonic() + self.spec.timeout - elapsed

    def _ensure_image(self) -> bool:
        image, policy = self.spec.image, self.spec.pull

        def present() -> bool:
            return self._ride_out("inspecting the image", lambda: self.engine.image_present(image))

        if policy == "missing" and present():
            return True
        if policy == "never":
            if present():
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
            self._ride_out(
                "pulling", lambda: self.engine.pull(image, on_progress=on_progress, handle=handle)
            )
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

    def _create_once(self) -> str:
        """Create the container, or find the one a create whose answer was lost made."""
        existing = self.engine.inspect(self.container_name)
        return str(existing["Id"]) if existing else self._create()

    def _create(self) -> str:
        spec = self.spec
        binds = {spec.workspace: {"bind": "/workspace", "mode": "rw"}} if spec.workspace else {}
        user, env = agent_user(spec, {**spec.env, **spec.secrets})
        if spec.host_login and spec.agent:
            binds.update(login_binds(spec.agent, spec.host_login, env.get("HOME", "/root")))
        if spec.command is None and prompt_needs_file(spec.prompt):
            prompt = self.store.write_prompt(self.task_id, spec.prompt)
            binds[str(prompt)] = {"bind": PROMPT_FILE, "mode": "ro"}
        return self.engine.create(
            name=self.container_name,
            image=spec.image,
            argv=spec.argv(),
            env=env,
            user=user,
            memory=spec.memory,  # type: ignore[arg-type]  # validated to bytes
            cpus=spec.cpus,
            limits=ContainerLimits(
                cap_add=tuple(spec.cap_add),
                pids=spec.pids_limit,
                nofile=spec.nofile,
                tmp_size=spec.tmp_size,  # type: ignore[arg-type]  # validated to bytes
                read_only=spec.read_only,
                home=env.get("HOME"),
            ),
            labels={
                **spec.labels,
                LABEL_TASK_ID: self.task_id,
                LABEL_STORE: self.store.store_id,
            },
            working_dir="/workspace" if spec.workspace else None,
            binds=binds or None,
            network=spec.network,
        )

    def _watch(self, container_id: str, deadline: float | None) -> None:
        """Until the container exits: act on recorded requests and the deadline, in the
        order they come, each signal sent before the next is decided."""
        copy = LogCopy(
            self.engine,
            container_id,
            self.store.log_path(self.task_id),
            self.task_id,
            times_path=self.store.log_times_path(self.task_id),
        )
        copy.start()
        exited: list[ContainerExit | BaseException] = []

        def wait_for_exit() -> None:
            try:
                exited.append(self._ride_out("waiting", lambda: self.engine.wait(container_id)))
            except BaseException as exc:
                exited.append(exc)
            finally:
                self.wake.set()

        threading.Thread(target=wait_for_exit, name=f"wait-{self.task_id}", daemon=True).start()
        try:
            outcome = self._until_exit(container_id, deadline, exited)
            if outcome is None:
                return  # detached
            failpoints.reach("before-end")
            self._finish(container_id, outcome, copy)
        finally:
            copy.close()

    def _until_exit(
        self,
        container_id: str,
        deadline: float | None,
        exited: list[ContainerExit | BaseException],
    ) -> ContainerExit | None:
        """Act on requests and the deadline until the container exits; None if this
        supervisor was detached first."""
        stop_sent_at: float | None = None
        grace = self.spec.stop_grace
        kill_sent = False
        while not exited:
            self.wake.clear()
            if self.detached.is_set():
                return None
            task = self.store.load(self.task_id)
            now = time.monotonic()
            if task.kill_requested_at and not kill_sent:
                kill_sent = True
                self._signal(container_id, "SIGKILL")
            elif task.stop_requested_at and stop_sent_at is None and not kill_sent:
                grace = task.stop_grace if task.stop_grace is not None else self.spec.stop_grace
                self._begin_stop(task)
                self._signal(container_id, self._stop_signal(container_id))
                stop_sent_at = time.monotonic()
                failpoints.reach("during-stopping")
            elif stop_sent_at is not None and not kill_sent and now >= stop_sent_at + grace:
                kill_sent = True  # the grace is over: SIGKILL, as docker stop does
                self._signal(container_id, "SIGKILL")
            elif deadline is not None and stop_sent_at is None and now >= deadline:
                deadline = None
                # The deadline counts only if the stop reaches a running agent: one that
                # exited a moment before it ends by its own exit.
                if self._signal(container_id, self._stop_signal(container_id)):
                    stop_sent_at = time.monotonic()
                    self._record_deadline()
                    failpoints.reach("during-stopping")
                continue
            self.wake.wait(self._next_check(deadline, stop_sent_at, grace, kill_sent))
        outcome = exited[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _next_check(
        self, deadline: float | None, stop_sent_at: float | None, grace: float, kill_sent: bool
    ) -> float:
        timeout = self.poll_interval
        now = time.monotonic()
        if deadline is not None and stop_sent_at is None:
            timeout = min(timeout, deadline - now)
        if stop_sent_at is not None and not kill_sent:
            timeout = min(timeout, stop_sent_at + grace - now)
        return max(0.0, timeout)

    def _finish(self, container_id: str, outcome: ContainerExit, copy: LogCopy) -> None:
        """The container exited: record the exit code (with any reason already known),
        complete the log, and only then remove the container (until then it holds the
        only other copy of both), then record the end. A crash between two steps is
        finished by recover from what is stored: the exit code, or the container."""
        if outcome.exit_code is not None and not self._exists(container_id):
            # Removed while it ran: what "wait" said of it is no exit code (Docker says
            # 137, Podman often 0).
            outcome = ContainerExit(None, REMOVED_WHILE_RUNNING)
        # SIGKILL's exit code is also the OOM killer's: ask Docker only when it could be.
        task = self.store.load(self.task_id)
        oom = (
            outcome.exit_code == 137
            and not task.kill_requested_at
            and self._ride_out("inspecting", lambda: self.engine.oom_killed(container_id))
        )
        known = outcome.error or (OOM_REASON if oom else None)
        task = self._until_done(
            "cannot record the end",
            lambda: self._update(exit_code=outcome.exit_code, error=known),
        )
        self._until_done("cannot record the end: the log is incomplete", copy.finish)
        copy.close()
        # Only now are all the engine's outages known, the shutdown that stopped it too.
        error = known or self._exit_during_outage(container_id, outcome.exit_code)
        if not self.spec.keep_container or task.kill_requested_at:
            self._remove()
        self._until_done(
            "cannot record the end",
            lambda: self._settle(
                exit_code=outcome.exit_code,
                error=error,
                **self._end_of_output(),
            ),
        )

    def _exists(self, container_id: str) -> bool:
        """False once the container is gone or on its way out (a forced removal first
        marks it, then kills it, and "wait" returns in between)."""
        found = self._ride_out("inspecting", lambda: self.engine.inspect(container_id))
        return found is not None and found["State"].get("Status") not in ("removing", "dead")

    def _exit_during_outage(self, container_id: str, exit_code: int | None) -> str | None:
        """A failure reason that names the engine when the agent exited (non-zero) while
        the engine could not be reached, or just before it went away: it stopped or
        restarted under the task (an engine that shuts down stops its containers first)."""
        if not self.outages or not exit_code:
            return None
        state = (self.engine.inspect(container_id) or {}).get("State") or {}
        finished = _epoch(state.get("FinishedAt"))
        if finished is None or not any(
            a - ENGINE_SHUTDOWN_WINDOW <= finished <= b + 1 for a, b in self.outages
        ):
            return None
        return (
            f"the agent exited with code {exit_code} while the Docker engine was unreachable: "
            "the engine stopped or restarted under the task (with live-restore on, "
            "containers outlive an engine restart)"
        )

    def _begin_stop(self, task: Task) -> None:
        if task.state is TaskState.RUNNING:  # the stop was asked for before the container ran
            self._until_done(
                "cannot record the stop",
                lambda: self._update_with(
                    lambda t: (
                        t.move_to(TaskState.STOPPING) if t.state is TaskState.RUNNING else False
                    )
                ),
            )

    def _stop_signal(self, container_id: str) -> str:
        return self._ride_out("inspecting", lambda: self.engine.stop_signal(container_id))

    def _signal(self, container_id: str, signal: str) -> bool:
        """Send `signal` now, in this thread, so that signals reach the engine in the order
        they were decided. False when the container had already stopped."""
        return self._ride_out(f"sending {signal}", lambda: self.engine.kill(container_id, signal))

    def _record_deadline(self) -> None:
        self._until_done(
            "cannot record the deadline",
            lambda: self._update_with(
                lambda t: record_stop_request(
                    t, at=utc_now(), grace=self.spec.stop_grace, reason="timeout"
                )
            ),
        )

    def _ride_out(self, what: str, call: Callable[[], T]) -> T:
        """An engine call, retried while the engine is unreachable."""
        return self._retrying(what, call)

    def _until_done(self, problem: str, action: Callable[[], T]) -> T:
        """A write that must happen (the container is kept meanwhile), retried while the
        disk is full or the engine is unreachable."""
        return self._retrying(problem, action, disk_full_too=True)

    def _retrying(self, problem: str, action: Callable[[], T], *, disk_full_too: bool = False) -> T:
        """Do `action`, again after a growing pause while the engine is unreachable (for
        up to ENGINE_OUTAGE_LIMIT seconds; each outage ridden out is remembered) or, with
        `disk_full_too`, while the disk is full (for as long as it takes). Any other
        error, or a detached supervisor, ends the retries."""
        delay, warned = 0.1, False
        away_since: float | None = None
        while True:
            try:
                result = action()
            except (OSError, EngineUnavailable) as exc:
                if isinstance(exc, EngineUnavailable):
                    away_since = away_since or time.time()
                    if time.time() - away_since > ENGINE_OUTAGE_LIMIT:
                        raise
                elif not disk_full_too or exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                    raise
                if self.detached.is_set():
                    raise
                if not warned:
                    warned = True
                    kept = "; the container is kept" if disk_full_too else ""
                    log.warning("task %s: %s (%s)%s; retrying", self.task_id, problem, exc, kept)
                self._pause.wait(delay)
                delay = min(delay * 2, 2.0)
                continue
            if away_since is not None:
                self.outages.append((away_since, time.time()))
            return result

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

    def _end_of_output(self) -> dict[str, str | None]:
        """The log's last line and, for an agent, what its last output says went wrong."""
        tail = log_tail(self.store.log_path(self.task_id))
        profile = PROFILES.get(self.spec.agent or "") if self.spec.command is None else None
        return {
            "last_output": last_line_of(tail),
            "diagnosis": diagnose(profile.failure_signs if profile else None, tail),
        }

    def _settle(self, **outcome: Any) -> None:
        self._update_with(lambda task: settle(task, **outcome))

    def _remove(self) -> None:
        """Remove the task's container, found by id or else by its name."""
        target = self.container_id or self.container_name
        self._ride_out("removing the container", lambda: self.engine.remove(target))

    def _release(self) -> None:
        """This supervisor stops driving an unfinished task (its runner closed without
        waiting)."""
        release(self.store, self.task_id)

    def _fail(self, reason: str) -> None:
        """Record a failure, then remove the container; if the failure cannot be recorded,
        the container is kept for recover to finish from."""
        try:
            self._settle(error=reason)
        except Exception:
            log.exception(
                "task %s: could not record the failure; keeping its container", self.task_id
            )
            return
        try:
            self._remove()
        except Exception:
            log.exception("task %s: removing the container failed", self.task_id)


def release(store: TaskStore, task_id: str) -> None:
    """Leave an unfinished task of this process without an owner, for the next runner,
    waiter or request to take over; a task another process has taken meanwhile is not
    touched."""
    mine = ProcessIdentity.current().to_payload()

    def change(task: Task) -> bool:
        if task.is_terminal or task.owner != mine:
            return False
        task.owner = None
        return True

    try:
        store.update(task_id, change)
    except Exception:
        log.exception("task %s: could not release it", task_id)


def _ours(container: Mapping[str, Any], task_id: str, store_id: str) -> bool:
    labels = (container.get("Config") or {}).get("Labels") or {}
    return labels.get(LABEL_TASK_ID) == task_id and labels.get(LABEL_STORE) == store_id


def _has_started(container: Mapping[str, Any]) -> bool:
    state = container.get("State") or {}
    return bool(state.get("Running")) or _epoch(state.get("StartedAt")) is not None


def _record_start(task: Task, container_id: str) -> bool:
    if task.state is not TaskState.STARTING:
        return False
    task.container_id = container_id
    task.move_to(TaskState.RUNNING)
    return True


def _epoch(docker_time: str | None) -> float | None:
    """Docker's RFC 3339 time in seconds; None for its zero time (never happened)."""
    if not docker_time or docker_time.startswith("0001-"):
        return None
    return float(to_unix_nanos(docker_time.encode()))


def agent_user(spec: TaskSpec, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Who the agent runs as: `spec.user` if given; else the owner of its workspace, so
    that what it writes there belongs to the person who owns the project; else
    DEFAULT_USER, never root by default. A non-root agent gets HOME=/tmp unless env sets
    one: an arbitrary uid has no home in most images."""
    if spec.user is not None:
        user = spec.user
    elif spec.workspace is not None:
        info = os.stat(spec.workspace)
        user = f"{info.st_uid}:{info.st_gid}"
    elif spec.host_login and spec.agent:
        user = login_owner(spec.agent, spec.host_login)
    else:
        user = DEFAULT_USER
    if user.split(":")[0] not in ("0", "root") and "HOME" not in env:
        env = {**env, "HOME": "/tmp"}
    return user, env


class _EndedElsewhere(Exception):
    """The task reached a terminal state through a request, not through its supervisor."""


CONTAINER_LOST = "container lost: it no longer exists in the engine"
REMOVED_WHILE_RUNNING = (
    "container lost: it was removed while the agent ran (not by agents-runner), "
    "so its exit code is unknown"
)


def interrupted_reason(state: TaskState) -> str:
    return (
        f"interrupted while {state.value}: the runner process that owned it exited before "
        "its container ran; secrets are never stored, so it is not restarted: submit it again"
    )


def last_line(path: Path, limit: int = 4096) -> str | None:
    """The last non-empty line of a log, for a failure reason a person can act on."""
    return last_line_of(log_tail(path, limit))


def last_line_of(text: str) -> str | None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:500] if lines else None


def log_tail(path: Path, limit: int = 4096) -> str:
    try:
        with open(path, "rb") as log_file:
            log_file.seek(0, os.SEEK_END)
            log_file.seek(max(0, log_file.tell() - limit))
            return log_file.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


_LAYER_ID = re.compile(r"^[0-9a-f]{12}$")


class PullProgress:
    """Layers and bytes of a pull, from the engine's progress chunks. A layer's download
    and its extraction are counted apart, so that neither count ever goes back."""

    _FINISHED = ("Pull complete", "Already exists")
    _DOWNLOADED = ("Download complete", "Verifying Checksum", "Extracting", *_FINISHED)

    def __init__(self) -> None:
        self.layers: dict[str, dict[str, Any]] = {}
        self._last_report = 0.0

    def add(self, chunk: Mapping[str, Any]) -> bool:
        """Take one chunk; True when the summary is worth persisting (at most 4 per second)."""
        layer = chunk.get("id", "")
        status = chunk.get("status", "")
        if not status or not _LAYER_ID.match(layer):  # tags and warnings carry ids too
            return False
        entry = self.layers.setdefault(
            layer,
            {"status": "", "current": 0, "total": 0, "extracted": 0, "extract_total": 0},
        )
        entry["status"] = status
        detail = chunk.get("progressDetail") or {}
        if status == "Extracting":
            entry["extracted"] = max(entry["extracted"], int(detail.get("current", 0)))
            entry["extract_total"] = int(detail.get("total", entry["extract_total"]) or 0)
        elif status == "Downloading":
            entry["current"] = max(entry["current"], int(detail.get("current", 0)))
            entry["total"] = int(detail.get("total", entry["total"]) or 0)
        if status in self._DOWNLOADED:
            entry["downloaded"] = True
            entry["current"] = max(entry["current"], entry["total"])
        if status in self._FINISHED:
            entry["finished"] = True
            entry["extracted"] = max(entry["extracted"], entry["extract_total"])
        now = time.monotonic()
        if now - self._last_report >= 0.25:
            self._last_report = now
            return True
        return False

    def summary(self, *, done: bool = False) -> dict[str, Any]:
        layers = list(self.layers.values())
        downloaded = sum(1 for e in layers if e.get("downloaded"))
        if done:
            phase = "done"
        elif layers and downloaded == len(layers):
            phase = "extracting"
        else:
            phase = "downloading"
        finished = len(layers) if done else sum(1 for e in layers if e.get("finished"))
        return {
            "phase": phase,
            "layers_total": len(layers),
            "layers_downloaded": downloaded,
            "layers_done": finished,
            "bytes_current": sum(e["current"] for e in layers),
            "bytes_total": sum(e["total"] for e in layers),
            "extract_current": sum(e["extracted"] for e in layers),
            "extract_total": sum(e["extract_total"] for e in layers),
            "done": done,
        }
