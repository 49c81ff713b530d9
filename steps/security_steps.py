"""Steps about workspaces, secrets, limits and hardening."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import stat
import urllib.parse
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    any_of,
    assert_that,
    contains_string,
    empty,
    equal_to,
    greater_than,
    has_item,
    is_,
    is_not,
    none,
    not_,
    starts_with,
)
from hamcrest.core.matcher import Matcher

from agents_runner.testing.engine_proxy import engine_socket_path
from agents_runner.testing.harness import TRAPPING_AGENT, WAITING_AGENT, memory_hog
from agents_runner.testing.kernel_oom import oom_kills_logged
from agents_runner.testing.log_capture import capture_records
from agents_runner.testing.oracle import raw_inspect
from agents_runner.testing.state_files import files_in, modes_in

# Not the default 1000:1000, so that "runs as the workspace's owner" is told apart from it.
UNPRIVILEGED = (2345, 2346)


SECRET_CORE_HEX = 24  # the long random part of every secret, searched on its own too


_MADE_AT: dict[str, float] = {}  # each secret's making, in clock ticks after boot


def new_secret() -> str:
    """A value never seen before, with a quote, a backslash and a non-ASCII letter."""
    value = f'sk-test-{secrets.token_hex(SECRET_CORE_HEX // 2)}"\\é-{secrets.token_hex(4)}'
    _MADE_AT[value] = _ticks_now()
    return value


def _ticks_now() -> float:
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime * os.sysconf("SC_CLK_TCK")


def _started_ticks(pid_dir: Path) -> float | None:
    try:
        stat_line = (pid_dir / "stat").read_text()
    except OSError:
        return None
    return float(stat_line[stat_line.rindex(")") + 2 :].split()[19])


def secret_forms(value: str) -> list[bytes]:
    """The value as it could be written down: raw, JSON-escaped, Python's repr and ascii
    (of the text and of its bytes), URL-encoded, hex, base64 (its middle, which is the
    same whatever bytes stand before it), and its random core alone."""
    raw = value.encode()
    texts = [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
        ascii(value)[1:-1],
        repr(raw)[2:-1],
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        raw.hex(),
        value.removeprefix("sk-test-")[:SECRET_CORE_HEX],
    ]
    forms = [text.encode() for text in texts]
    for shift in range(3):
        encoded = base64.b64encode(b"x" * shift + raw)
        forms.append(encoded[4 : len(encoded) - 4])
    return forms


DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
FINGERPRINT = 'printf %s "$API_TOKEN" | sha256sum'


@given("a workspace that belongs to an unprivileged user")
def unprivileged_workspace(context: Context) -> None:
    context.workspace = context.harness.workspace()
    if os.geteuid() == 0:  # as root (CI), hand it to an ordinary uid; else it is already ours
        os.chown(context.workspace, *UNPRIVILEGED)
    info = os.stat(context.workspace)
    context.workspace_owner = (info.st_uid, info.st_gid)


@given("a workspace that belongs to root")
def root_workspace(context: Context) -> None:
    context.workspace = context.harness.workspace()
    os.chown(context.workspace, 0, 0)  # the scenario is @root: only root can give it to root


@given('a task whose agent writes "{name}" in its working directory')
def agent_writes(context: Context, name: str) -> None:
    script = f'echo "working in $(pwd)"; echo "written by the agent" > {name}'
    context.spec_fields = {"command": ["sh", "-c", script], "workspace": context.workspace}


@then('"{name}" is in the workspace on the host, holding "{text}"')
def file_on_host(context: Context, name: str, text: str) -> None:
    assert_that((context.workspace / name).read_text(), equal_to(text + "\n"))


@then('"{name}" belongs to the workspace\'s owner, who can edit it')
def file_owned(context: Context, name: str) -> None:
    info = os.stat(context.workspace / name)
    assert_that((info.st_uid, info.st_gid), equal_to(context.workspace_owner))
    assert_that(bool(info.st_mode & stat.S_IWUSR), is_(True), "the owner may write it")


@given("a task whose agent prints a fingerprint of its API_TOKEN, then waits for its signal file")
def fingerprint_agent(context: Context) -> None:
    script = f"{FINGERPRINT}; {WAITING_AGENT}"
    context.spec_fields = {"command": ["sh", "-c", script], "workspace": str(context.workspace)}


@given("it is given API_TOKEN as a secret, with a value never seen before")
def fresh_secret(context: Context) -> None:
    context.secret = new_secret()
    context.spec_fields["secrets"] = {"API_TOKEN": context.secret}


@given("a state dir that does not exist yet")
def state_dir_not_there(context: Context) -> None:
    path = context.harness.state_dir / "made-by-the-runner"
    context.harness.move_state_dir(path)
    assert_that(path.exists(), is_(False))


@given("the runner's log records are kept")
def keep_log_records(context: Context) -> None:
    context.log_records = capture_records(context, "agents_runner", logging.DEBUG)


@then("no process outside the task's container has the secret in its environment or command line")
def no_process_holds_secret(context: Context) -> None:
    container_id = (context.harness.container(context.task) or {}).get("Id")
    assert container_id, "the task's container is there, by the engine's inspect"
    inside, holders, unreadable = 0, [], []
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            if container_id in (pid_dir / "cgroup").read_text():
                inside += 1
                continue
            seen = (pid_dir / "environ").read_bytes() + (pid_dir / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):
            continue  # it exited meanwhile
        except OSError as exc:
            # A process that started before the secret existed cannot have been given it
            # (the machine's init hides its environment even from root); any other that
            # hides what it holds proves nothing, and fails the check.
            started = _started_ticks(pid_dir)
            if started is None and not pid_dir.exists():
                continue  # it exited meanwhile
            if started is None or started >= _MADE_AT.get(context.secret, 0.0):
                unreadable.append(f"{pid_dir.name}: {exc}")
            continue
        if any(form in seen for form in secret_forms(context.secret)):
            holders.append(f"{pid_dir.name}: {(pid_dir / 'cmdline').read_bytes()[:80]!r}")
    assert_that(inside, greater_than(0), "the agent's own processes were found")
    assert_that(unreadable, is_(empty()), "processes whose environment could not be read")
    assert_that(holders, is_(empty()))


@then("no file in the state dir holds the secret in any of its forms")
def no_trace(context: Context) -> None:
    forms = secret_forms(context.secret)
    hits = [
        str(path)
        for path, data in files_in(context.harness.state_dir)
        if any(form in data for form in forms)
    ]
    assert_that(hits, is_(empty()))


@then("the runner's log records hold the secret in none of its forms")
def no_trace_in_logs(context: Context) -> None:
    text = "\n".join(context.log_records).encode()
    assert_that([f for f in secret_forms(context.secret) if f in text], is_(empty()))


@then("neither command printed the secret in any of its forms")
def commands_silent(context: Context) -> None:
    printed = "".join(
        r.stdout + r.stderr for r in (context.detached_result, context.result)
    ).encode()
    assert_that([f for f in secret_forms(context.secret) if f in printed], is_(empty()))


@then("Docker no longer has the container that held the secret, nor any event that names it")
def docker_forgot(context: Context) -> None:
    events = context.harness.events_for(context.task.id, until_action="destroy")
    created = {e.container_id for e in events if e.action == "create"}
    assert_that(len(created), equal_to(1), "containers Docker created for the task")
    assert_that(raw_inspect(context.harness.engine, created.pop()), is_(none()))
    # the events as the engine sent them, every attribute and label included
    raw = json.dumps(context.harness.events.raw_for_task(context.task.id)).encode()
    assert_that(context.task.id.encode() in raw, is_(True), "the raw events were read")
    assert_that([f for f in secret_forms(context.secret) if f in raw], is_(empty()))


@when(
    "the user runs a detached agent that prints a fingerprint of API_TOKEN, "
    'passing "--secret API_TOKEN" with the value only in the environment'
)
def detached_with_secret(context: Context) -> None:
    context.secret = new_secret()
    harness = context.harness
    argv = ["run", "--detach", "--image", harness.image, "--secret", "API_TOKEN"]
    context.detached_result = context.result = harness.cli.run(
        *argv, "--", "sh", "-c", FINGERPRINT, env={"API_TOKEN": context.secret}
    )
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)
    context.cli_task_id = context.result.stdout.strip()
    context.task = harness.fresh_load(context.cli_task_id)


@then("the agent saw the secret: its log holds the secret's SHA-256")
def agent_saw_secret(context: Context) -> None:
    digest = hashlib.sha256(context.secret.encode()).hexdigest()
    assert_that(context.harness.log_text(context.task.id), contains_string(digest))


@then('"show" prints the secret\'s name but not its value')
def show_hides_secret(context: Context) -> None:
    readable = context.harness.cli.run("show", context.task.id)
    payload = context.harness.cli.run("show", "--json", context.task.id)
    for result in (readable, payload):
        assert_that(result.returncode, equal_to(0), result.stderr)
        printed = (result.stdout + result.stderr).encode()
        assert_that([f for f in secret_forms(context.secret) if f in printed], is_(empty()))
    assert_that(readable.stdout, contains_string("API_TOKEN"))
    assert_that(json.loads(payload.stdout)["spec"]["secret_names"], equal_to(["API_TOKEN"]))


@then("the state dir, which the runner created, is 0700 and every file in it 0600")
def private_state_dir(context: Context) -> None:
    root = context.harness.state_dir
    assert_that(root.name, equal_to("made-by-the-runner"), "the runner made this folder")
    assert_that(stat.S_IMODE(root.stat().st_mode), equal_to(0o700), "the state dir")
    modes = modes_in(root)
    wrong = {
        path: oct(mode)
        for path, mode in modes.items()
        if mode != (0o700 if (root / path).is_dir() else 0o600)
    }
    assert_that(wrong, equal_to({}))


@given("a task whose agent allocates {size:d} MiB under a memory limit of {limit}")
def memory_hogging_agent(context: Context, size: int, limit: str) -> None:
    context.spec_fields = {"command": ["sh", "-c", memory_hog(size)], "memory": limit}


@given(
    "a task whose agent's worker allocates {size:d} MiB under a memory limit of {limit}, "
    "the agent exiting with the worker's status a second later"
)
def outlived_memory_hog(context: Context, size: int, limit: str) -> None:
    script = memory_hog(size, outlived=True)
    context.spec_fields = {"command": ["sh", "-c", script], "memory": limit}


@given("its limits are {memory} of memory and {cpus:g} CPUs")
def with_limits(context: Context, memory: str, cpus: float) -> None:
    context.spec_fields = {"command": TRAPPING_AGENT, "memory": memory, "cpus": cpus}


def _host_config(context: Context) -> dict:
    info = context.harness.container(context.task)
    assert info is not None, "the task's container exists"
    return info["HostConfig"]


@then(
    "Docker reports its container runs with an init process and no-new-privileges, not "
    "privileged, with no added capability or device and no namespace of the host"
)
def hardened(context: Context) -> None:
    host = _host_config(context)
    assert_that(host["Init"], is_(True), "Init")
    assert_that(host["SecurityOpt"] or [], has_item("no-new-privileges"))
    assert_that(host["Privileged"], is_(False), "Privileged")
    assert_that(host["CapAdd"] or [], is_(empty()), "CapAdd")
    assert_that(host["Devices"] or [], is_(empty()), "Devices")
    assert_that(host["DeviceRequests"] or [], is_(empty()), "DeviceRequests")
    unconfined = [o for o in host["SecurityOpt"] or [] if "unconfined" in o]
    assert_that(unconfined, is_(empty()), "SecurityOpt")
    for mode in ("PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode"):
        assert_that(host.get(mode) or "", is_not_host(), mode)
    assert_that(host["NetworkMode"], is_not_host(), "NetworkMode")


@then("the engine reports no mount of its own socket or Docker's, or of a folder that holds one")
def no_socket(context: Context) -> None:
    info = context.harness.container(context.task)
    candidates = (*DOCKER_SOCKETS, engine_socket_path())
    sockets = {os.path.realpath(p) for p in candidates if os.path.exists(p)}
    assert_that(sockets, is_not(empty()), f"no engine socket on this host among {candidates}")
    exposing = [
        mount
        for mount in info["Mounts"]
        for socket in sockets
        if _holds(os.path.realpath(mount.get("Source", "")), socket)
    ]
    assert_that(exposing, is_(empty()), f"sockets {sorted(sockets)}")


@then("the kernel's log reports an out-of-memory kill in its container's memory cgroup")
def kernel_logged_oom(context: Context) -> None:
    container_id = context.harness.task(context.task.id).container_id
    assert_that(container_id, is_not(None), "the task's recorded container id")
    assert_that(oom_kills_logged(container_id), is_not(empty()), f"container {container_id}")


def _holds(source: str, socket: str) -> bool:
    return bool(source) and (source == socket or socket.startswith(source.rstrip("/") + "/"))


def is_not_host() -> Matcher[str]:
    return not_(any_of(equal_to("host"), starts_with("container:")))


@then("Docker reports a memory limit of {memory} without swap and {cpus:g} CPUs")
def limits_reported(context: Context, memory: str, cpus: float) -> None:
    host = _host_config(context)
    expected = int(memory.rstrip("m")) * 1024**2
    assert_that((host["Memory"], host["MemorySwap"]), equal_to((expected, expected)))
    assert_that(host["NanoCpus"], equal_to(int(cpus * 1e9)))
