"""Checks that kill survivors of the mutation sample drawn with seed 20261220
(mutation/SURVIVORS.md): each was seen failing with its mutant applied."""

from __future__ import annotations

import pytest

from agents_runner.cli import main
from agents_runner.engine.containers import is_stale_probe
from agents_runner.engine.dialect import means_not_running


def test_podman_s_later_word_for_a_stopped_container_means_it_has_stopped() -> None:
    # A moment after the agent exits, Podman's kill says only this, without "can only
    # kill running containers".
    assert means_not_running("container state improper: stopped")
    assert means_not_running("Container State Improper")


def test_only_a_probe_a_minute_old_is_taken_for_one_a_killed_process_left() -> None:
    now = 1_800_000_000.0
    assert is_stale_probe(now - 61, now)
    assert not is_stale_probe(now - 10, now)  # another process's, being asked now
    assert not is_stale_probe(now - 60, now)  # a minute old exactly is not yet more
    assert not is_stale_probe(now, now)


def test_images_build_with_offline_from_last_and_no_folder_is_one_clear_error(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The option is the last word, after an agent: nothing follows it to be its folder.
    assert main(["--state-dir", str(tmp_path), "images", "build", "codex", "--offline-from"]) == 2
    error = capsys.readouterr().err
    assert "--offline-from: expected one argument" in error
    assert len(error.strip().splitlines()) == 1
