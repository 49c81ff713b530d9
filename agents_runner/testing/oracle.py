"""The engine's own account of containers, read through docker-py's low-level client
directly (the engine's JSON as it gives it), not through the product's typed records:
a check of the runner does not go through the runner's reading of the engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .suite_docker import says_gone


def raw_inspect(engine: Any, container_id: str) -> dict[str, Any] | None:
    """The engine's inspect answer for a container, or None when it has none (Podman,
    in the midst of a removal, answers 500 "… does not exist in database: no such
    container")."""
    try:
        return dict(engine.api.inspect_container(container_id))
    except Exception as exc:
        if says_gone(exc):
            return None
        raise


def raw_containers(engine: Any, labels: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """Every container, running or not, carrying all the labels (value None: any value),
    as the engine lists them."""
    selectors = [key if value is None else f"{key}={value}" for key, value in labels.items()]
    found = engine.api.containers(all=True, filters={"label": selectors})
    return [
        c
        for c in found
        if all(
            key in (c.get("Labels") or {}) and value in (None, c["Labels"][key])
            for key, value in labels.items()
        )
    ]


def raw_image_present(engine: Any, reference: str) -> bool:
    """Whether the engine holds the image, by its own inspect answer."""
    try:
        engine.api.inspect_image(reference)
    except Exception as exc:
        if getattr(exc, "status_code", None) == 404:
            return False
        raise
    return True
