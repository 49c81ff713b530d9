"""The kernel's log as the runner reads it for an out-of-memory kill (kernel_log.py)."""

from __future__ import annotations

from agents_runner.kernel_log import _names_cgroup_of, oom_kill_logged

DOCKER_ID = "79508170da9371bb0714b30c8d9a0b8e41d5b980eefacbb36f31faab1098d58b"
LINE = (
    "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=other,mems_allowed=0,"
    f"oom_memcg=/docker/{DOCKER_ID},task_memcg=/docker/{DOCKER_ID},task=tail,pid=25533,uid=0"
)


def test_a_kill_line_names_the_container_whose_memory_cgroup_it_was_for():
    assert _names_cgroup_of(LINE, DOCKER_ID)
    podman = LINE.replace(f"/docker/{DOCKER_ID}", f"/libpod_parent/libpod-{DOCKER_ID}")
    assert _names_cgroup_of(podman, DOCKER_ID)
    assert not _names_cgroup_of(LINE, "0" * 64)


def test_only_the_memory_cgroups_count_not_the_cpuset_or_the_task_name():
    line = LINE.replace(f"/docker/{DOCKER_ID}", "/docker/elsewhere")
    line = line.replace("cpuset=other", f"cpuset={DOCKER_ID}").replace("tail", DOCKER_ID)
    assert not _names_cgroup_of(line, DOCKER_ID)


def test_a_log_that_cannot_be_read_or_an_id_too_short_to_tell_gives_no_answer(tmp_path):
    assert oom_kill_logged(DOCKER_ID, kmsg=str(tmp_path / "absent")) is None
    assert oom_kill_logged("abc") is None
