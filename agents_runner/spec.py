"""TaskSpec: what a user asks to run, validated before anything is stored."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields

from .agents import get_profile, known_agents, missing_secrets
from .config import (
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
from .host_login import check_host_login, login_owner
from .logsetup import get_logger
from .taskqueue import check_pool_name, check_priority

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import Any

# The Linux capabilities one may give back with cap_add (capabilities(7)).
CAPABILITIES = frozenset(
    [
        "AUDIT_CONTROL",
        "AUDIT_READ",
        "AUDIT_WRITE",
        "BLOCK_SUSPEND",
        "BPF",
        "CHECKPOINT_RESTORE",
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "IPC_LOCK",
        "IPC_OWNER",
        "KILL",
        "LEASE",
        "LINUX_IMMUTABLE",
        "MAC_ADMIN",
        "MAC_OVERRIDE",
        "MKNOD",
        "NET_ADMIN",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_RAW",
        "PERFMON",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_CHROOT",
        "SYS_MODULE",
        "SYS_NICE",
        "SYS_PACCT",
        "SYS_PTRACE",
        "SYS_RAWIO",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "SYSLOG",
        "WAKE_ALARM",
    ]
)
_NAME_OR_ID = r"(?:[a-z_][a-z0-9_-]{0,31}|\d{1,10})"
_USER = rf"{_NAME_OR_ID}(?::{_NAME_OR_ID})?"  # compiled on first use, by re.fullmatch
RESERVED_LABEL_PREFIX = "agents-runner."

# Docker's reference grammar (distribution/reference), in the parts that matter here.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (
    r"(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
    r"|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
)
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
# A pattern string: compiled (and cached by re) by the first validation, not by the
# read verbs, which only rebuild stored specs.
_IMAGE_REFERENCE = rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::{_TAG})?(?:@{_DIGEST})?"
_MAX_REFERENCE_LENGTH = 255


def split_image_reference(image: str) -> tuple[str, str | None]:
    """`registry/repo:tag` -> (`registry/repo`, `tag`); digests stay on the repository."""
    if "@" in image:
        return image, None
    last_slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > last_slash:
        return image[:colon], image[colon + 1 :]
    return image, "latest"


@dataclass(frozen=True)
class Option:
    """How `run` offers a TaskSpec field on the command line: argparse's arguments, kept
    here beside the field so that the parser builds its options from the spec's own
    declaration. Left out, an option gives the field its default."""

    flags: tuple[str, ...]  # `--env`, `-e`; a positional argument: its name
    help: str
    metavar: str | None = None
    action: str | None = None  # "append" or "store_true"; None: one value
    type: str | None = None  # "duration", "count_or_unlimited" or "number" (parser.py)
    choices: tuple[str, ...] | None = None
    nargs: str | None = None
    said: str | None = None  # how an error names it, when not by its first flag

    def dest(self, name: str) -> str:
        """Where argparse keeps the value of field `name`: an option under the field's
        own name, a positional argument under its (`command_argv`: `command` is the verb)."""
        return name if self.flags[0].startswith("-") else self.flags[0]


_ABSENT = object()


def _field(
    default: Any = MISSING,
    *,
    factory: Any = MISSING,
    option: Option | None = None,
    payload: str | None = "value",
    absent: Any = _ABSENT,
    **kwargs: Any,
) -> Any:
    """One field of TaskSpec with what is said of it besides its type and default:
    `option`, how the command line offers it; `payload`, how to_payload() keeps it
    ("value", "list", "dict"; None: never kept); `absent`, what a stored payload without
    it meant, when not the default (a payload written before the field had one)."""
    metadata: dict[str, Any] = {"payload": payload}
    if option is not None:
        metadata["option"] = option
    if absent is not _ABSENT:
        metadata["absent"] = absent
    return field(default=default, default_factory=factory, metadata=metadata, **kwargs)


@dataclass(frozen=True)
class TaskSpec:
    """What a user asks to run: the image, the agent and its prompt (or a command), and
    the container's settings. Validated and normalised when built, so a TaskSpec that
    exists is one that can be stored and run; secret values stay in memory only.

    Each field is declared once, here, in the order `run --help` offers them: its default
    (from config.py), how to_payload() keeps it and the `run` option that sets it (in its
    metadata, see _field and Option) are read from this declaration by the payload, the
    command line's parser and its `run` verb."""

    image: str = _field(
        option=Option(
            ("--image",),
            "the image to run, e.g. busybox:1.36 (default for an agent: its own image, "
            "see 'images')",
        )
    )
    agent: str | None = _field(
        None, option=Option(("--agent",), f"agent profile: {', '.join(known_agents())}")
    )
    prompt: str = _field(
        "",
        option=Option(
            ("--prompt",),
            "the prompt, passed to the agent as one argument ('-': read it from stdin; "
            "over 100 KB it reaches the agent on its stdin)",
        ),
    )
    agent_args: Sequence[str] = _field(
        (),
        payload="list",
        option=Option(
            ("--agent-arg",),
            "extra argument for the agent CLI, before the prompt (repeatable)",
            metavar="ARG",
            action="append",
        ),
    )
    agent_path: str | None = _field(
        None,
        option=Option(("--agent-path",), "the agent CLI's executable in the image", "PATH"),
    )
    env: Mapping[str, str] = _field(
        factory=dict,
        payload="dict",
        option=Option(("--env", "-e"), "environment variable", "K=V", action="append"),
    )
    secrets: Mapping[str, str] = _field(
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
    workspace: str | os.PathLike[str] | None = _field(  # noqa: RUF009 (_field is field)
        None, option=Option(("--workspace",), "host directory mounted at /workspace", "DIR")
    )
    # True (this user's home) or a home folder whose login for the agent's CLI is handed over
    host_login: str | bool | None = _field(
        None,
        option=Option(
            ("--host-login",),
            "hand the agent CLI's login in your home (~/.codex, ~/.claude and "
            "~/.claude.json, ~/.gemini, ~/.copilot) to the task, mounted read-write, never "
            "copied",
            action="store_true",
        ),
    )
    timeout: float | None = _field(
        None,
        option=Option(
            ("--timeout",),
            f"deadline, counted from running: {DURATION_HELP}",
            "DURATION",
            type="duration",
        ),
    )
    stop_grace: float = _field(
        DEFAULT_STOP_GRACE,
        option=Option(
            ("--grace",),
            f"stop grace before SIGKILL (default {DEFAULT_STOP_GRACE:g}s)",
            "DURATION",
            type="duration",
        ),
    )
    pull: str = _field(
        DEFAULT_PULL,
        option=Option(("--pull",), f"pull policy (default: {DEFAULT_PULL})", choices=PULL_POLICIES),
    )
    network: str | None = _field(
        None, option=Option(("--network",), "Docker network to attach to", "NET")
    )
    memory: int | str | None = _field(  # None: no limit
        DEFAULT_MEMORY,
        absent=None,
        option=Option(
            ("--memory",),
            f"memory limit, no swap: 512m, 2g, or unlimited (default {DEFAULT_MEMORY})",
            "SIZE",
        ),
    )
    cpus: float | None = _field(
        None, option=Option(("--cpus",), "CPU limit, e.g. 1.5", "N", type="number")
    )
    user: str | None = _field(  # None: the workspace's owner, else DEFAULT_USER
        None,
        option=Option(
            ("--user",),
            "who the agent runs as: 1000, 1000:1000, root (default: the workspace's owner, "
            f"else {DEFAULT_USER})",
            "USER",
        ),
    )
    cap_add: Sequence[str] = _field(  # every capability is dropped; these are given back
        (),
        payload="list",
        option=Option(
            ("--cap-add",),
            "give back one Linux capability, e.g. NET_RAW (all are dropped; repeatable)",
            "CAP",
            action="append",
        ),
    )
    pids_limit: int | None = _field(  # None: no limit
        DEFAULT_PIDS_LIMIT,
        absent=None,
        option=Option(
            ("--pids-limit",),
            f"most processes at once, or unlimited (default {DEFAULT_PIDS_LIMIT})",
            "N",
            type="count_or_unlimited",
        ),
    )
    nofile: int | None = _field(  # None: the engine's default
        DEFAULT_NOFILE,
        absent=None,
        option=Option(
            ("--nofile",),
            f"most open files per process, or unlimited (default {DEFAULT_NOFILE})",
            "N",
            type="count_or_unlimited",
        ),
    )
    tmp_size: int | str | None = _field(  # /tmp on a tmpfs of this size; None: no tmpfs
        DEFAULT_TMP_SIZE,
        absent=None,
        option=Option(
            ("--tmp-size",),
            f"size of the tmpfs at /tmp, or unlimited for no tmpfs (default {DEFAULT_TMP_SIZE})",
            "SIZE",
        ),
    )
    read_only: bool = _field(  # a read-only root filesystem
        False,
        option=Option(
            ("--read-only",),
            "a read-only root filesystem; /workspace, HOME and /tmp stay writable",
            action="store_true",
        ),
    )
    labels: Mapping[str, str] = _field(
        factory=dict,
        payload="dict",
        option=Option(("--label",), "container label (repeatable)", "K=V", action="append"),
    )
    priority: int = _field(
        0,
        option=Option(
            ("--priority",),
            "the task's place in the state dir's queue: higher goes first, ties in "
            "submission order (default 0)",
            "N",
        ),
    )
    pool: str | None = _field(
        None,
        option=Option(
            ("--pool",),
            "take a slot of this pool too (sized with 'config pool NAME N')",
            "NAME",
        ),
    )
    keep_container: bool = _field(False)  # the API's only: no option sets it
    command: Sequence[str] | None = _field(
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
    secret_names: tuple[str, ...] = _field((), payload="list", init=False)

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
        values: dict[str, Any] = {f.name: _when_absent(f) for f in fields(cls)}
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


def _when_absent(f: Any) -> Any:
    """What a stored payload without the field meant: a payload written before the
    hardened defaults (its metadata's `absent`) meant no limit."""
    if "absent" in f.metadata:
        return f.metadata["absent"]
    if f.default_factory is not MISSING:
        return f.default_factory()
    if f.default is not MISSING:
        return f.default
    return None


def _set(spec: TaskSpec, name: str, value: Any) -> None:
    object.__setattr__(spec, name, value)


def _validate_and_normalise(spec: TaskSpec) -> None:
    _set(spec, "image", _check_image(spec.image))
    _set(spec, "priority", check_priority("priority", spec.priority))
    if spec.pool is not None:
        _set(spec, "pool", check_pool_name("pool", spec.pool))
    _set(spec, "prompt", _check_text("prompt", spec.prompt))
    _set(spec, "command", _check_command(spec.command))
    _set(spec, "agent_args", _check_argv("agent_args", spec.agent_args, allow_empty=True))
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
    elif spec.prompt or spec.agent_args or spec.agent_path is not None:
        raise ValueError("prompt: a prompt, agent args or agent path need an agent profile")
    if spec.agent_path is not None and (
        not isinstance(spec.agent_path, str) or not spec.agent_path
    ):
        raise ValueError("agent_path: must be the agent CLI's executable name or path")
    _set(spec, "env", _check_variables("env", spec.env))
    _set(spec, "secrets", _check_variables("secrets", spec.secrets))
    if spec.agent is not None and spec.command is None:
        _check_agent_secrets(spec)
        spec.argv()  # a prompt the profile cannot pass on says so now
    both = set(spec.env) & set(spec.secrets)
    if both:
        raise ValueError(f"secrets: {', '.join(sorted(both))} also set in env; set it once")
    _set(spec, "workspace", _check_workspace(spec.workspace))
    _set(spec, "timeout", _check_seconds("timeout", spec.timeout, allow_none=True, positive=True))
    _set(spec, "stop_grace", _check_seconds("stop_grace", spec.stop_grace, positive=False))
    if spec.pull not in PULL_POLICIES:
        raise ValueError(f"pull: {spec.pull!r} is not one of {', '.join(PULL_POLICIES)}")
    if spec.network is not None and (not isinstance(spec.network, str) or not spec.network):
        raise ValueError("network: must be a non-empty network name")
    _set(spec, "labels", _check_labels(spec.labels))
    _set(spec, "memory", _check_memory(spec.memory))
    _set(spec, "cpus", _check_cpus(spec.cpus))
    if not isinstance(spec.keep_container, bool):
        raise ValueError("keep_container: must be true or false")
    if spec.user is not None and (
        not isinstance(spec.user, str) or not re.fullmatch(_USER, spec.user)
    ):
        raise ValueError(f"user: {spec.user!r} is not a user such as 1000, 1000:1000 or root")
    _set(spec, "cap_add", _check_capabilities(spec.cap_add))
    _set(spec, "pids_limit", _check_count("pids_limit", spec.pids_limit, minimum=8))
    _set(spec, "nofile", _check_count("nofile", spec.nofile, minimum=64))
    _set(spec, "tmp_size", _check_size("tmp_size", spec.tmp_size, minimum=1024**2))
    if not isinstance(spec.read_only, bool):
        raise ValueError("read_only: must be true or false")
    if spec.host_login is False:
        _set(spec, "host_login", None)
    if spec.host_login is not None:
        home = check_host_login(spec.agent, spec.host_login, spec.user)
        _set(spec, "host_login", home)
        if spec.user is None and spec.workspace is not None:
            _check_same_owner(spec.agent, home, spec.workspace)  # type: ignore[arg-type]


def _check_same_owner(agent: str, home: str, workspace: str) -> None:
    login = login_owner(agent, home).split(":")[0]
    owner = str(os.stat(workspace).st_uid)
    if login != owner:
        raise ValueError(
            f"host_login: the {agent} login in {home} belongs to uid {login} and the "
            f"workspace to uid {owner}; the agent runs as one user: choose it with --user"
        )


def _check_image(image: Any) -> str:
    if not isinstance(image, str) or not image.strip():
        raise ValueError("image: must be a non-empty image reference such as busybox:1.36")
    if len(image) > _MAX_REFERENCE_LENGTH or not re.fullmatch(_IMAGE_REFERENCE, image):
        raise ValueError(f"image: {image!r} is not a valid image reference")
    return image


def _check_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name}: must be a string")
    if "\x00" in value:
        raise ValueError(f"{name}: contains a NUL character, which no argv can carry")
    return value


def _check_argv(name: str, value: Any, *, allow_empty: bool) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name}: must be a list of strings")
    if not value and not allow_empty:
        raise ValueError(f"{name}: must not be empty")
    return tuple(_check_text(f"{name}[{i}]", item) for i, item in enumerate(value))


