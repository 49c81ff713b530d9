"""The checks a TaskSpec's fields pass: each takes what a user gave and returns it
normalised, or raises ValueError starting with the field's name."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence

from .agents import get_profile, missing_secrets
from .config import MAX_SECONDS
from .host_login import login_owner
from .logsetup import get_logger

TYPE_CHECKING = False  # typing stays out of the read verbs' imports
if TYPE_CHECKING:
    from typing import Any

    from .spec import TaskSpec

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
USER_PATTERN = rf"{_NAME_OR_ID}(?::{_NAME_OR_ID})?"  # compiled on first use, by re.fullmatch
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


def check_same_owner(agent: str, home: str, workspace: str) -> None:
    login = login_owner(agent, home).split(":")[0]
    owner = str(os.stat(workspace).st_uid)
    if login != owner:
        raise ValueError(
            f"host_login: the {agent} login in {home} belongs to uid {login} and the "
            f"workspace to uid {owner}; the agent runs as one user: choose it with --user"
        )


def check_workspace_owner(workspace: str) -> None:
    """The agent runs as its workspace's owner unless told otherwise; root only when asked."""
    if os.stat(workspace).st_uid == 0:
        raise ValueError(
            f"workspace: {workspace} belongs to root, and an agent runs as root only when "
            "asked: add --user root, or give the folder to an ordinary user (chown)"
        )


def check_image(image: Any) -> str:
    if not isinstance(image, str) or not image.strip():
        raise ValueError("image: must be a non-empty image reference such as busybox:1.36")
    if len(image) > _MAX_REFERENCE_LENGTH or not re.fullmatch(_IMAGE_REFERENCE, image):
        raise ValueError(f"image: {image!r} is not a valid image reference")
    return image


def check_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name}: must be a string")
    if "\x00" in value:
        raise ValueError(f"{name}: contains a NUL character, which no argv can carry")
    return check_utf8(name, value)


