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
    """The command's stdin, stdout and stderr are the slave side of one pty; everything it
    writes is collected from the master side."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        self._master = master
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
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

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        with contextlib.suppress(OSError):
            os.close(self._master)
