"""The queue's settings (queue/settings.json): the state dir's limit on running tasks and
its pools' sizes, and the checks of a limit, a pool's name and a priority. Only stdlib
imports: `list`, `show` and `config` read them too."""

from __future__ import annotations

import json
import re
from pathlib import Path

DEFAULT_MAX_RUNNING = 4
MAX_PRIORITY = 1_000_000
POOL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class QueueSettings:
    """The state dir's limit on running tasks, and its pools' sizes."""

    def __init__(self, max_running: int = DEFAULT_MAX_RUNNING, pools: dict | None = None):
        self.max_running = max_running
        self.pools: dict[str, int] = dict(pools or {})

    def to_payload(self) -> dict:
        return {"max_running": self.max_running, "pools": dict(sorted(self.pools.items()))}


def check_limit(option: str, value: object) -> int:
    """A limit: a whole number of at least 1 (ValueError naming `option` otherwise)."""
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(f"{option}: must be a whole number of at least 1, got {value!r}")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{option}: must be a whole number of at least 1, got {value!r}")
    return value


def check_pool_name(option: str, name: object) -> str:
    if not isinstance(name, str) or not POOL_NAME.fullmatch(name):
        raise ValueError(
            f"{option}: a pool name is 1 to 64 letters, digits, '.', '_' or '-' (starting "
            f"with a letter or digit), got {name!r}"
        )
    return name


def check_priority(option: str, value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_PRIORITY:
        raise ValueError(
            f"{option}: must be a whole number from {-MAX_PRIORITY} to {MAX_PRIORITY}, "
            f"got {value!r}"
        )
    return value


class UnreadableSettings(Exception):
    """The queue's settings file exists but cannot be read, or holds a bad value."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path} cannot be read ({why})")
        self.path = path
        self.why = why


def read_settings(path: Path) -> QueueSettings:
    """The settings as stored at `path` (the defaults where there is no file yet);
    UnreadableSettings, saying why, for a file that cannot be read or holds a bad value."""
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, NotADirectoryError):
        return QueueSettings()
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UnreadableSettings(path, _why(exc)) from None
    try:
        limit = check_limit("max_running", data.get("max_running", DEFAULT_MAX_RUNNING))
        pools = {
            check_pool_name("pool", k): check_limit(f"pool {k}", v)
            for k, v in (data.get("pools") or {}).items()
        }
    except (ValueError, AttributeError) as exc:
        raise UnreadableSettings(path, _why(exc)) from None
    return QueueSettings(limit, pools)


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    if isinstance(exc, AttributeError):
        return "not a JSON object of settings"
    return str(exc)
