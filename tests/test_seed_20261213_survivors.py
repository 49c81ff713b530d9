"""Checks for what the mutation sample drawn on 2026-12-06 (seed 20261213) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

import os
import select
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import docker
import pytest

from agents_runner.cli import main
from agents_runner.cli.parser import parse
from agents_runner.cli.run_verb import spec_from_args
from agents_runner.cli.summary import describe
from agents_runner.engine.swarm import SwarmEngine
from agents_runner.image_builder import DOCKERFILE_LABEL, state_by_labels
from agents_runner.queue_settings import QueueSettings
from agents_runner.spec import TaskSpec
from agents_runner.store import TaskStore
from agents_runner.task import Task
from agents_runner.taskqueue import _SEP, TaskQueue
from agents_runner.testing.waiting import wait_until


def test_a_pool_shrunk_below_its_running_tasks_says_so_to_the_task_waiting_for_it(
    tmp_path: Path,
) -> None:
    """`config pool gpu 1` while two of its tasks run: the third waits for the pool,
    two of one running, not for a slot of the state dir's limit."""
    queue = TaskQueue(tmp_path)
    queue.ensure()
    queue.active_dir.mkdir()  # the store's index of unfinished tasks
    queue.write_settings(QueueSettings(4, {"gpu": 2}))
    running = ["a" * 12, "b" * 12]
    for task_id in running:
        (queue.active_dir / task_id).touch()
        queue.enter(task_id, pool="gpu", owner_pid=os.getpid())
    assert queue.admit(set(running)).admitted == running
    queue.write_settings(QueueSettings(4, {"gpu": 1}))
    waiting = "c" * 12
    (queue.active_dir / waiting).touch()
    queue.enter(waiting, pool="gpu", owner_pid=os.getpid())
    assert queue.why_waiting(waiting) == "waiting for a slot in pool gpu: 2 of 1 running"


