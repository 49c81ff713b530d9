"""Steps about the fence around the agent: hardened defaults read back from Docker, and
escape attempts run for real inside the container."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    equal_to,
    greater_than,
    has_item,
    is_,
    less_than,
    less_than_or_equal_to,
)

from agents_runner.testing.oracle import raw_inspect
from agents_runner.testing.setuid_probe import PROBE_PATH, build_setuid_probe_image
from agents_runner.testing.waiting import wait_until

MIB = 1024**2
SIZES = {"4g": 4 * 1024**3, "256m": 256 * MIB, "16m": 16 * MIB}


def _inspect(context: Context) -> dict:
    info = context.harness.container(context.task)
    assert info is not None, "the task's container exists"
    return info


def _tmp_size(info: dict) -> int | None:
    """The size of the tmpfs at /tmp as Docker reports it: a tmpfs option on one engine,
    a tmpfs volume where a Swarm service made the container."""
    tmpfs = (info["HostConfig"].get("Tmpfs") or {}).get("/tmp")
    if tmpfs is not None:
        options = dict(item.partition("=")[::2] for item in tmpfs.split(","))
        return int(options["size"]) if "size" in options else None
    for mount in info["HostConfig"].get("Mounts") or []:
        if mount.get("Target") != "/tmp":
            continue
        if mount.get("Type") == "tmpfs":
            return (mount.get("TmpfsOptions") or {}).get("SizeBytes")
        driver = (mount.get("VolumeOptions") or {}).get("DriverConfig") or {}
        options = driver.get("Options") or {}
        if options.get("type") == "tmpfs":
            said = dict(o.partition("=")[::2] for o in options.get("o", "").split(","))
            return int(said["size"]) if "size" in said else None
    return None


def _nofile(host: dict) -> int | None:
    # Docker says "nofile", Podman "RLIMIT_NOFILE".
    limits = [
        u
        for u in host.get("Ulimits") or []
        if u["Name"].lower().removeprefix("rlimit_") == "nofile"
    ]
    if not limits:
        return None
    assert_that(limits[0]["Soft"], equal_to(limits[0]["Hard"]))
    return limits[0]["Soft"]


@given(
    "its fence is: user root, NET_RAW given back, 64 processes, 1024 open files, a 16m /tmp, "
    "a read-only root, no memory limit"
)
def loosened_fence(context: Context) -> None:
    context.spec_fields.update(
        user="root",
        cap_add=["NET_RAW"],
        pids_limit=64,
        nofile=1024,
        tmp_size="16m",
        read_only=True,
        memory=None,
    )


# Capability numbers (linux/capability.h) for the ones a scenario gives back.
CAPABILITY_BITS = {"NET_RAW": 13, "CHOWN": 0, "SYS_ADMIN": 21}


def _capabilities(context: Context) -> tuple[int, int]:
    """The effective and bounding capability sets of the container's first process, as
    the kernel shows them in /proc (every process in it shares the bounding set)."""
    pid = _inspect(context)["State"]["Pid"]
    fields = dict(
        line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["CapEff"], 16), int(fields["CapBnd"], 16)


@then("the kernel shows that its agent runs as uid {uid:d}")
def runs_as(context: Context, uid: int) -> None:
    """The real, effective, saved and filesystem uids of the container's first process."""
    pid = _inspect(context)["State"]["Pid"]
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    uids = next(line for line in status if line.startswith("Uid:")).split()[1:]
    assert_that(uids, equal_to([str(uid)] * 4), f"/proc/{pid}/status")


@then("the kernel shows that its agent holds no capability and can gain none")
def no_capabilities(context: Context) -> None:
    assert_that(_capabilities(context), equal_to((0, 0)), "(effective, bounding) sets")


@then("the kernel shows that its agent can gain {capability} and no other capability")
def one_capability(context: Context, capability: str) -> None:
    effective, bounding = _capabilities(context)
    assert_that(bounding, equal_to(1 << CAPABILITY_BITS[capability]), "the bounding set")
    assert_that(effective & ~bounding, equal_to(0), "effective capabilities outside it")


@then(
    "Docker reports a process limit of {pids:d}, an open-file limit of {nofile:d} and a "
    "memory limit of {memory} without swap"
)
def default_limits(context: Context, pids: int, nofile: int, memory: str) -> None:
    host = _inspect(context)["HostConfig"]
    assert_that(host["PidsLimit"], equal_to(pids))
    assert_that(_nofile(host), equal_to(nofile))
    assert_that((host["Memory"], host["MemorySwap"]), equal_to((SIZES[memory], SIZES[memory])))


@then(
    "Docker reports a process limit of {pids:d}, an open-file limit of {nofile:d} and no "
    "memory limit"
)
def loosened_limits(context: Context, pids: int, nofile: int) -> None:
    host = _inspect(context)["HostConfig"]
    assert_that(host["PidsLimit"], equal_to(pids))
    assert_that(_nofile(host), equal_to(nofile))
    assert_that(host["Memory"], equal_to(0))


