"""The order in which mutation/sample.py draws a session's mutants."""

import random
from pathlib import Path
from typing import Any


def _identity(item: Any) -> tuple[str, str, int]:
    # Not the job id: `cosmic-ray init` makes those at random (uuid4), so a session of the same
    # code would be shuffled from another starting order, and the seed would draw other mutants.
    (mutation,) = item.mutations
    return (Path(mutation.module_path).as_posix(), mutation.operator_name, mutation.occurrence)


def draw_order(items: list[Any], seed: int) -> list[Any]:
    """The session's work items in an order that depends only on the seed and the mutants."""
    order = sorted(items, key=_identity)
    random.Random(seed).shuffle(order)
    return order
