"""A foreground run's stop signals, its exit status, and outputs whose reader went away."""

import os
import signal

from agents_runner.cli.run_verb import exit_status
from agents_runner.cli.stop_signals import Ask, StopSignals, stop_signals_counted
from agents_runner.outlet import Outlet
from agents_runner.spec import TaskSpec
from agents_runner.states import TaskState
from agents_runner.task import Task

INT, TERM, HUP = signal.SIGINT, signal.SIGTERM, signal.SIGHUP


def asks(*batches: list[signal.Signals]) -> list[Ask]:
    counted, answers = StopSignals(), []
    for batch in batches:
        counted.received.extend(batch)
        answers.append(counted.next_ask())
    return answers


def test_the_first_signal_cancels_and_only_ctrl_c_then_kills():
    assert asks([], [TERM], [], [TERM], [INT]) == [
        Ask.NOTHING, Ask.CANCEL, Ask.NOTHING, Ask.NOTHING, Ask.KILL,
    ]  # fmt: skip
    assert asks([INT], [INT]) == [Ask.CANCEL, Ask.KILL]
    assert asks([HUP, HUP]) == [Ask.CANCEL]
    assert asks([INT, INT]) == [Ask.KILL]


def test_the_signals_are_counted_not_raised_and_the_handlers_put_back():
    before = {s: signal.getsignal(s) for s in (INT, TERM, HUP)}
    with stop_signals_counted() as counted:
        os.kill(os.getpid(), TERM)
        os.kill(os.getpid(), HUP)
    assert counted.received == [TERM, HUP] and counted.first is TERM
    assert {s: signal.getsignal(s) for s in (INT, TERM, HUP)} == before


def ended(state: TaskState, exit_code: int | None) -> Task:
    task = Task.new(TaskSpec(image="busybox:1.36", command=["true"]))
    task.state, task.exit_code = state, exit_code
    return task


def test_a_run_whose_own_signal_ended_its_task_exits_128_plus_it():
    assert exit_status(ended(TaskState.CANCELLED, 143), signalled=TERM) == 143
    assert exit_status(ended(TaskState.CANCELLED, 143), signalled=HUP) == 129
    assert exit_status(ended(TaskState.CANCELLED, 143), signalled=INT) == 130
    assert exit_status(ended(TaskState.KILLED, 137), signalled=INT) == 130
    assert exit_status(ended(TaskState.CANCELLED, None), signalled=INT) == 130


def test_otherwise_the_agents_own_code_or_the_fixed_one():
    assert exit_status(ended(TaskState.FAILED, 3), signalled=TERM) == 3  # ended before the stop
    assert exit_status(ended(TaskState.CANCELLED, 143)) == 143
    assert exit_status(ended(TaskState.CANCELLED, 0)) == 143
    assert exit_status(ended(TaskState.TIMED_OUT, None)) == 124


def test_an_outlet_whose_reader_closed_goes_quiet_for_good():
    read_end, write_end = os.pipe()
    stream = os.fdopen(write_end, "wb")
    outlet = Outlet(stream)
    outlet.write(b"first\n")
    outlet.flush()
    assert os.read(read_end, 100) == b"first\n"
    os.close(read_end)
    outlet.write(b"nobody reads this\n")
    outlet.flush()
    assert outlet.gone and not outlet.isatty()
    outlet.write(b"nor this\n")
    stream.write(b"the descriptor now goes nowhere\n")
    stream.flush()  # what the interpreter does at exit: no BrokenPipeError
    stream.close()


def test_an_agent_that_exits_0_on_a_cancel_leaves_run_the_code_of_a_cancel():
    """Only a completed task gives 0: a cancelled one whose agent exited 0 on SIGTERM is
    not a success for a script, and run says so as docker's --sig-proxy would not."""
    assert exit_status(ended(TaskState.CANCELLED, 0)) == 143
    assert exit_status(ended(TaskState.KILLED, 0)) == 137
    assert exit_status(ended(TaskState.COMPLETED, 0)) == 0
    assert exit_status(ended(TaskState.FAILED, 3)) == 3