@then(
    "Docker reports that the agent runs as {user}, with a {size} tmpfs at /tmp, on a "
    "{kind} root filesystem"
)
def user_tmp_root(context: Context, user: str, size: str, kind: str) -> None:
    info = _inspect(context)
    # root is asked of the engine as uid 0, which needs no /etc/passwd in the image
    assert_that(info["Config"]["User"], equal_to("0" if user == "root" else user))
    assert_that(_tmp_size(info), equal_to(SIZES[size]))
    assert_that(info["HostConfig"]["ReadonlyRootfs"], is_(kind == "read-only"))


GO = "until [ -f /workspace/go ]; do sleep 0.1; done"


@given('a task whose agent runs as root and, once let go, tries to {attempt} with "{command}"')
def attempt(context: Context, attempt: str, command: str) -> None:
    # root with no capability reads only what anyone may: the go file in a folder
    # others may enter (the workspace is another user's)
    context.workspace.chmod(0o755)
    context.spec_fields = {
        "command": ["sh", "-c", f"echo started; {GO}; {command}"],
        "user": "root",
        "workspace": str(context.workspace),
    }


@then("the kernel shows that its agent holds no capability and can gain none, before the attempt")
def no_capabilities_before(context: Context) -> None:
    if (sets := _capabilities(context)) != (0, 0):
        raise AssertionError(f"refusing the attempt: (effective, bounding) sets {sets}")


@then('the attempt said "{refusal}" and exited with code {code:d}')
def attempt_refused(context: Context, refusal: str, code: int) -> None:
    task = context.harness.wait_for_end(context.task.id)
    assert_that(task.exit_code, equal_to(code))
    assert_that(context.harness.log_text(task.id), contains_string(refusal))
    assert_that(context.harness.log_text(task.id), contains_string("started"))


# busybox sh dies at its first failed fork; awk's system() only returns -1 and goes on,
# so this bomb keeps pressing on the limit until the deadline ends it.
BOMB = (
    "until [ -f /workspace/go ]; do sleep 0.1; done; "
    "exec awk 'BEGIN { while (1) system(\"sleep 1000 &\") }'"
)


@given(
    "a task whose agent waits for the go file, then runs a fork bomb, with a process limit of "
    "{pids:d} and a deadline of {seconds:d} seconds"
)
def fork_bomb(context: Context, pids: int, seconds: int) -> None:
    context.spec_fields = {
        "command": ["sh", "-c", f"echo started; {BOMB}"],
        "workspace": str(context.workspace),
        "pids_limit": pids,
        "cpus": 1.0,  # the bomb spins; half the machine is enough for it
        "timeout": float(seconds),
        "stop_grace": 1.0,
    }


@then("Docker reports a process limit of {pids:d} before the bomb is let go")
def limit_before_bomb(context: Context, pids: int) -> None:
    limit = _inspect(context)["HostConfig"]["PidsLimit"]
    if limit is None or limit <= 0 or limit > pids:
        raise AssertionError(f"refusing to start a fork bomb under a process limit of {limit}")
    assert_that(limit, equal_to(pids))


def _pids_in_container(context: Context) -> int:
    """The kernel's own count of the container's processes, from its pids cgroup (where
    Docker puts it with the cgroupfs or the systemd driver, cgroup v1 or v2)."""
    container_id = _inspect(context)["Id"]
    candidates = [
        f"/sys/fs/cgroup/pids/docker/{container_id}/pids.current",
        f"/sys/fs/cgroup/pids/system.slice/docker-{container_id}.scope/pids.current",
        f"/sys/fs/cgroup/docker/{container_id}/pids.current",
        f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/pids.current",
        f"/sys/fs/cgroup/pids/libpod_parent/libpod-{container_id}/pids.current",
        f"/sys/fs/cgroup/pids/machine.slice/libpod-{container_id}.scope/pids.current",
        f"/sys/fs/cgroup/libpod_parent/libpod-{container_id}/pids.current",
        f"/sys/fs/cgroup/machine.slice/libpod-{container_id}.scope/pids.current",
    ]
    for candidate in candidates:
        if Path(candidate).exists():
            return int(Path(candidate).read_text())
    raise AssertionError(f"no pids cgroup for container {container_id}: {candidates}")


@then("the kernel counts the container at its process limit of {pids:d}")
def at_process_limit(context: Context, pids: int) -> None:
    wait_until(
        lambda: _pids_in_container(context),
        lambda count: count == pids,
        timeout=30,
        describe=f"the kernel to count {pids} processes in the container",
    )


