"""A system error as a person reads it: the file, then what went wrong, not Python's
"[Errno 28] ..."."""

from __future__ import annotations


def in_words(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    return str(error)
