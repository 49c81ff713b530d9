"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261208) found no test
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

from pathlib import Path

from agents_runner.cli import main
from agents_runner.engine.records import ContainerLimits
from agents_runner.logstream import ChunkedDecoder
from agents_runner.supervise import PullProgress
from agents_runner.taskqueue import TaskQueue


def test_a_read_only_root_gets_a_writable_home_unless_it_is_already_writable() -> None:
    def mounts(home: str) -> set[str]:
        return set(ContainerLimits(read_only=True, home=home, tmp_size=1 << 20).tmpfs() or {})

    assert mounts("/root") == {"/tmp", "/root"}
    assert mounts("/workspace/home") == {"/tmp"}
    assert mounts("/tmp/home") == {"/tmp"}


def test_pull_progress_is_worth_persisting_at_most_four_times_a_second() -> None:
    progress = PullProgress()
    assert [progress.due() for _ in range(3)] == [True, False, False]


def test_an_extracting_layer_that_gives_no_count_has_extracted_nothing() -> None:
    progress = PullProgress()
    progress.add({"id": "a1b2c3d4e5f6", "status": "Extracting", "progressDetail": {"total": 100}})
    assert progress.summary()["extract_current"] == 0


def test_a_chunked_stream_split_anywhere_decodes_to_the_same_bytes() -> None:
    stream = b"5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n"
    for cut in range(len(stream) + 1):
        decoder = ChunkedDecoder()
        assert decoder.feed(stream[:cut]) + decoder.feed(stream[cut:]) == b"helloabc", cut


def test_config_refuses_a_setting_with_words_left_over(tmp_path: Path) -> None:
    assert main(["--state-dir", str(tmp_path), "config", "max-running", "2"]) == 0
    assert main(["--state-dir", str(tmp_path), "config", "max-running", "3", "4"]) == 2
    assert TaskQueue(tmp_path).settings().max_running == 2