def _check_command(command: Any) -> tuple[str, ...] | None:
    if command is None:
        return None
    argv = _check_argv("command", command, allow_empty=False)
    if not argv[0]:
        raise ValueError("command: the program name must not be empty")
    return argv


def _check_variables(name: str, variables: Any) -> dict[str, str]:
    if not isinstance(variables, Mapping):
        raise ValueError(f"{name}: must be a mapping of NAME to value")
    checked: dict[str, str] = {}
    for key, value in variables.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{name}: variable names must be non-empty strings")
        if "=" in key or "\x00" in key:
            raise ValueError(f"{name}: variable name {key!r} must not contain '=' or NUL")
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(f"{name}: the value of {key} must be a string without NUL")
        checked[key] = value
    return checked


def _check_workspace(workspace: Any) -> str | None:
    if workspace is None:
        return None
    if not isinstance(workspace, str | os.PathLike):
        raise ValueError("workspace: must be a path to a directory")
    path = os.path.realpath(os.fspath(workspace))
    if not os.path.isdir(path):
        raise ValueError(f"workspace: {os.fspath(workspace)!r} is not an existing directory")
    if path == "/":
        raise ValueError(
            "workspace: '/' would hand the agent the whole host; choose a project directory"
        )
    for socket_path in _docker_sockets():
        if socket_path == path or socket_path.startswith(path.rstrip("/") + "/"):
            raise ValueError(
                f"workspace: {path!r} contains the Docker socket {socket_path}, which would give "
                "the agent control of the engine; choose a directory without it"
            )
    return path


