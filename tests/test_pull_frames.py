"""The pull's progress as a person sees it, fed with the frames a real engine sent while
pulling a three-layer image (one layer already present) from the test registry at
127.0.0.1:5000: recorded once from Docker 20.10 and once from Podman's compat API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents_runner.supervise import PullProgress
from agents_runner.terminal import describe_pull

DATA = Path(__file__).parent / "data"
_PERCENT = re.compile(r"(downloading|extracting)(?: \[[#.]*\])? +(\d+)%")


def frames(name: str) -> list[dict]:
    lines = (DATA / f"pull_frames_{name}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def shown(name: str, *, bar: bool) -> list[str]:
    """What would be shown after every frame (unthrottled: every state is seen)."""
    progress = PullProgress()
    lines = []
    for chunk in frames(name):
        progress.add(chunk)
        lines.append(describe_pull("img", progress.summary(), bar=bar))
    lines.append(describe_pull("img", progress.summary(done=True), bar=bar))
    return lines


@pytest.mark.parametrize("engine", ["docker", "podman"])
@pytest.mark.parametrize("bar", [False, True])
def test_nothing_about_extraction_until_there_are_byte_totals(engine, bar):
    for line in shown(engine, bar=bar):
        if "extracting" in line:
            assert not re.search(r" 0\.0/0\.0 MB", line), line
    assert "extracting" not in shown(engine, bar=bar)[0]


@pytest.mark.parametrize("engine", ["docker", "podman"])
@pytest.mark.parametrize("bar", [False, True])
def test_a_shown_percentage_never_goes_back_within_its_phase(engine, bar):
    best: dict[str, int] = {}
    for line in shown(engine, bar=bar):
        match = _PERCENT.search(line)
        if match:
            phase, percent = match.group(1), int(match.group(2))
            assert percent >= best.get(phase, 0), f"{line!r} after {best[phase]}%"
            best[phase] = percent


def test_the_recorded_docker_pull_ends_at_every_layer_done():
    assert shown("docker", bar=False)[-1].endswith("100% 18.0/18.0 MB, 4/4 layers")


def _pulling(percent):
    from agents_runner.spec import TaskSpec
    from agents_runner.states import TaskState
    from agents_runner.task import Task

    task = Task.new(TaskSpec(image="busybox:1.36", agent="echo"))
    task.move_to(TaskState.PULLING)
    task.pull_progress = {"phase": "downloading", "percent": percent, "layers_total": 1,
                          "bytes_current": 5, "bytes_total": 10}  # fmt: skip
    return task


def test_the_table_shows_a_pull_percentage_only_once_there_is_one():
    from agents_runner.terminal import format_table

    assert format_table([_pulling(45)]).splitlines()[1].split()[1:3] == ["pulling", "45%"]
    assert format_table([_pulling(None)]).splitlines()[1].split()[1:3] == ["pulling", "-"]


def test_logs_follow_says_the_pull_on_its_own_stream_once_a_change_and_its_last_word():
    import io

    from agents_runner.states import TaskState
    from agents_runner.terminal import PullLines

    err = io.StringIO()
    lines = PullLines(err, interval=0.0)
    task = _pulling(45)
    lines.show(task)
    lines.show(task)  # nothing new: no line
    task.pull_progress = {**task.pull_progress, "percent": 100, "bytes_current": 10}
    task.move_to(TaskState.STARTING)
    lines.show(task)
    assert err.getvalue().splitlines() == [
        "pulling busybox:1.36: downloading  45% 0.0/0.0 MB, 0/1 layers",
        "pulling busybox:1.36: downloading 100% 0.0/0.0 MB, 0/1 layers",
    ]


def test_the_extracting_percentage_is_the_share_extracted_of_what_extraction_reads():
    """Two layers of 1000 bytes, both downloaded, 300 of the 2000 extracted: 15%."""
    progress = PullProgress()
    for layer in ("aaaaaaaaaaaa", "bbbbbbbbbbbb"):
        done = {"current": 1000, "total": 1000}
        progress.add({"id": layer, "status": "Download complete", "progressDetail": done})
    progress.add(
        {
            "id": "aaaaaaaaaaaa",
            "status": "Extracting",
            "progressDetail": {"current": 300, "total": 1000},
        }
    )
    progress.add(
        {
            "id": "bbbbbbbbbbbb",
            "status": "Extracting",
            "progressDetail": {"current": 0, "total": 1000},
        }
    )
    summary = progress.summary()
    assert (summary["phase"], summary["percent"]) == ("extracting", 15)
