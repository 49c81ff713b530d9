"""The page's server without a browser: its reads never load the Docker SDK, the log is
served by byte offset, and the token and origin rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agents_runner.web.logview import LOG_CHUNK, log_slice, shown

READS_WITHOUT_DOCKER = (
    "import sys, tempfile\n"
    "from agents_runner.store import TaskStore\n"
    "from agents_runner.web.app import make_app\n"
    "make_app(TaskStore(tempfile.mkdtemp()), '.', 'token')\n"
    "print('docker' in sys.modules)\n"
)


def test_serving_the_page_imports_no_docker_sdk():
    shown = subprocess.run(
        [sys.executable, "-c", READS_WITHOUT_DOCKER], capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "False"


def test_the_log_is_served_by_offset_with_nothing_twice(tmp_path):
    log = tmp_path / "task.log"
    lines = b"".join(b"line %d\n" % n for n in range(20000))
    log.write_bytes(lines)
    offset, got = 0, b""
    while True:
        data, following = log_slice(log, offset)
        if following == offset:
            break
        assert len(data) <= LOG_CHUNK
        assert data.endswith(b"\n")
        got, offset = got + data, following
    assert got == lines


def _pieces(log) -> list[bytes]:
    offset, pieces = 0, []
    while True:
        data, following = log_slice(log, offset)
        if following == offset:
            return pieces
        pieces.append(data)
        offset = following


@pytest.mark.parametrize(
    ("straddling", "expected"),
    [
        (b"\x1b[1;31m", ""),  # a colour code
        (b"\x1b]0;title\x07", ""),  # a window title (OSC)
        (b"\x1b]8;;file:///x\x1b\\", ""),  # a link (OSC ended by ESC \\)
        ("é".encode(), "é"),  # two bytes of UTF-8
        ("€".encode(), "€"),  # three
        ("🙂".encode(), "🙂"),  # four
    ],
)
def test_a_line_longer_than_a_chunk_is_not_cut_inside_a_code_or_a_character(
    tmp_path, straddling, expected
):
    """A line over LOG_CHUNK bytes is served in pieces: no piece ends inside an escape
    sequence or a UTF-8 character, so each piece shown alone shows the same text."""
    for before in range(1, len(straddling)):
        log = tmp_path / f"task-{before}.log"
        head = b"a" * (LOG_CHUNK - before)
        log.write_bytes(head + straddling + b"z\n")
        pieces = _pieces(log)
        assert b"".join(pieces) == head + straddling + b"z\n"
        assert "".join(shown(piece) for piece in pieces) == "a" * len(head) + expected + "z\n"


def test_a_chunk_of_escape_bytes_alone_still_moves_on(tmp_path):
    """A piece is never empty: an unending escape sequence is served as it is."""
    log = tmp_path / "task.log"
    log.write_bytes(b"\x1b]" + b"x" * (3 * LOG_CHUNK))
    assert b"".join(_pieces(log)) == log.read_bytes()


def test_a_log_not_yet_written_is_empty(tmp_path):
    assert log_slice(tmp_path / "missing.log", 0) == (b"", 0)


def test_the_pages_scripts_parse_as_javascript(tmp_path):
    """A Python escape in a script's string (a NUL for "\\x00") breaks a whole page."""
    import shutil

    import pytest

    from agents_runner.web import scripts

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    for name, text in (
        ("board", scripts.COMMON + scripts.BOARD % {"states": "[]", "limit": 50, "form": "[]"}),
        ("task", "const TERMINAL=[];const TAIL=1;" + scripts.COMMON + scripts.TASK % {}),
    ):
        path = tmp_path / f"{name}.js"
        path.write_text(text)
        checked = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr


def test_ctrl_c_stops_the_server_at_once_while_an_event_stream_is_open(tmp_path):
    """Ctrl-C ends the open streams, which uvicorn would otherwise wait for: status 130."""
    import signal
    import urllib.request

    server = subprocess.Popen(
        [sys.executable, "-m", "agents_runner.cli", "--state-dir", str(tmp_path), "ui"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        base, _, token = url.partition("/?token=")
        request = urllib.request.Request(
            base + "/api/events", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as stream:
            assert stream.readline() == b"event: change\n"
            server.send_signal(signal.SIGINT)
            assert server.wait(timeout=4) == 130, server.stderr.read()  # type: ignore[union-attr]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_chosen_token_too_short_is_refused_in_one_line(tmp_path):
    import os

    done = subprocess.run(
        [sys.executable, "-m", "agents_runner.cli", "--state-dir", str(tmp_path), "ui"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AGENTS_RUNNER_UI_TOKEN": "short"},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "agents-runner: error: AGENTS_RUNNER_UI_TOKEN: at least 16 letters, digits, '-' or '_'"
        " (it stands in for a password)"
    ]
