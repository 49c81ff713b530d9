"""The command line's warnings: one line each, a system error's words in place of its
traceback (a person reads them); a bug's traceback is kept for its report."""

from __future__ import annotations

import subprocess
import sys

_PROGRAM = """
from agents_runner.logsetup import get_logger, warnings_to_stderr
warnings_to_stderr("agents-runner: warning: %(message)s")
try:
    open("/nonexistent-folder/file")
except OSError:
    get_logger("agents_runner.test").exception("task %s: could not release it", "abc")
try:
    {}["key"]
except KeyError:
    get_logger("agents_runner.test").exception("a bug")
"""


def test_a_warning_with_a_system_error_is_one_line_in_its_words() -> None:
    said = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, check=True
    ).stderr.splitlines()
    assert said[0] == (
        "agents-runner: warning: task abc: could not release it: "
        "/nonexistent-folder/file: No such file or directory"
    )
    assert said[1:3] == ["agents-runner: warning: a bug", "Traceback (most recent call last):"]
    assert said[-1] == "KeyError: 'key'"
