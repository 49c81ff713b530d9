"""The mutation sample's draw (mutation/draw.py): the same seed and code draw the same mutants."""

import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mutation"))

from draw import draw_order


def _item(module: str, operator: str, occurrence: int) -> SimpleNamespace:
    mutation = SimpleNamespace(
        module_path=Path(module), operator_name=operator, occurrence=occurrence
    )
    return SimpleNamespace(job_id=uuid.uuid4().hex, mutations=[mutation])


def _session() -> list[SimpleNamespace]:
    """What `cosmic-ray init` stores for the same code: the same mutants, new random job ids."""
    return [
        _item(module, operator, occurrence)
        for module in ("pkg/a.py", "pkg/b.py", "pkg/sub/c.py")
        for operator in ("core/NumberReplacer", "core/ReplaceComparisonOperator_Is_Eq")
        for occurrence in range(4)
    ]


def _identity(item: SimpleNamespace) -> tuple[str, str, int]:
    (mutation,) = item.mutations
    return (str(mutation.module_path), mutation.operator_name, mutation.occurrence)


def test_two_sessions_of_the_same_code_draw_the_same_order() -> None:
    first, second = _session(), _session()
    second.reverse()
    assert [_identity(item) for item in draw_order(first, seed=20261217)] == [
        _identity(item) for item in draw_order(second, seed=20261217)
    ]


def test_another_seed_draws_another_order() -> None:
    items = _session()
    assert [_identity(i) for i in draw_order(items, seed=1)] != [
        _identity(i) for i in draw_order(items, seed=2)
    ]


def test_every_mutant_is_drawn_once() -> None:
    items = _session()
    drawn = draw_order(items, seed=7)
    assert sorted(map(_identity, drawn)) == sorted(map(_identity, items))