def _docker_sockets() -> list[str]:
    """Where a Docker socket may be: the usual places and the one DOCKER_HOST names."""
    candidates = ["/var/run/docker.sock", "/run/docker.sock"]
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        candidates.append(host[len("unix://") :])
    if os.environ.get("XDG_RUNTIME_DIR"):
        candidates.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "docker.sock"))
    return [os.path.realpath(c) for c in candidates if os.path.exists(c)]


def _check_agent_secrets(spec: TaskSpec) -> None:
    errors, warnings = missing_secrets(get_profile(spec.agent), spec.secrets)
    if errors:
        raise ValueError(f"secrets: {errors[0]} (pass it with --secret or TaskSpec.secrets)")
    for warning in warnings:
        get_logger(__name__).warning("%s; the agent may fail to authenticate", warning)


_MEMORY = r"\s*(\d+(?:\.\d+)?)\s*([kmgKMG]?)[bB]?\s*"
_MEMORY_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MIN_MEMORY = 6 * 1024**2  # the engine refuses less


def _check_memory(memory: Any) -> int | None:
    return _check_size("memory", memory, minimum=MIN_MEMORY)


def _check_size(name: str, value: Any, *, minimum: int) -> int | None:
    """Bytes, or a size such as 512m or 2g; None (or "unlimited") for no limit."""
    if value is None or value == "unlimited":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name}: must be bytes, or a size such as 512m or 2g")
    if isinstance(value, int):
        size = value
    elif isinstance(value, str) and (match := re.fullmatch(_MEMORY, value)):
        size = int(float(match.group(1)) * _MEMORY_UNITS[match.group(2).lower()])
    else:
        raise ValueError(f"{name}: {value!r} is not a size such as 512m or 2g")
    if size < minimum:
        raise ValueError(f"{name}: {value!r} is below the minimum of {minimum // 1024**2}m")
    return size


