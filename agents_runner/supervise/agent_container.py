"""The container a task's agent runs in: who it runs as, what the engine is asked to
create, and the stream its output comes on."""

from __future__ import annotations

import os
from typing import Any

from ..agents import PROFILES, PROMPT_FILE, AgentProfile, prompt_needs_file
from ..config import DEFAULT_USER
from ..engine import LABEL_STORE, LABEL_TASK_ID, ContainerLimits
from ..engine.boundary import EngineBoundary, OutputStream
from ..engine.errors import ContainerGone, EngineError, EngineUnavailable
from ..host_login import login_binds, login_owner
from ..logsetup import get_logger
from ..spec import TaskSpec
from ..store import TaskStore

log = get_logger(__name__)


def container_name(task_id: str) -> str:
    """Decided before the container exists, so a crash right after create still finds it."""
    return f"agents-runner-{task_id}"


def create_arguments(
    spec: TaskSpec, task_id: str, store: TaskStore, *, offline: bool = False
) -> dict[str, Any]:
    """The engine's create() arguments for the task's agent; `offline`: its container
    will have no network, and the agent's profile may tell it not to retry."""
    binds = {spec.workspace: {"bind": "/workspace", "mode": "rw"}} if spec.workspace else {}
    profile = agent_profile(spec)
    told = profile.offline_env if profile and offline else {}
    user, env = agent_user(spec, {**told, **spec.env, **spec.secrets})
    if spec.host_login and spec.agent:
        binds.update(login_binds(spec.agent, spec.host_login, env.get("HOME", "/root")))
    if spec.command is None and prompt_needs_file(spec.prompt):
        prompt = store.write_prompt(task_id, spec.prompt)
        binds[str(prompt)] = {"bind": PROMPT_FILE, "mode": "ro"}
    return {
        "name": container_name(task_id),
        "image": spec.image,
        "argv": spec.argv(),
        "env": env,
        "user": user,
        "memory": spec.memory,
        "cpus": spec.cpus,
        "limits": ContainerLimits(
            cap_add=tuple(spec.cap_add),
            pids=spec.pids_limit,
            nofile=spec.nofile,
            tmp_size=spec.tmp_size,  # type: ignore[arg-type]  # validated to bytes
            read_only=spec.read_only,
            home=env.get("HOME"),
        ),
        "labels": {**spec.labels, LABEL_TASK_ID: task_id, LABEL_STORE: store.store_id},
        "working_dir": "/workspace" if spec.workspace else None,
        "binds": binds or None,
        "network": spec.network,
        **({"constraints": tuple(spec.constraints)} if spec.constraints else {}),
        **({"secret_names": tuple(spec.secrets)} if spec.secrets else {}),
    }


def agent_profile(spec: TaskSpec) -> AgentProfile | None:
    """The profile of the agent the task runs; None for a command."""
    return PROFILES.get(spec.agent or "") if spec.command is None else None


def has_no_network(spec: TaskSpec, engine: EngineBoundary) -> bool:
    """Whether the task's container has no network beyond its loopback, asked only for
    an agent whose profile reads its failures or is told not to retry offline; False
    for a command, and when the engine cannot say (an outage is raised, to ride out)."""
    profile = agent_profile(spec)
    if profile is None or (profile.failure_signs is None and not profile.offline_env):
        return False
    try:
        return not engine.has_network(spec.network)
    except EngineUnavailable:
        raise
    except EngineError:
        return False


def agent_user(spec: TaskSpec, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Who the agent runs as: `spec.user` if given; else the owner of its workspace, so
    that what it writes there belongs to the person who owns the project; else
    DEFAULT_USER, never root by default. A non-root agent gets HOME=/tmp unless env sets
    one: an arbitrary uid has no home in most images."""
    if spec.user is not None:
        user = spec.user
    elif spec.workspace is not None:
        info = os.stat(spec.workspace)
        user = f"{info.st_uid}:{info.st_gid}"
    elif spec.host_login and spec.agent:
        user = login_owner(spec.agent, spec.host_login)
    else:
        user = DEFAULT_USER
    if user.split(":")[0] not in ("0", "root") and "HOME" not in env:
        env = {**env, "HOME": "/tmp"}
    return user, env


def attach_output(engine: EngineBoundary, container_id: str, task_id: str) -> OutputStream | None:
    """The output as the engine passes it on, asked for before the start so that no
    byte comes before it; None where the engine's log is to be followed instead (the
    engine offers no such stream, or did not answer: the log has every byte too)."""
    try:
        return engine.open_attach(container_id)
    except (EngineError, EngineUnavailable, ContainerGone) as exc:
        log.info("task %s: following the log, not attached (%s)", task_id, exc)
        return None
