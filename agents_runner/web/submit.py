"""`POST /api/tasks`: a new task from the page, with the fields and the checks of `run`
(TaskSpec's own validation, and run's readings of what is typed: a command line split as
a shell splits it, K=V pairs, durations such as 15m), handed to a detached supervisor as
`run --detach` hands it. A field at fault is named, so the page can say it beside it."""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING, Any

from ..agents import PROFILES

if TYPE_CHECKING:
    from ..spec import TaskSpec

# An API client may give any of `run`'s fields (as TaskSpec names them) but these two:
# secrets are never sent to a page's server, nor the login folder of its host.
_NOT_HERE = {"secrets", "host_login"}
_PAIRS = {"labels", "env"}
_DURATIONS = {"timeout", "stop_grace"}


class BadField(ValueError):
    """A submitted field that `run` would refuse; `field` names it."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _fields() -> set[str]:
    from ..spec import options

    return {name for name, _ in options()} - _NOT_HERE


def _pairs(name: str, value: Any) -> Any:
    """K=V items (a list, or one string of them split on blank space) as a dict."""
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list):
        return value  # a dict, or what TaskSpec refuses in its own words
    pairs = {}
    for item in value:
        key, sep, text = str(item).partition("=")
        if not sep or not key:
            raise BadField(f"{name}: {item!r}: expected K=V", name)
        pairs[key] = text
    return pairs


def _read(name: str, value: Any) -> Any:
    if name == "command" and isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise BadField(f"command: {exc}", name) from None
    if name in _PAIRS:
        return _pairs(name, value)
    if name in _DURATIONS and isinstance(value, str):
        from ..terminal import parse_duration

        try:
            return parse_duration(value)
        except argparse.ArgumentTypeError as exc:
            raise BadField(f"{name}: {exc}", name) from None
    return value


def spec_values(body: Any) -> dict[str, Any]:
    """The TaskSpec fields a submission asks for, an empty one left out (so it keeps
    its default, as an option not given to `run`); the image defaults to the agent's."""
    if not isinstance(body, dict):
        raise BadField("body: a JSON object of the task's fields", "body")
    known = _fields()
    values = {}
    for name, value in body.items():
        if name not in known:
            raise BadField(f"{name}: not a field of a task that the page takes", str(name))
        if value is None or value == "" or value == [] or value == {}:
            continue
        values[name] = _read(name, value)
    if "image" not in values:
        profile = PROFILES.get(str(values.get("agent") or ""))
        if profile is None or profile.default_image is None:
            raise BadField("image: give the image to run, e.g. busybox:1.36", "image")
        values["image"] = profile.default_image
    return values


def build_spec(body: Any) -> TaskSpec:
    """The TaskSpec `body` asks for, checked as `run` checks it; BadField if it is not
    one. The spec module is imported on the first submission, not to read."""
    from ..spec import TaskSpec

    values = spec_values(body)
    try:
        spec = TaskSpec(**values)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        field = message.partition(":")[0] if ":" in message else "body"
        raise BadField(message, field) from None
    if spec.agent is not None and not spec.prompt.strip():
        raise BadField(f"prompt: the {spec.agent} agent needs a prompt", "prompt")
    return spec
