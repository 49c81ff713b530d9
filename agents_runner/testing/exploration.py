"""Model-based exploration (issue 14): Hypothesis draws sequences of submit, cancel, kill,
wait, SIGKILL of a detached owner, recover and a cut engine connection, and runs them
against the real runner and the real engine, checking every invariant after every step.

The transition table below is written out here on purpose, not imported from the
product: the exploration checks the product against it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from .. import Engine, EngineUnavailable  # the product under test, through its public API
from ..processes import ProcessIdentity
from ..runner import TaskRunner
from ..spec import TaskSpec
from ..states import TaskState
from ..store import TaskStore
from ..task import parse_time
from .contract_names import LABEL_TASK_ID
from .harness import SCENARIO_NETWORK, STUBBORN_AGENT, TRAPPING_AGENT, ScenarioHarness
from .oracle import raw_containers
from .waiting import wait_until

LEGAL = {
    "queued": {"pulling", "starting", "failed", "cancelled", "killed"},
    "pulling": {"starting", "failed", "cancelled", "killed"},
    "starting": {"running", "failed", "cancelled", "killed"},
    "running": {"completed", "failed", "stopping", "killed"},
    "stopping": {"cancelled", "timed_out", "killed"},
    "completed": set(),
    "failed": set(),
    "cancelled": set(),
    "killed": set(),
    "timed_out": set(),
}
TERMINAL = {"completed", "failed", "cancelled", "killed", "timed_out"}
REFUSED = "(refused)"  # the bundle's entry for a submit that stored nothing
SLACK = 20.0  # seconds a deadline may be late by, on a loaded machine
REPOSITORY = Path(__file__).resolve().parents[2]
# Sequences kept with the code, replayed first by every run, never written by one.
KEPT_EXAMPLES = REPOSITORY / "features" / "exploration-examples"
# What runs find, per engine, outside the tree: the Docker and the Podman runs side by
# side would otherwise write into one database, and every run would dirty the checkout.
FOUND_EXAMPLES = REPOSITORY / "reports" / "exploration-examples"


def _examples_database() -> MultiplexedDatabase:
    engine = os.environ.get("DOCKER_HOST", "").strip() or "default"
    found = FOUND_EXAMPLES / re.sub(r"[^A-Za-z0-9.-]+", "_", engine).strip("_")
    return MultiplexedDatabase(
        ReadOnlyDatabase(DirectoryBasedExampleDatabase(str(KEPT_EXAMPLES))),
        DirectoryBasedExampleDatabase(str(found)),
    )


@dataclass(frozen=True)
class Kind:
    """A kind of agent: its command, what it prints, how it may end on its own."""

    name: str
    command: tuple[str, ...]
    output: str | None  # the exact log, when the kind always prints the same
    ends_alone: frozenset[str]  # terminal states it may reach without any request
    timeout: float | None = None

    def spec(self, labels: dict[str, str], image: str) -> TaskSpec:
        return TaskSpec(
            image=image,
            command=list(self.command),
            labels=labels,
            network=SCENARIO_NETWORK,
            timeout=self.timeout,
            stop_grace=2.0,
        )


CHATTY_OUTPUT = "".join(f"{i}\n" for i in range(1, 2001))
KINDS = [
    Kind("exits 0", ("sh", "-c", "echo all good"), "all good\n", frozenset({"completed"})),
    Kind("exits 3", ("sh", "-c", "echo broke; exit 3"), "broke\n", frozenset({"failed"})),
    Kind("traps SIGTERM", tuple(TRAPPING_AGENT), None, frozenset()),
    Kind("ignores SIGTERM", tuple(STUBBORN_AGENT), None, frozenset()),
    Kind("no final newline", ("printf", "no newline"), "no newline", frozenset({"completed"})),
    Kind("chatty", ("seq", "1", "2000"), CHATTY_OUTPUT, frozenset({"completed"})),
    Kind("short deadline", tuple(TRAPPING_AGENT), None, frozenset({"timed_out"}), timeout=1.0),
]


@dataclass
class Tally:
    """What an exploration ran, for the evidence."""

    sequences: int = 0
    steps: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    sequence: list[str] = field(default_factory=list)  # the current one, to reproduce it

    def count(self, rule_name: str, detail: str = "") -> None:
        self.steps += 1
        self.by_rule[rule_name] = self.by_rule.get(rule_name, 0) + 1
        self.sequence.append(f"{rule_name}{' ' + detail if detail else ''}")


def exploration_settings(examples: int, steps: int) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        derandomize=False,
        database=_examples_database(),
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


def build_machine(harness: ScenarioHarness, tally: Tally) -> type[RuleBasedStateMachine]:
    class RunnerModel(RuleBasedStateMachine):
        tasks = Bundle("tasks")

        def __init__(self) -> None:
            super().__init__()
            tally.sequences += 1
            tally.sequence = []
            self.state_dir = harness.workspace() / "state"
            self.proxy = harness.engine_proxy()
            self.runners: list[TaskRunner] = [self._new_runner(recover=False)]
            self.kinds: dict[str, Kind] = {}
            self.requested: dict[str, set[str]] = {}
            self.checked_with_docker: set[str] = set()
            self.cut_until = 0.0
            self.recovers = 0

        def _new_runner(self, *, recover: bool) -> TaskRunner:
            return TaskRunner(self.state_dir, engine=Engine.at(self.proxy.url), recover=recover)

        @property
        def runner(self) -> TaskRunner:
            return self.runners[-1]

        # -- operations -------------------------------------------------------------

        @contextlib.contextmanager
        def _during_a_cut_the_engine_may_be_away(self) -> Iterator[None]:
            """An operation may meet the engine away only while the proxy refuses."""
            try:
                yield
            except EngineUnavailable:
                if time.monotonic() > self.cut_until:
                    raise

        @initialize(target=tasks, kind=st.sampled_from(KINDS), detached=st.booleans())
        def first_task(self, kind: Kind, detached: bool) -> Any:
            return self.submit(kind, detached)

        @rule(target=tasks, kind=st.sampled_from(KINDS), detached=st.booleans())
        def another_task(self, kind: Kind, detached: bool) -> Any:
            return self.submit(kind, detached)

        @rule(target=tasks, kind=st.sampled_from(KINDS), detached=st.booleans())
        def one_more_task(self, kind: Kind, detached: bool) -> Any:  # submits drawn twice as often
            return self.submit(kind, detached)

        def submit(self, kind: Kind, detached: bool) -> Any:
            """The task's id, or REFUSED (a submit refused during a cut stores nothing):
            the bundle grows the same way whatever the engine did, so a replay of the
            sequence draws the same steps (Hypothesis demands it to show a failure)."""
            tally.count(f"submit ({'detached' if detached else 'in process'})", kind.name)
            spec = kind.spec(harness.labels, harness.image)
            with self._during_a_cut_the_engine_may_be_away():
                task = (self.runner.submit_detached if detached else self.runner.submit)(spec)
                self.kinds[task.id] = kind
                self.requested[task.id] = set()
                return task.id
            return REFUSED

        @rule(task_id=tasks, grace=st.sampled_from([0.0, 1.0, 3.0]))
        def cancel(self, task_id: str, grace: float) -> None:
            tally.count("cancel", f"{task_id} grace {grace:g}")
            if task_id == REFUSED:
                return
            self.requested[task_id].add("cancel")
            with self._during_a_cut_the_engine_may_be_away():
                self.runner.request_stop(task_id, grace=grace)

        @rule(task_id=tasks)
        def kill(self, task_id: str) -> None:
            tally.count("kill", task_id)
            if task_id == REFUSED:
                return
            self.requested[task_id].add("kill")
            with self._during_a_cut_the_engine_may_be_away():
                self.runner.request_kill(task_id)

        @rule(task_id=tasks)
        def wait(self, task_id: str) -> None:
            """Wait as long as the task can take to end by itself or by its requests."""
            tally.count("wait", task_id)
            if task_id == REFUSED:
                return
            kind = self.kinds[task_id]
            if not kind.ends_alone and not self.requested[task_id]:
                return  # it would run until asked: nothing to wait for
            with self._during_a_cut_the_engine_may_be_away():
                self.runner.wait(task_id, timeout=60)

        def _live_detached_owner(self) -> ProcessIdentity | None:
            for task in self._store().list():
                owner = ProcessIdentity.from_payload(task.owner)
                if task.is_terminal or owner is None or owner.pid == os.getpid():
                    continue
                if owner.is_alive():
                    return owner
            return None

        # No precondition below reads the clock or the processes: what a step finds
        # decides what it does, never whether it is drawn (see submit).
        @rule()
        def sigkill_a_detached_owner(self) -> None:
            owner = self._live_detached_owner()
            tally.count("SIGKILL a detached owner", str(owner.pid) if owner else "(none alive)")
            if owner is not None:
                os.kill(owner.pid, signal.SIGKILL)

        @precondition(lambda self: self.recovers < 1)
        @rule()
        def recover(self) -> None:
            tally.count("recover in a new runner")
            self.recovers += 1
            with self._during_a_cut_the_engine_may_be_away():
                self.runners.append(self._new_runner(recover=True))

        @rule()
        def cut_the_engine_connection(self) -> None:
            if time.monotonic() <= self.cut_until:
                tally.count("cut the engine connection", "(still cut)")
                return
            tally.count("cut the engine connection for 1 s")
            self.cut_until = time.monotonic() + 1.0 + 2.0  # and a margin for the retry
            self.proxy.cut(1.0)

        # -- invariants -------------------------------------------------------------

        def _store(self) -> TaskStore:
            return TaskStore(self.state_dir)

        @invariant()
        def every_payload_parses_and_every_history_is_legal(self) -> None:
            store = self._store()
            tasks = {task.id: task for task in store.list()}
            quarantine = store.quarantine_dir
            assert not quarantine.exists() or not any(quarantine.iterdir()), "quarantined"
            assert set(self.kinds) <= set(tasks), "a submitted task is missing"
            for task in tasks.values():
                states = [entry.state.value for entry in task.history]
                assert states[0] == "queued", states
                for before, after in itertools.pairwise(states):
                    assert after in LEGAL[before], f"{task.id}: {before} -> {after}"
                assert states[-1] == task.state.value
                self._ended_for_a_reason(task)
                self._not_stuck(task)

        def _ended_for_a_reason(self, task: Any) -> None:
            state = task.state.value
            if state not in TERMINAL:
                return
            kind, asked = self.kinds[task.id], self.requested[task.id]
            if state == "cancelled":
                assert "cancel" in asked, f"{task.id} cancelled unasked"
            elif state == "killed":
                assert "kill" in asked, f"{task.id} killed unasked"
            elif state == "timed_out":
                assert kind.timeout is not None, f"{task.id} timed out without a deadline"
            elif state == "completed":
                assert "completed" in kind.ends_alone and task.exit_code == 0, task.id
            elif state == "failed":
                assert "failed" in kind.ends_alone or task.error, f"{task.id}: {task.error}"
            if task.id not in self.checked_with_docker:
                self.checked_with_docker.add(task.id)
                self._docker_agrees(task, kind)

        def _docker_agrees(self, task: Any, kind: Kind) -> None:
            """Docker's own account: its container is gone, its exit code is the one
            recorded, and a task that ended by itself left its output byte for byte."""
            left = raw_containers(harness.engine, {LABEL_TASK_ID: task.id})
            assert not left, f"{task.id} is {task.state.value} and its container is left"
            if task.exit_code is not None:  # recorded from a container that died: its event
                events = wait_until(
                    lambda: harness.events.for_task(task.id),
                    lambda found: any(e.action == "die" for e in found),
                    timeout=10,
                    describe=f"the die event of task {task.id}'s container",
                )
                dies = [e for e in events if e.action == "die"]
                assert dies[-1].exit_code == task.exit_code, (task.id, dies, task.exit_code)
            if kind.output is not None and task.state.value in kind.ends_alone:
                log = self._store().log_path(task.id).read_text()
                assert log == kind.output, f"{task.id}: log {log[:80]!r}"
            tally.outcomes[task.state.value] = tally.outcomes.get(task.state.value, 0) + 1

        def _not_stuck(self, task: Any) -> None:
            """A task whose owner lives ends within its deadline, its grace and SLACK."""
            running_at = task.reached(TaskState.RUNNING)
            owner = ProcessIdentity.from_payload(task.owner)
            if task.is_terminal or not running_at or task.spec.timeout is None:
                return
            if owner is None or not owner.is_alive():
                return
            late = time.time() - parse_time(running_at).timestamp()
            bound = task.spec.timeout + task.spec.stop_grace + SLACK
            assert late <= bound, f"{task.id} runs {late:.1f} s past running, bound {bound}"

        def teardown(self) -> None:
            for task_id in self.kinds:
                self.requested[task_id].add("kill")
                with contextlib.suppress(Exception):
                    self.runner.request_kill(task_id)
            for task_id in self.kinds:
                with contextlib.suppress(Exception):
                    self.runner.wait(task_id, timeout=60)
            self.every_payload_parses_and_every_history_is_legal()
            for runner in self.runners:
                runner.close()

    return RunnerModel
