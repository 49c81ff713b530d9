"""The line of an agent's last output that says what happened: the last line that is
not part of a stack trace. Pure: no I/O.

A CLI that dies of an error often prints the error, then where it came from: Node.js
and the JVM print "    at …" frames after the message (Node.js then the error's
properties between braces, its `[cause]`, and "Node.js v22.x" last); Python prints
'  File "…", line N' frames, each with its source line, before it. Quoting the last
line as it stands would quote a frame, which names a place in the CLI's code, not
what went wrong.
"""

from __future__ import annotations

import re

# V8, the JVM and Rust backtraces: "    at fn (file:line:col)", indented.
_AT_FRAME = re.compile(r"^\s+at\s\S")
# Python: '  File "path", line 12, in function'; its source line follows, deeper.
_PYTHON_FRAME = re.compile(r'^(\s*)File "[^"]*", line \d+')
# Around the frames: the JVM's "... 12 more", Node.js's last line after an uncaught
# error, and Python's headers ("Traceback (most recent call last):", faulthandler's
# "Current thread 0x… (most recent call first):").
_AROUND_FRAMES = re.compile(
    r"^(\.\.\. \d+ more|Node\.js v\d+(\.\d+)*|.*\(most recent call (first|last)\):)$"
)
LIMIT = 500


def last_words(text: str) -> str | None:
    """The last line of `text` that says something, stripped and cut to 500
    characters; None when no line does."""
    said: list[str] = []
    depth = 0  # inside the properties Node.js prints after an error's frames
    source_below: int | None = None  # the indent of a Python frame whose source follows
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        indent = len(raw) - len(raw.lstrip())
        if source_below is not None and indent > source_below:
            continue  # a Python frame's source line, or its ^^^ markers
        source_below = None
        if frame := _PYTHON_FRAME.match(raw):
            source_below = len(frame.group(1))
            continue
        if depth and line.startswith("}"):
            depth -= 1
            continue
        if _AT_FRAME.match(raw):
            depth += line.endswith("{")
            continue
        if depth:
            if line.startswith("[cause]:"):
                said.append(line)  # the error beneath: often the very cause
            depth += line.endswith("{")
            continue
        if _AROUND_FRAMES.match(line) or not any(char.isalnum() for char in line):
            continue
        said.append(line)
    return said[-1][:LIMIT] if said else None
