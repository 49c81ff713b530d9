"""What is checked of a task before anything is stored: what only the engine can tell,
and the state dir's pools."""

from __future__ import annotations

from collections.abc import Callable

from ..agents import PROFILES
from ..engine.boundary import EngineBoundary
from ..queue_settings import UnreadableSettings
from ..spec import TaskSpec
from ..taskqueue import TaskQueue


def check_before_storing(spec: TaskSpec, engine: EngineBoundary, queue: TaskQueue) -> None:
    """The pool exists; the engine answers, has the CPUs asked for, the network, and
    an agent's own image; secrets only where the backend keeps them out of what it
    stores. Refused here (ValueError naming the field), nothing is stored
    and no container is created."""
    if spec.pool is not None:
        try:
            pools = queue.stored_settings().pools
        except UnreadableSettings as exc:
            raise ValueError(f"pool: the state dir's pools are unknown: {exc}") from None
        if spec.pool not in pools:
            raise ValueError(
                f"pool: this state dir has no pool named {spec.pool!r}; make it with "
                f"'agents-runner config pool {spec.pool} N'"
            )
    engine.ping()
    if spec.secrets and not engine.takes_secrets:
        raise ValueError(
            f"secrets: the {engine.kind} backend does not take secrets yet (its task spec, "
            "which the cluster keeps and shows, would hold them); pass them another way"
        )
    if spec.constraints and not engine.places_tasks:
        raise ValueError("constraints: only the swarm backend places tasks (--backend swarm)")
    if spec.cpus is not None and (problem := cpus_problem(spec.cpus, engine.cpu_count())):
        raise ValueError(problem)
    if spec.network is not None and not engine.network_exists(spec.network):
        raise ValueError(f"network: the engine has no network named {spec.network!r}")
    if problem := unbuilt_agent_image(spec, engine.image_present):
        raise ValueError(problem)


def unbuilt_agent_image(spec: TaskSpec, image_present: Callable[[str], bool]) -> str | None:
    """Why the task cannot run: it asks for its agent's own image (a name of ours, in no
    registry, which a pull would only answer "access denied"), and the engine does not
    have it. None otherwise."""
    profile = PROFILES.get(spec.agent or "")
    if profile is None or spec.image != profile.default_image or image_present(spec.image):
        return None
    return (
        f"image: {spec.image} is not on this engine; build it with "
        f"'agents-runner images build {profile.name}'"
    )


def cpus_problem(cpus: float, available: int | None) -> str | None:
    """Why `--cpus` cannot be had from an engine with `available` CPUs; None where it
    can, or where the engine does not say how many it has (it then refuses, or not,
    when the container is made)."""
    if available is None or cpus <= available:
        return None
    return f"cpus: {cpus:g} is more than the {available} the engine has"
