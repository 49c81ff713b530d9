from agents_runner.outcome import exit_reason, record_kill_request, record_stop_request, settle
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.supervise import PullProgress, last_line
from agents_runner.task import HistoryEntry, Task
from agents_runner.testing.rules import violations

S = TaskState
AT = "2026-01-01T00:00:00+00:00"
# The contract's table, written out here as features/races.feature does.
LEGAL = {
    "queued": {"pulling", "starting", "cancelled", "killed", "failed"},
    "pulling": {"starting", "cancelled", "killed", "failed"},
    "starting": {"running", "cancelled", "killed", "failed"},
    "running": {"completed", "failed", "stopping", "killed"},
    "stopping": {"cancelled", "timed_out", "killed"},
}


def running_task() -> Task:
    task = Task.new(TaskSpec(image="busybox", agent="echo"))
    task.move_to(S.STARTING)
    task.move_to(S.RUNNING)
    return task


def test_a_request_that_won_or_lost_fairly_is_no_violation():
    won = running_task()
    record_stop_request(won, at=AT, grace=1, reason="cancel")
    settle(won, exit_code=0)
    assert violations(won, "stop", LEGAL) == []
    lost = running_task()
    settle(lost, exit_code=0)
    record_kill_request(lost, at=AT)  # after the end: changes nothing
    assert violations(lost, "kill", LEGAL) == []


def test_a_recorded_request_that_did_not_win_is_a_violation():
    task = running_task()
    task.kill_requested_at = AT
    task.move_to(S.COMPLETED)
    task.exit_code = 0
    assert violations(task, "kill", LEGAL) == [
        "the kill was recorded, yet the task ended completed"
    ]


def test_a_forbidden_step_in_history_is_a_violation():
    task = running_task()
    task.history.append(HistoryEntry(S.CANCELLED, AT))
    task.state = S.CANCELLED
    task.stop_requested_at = AT
    assert "history has the forbidden step running -> cancelled" in violations(task, "stop", LEGAL)


def test_pull_progress_counts_layers_and_ignores_tags_and_warnings():
    progress = PullProgress()
    for chunk in [
        {"status": "Pulling from a/b", "id": "1"},
        {"status": "warning text", "id": "WARNING"},
        {"status": "Pulling fs layer", "id": "aaaaaaaaaaaa"},
        {"status": "Pulling fs layer", "id": "bbbbbbbbbbbb"},
        {
            "status": "Downloading",
            "id": "aaaaaaaaaaaa",
            "progressDetail": {"current": 10, "total": 40},
        },
        {"status": "Pull complete", "id": "aaaaaaaaaaaa"},
        {"status": "Already exists", "id": "bbbbbbbbbbbb"},
        {"status": "Digest: sha256:00"},
    ]:
        progress.add(chunk)
    assert progress.summary(done=True) == {
        "phase": "done",
        "percent": 100,
        "layers_total": 2,
        "layers_downloaded": 2,
        "layers_done": 2,
        "bytes_current": 40,
        "bytes_total": 40,
        "extract_current": 0,
        "extract_total": 0,
        "extract_expected": 40,
        "extracted": False,
        "done": True,
    }


def test_pull_progress_never_goes_back_when_extraction_starts():
    progress = PullProgress()
    seen = []
    for chunk in [
        {
            "status": "Downloading",
            "id": "aaaaaaaaaaaa",
            "progressDetail": {"current": 30, "total": 40},
        },
        {"status": "Download complete", "id": "aaaaaaaaaaaa"},
        {
            "status": "Extracting",
            "id": "aaaaaaaaaaaa",
            "progressDetail": {"current": 5, "total": 80},
        },
        {
            "status": "Extracting",
            "id": "aaaaaaaaaaaa",
            "progressDetail": {"current": 80, "total": 80},
        },
        {"status": "Pull complete", "id": "aaaaaaaaaaaa"},
    ]:
        progress.add(chunk)
        seen.append(progress.summary())
    assert [s["bytes_current"] for s in seen] == [30, 40, 40, 40, 40]
    # extracting once the engine has told extraction's sizes, not before
    assert [s["phase"] for s in seen] == ["downloading"] * 2 + ["extracting"] * 3
    assert [s["percent"] for s in seen] == [75, 100, 6, 100, 100]
    assert [s["extract_current"] for s in seen] == [0, 0, 5, 80, 80]
    assert [s["layers_done"] for s in seen] == [0, 0, 0, 0, 1]


def test_exit_reasons_say_what_a_person_can_act_on():
    assert exit_reason(3, False, None) == "the agent exited with code 3"
    assert exit_reason(127, False, "exec x failed") == (
        "the agent exited with code 127 (the command was not found in the image); "
        "last output: exec x failed"
    )
    assert exit_reason(137, True, "whatever").startswith("out of memory")
    assert exit_reason(137, False, None) == (
        "the agent exited with code 137 (SIGKILL's code, not sent by agents-runner; "
        "the engine reported no out-of-memory kill)"
    )


def test_last_line_reads_only_the_tail(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(b"x" * 10000 + b"\nfirst\n\nlast words  \n\n")
    assert last_line(log) == "last words"
    assert last_line(tmp_path / "missing.log") is None
