"""How agents_runner's warnings reach a person, with `logging` imported only once there
is one to give: importing it (with traceback, linecache, tokenize) costs the read verbs
a good part of their start.

The command line calls warnings_to_stderr() instead of logging.basicConfig(); every
module gets its logger from get_logger(), which applies that configuration first. So a
module that logs from its import (runner, supervisor) or a read verb that warns once
(the store) all format alike, and a read verb with nothing to say never imports logging.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    import logging

_pending_format: str | None = None


def warnings_to_stderr(line_format: str) -> None:
    """Warnings and errors on stderr as `line_format` (a logging format): at once if logging
    is imported already, else when the first logger is asked for."""
    global _pending_format
    _pending_format = line_format
    if "logging" in sys.modules:
        _configure()


def get_logger(name: str) -> logging.Logger:
    _configure()
    import logging

    return logging.getLogger(name)


def _configure() -> None:
    global _pending_format
    if _pending_format is None:
        return
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(_one_line_formatter(_pending_format))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    _pending_format = None


def _one_line_formatter(line_format: str) -> logging.Formatter:
    """A person reads one line per warning: a system error logged with it (a full disk, a
    file gone) ends the line in its own words, without its traceback. Any other exception
    is a bug, and keeps its traceback for the report."""
    import logging

    class OneLine(logging.Formatter):
        """line_format, with a logged OSError's words in place of its traceback."""

        def format(self, record: logging.LogRecord) -> str:
            error = record.exc_info[1] if record.exc_info else None
            if isinstance(error, OSError):
                from .error_words import in_words

                words = in_words(error)
                record = logging.makeLogRecord(
                    {**record.__dict__, "msg": f"{record.getMessage()}: {words}", "args": None}
                )
                record.exc_info = record.exc_text = None
            return super().format(record)

    return OneLine(line_format)
