"""Names docs/CONTRACT.md promises (section 5), written out here rather than imported
from the product: a check that used the product's own constant would move with it."""

from __future__ import annotations

LABEL_TASK_ID = "agents-runner.task-id"
LABEL_STORE = "agents-runner.store"
CONTAINER_PREFIX = "agents-runner-"


def split_reference(reference: str) -> tuple[str, str | None]:
    """`registry:5000/repo:tag` -> (`registry:5000/repo`, `tag`); a digest stays whole."""
    if "@" in reference:
        return reference, None
    repository, colon, tag = reference.rpartition(":")
    if colon and "/" not in tag:
        return repository, tag
    return reference, "latest"
