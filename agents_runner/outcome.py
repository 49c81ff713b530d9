"""How a task ends: recorded intent wins, then the container's exit (docs/CONTRACT.md 1)."""

from __future__ import annotations

from .engine.dialect import init_failure
from .states import TaskState
from .task import Task

OOM_REASON = "out of memory: the kernel killed the agent for exceeding the memory limit"


def settle(
    task: Task,
    *,
    exit_code: int | None = None,
    error: str | None = None,
    oom_killed: bool = False,
    last_output: str | None = None,
    diagnosis: str | None = None,
    silent: bool = False,
) -> bool:
    """Move `task` (in memory) to its terminal state. False if it had one already.
    `silent`: an agent that printed nothing at all (the reason says so)."""
    if task.is_terminal:
        return False
    task.placement = None  # a cluster's words on why it waits: it waits no more
    if (code := init_failure(exit_code, last_output)) is not None:
        exit_code = code
        diagnosis = f"the container's init could not run {_command_name(task)!r}"
    if exit_code is not None:
        task.exit_code = exit_code
    if task.kill_requested_at:
        target = TaskState.KILLED
    elif task.stop_requested_at:
        target = TaskState.TIMED_OUT if task.stop_reason == "timeout" else TaskState.CANCELLED
        if target is TaskState.TIMED_OUT and (diagnosis or silent):
            passed = "the deadline passed"
            if silent:
                passed += " before the agent printed anything"
            said = f"{passed}; {diagnosis}" if diagnosis else passed
            task.error = _with_output(said, last_output)
        if task.state is TaskState.RUNNING:
            task.move_to(TaskState.STOPPING)
    else:
        target = TaskState.COMPLETED if exit_code == 0 and error is None else TaskState.FAILED
        if target is TaskState.FAILED:
            task.error = error or exit_reason(
                exit_code, oom_killed, last_output, diagnosis, silent=silent
            )
    task.move_to(target)
    return True


def _command_name(task: Task) -> str:
    try:
        return task.spec.argv()[0]
    except (ValueError, LookupError):
        return "the command"


def record_stop_request(task: Task, *, at: str, grace: float, reason: str) -> bool:
    """Record a graceful stop (a cancel, or a deadline). False if the task is terminal or
    a stop or kill was already asked for: requests are idempotent."""
    if task.is_terminal or task.stop_requested_at or task.kill_requested_at:
        return False
    task.stop_requested_at = at
    task.stop_grace = grace
    task.stop_reason = reason
    if task.state is TaskState.RUNNING:
        task.move_to(TaskState.STOPPING)
    return True


def record_kill_request(task: Task, *, at: str) -> bool:
    """Record a kill; it escalates a stop. False if the task is terminal or already killed."""
    if task.is_terminal or task.kill_requested_at:
        return False
    task.kill_requested_at = at
    return True


_EXIT_HINTS = {
    126: "the command is not executable",
    127: "the command was not found in the image",
    # A task that reaches here was neither killed nor stopped by agents-runner.
    137: "SIGKILL's code, not sent by agents-runner; the engine reported no out-of-memory kill",
}


def exit_reason(
    exit_code: int | None,
    oom_killed: bool,
    last_output: str | None,
    diagnosis: str | None = None,
    *,
    silent: bool = False,
) -> str:
    if oom_killed:
        return OOM_REASON
    reason = f"the agent exited with code {exit_code}"
    if silent:
        reason += " without printing anything"
    if exit_code in _EXIT_HINTS:
        reason += f" ({_EXIT_HINTS[exit_code]})"
    if diagnosis:
        reason += f": {diagnosis}"
    return _with_output(reason, last_output)


def _with_output(reason: str, last_output: str | None) -> str:
    return f"{reason}; last output: {last_output}" if last_output else reason
