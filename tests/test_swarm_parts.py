"""The pieces of the Swarm backend that need no cluster: the service's spec, a task's
end as the swarm API describes it, and the secrets' route."""

from __future__ import annotations

import subprocess

from agents_runner.engine.records import (
    NEVER_RAN,
    PULLING,
    STARTED,
    STARTING,
    WAITING,
    ContainerLimits,
)
from agents_runner.engine.swarm_secrets import LOADER, secret_reference, split_env, wrapped
from agents_runner.engine.swarm_spec import task_template
from agents_runner.engine.swarm_tasks import exit_of, stage_of


def template(**changes):
    arguments = dict(
        name="agents-runner-t",
        image="img",
        argv=["agent", "--go"],
        env={"A": "1"},
        labels={"k": "v"},
        working_dir=None,
        binds={"/host/ws": {"bind": "/workspace", "mode": "rw"}},
        user="1000:1000",
        memory=1 << 30,
        cpus=1.5,
        limits=ContainerLimits(tmp_size=256 << 20, pids=64, nofile=1024),
    )
    arguments.update(changes)
    return task_template(**arguments)


def test_the_service_runs_the_argv_as_the_image_s_command_fenced_and_never_restarted():
    task = template(constraints=["node.hostname==n2"])
    container = task["ContainerSpec"]
    assert container["Args"] == ["agent", "--go"] and "Command" not in container
    assert container["Env"] == ["A=1"] and container["User"] == "1000:1000"
    assert container["Init"] is True and container["CapabilityDrop"] == ["ALL"]
    assert {"Type": "bind", "Source": "/host/ws", "Target": "/workspace", "ReadOnly": False} in (
        container["Mounts"]
    )
    tmp = next(m for m in container["Mounts"] if m["Target"] == "/tmp")
    assert tmp["Type"] == "volume" and tmp["Source"] == "agents-runner-t-tmpfs-0"
    options = tmp["VolumeOptions"]["DriverConfig"]["Options"]
    assert options["type"] == "tmpfs" and "exec" in options["o"].split(",")
    assert {"size=268435456", "mode=1777", "uid=1000", "gid=1000"} <= set(options["o"].split(","))
    assert tmp["VolumeOptions"]["Labels"] == {"k": "v"} and tmp["VolumeOptions"]["NoCopy"]
    assert task["RestartPolicy"]["Condition"] == "none"
    assert task["Resources"]["Reservations"] == {"MemoryBytes": 1 << 30, "NanoCPUs": 1_500_000_000}
    assert task["Resources"]["Limits"]["Pids"] == 64
    assert task["Placement"] == {"Constraints": ["node.hostname==n2"]}


def test_a_task_s_end_is_its_container_s_exit_code_or_the_cluster_s_words():
    ran = {"State": "failed", "ContainerStatus": {"ContainerID": "c", "ExitCode": 3}}
    assert exit_of({"Status": ran}).exit_code == 3
    rejected = {"State": "rejected", "Err": "No such image: nope"}
    ended = exit_of({"Status": rejected})
    assert ended.exit_code is None and "No such image: nope" in (ended.error or "")


def test_a_task_s_stage_follows_the_cluster_s_state_with_its_words_while_it_waits():
    no_room = "no suitable node (insufficient resources on 3 nodes)"
    pending = {"Status": {"State": "pending", "Message": "pending task scheduling", "Err": no_room}}
    assert stage_of(None) == (WAITING, "the cluster has not made its task yet")
    assert stage_of(pending) == (WAITING, no_room)
    assert stage_of({"Status": {"State": "pending", "Message": "pending task scheduling"}}) == (
        WAITING,
        "pending task scheduling",
    )
    for state, stage in [("assigned", PULLING), ("preparing", PULLING), ("starting", STARTING)]:
        assert stage_of({"Status": {"State": state}}) == (stage, None)
    ran = {"Status": {"State": "complete", "ContainerStatus": {"ContainerID": "c", "ExitCode": 0}}}
    assert stage_of({"Status": {"State": "running"}}) == (STARTED, None)
    assert stage_of(ran) == (STARTED, None)
    rejected = {"Status": {"State": "rejected", "Err": "No such image: x"}}
    assert stage_of(rejected) == (NEVER_RAN, "the cluster could not run the task: No such image: x")


def test_secrets_leave_the_environment_and_are_mounted_for_the_agent_s_user_only():
    env, secrets = split_env({"A": "1", "TOKEN": "s"}, ["TOKEN"])
    assert env == {"A": "1"} and secrets == {"TOKEN": "s"}
    reference = secret_reference("id", "svc.TOKEN", "TOKEN", "1000:1000")
    assert reference["File"] == {
        "Name": "agents-runner-TOKEN",
        "UID": "1000",
        "GID": "1000",
        "Mode": 0o400,
    }
    task = wrapped(template(), [reference])
    assert task["ContainerSpec"]["Command"][:2] == ["sh", "-c"]
    assert task["ContainerSpec"]["Args"] == ["agent", "--go"]


def test_the_loader_exports_each_secret_byte_for_byte_then_execs_the_argv(tmp_path):
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (secrets_dir / "agents-runner-TOKEN").write_bytes(b"a b\n\n")
    script = LOADER.replace("/run/secrets", str(secrets_dir))
    printed = subprocess.run(
        ["sh", "-c", script, "loader", "sh", "-c", 'printf "[%s]" "$TOKEN"'],
        capture_output=True,
        check=True,
    ).stdout
    assert printed == b"[a b\n\n]"
