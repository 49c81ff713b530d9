from agents_runner.diagnosis import OFFLINE
from agents_runner.outcome import OOM_REASON, record_kill_request, record_stop_request, settle
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task

S = TaskState


def task_in(*path: TaskState) -> Task:
    task = Task.new(TaskSpec(image="busybox", agent="echo"))
    for state in path:
        task.move_to(state)
    return task


def states(task: Task) -> list[str]:
    return [e.state.value for e in task.history]


def test_clean_exit_completes_and_non_zero_fails():
    done = task_in(S.STARTING, S.RUNNING)
    settle(done, exit_code=0)
    assert (done.state, done.exit_code, done.error) == (S.COMPLETED, 0, None)
    bad = task_in(S.STARTING, S.RUNNING)
    settle(bad, exit_code=3)
    assert (bad.state, bad.exit_code, bad.error) == (S.FAILED, 3, "the agent exited with code 3")


def test_oom_is_named():
    task = task_in(S.STARTING, S.RUNNING)
    settle(task, exit_code=137, oom_killed=True)
    assert task.error == OOM_REASON


def test_stop_intent_wins_over_a_clean_exit():
    task = task_in(S.STARTING, S.RUNNING)
    assert record_stop_request(task, at="2026-01-01T00:00:00+00:00", grace=1, reason="cancel")
    settle(task, exit_code=0)
    assert states(task)[-2:] == ["stopping", "cancelled"]
    assert task.exit_code == 0


def test_stop_recorded_before_running_still_passes_through_stopping():
    task = task_in(S.STARTING)
    record_stop_request(task, at="2026-01-01T00:00:00+00:00", grace=1, reason="cancel")
    assert task.state is S.STARTING
    task.move_to(S.RUNNING)
    settle(task, exit_code=143)
    assert states(task)[-3:] == ["running", "stopping", "cancelled"]


def test_timeout_ends_timed_out_and_kill_escalates():
    timed = task_in(S.STARTING, S.RUNNING)
    record_stop_request(timed, at="2026-01-01T00:00:00+00:00", grace=1, reason="timeout")
    settle(timed, exit_code=143)
    assert timed.state is S.TIMED_OUT
    killed = task_in(S.STARTING, S.RUNNING)
    record_stop_request(killed, at="2026-01-01T00:00:00+00:00", grace=1, reason="cancel")
    assert record_kill_request(killed, at="2026-01-01T00:00:01+00:00")
    settle(killed, exit_code=137)
    assert states(killed)[-2:] == ["stopping", "killed"]


def test_requests_are_idempotent_and_change_nothing_when_terminal():
    task = task_in(S.STARTING, S.RUNNING)
    assert record_stop_request(task, at="2026-01-01T00:00:00+00:00", grace=1, reason="cancel")
    assert not record_stop_request(task, at="2026-01-01T00:00:09+00:00", grace=9, reason="cancel")
    assert task.stop_requested_at == "2026-01-01T00:00:00+00:00"
    settle(task, exit_code=143)
    assert not record_stop_request(task, at="x", grace=1, reason="cancel")
    assert not record_kill_request(task, at="x")
    assert not settle(task, exit_code=0)
    assert task.state is S.CANCELLED


def test_queued_task_cancelled_or_killed_without_a_container():
    cancelled = task_in()
    record_stop_request(cancelled, at="2026-01-01T00:00:00+00:00", grace=1, reason="cancel")
    settle(cancelled)
    assert states(cancelled) == ["queued", "cancelled"]
    killed = task_in(S.PULLING)
    record_kill_request(killed, at="2026-01-01T00:00:00+00:00")
    settle(killed)
    assert states(killed) == ["queued", "pulling", "killed"]


def test_podman_init_failures_end_with_the_shells_codes():
    line = "ERROR (catatonit:6): failed to exec pid1: No such file or directory"
    missing = task_in(S.STARTING, S.RUNNING)
    settle(missing, exit_code=1, last_output=line)
    assert (missing.state, missing.exit_code) == (S.FAILED, 127)
    assert "not found in the image" in missing.error and "'echo'" in missing.error
    denied = task_in(S.STARTING, S.RUNNING)
    settle(
        denied,
        exit_code=1,
        last_output=line.replace("No such file or directory", "Permission denied"),
    )
    assert denied.exit_code == 126
    ordinary = task_in(S.STARTING, S.RUNNING)
    settle(ordinary, exit_code=1, last_output="failed to exec pid1: No such file or directory")
    assert ordinary.exit_code == 1


def test_a_silent_agent_s_deadline_says_what_is_known():
    """Issue 26: an agent that printed nothing ended timed_out with no reason at all."""
    silent = task_in(S.STARTING, S.RUNNING)
    record_stop_request(silent, at="2026-01-01T00:00:00+00:00", grace=1, reason="timeout")
    settle(silent, exit_code=143, silent=True, diagnosis=OFFLINE)
    assert silent.error == (
        "the deadline passed before the agent printed anything; "
        "its container has no network, so it could not reach its service"
    )
    online = task_in(S.STARTING, S.RUNNING)
    record_stop_request(online, at="2026-01-01T00:00:00+00:00", grace=1, reason="timeout")
    settle(online, exit_code=143, silent=True)
    assert online.error == "the deadline passed before the agent printed anything"


def test_a_timed_out_command_still_has_no_reason():
    timed = task_in(S.STARTING, S.RUNNING)
    record_stop_request(timed, at="2026-01-01T00:00:00+00:00", grace=1, reason="timeout")
    settle(timed, exit_code=143, last_output="working")
    assert timed.error is None


def test_an_agent_that_exits_without_printing_anything_says_so():
    task = task_in(S.STARTING, S.RUNNING)
    settle(task, exit_code=1, silent=True, diagnosis=OFFLINE)
    assert task.error == (
        "the agent exited with code 1 without printing anything: "
        "its container has no network, so it could not reach its service"
    )
