"""Scenarios that one engine cannot run, each declared with its reason.

A scenario that needs what only Docker has carries the tag @docker-only and one tag
from GAPS, which says why. The README's command for Podman leaves them out with
--tags='not @docker-only'; run on Podman anyway, such a scenario is skipped with its
reason (and fails the run where AGENTS_RUNNER_REQUIRE_DOCKER=1), never passed.
"""

from __future__ import annotations

from collections.abc import Iterable

DOCKER_ONLY = "docker-only"

GAPS: dict[str, str] = {
    "swarm-cluster": (
        "the test Swarm's nodes are dockerd processes (scripts/provision-swarm.sh), and "
        "Podman has no Swarm mode: these scenarios run once, with the Docker suite"
    ),
    "live-restore-off": (
        "Podman has no live-restore setting to turn off: each container is watched by its "
        "own conmon process and always outlives a restart of the service"
    ),
    "node-base": (
        "the agents' images are built FROM the Node.js base image, which provisioning "
        "assembles for Docker alone (scripts/provision-agent-images.sh): Podman's engine "
        "does not hold it, and its build would try to pull it from Docker Hub"
    ),
    "attach-stream": (
        "the runner copies a task's output from Docker's attach stream, which carries "
        "every byte and ends after the last; on Podman it follows the engine's log "
        "instead, so there is no attach stream whose end could be held"
    ),
    "oom-reported": (
        "Podman 4.3 on this cgroup v1 host reports OOMKilled false, and no oom event, for "
        "a container the kernel killed for exceeding its memory limit (its conmon writes "
        "the OOM marker into its own working directory, where Podman does not look): "
        "the engine itself cannot be asked (the runner reads the kernel's log instead)"
    ),
}


def engine_gap(kind: str, tags: Iterable[str]) -> str | None:
    """Why a scenario with `tags` cannot run on an engine of `kind`, or None."""
    tags = set(tags)
    if DOCKER_ONLY not in tags or kind == "docker":
        return None
    reasons = [GAPS[tag] for tag in sorted(tags) if tag in GAPS]
    if not reasons:
        return f"@{DOCKER_ONLY} without a reason tag (one of {', '.join(sorted(GAPS))})"
    return f"not on {kind}: " + "; ".join(reasons)