@then("a command on the host answers within a second, three times, while the bomb runs")
def host_responsive(context: Context) -> None:
    for _ in range(3):
        started = time.monotonic()
        subprocess.run(["true"], check=True)
        assert_that(time.monotonic() - started, less_than(1.0))
    assert_that(_pids_in_container(context), greater_than(1), "the bomb still runs")


FILL = (
    f"{GO}; rm /workspace/go; "
    "dd if=/dev/zero of=/tmp/fill bs=1M 2>&1 | grep -o 'No space left on device'; "
    "echo written $(wc -c < /tmp/fill); "
    f"{GO}"
)


@given("a task whose agent, once let go, writes to /tmp until it cannot and says what it wrote")
def fill_tmp(context: Context) -> None:
    context.spec_fields = {"command": ["sh", "-c", FILL], "workspace": str(context.workspace)}


@then("Docker reports a {size} tmpfs at /tmp before the writing starts")
def tmpfs_before(context: Context, size: str) -> None:
    info = _inspect(context)
    if _tmp_size(info) != SIZES[size]:
        raise AssertionError(f"refusing to fill /tmp: its tmpfs is {_tmp_size(info)!r} bytes")


@when("the agent is let go on again")
def let_go_again(context: Context) -> None:
    context.harness.let_agent_go(context.workspace)


@given("an image holding a setuid-root program that reports the ids it runs with")
def setuid_image(context: Context) -> None:
    reference = f"agents-runner-test/setuid-probe:{context.harness.scenario_id}"
    build_setuid_probe_image(context.harness.engine, reference)
    context.harness.remove_image_at_cleanup(reference)
    context.probe_image = reference


@given("a task that runs that program as the default user")
def run_probe(context: Context) -> None:
    context.spec_fields = {
        "image": context.probe_image,
        "command": [PROBE_PATH],
        "pull": "never",
        "keep_container": True,  # so that Docker's account can be read after the end
    }


@then(
    "the program reported that it is setuid-root, and that it ran with user id {uid:d} and "
    "effective user id {euid:d}"
)
def probe_reported(context: Context, uid: int, euid: int) -> None:
    task = context.harness.wait_for_end(context.task.id)
    report = context.harness.log_text(task.id)
    assert_that(report, equal_to(f"mode=4755 owner=0 uid={uid} euid={euid}\n"))


@then("Docker reports that its container ran with no-new-privileges, as user {user}")
def ran_without_new_privileges(context: Context, user: str) -> None:
    container_id = context.harness.fresh_load(context.task.id).container_id
    info = raw_inspect(context.harness.engine, container_id)  # kept for this look, then removed
    assert info is not None, f"the kept container {container_id} exists"
    context.harness.engine.remove(container_id)
    assert_that(info["HostConfig"]["SecurityOpt"], has_item("no-new-privileges"))
    assert_that(info["Config"]["User"], equal_to(user))


@then('the agent said "{refusal}" and wrote at most {mib:d} MiB')
def filled(context: Context, refusal: str, mib: int) -> None:
    log = context.harness.log_text(context.task.id)
    assert_that(log, contains_string(refusal))
    written = int(log.split("written", 1)[1].split()[0])
    assert_that(written, less_than_or_equal_to(mib * MIB))
    assert_that(written, greater_than(mib * MIB // 2), "it did write until the tmpfs was full")


@then("Docker reports that the container's writable layer holds less than {mib:d} MiB")
def writable_layer(context: Context, mib: int) -> None:
    container = _inspect(context)["Id"]
    host = context.harness.engine.address_of(container)
    size = subprocess.run(
        [
            "docker",
            *(["-H", host] if host else []),
            "inspect",
            "--size",
            "--format",
            "{{.SizeRw}}",
            container,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert_that(int(size), less_than(mib * MIB))


@given(
    "a task whose command copies /bin/busybox into /tmp, runs the copy,"
    " and prints its own mount of /tmp"
)
def runs_from_tmp(context: Context) -> None:
    script = (
        "cp /bin/busybox /tmp/busybox && /tmp/busybox echo 'the copy in /tmp ran'"
        " && grep ' /tmp ' /proc/mounts"
    )
    context.spec_fields = {"command": ["sh", "-c", script]}


@then("the copy in /tmp ran")
def copy_ran(context: Context) -> None:
    lines = context.harness.log_text(context.task.id).splitlines()
    assert_that(lines[:1], equal_to(["the copy in /tmp ran"]))


@then("the container's own /proc/mounts shows /tmp with nosuid and nodev, and without noexec")
def tmp_mount_options(context: Context) -> None:
    mount = context.harness.log_text(context.task.id).splitlines()[1].split()
    assert_that(mount[1:3], equal_to(["/tmp", "tmpfs"]), f"the mount line {mount!r}")
    options = set(mount[3].split(","))
    assert_that({"nosuid", "nodev"} <= options, is_(True), f"options {sorted(options)}")
    assert_that("noexec" in options, is_(False), f"options {sorted(options)}")
