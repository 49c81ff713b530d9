"""Checks for what the mutation sample drawn on 2026-12-05 (seed 20261207) found no scenario
looking at: each fails with its mutant applied (mutation/SURVIVORS.md)."""

from agents_runner.cli.common import one_line
from agents_runner.cli.summary import _cut, _size
from agents_runner.engine.swarm_secrets import secret_reference
from agents_runner.logstream import to_unix_nanos
from agents_runner.supervise import PullProgress
from agents_runner.terminal import describe_pull


def test_a_pull_line_without_a_percentage_gives_the_megabytes_so_far() -> None:
    progress = {"phase": "downloading", "percent": None, "bytes_current": 2_500_000}
    progress |= {"bytes_total": 0, "layers_total": 2, "layers_done": 0}
    assert "2.5 MB so far" in describe_pull("img", progress, bar=False)


def test_a_size_is_shown_in_the_largest_unit_that_divides_it() -> None:
    assert _size(1536 * 1024, "-") == "1536k"
    assert _size(1536, "-") == "1536"
    assert _size(3 << 20, "-") == "3m"


def test_a_secret_for_a_named_user_is_readable_by_anyone_in_the_container() -> None:
    named = secret_reference("id", "name", "KEY", "node")["File"]
    assert (named["UID"], named["GID"], named["Mode"]) == ("0", "0", 0o444)
    numeric = secret_reference("id", "name", "KEY", "1000:1000")["File"]
    assert (numeric["UID"], numeric["GID"], numeric["Mode"]) == ("1000", "1000", 0o400)


def test_a_pull_counts_only_its_finished_layers_until_it_is_done() -> None:
    progress = PullProgress()
    for layer in ("a1b2c3d4e5f6", "b1b2c3d4e5f6"):
        progress.add({"id": layer, "status": "Pulling fs layer"})
    progress.add({"id": "a1b2c3d4e5f6", "status": "Pull complete"})
    assert progress.summary()["layers_done"] == 1
    assert progress.summary(done=True)["layers_done"] == 2


def test_a_control_character_is_shown_escaped_without_quotes() -> None:
    assert one_line("bad\x1b[31m name\n") == "bad\\x1b[31m name\\n"


def test_a_long_command_is_cut_to_its_first_characters_and_an_ellipsis() -> None:
    cut = _cut("x" * 600)
    assert (len(cut), cut[-1], cut[:-1]) == (500, "…", "x" * 499)
    assert _cut("y" * 500) == "y" * 500


def test_a_time_with_an_offset_in_hours_and_minutes_is_read_as_utc() -> None:
    utc = to_unix_nanos(b"2026-11-25T16:05:12.5Z")
    assert to_unix_nanos(b"2026-11-25T21:35:12.5+05:30") == utc
    assert to_unix_nanos(b"2026-11-25T10:35:12.5-05:30") == utc
