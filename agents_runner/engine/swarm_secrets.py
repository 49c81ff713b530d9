"""A task's secrets on a Swarm: each a Swarm secret of its own (kept encrypted in the
managers' raft log), mounted in the task's container as a file only it reads, and put
into the agent's environment by a few lines of the image's `sh` before the agent is
exec'd. So neither the service's spec, nor its task's, nor its container's environment
as the node's engine keeps it, ever holds one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from docker import errors

from . import LABEL_TASK_ID
from .calls import is_gone
from .containers import has_labels, label_filter
from .errors import ContainerGone
from .records import ContainerSummary, epoch
from .swarm_managers import SwarmManagers

SECRET_PREFIX = "agents-runner-"  # the files' names under /run/secrets
LEFTOVER_PREFIX = "secret:"  # the id of a leftover secret among the "containers"
# For each file: its name after the prefix is the variable, its bytes the value (every
# trailing newline kept); then the agent's argv, with the image's sh as its parent no
# longer.
LOADER = (
    'for f in /run/secrets/agents-runner-*; do [ -e "$f" ] || continue; '
    'n=${f#/run/secrets/agents-runner-}; v=$(cat "$f"; printf x); export "$n=${v%x}"; '
    'done; exec "$@"'
)


def secret_name(service: str, variable: str) -> str:
    """The Swarm secret's name: the service's, the variable's, and a random part (a
    create retried after a lost answer must not collide with the first)."""
    return f"{service}.{variable}.{os.urandom(4).hex()}"


def secret_reference(secret_id: str, name: str, variable: str, user: str | None) -> dict[str, Any]:
    """How the container gets the secret: /run/secrets/agents-runner-VARIABLE, readable
    by the agent's user only (by anyone in the container where the user is a name)."""
    uid, _, gid = (user or "0").partition(":")
    numeric = uid.isdigit() and (not gid or gid.isdigit())
    return {
        "SecretID": secret_id,
        "SecretName": name,
        "File": {
            "Name": SECRET_PREFIX + variable,
            "UID": uid if numeric else "0",
            "GID": (gid or uid) if numeric else "0",
            "Mode": 0o400 if numeric else 0o444,
        },
    }


def create_secrets(
    managers: SwarmManagers,
    service: str,
    secrets: Mapping[str, str],
    labels: Mapping[str, str],
    user: str | None,
    made: list[str],
) -> list[dict[str, Any]]:
    """A Swarm secret for each of the service's secrets, its id added to `made` as it is
    made (for the caller to remove them all should a later step fail); their references
    for the service's spec."""
    references = []
    for variable, value in secrets.items():
        name = secret_name(service, variable)
        with managers.call("creating the task's secret failed"):
            found = managers.api.create_secret(name, value.encode(), labels=dict(labels))
        made.append(str(found["ID"]))
        references.append(secret_reference(made[-1], name, variable, user))
    return references


def wrapped(task: dict[str, Any], references: list[dict[str, Any]]) -> dict[str, Any]:
    """The task template with the secrets mounted and the loader before the argv (the
    image's ENTRYPOINT is not used: the agents' images have none)."""
    container = dict(task["ContainerSpec"])
    container["Secrets"] = references
    container["Command"] = ["sh", "-c", LOADER, "agents-runner-secrets"]
    return {**task, "ContainerSpec": container}


def split_env(
    env: Mapping[str, str], secret_names: tuple[str, ...] | list[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The environment without the secrets, and the secrets."""
    secrets = {k: v for k, v in env.items() if k in secret_names}
    return {k: v for k, v in env.items() if k not in secrets}, secrets


def secrets_of(managers: SwarmManagers, service_id: str) -> list[str]:
    """The ids of the secrets the service mounts; ContainerGone when it is gone."""
    with managers.call("inspecting the service"):
        try:
            found = managers.api.inspect_service(service_id)
        except errors.APIError as exc:
            if is_gone(exc):
                raise ContainerGone(f"service {service_id} is gone") from exc
            raise
    container = (found.get("Spec") or {}).get("TaskTemplate", {}).get("ContainerSpec", {})
    return [str(s["SecretID"]) for s in container.get("Secrets") or []]


def secrets_labelled(managers: SwarmManagers, labels: Mapping[str, str | None]) -> list[dict]:
    """The Swarm secrets that carry all of `labels`, as the manager lists them."""
    with managers.call("listing secrets"):
        found = managers.api.secrets(filters={"label": label_filter(labels)})
    return [s for s in found if has_labels((s.get("Spec") or {}).get("Labels") or {}, labels)]


def leftover_secrets(
    managers: SwarmManagers, labels: Mapping[str, str | None], live_tasks: set[str]
) -> list[ContainerSummary]:
    """The secrets carrying `labels` of a task whose service is gone (someone else
    removed it while no supervisor watched): `recover` removes them as orphans."""
    found = []
    for secret in secrets_labelled(managers, labels):
        spec = secret.get("Spec") or {}
        secret_labels = dict(spec.get("Labels") or {})
        if secret_labels.get(LABEL_TASK_ID) not in live_tasks:
            found.append(
                ContainerSummary(
                    id=f"{LEFTOVER_PREFIX}{secret['ID']}",
                    name=f"secret {spec.get('Name') or secret['ID']}",
                    labels=secret_labels,
                    created=epoch(secret.get("CreatedAt")) or 0.0,
                )
            )
    return found


def remove_secrets(managers: SwarmManagers, secret_ids: list[str]) -> None:
    """Remove them (once no service uses them); one already gone is fine."""
    for secret_id in secret_ids:
        with managers.call("removing the task's secret"):
            try:
                managers.api.remove_secret(secret_id)
            except errors.APIError as exc:
                if not is_gone(exc):
                    raise
