"""A command run on a real pseudo-terminal, as a person's terminal would run it."""

from __future__ import annotations

import contextlib
import os
import pty
import signal
import subprocess
import threading

from .waiting import wait_until


class TerminalSession:
    """The command's stdin, stdout and stderr are the slave side of one pty, which is also
    its controlling terminal (it leads a session of its own, as a shell's job would lead
    its process group: the kernel hangs up what the terminal's session leaves behind);
    everything it writes is collected from the master side."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self._master = master
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        # setsid(1) -c: a new session whose controlling terminal is its stdin, then exec
        # (the same process: Popen's child leads no process group, so setsid need not fork)
        self.process = subprocess.Popen(
            ["setsid", "--ctty", *argv], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO once the last slave descriptor is closed
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    @property
    def output(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode(errors="replace")

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to the terminal's foreground process group, as the tty driver does."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code

    def wait_for_output(self, text: str, timeout: float) -> str:
        return wait_until(
            lambda: self.output,
            lambda output: text in output,
            timeout=timeout,
            describe=f"{text!r} on the terminal",
        )

    def hang_up(self) -> None:
        """Close the terminal, as a terminal window closes: the master side goes away."""
        self._reader.join(timeout=10)
        self._close_master()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        self._close_master()

    def _close_master(self) -> None:
        master, self._master = self._master, -1
        if master >= 0:
            with contextlib.suppress(OSError):
                os.close(master)
