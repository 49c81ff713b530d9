"""TaskSpec: what a user asks to run, validated before anything is stored."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from .agents import get_profile, known_agents
from .config import (
    CONSTRAINT_HELP,
    DEFAULT_MEMORY,
    DEFAULT_NOFILE,
    DEFAULT_PIDS_LIMIT,
    DEFAULT_PULL,
    DEFAULT_STOP_GRACE,
    DEFAULT_TMP_SIZE,
    DEFAULT_USER,
    DURATION_HELP,
    PULL_POLICIES,
)
from .host_login import check_host_login
from .queue_settings import check_pool_name, check_priority
from .spec_checks import (
    MAX_NOFILE,
    MAX_PIDS,
    check_agent_secrets,
    check_argv,
    check_capabilities,
    check_command,
    check_constraints,
    check_count,
    check_cpus,
    check_env_names,
    check_flag,
    check_image,
    check_labels,
    check_memory,
    check_same_owner,
    check_seconds,
    check_size,
    check_text,
    check_user,
    check_variables,
    check_workspace,
    check_workspace_owner,
)
from .spec_fields import Option, spec_field, when_absent

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import Any


@dataclass(frozen=True)
class TaskSpec:
    """What a user asks to run: the image, the agent and its prompt (or a command), and
    the container's settings. Validated and normalised when built, so a TaskSpec that
    exists is one that can be stored and run; secret values stay in memory only.

    Each field is declared once, here, in the order `run --help` offers them: its default
    (from config.py), how to_payload() keeps it and the `run` option that sets it (in its
    metadata, see spec_fields.py) are read from this declaration by the payload, the
    command line's parser and its `run` verb."""

    image: str = spec_field(
        option=Option(
            ("--image",),
            "the image to run, e.g. busybox:1.36 (default for an agent: its own image, "
            "see 'images')",
        )
    )
    agent: str | None = spec_field(
        None, option=Option(("--agent",), f"agent profile: {', '.join(known_agents())}")
    )
    prompt: str = spec_field(
        "",
        option=Option(
            ("--prompt",),
            "the prompt, passed to the agent as one argument ('-': read it from stdin; "
            "over 100 KB it reaches the agent on its stdin)",
        ),
    )
    agent_args: Sequence[str] = spec_field(
        (),
        payload="list",
        option=Option(
            ("--agent-arg",),
            "extra argument for the agent CLI, before the prompt (repeatable)",
            metavar="ARG",
            action="append",
        ),
    )
    agent_path: str | None = spec_field(
        None,
        option=Option(("--agent-path",), "the agent CLI's executable in the image", "PATH"),
    )
    env: Mapping[str, str] = spec_field(
        factory=dict,
        payload="dict",
        option=Option(
            ("--env", "-e"),
            "environment variable (stored); K alone takes the value of $K, as docker run -e K",
            "K[=V]",
            action="append",
        ),
    )
    secrets: Mapping[str, str] = spec_field(
        factory=dict,
        repr=False,
        payload=None,  # only their names are kept: secret_names
        option=Option(
            ("--secret",),
            "secret environment variable, never stored; K alone takes the value of $K "
            "(keeps it out of your shell history)",
            "K[=V]",
            action="append",
        ),
    )
    workspace: str | os.PathLike[str] | None = spec_field(  # noqa: RUF009 (spec_field is field)
        None, option=Option(("--workspace",), "host directory mounted at /workspace", "DIR")
    )
    # True (this user's home) or a home folder whose login for the agent's CLI is handed over
    host_login: str | bool | None = spec_field(
        None,
        option=Option(
            ("--host-login",),
            "hand the agent CLI's login in your home (~/.codex, ~/.claude and "
            "~/.claude.json, ~/.gemini, ~/.copilot) to the task, mounted read-write, never "
            "copied",
            action="store_true",
        ),
    )
    timeout: float | None = spec_field(
        None,
        option=Option(
            ("--timeout",),
            f"deadline, counted from running: {DURATION_HELP}",
            "DURATION",
            type="duration",
        ),
    )
    stop_grace: float = spec_field(
        DEFAULT_STOP_GRACE,
        option=Option(
            ("--grace",),
            f"stop grace before SIGKILL (default {DEFAULT_STOP_GRACE:g}s)",
            "DURATION",
            type="duration",
        ),
    )
    pull: str = spec_field(
        DEFAULT_PULL,
        option=Option(("--pull",), f"pull policy (default: {DEFAULT_PULL})", choices=PULL_POLICIES),
    )
    network: str | None = spec_field(
        None, option=Option(("--network",), "Docker network to attach to", "NET")
    )
    memory: int | str | None = spec_field(  # None: no limit
        DEFAULT_MEMORY,
        absent=None,
        option=Option(
            ("--memory",),
            f"memory limit, no swap: 512m, 2g, or unlimited (default {DEFAULT_MEMORY})",
            "SIZE",
        ),
    )
    cpus: float | None = spec_field(
        None, option=Option(("--cpus",), "CPU limit, e.g. 1.5", "N", type="number")
    )
    user: str | None = spec_field(  # None: the workspace's owner, else DEFAULT_USER
        None,
        option=Option(
            ("--user",),
            "who the agent runs as: 1000, 1000:1000, root (default: the workspace's owner, "
            f"else {DEFAULT_USER})",
            "USER",
        ),
    )
    cap_add: Sequence[str] = spec_field(  # every capability is dropped; these are given back
        (),
        payload="list",
        option=Option(
            ("--cap-add",),
            "give back one Linux capability, e.g. NET_RAW (all are dropped; repeatable)",
            "CAP",
            action="append",
        ),
    )
    pids_limit: int | None = spec_field(  # None: no limit
        DEFAULT_PIDS_LIMIT,
        absent=None,
        option=Option(
            ("--pids-limit",),
            f"most processes at once, or unlimited (default {DEFAULT_PIDS_LIMIT})",
            "N",
            type="count_or_unlimited",
        ),
    )
    nofile: int | None = spec_field(  # None: the engine's default
        DEFAULT_NOFILE,
        absent=None,
        option=Option(
            ("--nofile",),
            f"most open files per process, or unlimited (default {DEFAULT_NOFILE})",
            "N",
            type="count_or_unlimited",
        ),
    )
    tmp_size: int | str | None = spec_field(  # /tmp on a tmpfs of this size; None: no tmpfs
        DEFAULT_TMP_SIZE,
        absent=None,
        option=Option(
            ("--tmp-size",),
            f"size of the tmpfs at /tmp, or unlimited for no tmpfs (default {DEFAULT_TMP_SIZE})",
            "SIZE",
        ),
    )
    read_only: bool = spec_field(  # a read-only root filesystem
        False,
        option=Option(
            ("--read-only",),
            "a read-only root filesystem; /workspace, HOME and /tmp stay writable",
            action="store_true",
        ),
    )
    constraints: Sequence[str] = spec_field(  # where a Swarm may place it; one engine: none
        (),
        payload="list",
        option=Option(("--constraint",), CONSTRAINT_HELP, "EXPR", action="append"),
    )
    labels: Mapping[str, str] = spec_field(
        factory=dict,
        payload="dict",
        option=Option(("--label",), "container label (repeatable)", "K=V", action="append"),
    )
    priority: int = spec_field(
        0,
        option=Option(
            ("--priority",),
            "the task's place in the state dir's queue: higher goes first, ties in "
            "submission order (default 0)",
            "N",
        ),
    )
    pool: str | None = spec_field(
        None,
        option=Option(("--pool",), "take a slot of this pool too (see 'config pool')", "NAME"),
    )
    keep_container: bool = spec_field(False)  # the API's only: no option sets it
    command: Sequence[str] | None = spec_field(
        None,
        payload="list",
        option=Option(
            ("command_argv",),
            "command instead of an agent",
            "-- COMMAND ARG",
            nargs="*",
            said="the command after --",
        ),
    )
    # Which secrets the task was given: kept on disk, unlike their values.
    secret_names: tuple[str, ...] = spec_field((), payload="list", init=False)

    def __post_init__(self) -> None:
        _validate_and_normalise(self)
        object.__setattr__(self, "secret_names", tuple(sorted(self.secrets)))

    def argv(self) -> list[str]:
        """The container's command: `command` if given, else the agent profile's argv."""
        if self.command is not None:
            return list(self.command)
        assert self.agent is not None
        return get_profile(self.agent).argv(self.prompt, self.agent_args, self.agent_path)

    def _resolved_argv(self) -> list[str] | None:
        try:
            return self.argv()
        except (ValueError, AssertionError):  # a stored spec whose profile is gone
            return None

    def to_payload(self) -> dict[str, Any]:
        """The persisted form: secret values never leave memory, only their names; and
        the argv that runs."""
        payload: dict[str, Any] = {}
        for name, form in _PAYLOAD_FORMS:
            value = getattr(self, name)
            payload[name] = value if value is None or form == "value" else _KEPT_AS[form](value)
        payload["argv"] = self._resolved_argv()
        return payload

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> TaskSpec:
        """Rebuild a stored spec without re-validating it: a workspace that has since
        disappeared must not make an old task unreadable."""
        spec = object.__new__(cls)
        names = {f.name for f in fields(cls)}
        values: dict[str, Any] = {f.name: when_absent(f) for f in fields(cls)}
        values.update({k: v for k, v in data.items() if k in names and k != "secrets"})
        values["secret_names"] = tuple(data.get("secret_names") or ())
        if not isinstance(values["image"], str):
            raise ValueError("spec.image is missing or not a string")
        for name, value in values.items():
            object.__setattr__(spec, name, value)
        return spec


