"""Drives the real `agents-runner` command as separate processes, as a person would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from .pseudo_terminal import TerminalSession
from .waiting import wait_until

COMMAND_TIMEOUT = 120.0
NO_ENGINE = "unix:///nonexistent/docker.sock"  # a DOCKER_HOST that reaches nothing


def cli_executable() -> list[str]:
    """The console script installed beside this interpreter (what `uv run` puts on PATH)."""
    script = Path(sys.executable).parent / "agents-runner"
    return [str(script)] if script.exists() else [sys.executable, "-m", "agents_runner.cli"]


class CliDriver:
    def __init__(self, state_dir: Path, labels: dict[str, str], network: str) -> None:
        self.state_dir = state_dir
        self.labels = labels
        self.network = network
        self._background: list[subprocess.Popen[str]] = []
        self._terminals: list[TerminalSession] = []

    def argv(self, *args: str) -> list[str]:
        """The full command line; `run` gets the scenario's labels, so cleanup finds its
        containers, and its network."""
        args_list = list(args)
        if args_list and args_list[0] == "run":
            for key, value in self.labels.items():
                args_list[1:1] = ["--label", f"{key}={value}"]
            if "--network" not in args_list:
                args_list[1:1] = ["--network", self.network]
        return [*cli_executable(), "--state-dir", str(self.state_dir), *args_list]

    def run(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT,
        stdin: str | None = None,
        argv: list[str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """The command with its output in pipes; `argv` replaces the usual command line."""
        return subprocess.run(
            argv or self.argv(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )

    def listed_places(self) -> dict[str, str]:
        """Each unfinished task's PLACE column, as `list` (a process of its own, reading
        the disk) shows it."""
        result = self.run("list")
        if result.returncode != 0:
            raise AssertionError(f"list exited {result.returncode}: {result.stderr}")
        rows = [line.split() for line in result.stdout.splitlines()[1:]]
        return {row[0]: row[2] for row in rows}

    def start_in_terminal(self, *args: str) -> TerminalSession:
        """The command on a pseudo-terminal of its own, as a person's terminal runs it."""
        session = TerminalSession(self.argv(*args), env=dict(os.environ))
        self._terminals.append(session)
        return session

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """The command in the background, as in a terminal of its own."""
        return self._spawn(self.argv(*args), env)

    def start_into_reader(
        self, reader: list[str], *args: str, stderr_too: bool = False
    ) -> tuple[subprocess.Popen[str], subprocess.Popen[str]]:
        """The command with its output (and its error output, with `stderr_too`) piped into
        `reader`, as a shell runs `agents-runner ... | reader`; the command's own end of the
        pipe is the only one left open, so the reader's exit closes it."""
        command = subprocess.Popen(
            self.argv(*args),
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if stderr_too else subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self._background.append(command)
        assert command.stdout is not None
        reading = subprocess.Popen(reader, stdin=command.stdout, stdout=subprocess.PIPE, text=True)
        command.stdout.close()
        command.stdout = None  # the reader's now: communicate() must not read it
        self._background.append(reading)
        return command, reading

    def start_into_file(
        self, path: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """The command in the background with its output written to the file `path`, which
        can be read while it runs; its error output stays a pipe."""
        with path.open("wb") as output:
            return self._spawn(self.argv(*args), env, stdout=output)

    def start_with_errors_into_file(self, path: Path, *args: str) -> subprocess.Popen[str]:
        """The command in the background with its error output written to the file `path`,
        which can be read while it runs; its output stays a pipe."""
        with path.open("wb") as errors:
            return self._spawn(self.argv(*args), stderr=errors)

    def start_python(self, source: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """A separate Python process using the API (for runners the CLI cannot shape)."""
        return self._spawn([sys.executable, "-c", source], env)

    def _spawn(
        self,
        argv: list[str],
        env: dict[str, str] | None = None,
        stdout: Any = subprocess.PIPE,
        stderr: Any = subprocess.PIPE,
    ) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self._background.append(process)
        return process

    @staticmethod
    def kill_hard(process: subprocess.Popen[str]) -> None:
        """SIGKILL: the process gets no chance to tidy anything up."""
        process.send_signal(signal.SIGKILL)
        wait_until(
            process.poll, lambda code: code is not None, timeout=10, describe="the process to die"
        )

    def cleanup(self) -> None:
        for session in self._terminals:
            session.close()
        for process in self._background:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=10)
