"""The suite's engine proxy: a cut breaks a connection that is still being set up.

A busy machine can hold the proxy's accept thread between taking a connection and
reaching the engine for as long as it likes. A cut that comes then must still break the
connection; before af02204 it slipped through and lived through the outage. Here the
engine is a Unix socket whose backlog is full, so the proxy's connect to it blocks, and
the cut comes while it does."""

from __future__ import annotations

import linecache
import socket
import sys
import threading
from pathlib import Path
from types import FrameType

from agents_runner.testing.engine_proxy import EngineProxy
from agents_runner.testing.waiting import wait_until


def _in_upstream_connect() -> bool:
    """Whether the proxy's accept thread is inside its connect to the engine."""
    frames = sys._current_frames()
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if thread.name != "engine-proxy" or frame is None:
            continue
        if frame.f_code.co_name == "_accept" and "connect(" in _source_line(frame):
            return True
    return False


def _source_line(frame: FrameType) -> str:
    return linecache.getline(frame.f_code.co_filename, frame.f_lineno)


def test_a_cut_breaks_a_connection_the_proxy_is_still_setting_up(tmp_path: Path) -> None:
    engine_path = str(tmp_path / "engine.sock")
    engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    engine.bind(engine_path)
    engine.listen(0)  # room for one waiting connection; the next connect blocks
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    filler.connect(engine_path)
    proxy = EngineProxy(str(tmp_path / "run-"), upstream=engine_path)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(proxy.path))
        wait_until(
            _in_upstream_connect,
            bool,
            timeout=10,
            describe="the proxy's accept thread to block in its connect to the engine",
        )
        proxy.cut(60)
        client.settimeout(10)
        try:
            answer = client.recv(1)
        except ConnectionResetError:
            answer = b""
        except TimeoutError:
            raise AssertionError("the cut left open a connection being set up") from None
        assert answer == b"", answer
        assert proxy.connections_cut == 1
    finally:
        client.close()
        engine.settimeout(0.5)
        while True:  # let the proxy's connect through, so that its thread ends
            try:
                engine.accept()[0].close()
            except TimeoutError:
                break
        proxy.close()
        filler.close()
        engine.close()