# Each field to_payload() keeps, and how: read once from the declaration.
_PAYLOAD_FORMS = tuple(
    (f.name, f.metadata["payload"]) for f in fields(TaskSpec) if f.metadata["payload"]
)
_KEPT_AS = {"list": list, "dict": dict}


def options() -> list[tuple[str, Option]]:
    """The fields `run` offers, with their options, in the order of the declaration."""
    return [(f.name, f.metadata["option"]) for f in fields(TaskSpec) if "option" in f.metadata]


def _set(spec: TaskSpec, name: str, value: Any) -> None:
    object.__setattr__(spec, name, value)


def _validate_and_normalise(spec: TaskSpec) -> None:
    _set(spec, "image", check_image(spec.image))
    _set(spec, "priority", check_priority("priority", spec.priority))
    if spec.pool is not None:
        _set(spec, "pool", check_pool_name("pool", spec.pool))
    _set(spec, "prompt", check_text("prompt", spec.prompt))
    _set(spec, "command", check_command(spec.command))
    _set(spec, "agent_args", check_argv("agent_args", spec.agent_args, allow_empty=True))
    if spec.agent is not None:
        if not isinstance(spec.agent, str):
            raise ValueError("agent: must be a profile name (a string)")
        get_profile(spec.agent)
        if spec.command is not None:
            raise ValueError(
                "agent: give an agent profile or a command to run, not both "
                "(the command would run and the agent would be ignored)"
            )
    elif spec.command is None:
        raise ValueError("agent: give an agent profile name or a command to run")
    else:
        for field_name, given in (
            ("prompt", spec.prompt),
            ("agent_args", spec.agent_args),
            ("agent_path", spec.agent_path is not None),
        ):
            if given:
                raise ValueError(f"{field_name}: needs an agent profile (--agent), not a command")
    if spec.agent_path is not None and (
        not isinstance(spec.agent_path, str) or not spec.agent_path
    ):
        raise ValueError("agent_path: must be the agent CLI's executable name or path")
    _set(spec, "env", check_env_names(check_variables("env", spec.env)))
    _set(spec, "secrets", check_variables("secrets", spec.secrets))
    if spec.agent is not None and spec.command is None:
        if not spec.host_login:  # a login handed over is the agent's credential
            check_agent_secrets(spec)
        spec.argv()  # a prompt the profile cannot pass on says so now
    both = set(spec.env) & set(spec.secrets)
    if both:
        raise ValueError(f"secrets: {', '.join(sorted(both))} also set in env; set it once")
    _set(spec, "workspace", check_workspace(spec.workspace))
    _set(spec, "timeout", check_seconds("timeout", spec.timeout, allow_none=True, positive=True))
    _set(spec, "stop_grace", check_seconds("stop_grace", spec.stop_grace, positive=False))
    if spec.pull not in PULL_POLICIES:
        raise ValueError(f"pull: {spec.pull!r} is not one of {', '.join(PULL_POLICIES)}")
    if spec.network is not None and (not isinstance(spec.network, str) or not spec.network):
        raise ValueError("network: must be a non-empty network name")
    _set(spec, "labels", check_labels(spec.labels))
    _set(spec, "constraints", check_constraints(spec.constraints))
    _set(spec, "memory", check_memory(spec.memory))
    _set(spec, "cpus", check_cpus(spec.cpus))
    check_flag("keep_container", spec.keep_container)
    check_user(spec.user)
    if spec.user is None and spec.workspace is not None:
        check_workspace_owner(spec.workspace)  # type: ignore[arg-type]
    _set(spec, "cap_add", check_capabilities(spec.cap_add))
    _set(
        spec, "pids_limit", check_count("pids_limit", spec.pids_limit, minimum=8, maximum=MAX_PIDS)
    )
    _set(spec, "nofile", check_count("nofile", spec.nofile, minimum=64, maximum=MAX_NOFILE))
    _set(spec, "tmp_size", check_size("tmp_size", spec.tmp_size, minimum=1024**2))
    check_flag("read_only", spec.read_only)
    if spec.host_login is False:
        _set(spec, "host_login", None)
    if spec.host_login is not None:
        home = check_host_login(spec.agent, spec.host_login, spec.user)
        _set(spec, "host_login", home)
        if spec.user is None and spec.workspace is not None:
            check_same_owner(spec.agent, home, spec.workspace)  # type: ignore[arg-type]
