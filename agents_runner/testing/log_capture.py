"""Keeping a logger's records for the length of a scenario."""

from __future__ import annotations

import logging

from behave.runner import Context


class _Keeper(logging.Handler):
    def __init__(self, lines: list[str], level: int) -> None:
        super().__init__(level)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def capture_records(context: Context, logger_name: str, level: int) -> list[str]:
    """The formatted records `logger_name` emits from now until the scenario ends (the
    logger's level lowered to `level` meanwhile)."""
    lines: list[str] = []
    handler = _Keeper(lines, level)
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    context.add_cleanup(logger.setLevel, previous)
    context.add_cleanup(logger.removeHandler, handler)
    return lines