def _check_count(name: str, value: Any, *, minimum: int) -> int | None:
    if value is None or value == "unlimited":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}: must be a whole number of at least {minimum}, or unlimited")
    return value


def _check_capabilities(value: Any) -> tuple[str, ...]:
    names = _check_argv("cap_add", value, allow_empty=True)
    checked = []
    for name in names:
        bare = name.upper().removeprefix("CAP_")
        if bare == "ALL":
            raise ValueError("cap_add: ALL would undo the hardening; name each capability needed")
        if bare not in CAPABILITIES:
            raise ValueError(f"cap_add: {name!r} is not a Linux capability such as NET_RAW")
        checked.append(bare)
    return tuple(dict.fromkeys(checked))


def _check_cpus(cpus: Any) -> float | None:
    if cpus is None:
        return None
    if isinstance(cpus, bool) or not isinstance(cpus, int | float) or not math.isfinite(cpus):
        raise ValueError(f"cpus: {cpus!r} is not a number of CPUs such as 1.5")
    if cpus <= 0:
        raise ValueError(f"cpus: must be more than 0, got {cpus}")
    return float(cpus)


def _check_seconds(
    name: str, value: Any, *, positive: bool, allow_none: bool = False
) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: must be a number of seconds")
    if positive and value <= 0:
        raise ValueError(f"{name}: must be more than 0 seconds, got {value}")
    if value < 0:
        raise ValueError(f"{name}: must not be negative, got {value}")
    return float(value)


def _check_labels(labels: Any) -> dict[str, str]:
    checked = _check_variables("labels", labels)
    reserved = [key for key in checked if key.startswith(RESERVED_LABEL_PREFIX)]
    if reserved:
        raise ValueError(f"labels: {', '.join(reserved)} use the reserved prefix agents-runner.")
    return checked
