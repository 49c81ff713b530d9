"""ScenarioHarness: one scenario's runner, state dir, labels and Docker observations.

Every container a scenario starts carries the run's label and the scenario's, so
cleanup can only ever touch what this run created.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import DEFAULT_USER
from ..processes import ProcessIdentity
from ..runner import TaskRunner
from ..spec import TaskSpec
from ..states import TaskState
from ..store import TaskStore
from ..task import Task
from .agent_record import RECORDER
from .bare_image import make_bare_image
from .cli_driver import CliDriver
from .cluster_docker import ClusterDocker
from .engine_proxy import EngineProxy
from .events import PROBE_PREFIX, ContainerEvent
from .oracle import raw_containers, raw_inspect
from .reaper import RUN_LABEL, temp_prefix
from .registry import GatedRegistry
from .signal_evidence import SignalWitnesses
from .state_dir_processes import end_processes_in
from .suite_docker import SuiteDocker
from .tmpfs import SmallDisk
from .waiting import wait_until

# The engine here has no container network at all; "none" says so, and spares Docker
# 20.10 a sandbox record per container on its default network, which it only clears,
# about ten a second, at its next start.
SCENARIO_NETWORK = "none"
SCENARIO_LABEL = "agents-runner-test.scenario"
DEFAULT_IMAGE = "busybox:1.36"
TASK_TIMEOUT = 60.0
CLOSE_TIMEOUT = 30.0

# Given a workspace, the agents below record each signal that reaches them (agent_record.py).
SHUTDOWN_LINE = "agent: caught SIGTERM, shutting down cleanly"
READY_LINE = "agent: ready"


def _until_signalled(on_term: str) -> list[str]:
    """An agent that says it is ready and runs until signalled; its TERM trap records the
    signal, announces a clean shutdown, then runs `on_term`."""
    trap = f'record TERM; echo "{SHUTDOWN_LINE}"; {on_term}'
    return ["sh", "-c", f"{RECORDER}trap '{trap}' TERM; echo \"{READY_LINE}\"; "
            "while :; do sleep 3600 & wait $!; done"]  # fmt: skip


# An agent that runs until signalled; its TERM trap announces a clean shutdown (exit 143).
TRAPPING_AGENT = _until_signalled("exit 143")
# An agent that waits for /workspace/go, then exits with the code written in it. A
# SIGTERM ends it (exit 143), recorded.
WAITING_AGENT = (
    f"{RECORDER}trap 'record TERM; exit 143' TERM; "
    "echo started; until [ -f /workspace/go ]; do sleep 0.1; done; echo finished; "
    "exit $(cat /workspace/go)"
)
# An agent whose clean shutdown on SIGTERM takes 0.4 s, then exits 0: an exit the signal
# brought about, though its code is the code of success (and a moment past the 0.3 s in
# which C-1.17 takes an exit with code 0 for the agent's own).
LINGERING_AGENT = _until_signalled("sleep 0.4; exit 0")
# An agent that ignores SIGTERM (it only records it): only SIGKILL ends it.
STUBBORN_AGENT = [
    "sh",
    "-c",
    f"{RECORDER}trap 'record TERM' TERM; echo \"{READY_LINE}\"; "
    "while :; do sleep 3600 & wait $!; done",
]


def memory_hog(size_mib: int, *, outlived: bool = False) -> str:
    """A shell script that allocates `size_mib` MiB at once. `outlived`: the agent runs
    it as a worker and exits a second after it with its status, so that Docker learns of
    an OOM kill while the container still runs (docs/ENGINES.md)."""
    hog = f"dd if=/dev/zero of=/dev/null bs={size_mib}M count=1"
    return f"{hog}; status=$?; sleep 1; exit $status" if outlived else hog


class ScenarioHarness:
    def __init__(
        self,
        engine: SuiteDocker | ClusterDocker,
        run_id: str,
        scenario_id: str,
        image: str,
        registry: str | None = None,
        registry_image: str | None = None,
    ) -> None:
        self.engine = engine
        self.image = image
        self.registry = registry
        self.registry_image = registry_image  # in the registry, shares no layer with `image`
        self._gates: list[GatedRegistry] = []
        self._images_to_remove: list[str] = []
        self.labels = {RUN_LABEL: run_id, SCENARIO_LABEL: scenario_id}
        self.scenario_id = scenario_id
        self.temp_prefix = temp_prefix(run_id)
        self.state_dir = Path(tempfile.mkdtemp(prefix=self.temp_prefix + "scenario-"))
        self.events = engine.event_log(self.labels, since=time.time() - 1)
        self._runners: list[TaskRunner] = []
        self.cli = CliDriver(self.state_dir, self.labels, SCENARIO_NETWORK)
        self._workspaces: list[Path] = []
        self._proxies: list[EngineProxy] = []
        self._burners: list[subprocess.Popen[Any]] = []  # processes killed at cleanup
        self._old_state_dirs: list[Path] = []
        self.foreign_containers: list[str] = []  # made to look like another run's
        self.kept_containers: list[str] = []  # kept by their task on purpose
        self._disks: list[SmallDisk] = []
        # Clean-ups of what the scenario made elsewhere (a cluster): each returns what
        # it found left.
        self._cleanups: list[Callable[[], list[str]]] = []
        self._networks: list[str] = []

    # -- driving ---------------------------------------------------------------

    def runner(self, **options: Any) -> TaskRunner:
        """The scenario's runner (a new one when options are given). It does not recover
        by itself: scenarios about recovery open one that does, on purpose."""
        if not self._runners or options:
            options.setdefault("recover", False)
            self._runners.append(TaskRunner(self.state_dir, **options))
        return self._runners[-1]

    def add_cleanup(self, cleanup: Callable[[], list[str]]) -> None:
        """Run at cleanup; what it returns counts as left behind by the scenario."""
        self._cleanups.append(cleanup)

    def add_background_process(self, process: subprocess.Popen[Any]) -> None:
        """A process of the scenario's, killed at cleanup if it still runs."""
        self._burners.append(process)

    def remove_image_at_cleanup(self, reference: str) -> None:
        self._images_to_remove.append(reference)

    def made_network(self) -> str:
        """A network of the scenario's own (internal, with its labels); removed at
        cleanup, once its containers are gone."""
        name = f"agents-runner-test-net-{secrets.token_hex(4)}"
        self.engine.create_network(name, self.labels)
        self._networks.append(name)
        return name

    def bare_image(self) -> str:
        """The test image without /etc/passwd and /etc/group, its /tmp 0755 and root's."""
        reference = f"agents-runner-test/bare-{secrets.token_hex(4)}:1"
        make_bare_image(self.engine, self.image, reference, self.labels)
        self._images_to_remove.append(reference)
        return reference

    def wait_for_a_task(self, timeout: float = 60) -> Task:
        """The first task a command stores in the scenario's state dir."""
        return wait_until(
            lambda: self.runner().list(),
            bool,
            timeout=timeout,
            describe="a task to be stored",
        )[0]

    def stored_ids(self) -> set[str]:
        """The ids of the tasks in the state dir, from the payloads' file names (a full
        disk takes no new one)."""
        return {path.stem for path in (self.state_dir / "tasks").glob("*.json")}

    def newest_task(self) -> Task:
        tasks = self.runner().list()
        if not tasks:
            raise AssertionError("no task was stored")
        return tasks[-1]

    def submit(self, **spec_fields: Any) -> Task:
        spec_fields.setdefault("image", self.image)
        spec_fields.setdefault("network", SCENARIO_NETWORK)
        spec_fields["labels"] = {**spec_fields.get("labels", {}), **self.labels}
        task = self.runner().submit(TaskSpec(**spec_fields))
        return task

    def workspace(self, parent: Path | None = None) -> Path:
        """A fresh folder, removed at cleanup; in the temporary folder unless `parent`.
        Run as root (CI), it is handed to the default agent user, as a person's project
        is theirs: a root-owned workspace is refused unless the agent runs as root."""
        path = Path(tempfile.mkdtemp(prefix=self.temp_prefix + "workspace-", dir=parent))
        self._workspaces.append(path)
        if os.geteuid() == 0:
            uid, gid = (int(part) for part in DEFAULT_USER.split(":"))
            os.chown(path, uid, gid)
        return path

    def recording_workspace(self) -> Path:
        """A workspace where an agent that runs until signalled records the signals it
        receives; owned by the default agent user when run as root."""
        return self.workspace()

    def trapping_run_argv(self, *options: str) -> list[str]:
        """`run` of an agent that announces a clean shutdown on SIGTERM, in a recording
        workspace, with `options` before its command."""
        workspace = self.recording_workspace()
        return [
            "run",
            "--image",
            self.image,
            "--workspace",
            str(workspace),
            *options,
            "--",
            *TRAPPING_AGENT,
        ]

    def signal_witnesses(self, task_id: str, *, recorded: bool = True) -> SignalWitnesses:
        """The engine's events (once the container died), and the agent's own record of
        the signals it received when `recorded`."""
        events = self.events_for(task_id)
        return SignalWitnesses.read(
            events, self.fresh_load(task_id).spec.workspace, recorded=recorded
        )

    def waiting_agent(self, workspace: Path) -> dict[str, Any]:
        """Spec fields of an agent that waits for `workspace`/go (see WAITING_AGENT)."""
        return {
            "command": ["sh", "-c", WAITING_AGENT],
            "workspace": str(workspace),
            "timeout": 300.0,
        }

    @staticmethod
    def let_agent_go(workspace: Path, exit_code: str = "") -> None:
        """Write the go file a waiting agent looks for, whole or not at all."""
        staged = workspace / ".go"
        staged.write_text(exit_code)
        staged.rename(workspace / "go")

    def detached_supervisor(self, task_id: str) -> ProcessIdentity:
        """The task's owner, checked to be a live detached supervisor process."""
        owner = ProcessIdentity.from_payload(self.fresh_load(task_id).owner)
        assert owner is not None and owner.is_alive(), f"task {task_id} has no live owner"
        cmdline = Path(f"/proc/{owner.pid}/cmdline").read_bytes().split(b"\0")
        assert b"agents_runner.detached" in cmdline, f"the owner is {cmdline}"
        return owner

    def engine_proxy(self) -> EngineProxy:
        """A fault proxy in front of the engine, closed at cleanup."""
        proxy = EngineProxy(self.temp_prefix)
        self._proxies.append(proxy)
        return proxy

    def move_state_dir(self, path: Path) -> None:
        """Use `path` as the state dir (before any runner opened the old one)."""
        assert not self._runners, "the state dir moves before any runner opens it"
        self._old_state_dirs.append(self.state_dir)
        self.state_dir = self.cli.state_dir = path

    def burn_cpus(self, count: int) -> None:
        """`count` busy loops, ended at cleanup: a machine as busy as CI's can be."""
        for _ in range(count):
            self._burners.append(subprocess.Popen(["sh", "-c", "while :; do :; done"]))

    def small_disk(self, size: str) -> SmallDisk:
        """A tmpfs of `size` that can really fill up, unmounted at cleanup."""
        disk = SmallDisk(size, prefix=self.temp_prefix + "disk-")
        self._disks.append(disk)
        return disk

    def image_only_the_registry_has(self) -> str:
        """The run's registry-only image, with any local copy deleted so it must be pulled."""
        if self.registry_image is None:
            raise AssertionError(
                "this scenario needs the test registry (AGENTS_RUNNER_TEST_REGISTRY)"
            )
        self.engine.remove_image(self.registry_image)
        self._images_to_remove.append(self.registry_image)
        return self.registry_image

    def image_through_gate(
        self, *, hold: bool = False, rate: float | None = None
    ) -> tuple[str, GatedRegistry]:
        """The registry-only image, pulled through a loopback gate that can hold its layers
        back (`hold`) or serve them at `rate` bytes a second."""
        upstream_image = self.image_only_the_registry_has()
        assert self.registry is not None
        gate = GatedRegistry(self.registry)
        self._gates.append(gate)
        if hold:
            gate.hold_layers()
        gate.rate = rate
        image = gate.address + upstream_image[len(self.registry) :]
        self.engine.remove_image(image)
        self._images_to_remove.append(image)
        return image, gate

    def missing_tag(self) -> str:
        if self.registry is None:
            raise AssertionError(
                "this scenario needs the test registry (AGENTS_RUNNER_TEST_REGISTRY)"
            )
        return f"{self.registry}/agents-runner-test/no-such-image:no-such-tag"

    # -- observing ---------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        return self.runner().get(task_id)

    def fresh_load(self, task_id: str) -> Task:
        """The task as stored, read afresh (a new store over the same state dir)."""
        return TaskStore(self.state_dir).load(task_id)

    def load_in_new_process(self, task_id: str) -> Task:
        """The task as a separate Python process reads it from the state dir."""
        source = (
            "import json, sys\n"
            "from agents_runner.store import TaskStore\n"
            "task = TaskStore(sys.argv[1]).load(sys.argv[2])\n"
            "print(json.dumps(task.to_payload()))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", source, str(self.state_dir), task_id],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return Task.from_payload(json.loads(result.stdout))

    def wait_for_state(self, task_id: str, state: TaskState, timeout: float = TASK_TIMEOUT) -> Task:
        return wait_until(
            lambda: self.task(task_id),
            lambda task: task.state is state,
            timeout=timeout,
            describe=f"task {task_id} to be {state.value}",
        )

    def wait_for_end(self, task_id: str, timeout: float = TASK_TIMEOUT) -> Task:
        return self.runner().wait(task_id, timeout=timeout)

    def wait_for_log(self, task_id: str, text: str, timeout: float = TASK_TIMEOUT) -> str:
        return wait_until(
            lambda: self.log_text(task_id),
            lambda log: text in log,
            timeout=timeout,
            describe=f"{text!r} in the log of task {task_id}",
        )

    def payload_bytes(self, task_id: str) -> bytes:
        return self.runner().store.payload_path(task_id).read_bytes()

    def log_text(self, task_id: str) -> str:
        path = self.runner().store.log_path(task_id)
        return path.read_text(errors="replace") if path.exists() else ""

    def log_bytes(self, task_id: str) -> bytes:
        path = self.runner().store.log_path(task_id)
        return path.read_bytes() if path.exists() else b""

    def log_times_text(self, task_id: str) -> str:
        """The log's time index as it is on disk (logs/<id>.times), "" before it exists."""
        path = self.runner().store.log_times_path(task_id)
        return path.read_text() if path.exists() else ""

    def container(self, task: Task) -> dict[str, Any] | None:
        return raw_inspect(self.engine, task.container_name)

    def never_had_a_container(self, task_id: str) -> tuple[str | None, list[ContainerEvent]]:
        """What would show a container: the recorded id and the engine's events for the
        task, read once the event stream is proven to report (prove_events_report)."""
        self.prove_events_report()
        return self.task(task_id).container_id, self.events.for_task(task_id)

    def prove_events_report(self) -> None:
        """Prove the scenario's event log reports (EventLog.prove_reports): the probe's
        events are left out of every later answer."""
        self.events.prove_reports(self.image, SCENARIO_NETWORK)

    def all_events(self, *, proven: bool = False) -> list[ContainerEvent]:
        """The scenario's events but the probes'; with `proven`, read only once the event
        stream is proven to report (for a claim that nothing happened)."""
        if proven:
            self.prove_events_report()
        return [
            e for e in self.events.for_labels() if not (e.task_id or "").startswith(PROBE_PREFIX)
        ]

    def events_for(self, task_id: str, *, until_action: str = "die") -> list[ContainerEvent]:
        """Docker's events for the task's container, once `until_action` has been seen."""
        return wait_until(
            lambda: self.events.for_task(task_id),
            lambda events: any(e.action == until_action for e in events),
            timeout=10,
            describe=f"a {until_action!r} event for task {task_id}",
        )

    # -- cleaning up ---------------------------------------------------------------

    def leftover_containers(self) -> list[dict[str, Any]]:
        return raw_containers(self.engine, self.labels)

    def cleanup(self) -> list[str]:
        """Remove what this scenario left (only containers with its labels), stop its
        runners, delete its state dir. Returns the names of containers that were left."""
        self.cli.cleanup()  # first, so no runner process creates anything afterwards
        for path in [self.state_dir, *self._old_state_dirs]:
            end_processes_in(f"{path}/")  # a detached supervisor of a task still running
        for burner in self._burners:
            burner.kill()
            burner.wait()
        for container_id in [*self.kept_containers, *self.foreign_containers]:
            self.engine.remove(container_id)
        left = [c["Names"][0].lstrip("/") for c in self.leftover_containers()]
        for cleanup in self._cleanups:
            left += cleanup()
        self._remove_containers()
        closers = [threading.Thread(target=r.close, daemon=True) for r in self._runners]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(CLOSE_TIMEOUT)
        self._remove_containers()  # anything a runner created while it was closing
        for network in self._networks:
            self.engine.remove_network(network)
        for proxy in self._proxies:
            proxy.close()
        for disk in self._disks:
            disk.free()
            disk.close()
        for gate in self._gates:
            gate.close()
        for image in self._images_to_remove:
            self.engine.remove_image(image)
        for path in [self.state_dir, *self._old_state_dirs, *self._workspaces]:
            shutil.rmtree(path, ignore_errors=True)
        self.events.close()
        return left

    def _remove_containers(self) -> None:
        for container in self.leftover_containers():
            self.engine.remove(container["Id"])
