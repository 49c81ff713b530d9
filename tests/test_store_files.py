"""A failed atomic write names the file the caller writes, never its temporary file:
the command line shows that name to a person ("cannot use the state dir DIR: FILE: ...")."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents_runner.store_files import write_atomically


def test_a_write_that_cannot_start_names_the_file_written(tmp_path: Path) -> None:
    target = tmp_path / "gone" / "task.json"
    with pytest.raises(FileNotFoundError) as raised:
        write_atomically(target, b"{}")
    assert raised.value.filename == str(target)
