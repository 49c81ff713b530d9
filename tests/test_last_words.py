"""The line a reason quotes from an agent's output: the last that says something, never
a line of a stack trace. The logs in tests/data/last_words are real output, captured
offline: gemini's from `agents-runner run --agent gemini` in a container with no
network, claude's likewise, Node.js's from an uncaught `fetch` there, Python's from a
traceback and from faulthandler after a segmentation fault."""

from pathlib import Path

import pytest

from agents_runner.last_words import last_words
from agents_runner.supervise import last_line

DATA = Path(__file__).parent / "data" / "last_words"


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (
            "gemini-0.61.0-offline.log",
            "Attempt 4 failed. Retrying with backoff... "
            "Error: exception TypeError: fetch failed sending request",
        ),
        (
            "claude-2.1.332-offline.log",
            "API Error: Can't reach the API server — check your internet or DNS (EAI_AGAIN)",
        ),
        (
            "node-22-fetch-offline.log",
            "[cause]: Error: getaddrinfo EAI_AGAIN generativelanguage.googleapis.com",
        ),
        (
            "python-3.11-traceback.log",
            "json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: "
            "line 1 column 2 (char 1)",
        ),
        ("python-3.11-faulthandler.log", "Fatal Python error: Segmentation fault"),
    ],
)
def test_the_quoted_line_is_the_cause_not_a_frame(log, expected):
    assert last_words((DATA / log).read_text()) == expected


def test_the_real_gemini_log_ends_in_a_frame_that_is_not_quoted():
    """What today's reason quoted: the last line as it stands."""
    text = (DATA / "gemini-0.61.0-offline.log").read_text()
    assert text.splitlines()[-1].lstrip().startswith("at async CompositeStrategy.route (")


def test_plain_output_is_quoted_as_it_was():
    assert last_words("first\n\n  last words  \n\n") == "last words"
    assert last_words("at least one test failed\n") == "at least one test failed"
    assert last_words("working\n  at ease\n") == "working"  # indented "at": a frame
    assert last_words("") is None
    assert last_words("\n  \n") is None


def test_lines_without_a_letter_or_digit_say_nothing():
    assert last_words("done\n}\n---\n^^^^\n") == "done"


def test_a_quoted_line_is_cut_to_500_characters():
    assert last_words("x" * 600) == "x" * 500


def test_a_log_tail_starts_at_a_whole_line(tmp_path):
    log = tmp_path / "a.log"
    log.write_bytes(b"x" * 5000 + b"\nwhole line\n" + b"    at frame (f.js:1:1)\n" * 100)
    assert last_line(log) == "whole line"
    log.write_bytes(b"y" * 5000 + b"    at frame (f.js:1:1)\n" * 100)
    assert last_line(log) is None  # past the cut line, only frames