@pytest.mark.parametrize(
    ("inherited", "sent", "ended"),
    [
        (signal.SIG_DFL, signal.SIGINT, 130),  # KeyboardInterrupt, raised by uvicorn again
        (signal.SIG_IGN, signal.SIGINT, 130),  # run() returns: 128 + the signal
        (signal.SIG_DFL, signal.SIGTERM, -signal.SIGTERM),  # ended by the signal
        (signal.SIG_IGN, signal.SIGTERM, 128 + signal.SIGTERM),
    ],
    ids=["Ctrl-C", "Ctrl-C, ignored from the start", "SIGTERM", "SIGTERM, ignored from the start"],
)
def test_ui_stopped_by_a_signal_says_which_whatever_it_inherited(
    tmp_path: Path, inherited: signal.Handlers, sent: signal.Signals, ended: int
) -> None:
    """Ctrl-C ends `ui` with 130, and SIGTERM with its own status, also where the signal
    was ignored from the start (as for `agents-runner ui &` in a script)."""

    def inherit() -> None:
        signal.signal(sent, inherited)

    server = subprocess.Popen(
        [sys.executable, "-m", "agents_runner.cli", "ui", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=inherit,
    )
    assert server.stdout is not None
    try:
        ready, _, _ = select.select([server.stdout], [], [], 60)
        url = server.stdout.readline().strip() if ready else ""
        assert url.startswith("http://127.0.0.1:"), url
        # Once it answers, uvicorn has its signal handlers: it installs them first.
        wait_until(lambda: _answers(url), bool, timeout=30, describe="the server to answer")
        server.send_signal(sent)
        assert server.wait(timeout=30) == ended
    finally:
        server.kill()
        server.communicate()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def test_a_file_in_the_line_that_is_not_a_ticket_holds_no_place(tmp_path: Path) -> None:
    """The line's order is the tickets' names (rank, then sequence): a name whose rank or
    sequence is not a number is no ticket, and no task waits by it."""
    queue = TaskQueue(tmp_path)
    queue.ensure()
    queue.active_dir.mkdir()
    for task_id in ("t" * 12, "u" * 12):
        (queue.active_dir / task_id).touch()
    queue.enter("t" * 12, owner_pid=os.getpid())
    (ticket,) = os.listdir(queue.waiting_dir)
    fields = ticket.replace("t" * 12, "u" * 12).split(_SEP)
    for place, bad in ((0, "x"), (0, "-1"), (1, "x"), (1, "1e3")):
        (queue.waiting_dir / _SEP.join([*fields[:place], bad, *fields[place + 1 :]])).touch()
    assert queue.places() == {"t" * 12: (1, None)}
    assert not queue.is_waiting("u" * 12)


def test_constraints_given_as_one_string_are_refused_as_not_a_list() -> None:
    with pytest.raises(ValueError, match=r"^constraints: must be a list of expressions"):
        TaskSpec(image="busybox:1.36", command=["true"], constraints="node.hostname==n1")


def test_images_list_says_built_only_for_today_s_dockerfile() -> None:
    digest = "ab" * 32
    same = "".join(list(digest))  # equal, but not the same object: compared by value
    assert state_by_labels({DOCKERFILE_LABEL: same}, digest) == "built"
    assert state_by_labels({DOCKERFILE_LABEL: "cd" * 32}, digest) == "stale"
    assert state_by_labels({}, digest) == "stale"
    assert state_by_labels(None, digest) == "missing"


def test_a_prompt_file_whose_name_sorts_before_a_dash_is_read_from_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only "-" means stdin: "+prompt.txt" is a file."""
    monkeypatch.chdir(tmp_path)
    Path("+prompt.txt").write_text("from the file\n")
    args = parse(
        ["run", "--agent", "echo", "--image", "busybox:1.36", "--prompt-file", "+prompt.txt"]
    )
    assert spec_from_args(args).prompt == "from the file"


def test_the_swarm_backend_says_its_followed_log_is_not_exact() -> None:
    """Where no node's engine answers, a task's log is the service's, followed through
    the manager, which may skip records: the copy is compared with the whole log at its
    end only when the backend says it does not follow exactly. (The test Swarm's nodes
    all answer, so no scenario reads a log that way.)"""
    api = docker.APIClient(base_url="unix:///nonexistent/docker.sock", version="1.41")
    assert SwarmEngine(api).follows_exactly is False


def test_logs_t_prints_every_line_once_with_the_last_one_s_unfinished_part(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """`logs -t` without -f prints all there is, the last line's unfinished part too,
    each after its time, though the index has no line for the log's end yet."""
    store = TaskStore(tmp_path)
    task = Task.new(TaskSpec(image="busybox", agent="echo", prompt="hi"))
    store.create(task)
    store.log_path(task.id).write_bytes(b"first\nno newline yet")
    store.log_times_path(task.id).write_text("6 1795622712.500000000\n")
    assert main(["--state-dir", str(tmp_path), "logs", "-t", task.id]) == 0
    lines = capfd.readouterr().out.splitlines()
    assert lines[0] == "2026-11-25T16:05:12.500000000Z first"
    assert lines[1].endswith("Z no newline yet")
    assert len(lines) == 2


def test_show_gives_a_queued_task_s_place_in_line_and_why_it_waits() -> None:
    task = Task.new(TaskSpec(image="busybox", command=["true"]))

    def queue_line(queue: dict) -> str:
        lines = describe(task, queue).splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Queue"))

    waiting = "waiting for its turn: 1 ahead of it"
    assert queue_line({"place": 2, "waiting": waiting}) == f"place 2: {waiting}"
    assert queue_line({"place": None, "waiting": None}) == "place -: waiting"


def test_show_says_whether_the_root_filesystem_is_read_only() -> None:
    for read_only, said in ((True, "yes"), (False, "no")):
        task = Task.new(TaskSpec(image="busybox", command=["true"], read_only=read_only))
        lines = describe(task).splitlines()
        assert next(line for line in lines if line.startswith("Read-only")).split()[-1] == said
