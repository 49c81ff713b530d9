"""What a killed test run leaves behind, found and removed by a later run (as
testcontainers' reaper does).

Each run registers itself (its process identity and its engine's address) in
RUNS_DIR; its containers carry its run label, and its temporary folders are named
after its run id. A run whose process is gone is dead: the next run on the same engine
ends the processes still working in its folders (detached supervisors), removes its
containers and folders, then its entry. A run on another engine (the
Docker and the Podman suites run side by side) is left for that engine's next run:
this one could not see its containers, and unregistering it would leak them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from ..proc import start_ticks
from ..processes import ProcessIdentity
from .oracle import raw_containers
from .state_dir_processes import end_processes_in
from .suite_docker import SuiteDocker

RUNS_DIR = Path(tempfile.gettempdir()) / "agents-runner-test-runs"
RUN_LABEL = "agents-runner-test.run"


def temp_prefix(run_id: str) -> str:
    """The prefix of every temporary folder a run makes."""
    return f"agents-runner-test-{run_id}-"


DEFAULT_ENGINE = "unix:///var/run/docker.sock"


def engine_address() -> str:
    """The engine this process's runs use, as the Docker SDK picks it (DOCKER_HOST)."""
    return os.environ.get("DOCKER_HOST", "").strip() or DEFAULT_ENGINE


def register(run_id: str, identity: ProcessIdentity | None = None) -> None:
    """Written whole, then renamed into place: another run reading the registry never
    sees the entry half-written, which it would take for a dead run's and reap."""
    RUNS_DIR.mkdir(mode=0o700, exist_ok=True)
    entry = {**(identity or ProcessIdentity.current()).to_payload(), "engine": engine_address()}
    partial = RUNS_DIR / f".{run_id}.{os.getpid()}.{threading.get_ident()}.partial"
    partial.write_text(json.dumps(entry))
    os.replace(partial, RUNS_DIR / f"{run_id}.json")


def unregister(run_id: str) -> None:
    (RUNS_DIR / f"{run_id}.json").unlink(missing_ok=True)


def dead_runs() -> list[str]:
    """The dead runs on this process's engine (an entry that names none is anyone's)."""
    if not RUNS_DIR.is_dir():
        return []
    dead = []
    for entry in sorted(RUNS_DIR.glob("*.json")):
        try:
            payload = json.loads(entry.read_text())
        except (OSError, ValueError):
            payload = None
        if (
            isinstance(payload, dict)
            and payload.get("engine", engine_address()) != engine_address()
        ):
            continue
        owner = ProcessIdentity.from_payload(payload)
        if owner is None or not owner.is_alive():
            dead.append(entry.stem)
    return dead


def remove_dead_partials() -> list[Path]:
    """Remove the half-written entries (register's `.partial` files) of processes that
    died before renaming them into place; returns those removed."""
    if not RUNS_DIR.is_dir():
        return []
    removed = []
    for partial in sorted(RUNS_DIR.glob(".*.partial")):
        try:
            pid = int(partial.name.split(".")[2])
        except (IndexError, ValueError):
            continue
        if start_ticks(pid) is None:  # no such process
            partial.unlink(missing_ok=True)
            removed.append(partial)
    return removed


def unique_image(registry: str, run_id: str) -> str:
    """The image a run pushes to the test registry for its pulls (registry.py)."""
    return f"{registry}/agents-runner-test/pull-{run_id}:1"


def remove_pulled_images(engine: SuiteDocker, run_id: str) -> list[str]:
    """Remove the run's registry image wherever it was pulled from (the registry itself or
    a scenario's gate in front of it); returns a line for each."""
    suffix = unique_image("", run_id)
    pulled = [tag for tag in engine.image_tags() if tag.endswith(suffix)]
    for tag in pulled:
        engine.remove_image(tag)
    return [f"image {tag}" for tag in pulled]


def reap(engine: SuiteDocker, elsewhere: Callable[[str], list[str]] | None = None) -> list[str]:
    """Remove what dead runs left; returns a line for each thing removed. `elsewhere`
    removes what a run left outside its engine (on the test Swarm) and says what."""
    removed = []
    for run_id in dead_runs():
        # First, so that no supervisor of the run's makes anything while the rest goes.
        removed += [f"{line} of dead run {run_id}" for line in end_processes(run_id)]
        if elsewhere is not None:
            removed += [f"{left} of dead run {run_id}" for left in elsewhere(run_id)]
        removed += [f"{line} of dead run {run_id}" for line in remove_pulled_images(engine, run_id)]
        for container in raw_containers(engine, {RUN_LABEL: run_id}):
            engine.remove(container["Id"])
            removed.append(f"container {container['Names'][0].lstrip('/')} of dead run {run_id}")
        for network in engine.networks({RUN_LABEL: run_id}):
            engine.remove_network(network)
            removed.append(f"network {network} of dead run {run_id}")
        removed += [f"folder {folder} of dead run {run_id}" for folder in remove_folders(run_id)]
        unregister(run_id)
    removed += [f"half-written registry entry {p.name}" for p in remove_dead_partials()]
    return removed


def end_processes(run_id: str) -> list[str]:
    """End the processes working in the run's folders (a scenario's detached supervisors
    and watchdogs, in sessions of their own); returns a line for each."""
    return end_processes_in(str(Path(tempfile.gettempdir()) / temp_prefix(run_id)))


def remove_folders(run_id: str) -> list[Path]:
    """Remove the run's temporary folders; returns those there were."""
    folders = sorted(Path(tempfile.gettempdir()).glob(temp_prefix(run_id) + "*"))
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return folders