def check_utf8(name: str, value: str) -> str:
    """Text that UTF-8 can carry: not the bytes of another encoding, which Python keeps as
    lone surrogates (an argument such as $'\\xff'); the engine and JSON take only UTF-8."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError(
            f"{name}: {value!r} is not UTF-8 text (a byte of another encoding?)"
        ) from None
    return value


def check_argv(name: str, value: Any, *, allow_empty: bool) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name}: must be a list of strings")
    if not value and not allow_empty:
        raise ValueError(f"{name}: must not be empty")
    return tuple(check_text(f"{name}[{i}]", item) for i, item in enumerate(value))


def check_command(command: Any) -> tuple[str, ...] | None:
    if command is None:
        return None
    argv = check_argv("command", command, allow_empty=False)
    if not argv[0]:
        raise ValueError("command: the program name must not be empty")
    return argv


def check_env_names(env: dict[str, str]) -> dict[str, str]:
    """Any name the engine passes on, but one that starts with '-' (an option given where
    a name was meant) or holds white space."""
    for key in env:
        if key.startswith("-") or any(character.isspace() for character in key):
            raise ValueError(
                f"env: {key!r} is not a variable name (it starts with '-' or holds a space)"
            )
    return env


def check_variables(name: str, variables: Any) -> dict[str, str]:
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
        checked[check_utf8(name, key)] = check_utf8(f"{name}: the value of {key}", value)
    return checked


def check_workspace(workspace: Any) -> str | None:
    if workspace is None:
        return None
    if not isinstance(workspace, str | os.PathLike):
        raise ValueError("workspace: must be a path to a directory")
    path = os.path.realpath(os.fspath(workspace))
    if isinstance(path, str):
        check_utf8("workspace", path)
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


def check_agent_secrets(spec: TaskSpec) -> None:
    errors, warnings = missing_secrets(get_profile(spec.agent), spec.secrets)
    if errors:
        raise ValueError(f"secrets: {errors[0]} (pass it with --secret or TaskSpec.secrets)")
    for warning in warnings:
        get_logger(__name__).warning("%s; the agent may fail to authenticate", warning)


_MEMORY = r"\s*(\d+(?:\.\d+)?)\s*([kmgKMG]?)[bB]?\s*"
_MEMORY_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
MIN_MEMORY = 6 * 1024**2  # the engine refuses less
MAX_SIZE = 2**63 - 1  # the engine keeps sizes in a signed 64-bit number
MIN_CPUS = 0.01  # a smaller share is a CFS quota under 1 ms, which the kernel refuses
MAX_PIDS = 4_194_304  # the kernel's largest number of processes (PID_MAX_LIMIT)
MAX_NOFILE = 2_147_483_584  # the kernel's largest fs.nr_open: no host takes more open files


def check_memory(memory: Any) -> int | None:
    return check_size("memory", memory, minimum=MIN_MEMORY)


def check_size(name: str, value: Any, *, minimum: int) -> int | None:
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
    if size > MAX_SIZE:
        raise ValueError(f"{name}: {value!r} is more than an engine takes (8 EiB)")
    return size


def check_count(name: str, value: Any, *, minimum: int, maximum: int) -> int | None:
    if value is None or value == "unlimited":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}: must be a whole number of at least {minimum}, or unlimited")
    if value > maximum:
        raise ValueError(f"{name}: at most {maximum} (the kernel's limit), got {value}")
    return value


def check_capabilities(value: Any) -> tuple[str, ...]:
    names = check_argv("cap_add", value, allow_empty=True)
    checked = []
    for name in names:
        bare = name.upper().removeprefix("CAP_")
        if bare == "ALL":
            raise ValueError("cap_add: ALL would undo the hardening; name each capability needed")
        if bare not in CAPABILITIES:
            raise ValueError(f"cap_add: {name!r} is not a Linux capability such as NET_RAW")
        checked.append(bare)
    return tuple(dict.fromkeys(checked))


def check_cpus(cpus: Any) -> float | None:
    if cpus is None:
        return None
    if isinstance(cpus, bool) or not isinstance(cpus, int | float) or not math.isfinite(cpus):
        raise ValueError(f"cpus: {cpus!r} is not a number of CPUs such as 1.5")
    if cpus <= 0:
        raise ValueError(f"cpus: must be more than 0, got {cpus}")
    if cpus < MIN_CPUS:
        raise ValueError(
            f"cpus: at least {MIN_CPUS} (the smallest share the kernel gives), got {cpus:g}"
        )
    return float(cpus)


def check_seconds(
    name: str, value: Any, *, positive: bool, allow_none: bool = False
) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SECONDS:
        raise ValueError(f"{name}: at most {MAX_SECONDS // 86400} days, got more")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: must be a number of seconds")
    if positive and value <= 0:
        raise ValueError(f"{name}: must be more than 0 seconds, got {value}")
    if value < 0:
        raise ValueError(f"{name}: must not be negative, got {value}")
    if value > MAX_SECONDS:
        raise ValueError(f"{name}: at most {MAX_SECONDS // 86400} days, got {value:g} seconds")
    return float(value)


def check_labels(labels: Any) -> dict[str, str]:
    checked = check_variables("labels", labels)
    reserved = [key for key in checked if key.startswith(RESERVED_LABEL_PREFIX)]
    if reserved:
        raise ValueError(f"labels: {', '.join(reserved)} use the reserved prefix agents-runner.")
    return checked


def check_user(user: Any) -> None:
    if user is not None and (not isinstance(user, str) or not re.fullmatch(USER_PATTERN, user)):
        raise ValueError(f"user: {user!r} is not a user such as 1000, 1000:1000 or root")


def check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name}: must be true or false")


_CONSTRAINT = re.compile(r"[A-Za-z0-9_.\-]+ *(==|!=) *[^\s].*")


def check_constraints(constraints: Any) -> tuple[str, ...]:
    """Swarm placement constraints, as `docker service create --constraint` takes them:
    `node.hostname==n1`, `node.labels.gpu!=no`."""
    if isinstance(constraints, str) or not isinstance(constraints, Sequence):
        raise ValueError("constraints: must be a list of expressions such as node.hostname==n1")
    for constraint in constraints:
        if not isinstance(constraint, str) or not _CONSTRAINT.fullmatch(
            check_utf8("constraints", constraint)
        ):
            raise ValueError(
                f"constraints: {constraint!r} is not a constraint such as node.hostname==n1 "
                "or node.labels.gpu!=no"
            )
    return tuple(constraints)
