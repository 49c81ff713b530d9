"""What `agents_runner` exports is what docs/CONTRACT.md's C-2.1 lists."""

from __future__ import annotations

import re
from pathlib import Path

import agents_runner

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "CONTRACT.md"


def _listed_in_c_2_1() -> set[str]:
    text = CONTRACT.read_text(encoding="utf-8")
    clause = text[text.index("**C-2.1**") : text.index("```python", text.index("**C-2.1**"))]
    return set(re.findall(r"`([A-Za-z_]+)`", clause)) - {"agents_runner"}


def test_the_package_exports_exactly_what_c_2_1_lists() -> None:
    assert set(agents_runner.__all__) == _listed_in_c_2_1()


def test_every_name_c_2_1_lists_can_be_imported() -> None:
    for name in sorted(_listed_in_c_2_1()):
        assert getattr(agents_runner, name) is not None, name
