"""TaskRunner's own options, checked before anything is opened or written; each error
names the option as the caller wrote it (docs/CONTRACT.md, C-2.2 and C-2.3)."""

from __future__ import annotations

import math

from ..engine.boundary import EngineBoundary
from ..queue_settings import check_limit

ADOPT_IN = ("thread", "process")


def check_poll_interval(value: object) -> float:
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not (is_number and math.isfinite(value) and value > 0):  # type: ignore[arg-type, operator]
        raise ValueError(f"poll_interval: must be a number of seconds more than 0, got {value!r}")
    return value  # type: ignore[return-value]


def check_adopt_in(value: object) -> str:
    if value not in ADOPT_IN:
        raise ValueError(f"adopt_in: must be 'thread' or 'process', got {value!r}")
    return str(value)


def check_engine(engine: object) -> None:
    """An engine given must be one: its class has every call of the engine boundary
    (read from the class, so that no property asks the engine anything yet)."""
    needed = [name for name in vars(EngineBoundary) if not name.startswith("_")]
    if any(not hasattr(type(engine), name) for name in needed):
        raise TypeError(
            "engine: an agents_runner.Engine, e.g. Engine.at(url) or Engine.from_env(), or "
            f"a SwarmEngine, not {type(engine).__name__}"
        )


def checked_options(
    engine: object, max_running: object, poll_interval: object, adopt_in: object
) -> tuple[int | None, float]:
    """Every option checked; `max_running` and `poll_interval` as numbers."""
    if engine is not None:
        check_engine(engine)
    limit = None if max_running is None else check_limit("max_running", max_running)
    check_adopt_in(adopt_in)
    return limit, check_poll_interval(poll_interval)
