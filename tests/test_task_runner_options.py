"""TaskRunner's own options, as docs/CONTRACT.md's C-2.2 gives them (no engine needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents_runner.runner import TaskRunner


@pytest.mark.parametrize(("given", "kept"), [(3, 3), ("3", 3), (" 2 ", 2), (None, None)])
def test_max_running_is_kept_as_the_whole_number_it_names(
    tmp_path: Path, given: object, kept: int | None
) -> None:
    with TaskRunner(tmp_path, max_running=given, recover=False) as runner:  # type: ignore[arg-type]
        assert runner.max_running == kept
        assert type(runner.max_running) is type(kept)


@pytest.mark.parametrize("given", [0, -1, "0", "three", 2.5, True, ""])
def test_a_max_running_that_is_no_whole_number_of_at_least_1_is_refused(
    tmp_path: Path, given: object
) -> None:
    with pytest.raises(ValueError, match="max_running: must be a whole number of at least 1"):
        TaskRunner(tmp_path, max_running=given, recover=False)  # type: ignore[arg-type]
