"""The behave processes of a parallel run, each over its share of the scenarios."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..allure_evidence import ALLURE_VARIABLE
from . import allure_parts
from .plan import PlannedScenario
from .worker_env import PARTS_VARIABLE, WORKER_VARIABLE


@dataclass
class Worker:
    name: str
    scenarios: list[PlannedScenario]
    folder: Path
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    ended: float = 0.0

    @property
    def output(self) -> Path:
        return self.folder / "behave.txt"

    @property
    def junit(self) -> Path:
        return self.folder / "junit"

    def start(self, *, stop: bool = False) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "behave",
            "--no-skipped",
            "--junit-directory",
            str(self.junit),
        ]
        if stop:
            command.append("--stop")
        environment = {**os.environ, WORKER_VARIABLE: self.name, PARTS_VARIABLE: str(self.folder)}
        if allure_parts.requested() is not None:
            command += allure_parts.HIDE_EXCLUDED
            environment[ALLURE_VARIABLE] = str(allure_parts.worker_folder(self.folder))
        command += [s.location for s in self.scenarios]
        with self.output.open("wb") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, env=environment
            )
        self.started = time.monotonic()

    def wait(self) -> int:
        assert self.process is not None
        code = self.process.wait()
        self.ended = time.monotonic()
        return code

    def interrupt(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)


def run_all(workers: list[Worker], *, stop: bool = False) -> list[int]:
    """Start every worker, wait for all; on Ctrl-C pass the interrupt on and wait.
    With `stop`, each worker stops at its first failure and the others are interrupted."""
    for worker in workers:
        worker.start(stop=stop)
    try:
        return _as_they_end(workers, stop=stop)
    except KeyboardInterrupt:
        for worker in workers:
            worker.interrupt()
        return [worker.wait() for worker in workers]


def _as_they_end(workers: list[Worker], *, stop: bool) -> list[int]:
    """Each worker's code as it ends (a thread waits on each, so that each one's end is
    its own); with `stop`, the first failure interrupts the rest."""
    ended: queue.Queue[tuple[Worker, int]] = queue.Queue()

    def report(worker: Worker) -> None:
        ended.put((worker, worker.wait()))

    for worker in workers:
        threading.Thread(target=report, args=(worker,), daemon=True).start()
    codes: dict[str, int] = {}
    while len(codes) < len(workers):
        worker, code = ended.get()
        codes[worker.name] = code
        if stop and code != 0:
            for other in workers:
                other.interrupt()
    return [codes[worker.name] for worker in workers]
