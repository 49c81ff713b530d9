"""The spec of the service that runs a task on a Swarm: the container one engine would
create, as far as the swarm API (1.41) can say it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .dialect import numeric_root
from .records import ContainerLimits

# The node keeps the task's log byte for byte in the `local` driver (json-file turns
# bytes that are not UTF-8 into U+FFFD), in one uncompressed file of up to 1 TB (10^12
# bytes: the driver reads sizes as decimal; past it the log starts over): the default
# rotation (5 files of 20 MB) would drop the start of a chatty agent's log before the
# copy's whole read at the end. A max-size of 0 is not "unlimited" there: it keeps only
# the last line.
LOG_OPTIONS = {"max-size": "1t", "max-file": "1", "compress": "false"}


def task_template(
    *,
    name: str,
    image: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    labels: Mapping[str, str],
    working_dir: str | None,
    binds: Mapping[str, Mapping[str, str]] | None,
    user: str | None,
    memory: int | None,
    cpus: float | None,
    limits: ContainerLimits,
    constraints: Sequence[str] = (),
) -> dict[str, Any]:
    """The service's task template: `argv` as the image's command (its entrypoint kept),
    an init, every capability dropped but those `limits` gives back, never restarted;
    `memory` and `cpus` reserved as well as limited. `name` (the service's) names its
    tmpfs volumes."""
    container: dict[str, Any] = {
        "Image": image,
        "Args": list(argv),
        "Env": [f"{key}={value}" for key, value in env.items()],
        "Labels": dict(labels),
        "Init": True,
        "CapabilityDrop": ["ALL"],
        "Mounts": _mounts(binds, limits, name, labels, numeric_root(user)),
        "ReadOnly": limits.read_only,
    }
    if limits.cap_add:
        container["CapabilityAdd"] = list(limits.cap_add)
    if working_dir:
        container["Dir"] = working_dir
    if user:
        container["User"] = numeric_root(user)
    if limits.nofile:
        container["Ulimits"] = [{"Name": "nofile", "Soft": limits.nofile, "Hard": limits.nofile}]
    resources: dict[str, Any] = {}
    if memory:
        resources["MemoryBytes"] = memory
    if cpus:
        resources["NanoCPUs"] = int(cpus * 1e9)
    task: dict[str, Any] = {
        "ContainerSpec": container,
        "RestartPolicy": {"Condition": "none", "MaxAttempts": 0},
        "LogDriver": {"Name": "local", "Options": dict(LOG_OPTIONS)},
        "Resources": {
            "Limits": {**resources, **({"Pids": limits.pids} if limits.pids else {})},
            "Reservations": resources,
        },
    }
    if constraints:
        task["Placement"] = {"Constraints": list(constraints)}
    return task


def _mounts(
    binds: Mapping[str, Mapping[str, str]] | None,
    limits: ContainerLimits,
    name: str,
    labels: Mapping[str, str],
    user: str | None,
) -> list[dict[str, Any]]:
    mounts: list[dict[str, Any]] = [
        {
            "Type": "bind",
            "Source": source,
            "Target": bind["bind"],
            "ReadOnly": bind.get("mode") == "ro",
        }
        for source, bind in (binds or {}).items()
    ]
    tmpfs = limits.tmpfs() or {}
    for number, (target, options) in enumerate(sorted(tmpfs.items())):
        mounts.append(_tmpfs_volume(f"{name}-tmpfs-{number}", target, options, labels, user))
    return mounts


def _tmpfs_volume(
    name: str, target: str, options: str, labels: Mapping[str, str], user: str | None
) -> dict[str, Any]:
    """A tmpfs as a volume of the local driver, made on the node with the task's labels
    (the runner removes it there with the task). Not a tmpfs mount: API 1.41 can give
    those neither an owner nor exec, and runc gives them the mode of the image's folder
    beneath (a /tmp that is 0755 and root's stays so), where the volume is the agent's."""
    uid, _, gid = (user or "").partition(":")
    if uid.isdigit() and (not gid or gid.isdigit()):
        options += f",uid={uid}" + (f",gid={gid}" if gid else "")
    driver = {"Name": "local", "Options": {"type": "tmpfs", "device": "tmpfs", "o": options}}
    return {
        "Type": "volume",
        "Source": name,
        "Target": target,
        "VolumeOptions": {"NoCopy": True, "Labels": dict(labels), "DriverConfig": driver},
    }
