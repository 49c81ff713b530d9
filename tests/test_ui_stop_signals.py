"""`agents-runner ui` stopped by two signals close together (`timeout` and `uv` both pass
one on): the second comes while the first one's handler holds the closing event's lock."""

from __future__ import annotations

import signal
import threading
from types import SimpleNamespace

from agents_runner.cli.ui_verb import stopping_server


class _EventSetWhileASignalComes:
    """An event whose set() holds its lock, as threading.Event's does, while the second
    signal's handler runs in the same thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.second = lambda: None
        self.times_set = 0

    def set(self) -> None:
        if not self.lock.acquire(timeout=2):
            raise AssertionError("the handler waited for the lock its own thread holds")
        try:
            self.times_set += 1
            second, self.second = self.second, lambda: None
            second()
        finally:
            self.lock.release()


async def _app(scope: object, receive: object, send: object) -> None:
    raise AssertionError("never served")


def test_a_second_signal_during_the_first_ones_handling_neither_hangs_nor_is_lost() -> None:
    closing = _EventSetWhileASignalComes()
    _app.state = SimpleNamespace(closing=closing)  # type: ignore[attr-defined]
    server = stopping_server(_app)
    closing.second = lambda: server.handle_exit(signal.SIGTERM, None)

    server.handle_exit(signal.SIGINT, None)

    assert closing.times_set == 1
    assert server.should_exit
    assert server.stopped_by == signal.SIGTERM
