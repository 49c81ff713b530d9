"""The command line's warnings: one line each, an exception's words in place of its
traceback (a person reads them; "never a traceback")."""

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
    get_logger("agents_runner.test").exception("no %s", "key")
"""


def test_a_warning_with_an_exception_is_one_line_in_the_exceptions_words() -> None:
    said = subprocess.run(
        [sys.executable, "-c", _PROGRAM], capture_output=True, text=True, check=True
    ).stderr
    assert said.splitlines() == [
        "agents-runner: warning: task abc: could not release it: No such file or directory",
        "agents-runner: warning: no key: 'key'",
    ]
