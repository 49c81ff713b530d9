"""Steps about workspaces, secrets, limits and hardening."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    has_item,
    is_,
    not_,
)

from agents_runner.testing.harness import TRAPPING_AGENT

UNPRIVILEGED = (1000, 1000)
FINGERPRINT = 'printf %s "$API_TOKEN" | sha256sum'


@given("a workspace that belongs to an unprivileged user")
def unprivileged_workspace(context: Context) -> None:
    context.workspace = context.harness.workspace()
    if os.geteuid() == 0:  # as root (CI), hand it to an ordinary uid; else it is already ours
        os.chown(context.workspace, *UNPRIVILEGED)
    info = os.stat(context.workspace)
    context.workspace_owner = (info.st_uid, info.st_gid)


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


@given("a task whose agent prints a fingerprint of its API_TOKEN")
def fingerprint_agent(context: Context) -> None:
    context.spec_fields = {"command": ["sh", "-c", FINGERPRINT]}


@given("it is given API_TOKEN as a secret, with a value never seen before")
def fresh_secret(context: Context) -> None:
    context.secret = f"sk-test-{secrets.token_hex(16)}"
    context.spec_fields["secrets"] = {"API_TOKEN": context.secret}


@when(
    "the user runs a detached agent that prints a fingerprint of API_TOKEN, "
    'passing "--secret API_TOKEN" with the value only in the environment'
)
def detached_with_secret(context: Context) -> None:
    context.secret = f"sk-test-{secrets.token_hex(16)}"
    harness = context.harness
    argv = ["run", "--detach", "--image", harness.image, "--secret", "API_TOKEN"]
    context.result = harness.cli.run(
        *argv, "--", "sh", "-c", FINGERPRINT, env={"API_TOKEN": context.secret}
    )
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)
    context.cli_task_id = context.result.stdout.strip()
    context.task = harness.fresh_load(context.cli_task_id)


@then("the agent saw the secret: its log holds the secret's SHA-256")
def agent_saw_secret(context: Context) -> None:
    digest = hashlib.sha256(context.secret.encode()).hexdigest()
    assert_that(context.harness.log_text(context.task.id), contains_string(digest))


@then("a byte search of the whole state dir finds no trace of the secret's value")
def no_trace(context: Context) -> None:
    needle = context.secret.encode()
    hits = [
        str(path)
        for path in context.harness.state_dir.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    ]
    assert_that(hits, is_(empty()))


@then('"show" prints the secret\'s name but not its value')
def show_hides_secret(context: Context) -> None:
    result = context.harness.cli.run("show", context.task.id)
    assert_that(result.returncode, equal_to(0), result.stderr)
    assert_that(result.stdout, not_(contains_string(context.secret)))
    assert_that(json.loads(result.stdout)["spec"]["secret_names"], equal_to(["API_TOKEN"]))


@then("the state dir is 0700 and every file in it 0600")
def private_state_dir(context: Context) -> None:
    root = context.harness.state_dir
    modes = {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")}
    wrong = {
        path: oct(mode)
        for path, mode in modes.items()
        if mode != (0o700 if (root / path).is_dir() else 0o600)
    }
    assert_that(wrong, equal_to({}))


@given("a task whose agent allocates {size:d} MiB under a memory limit of {limit}")
def memory_hog(context: Context, size: int, limit: str) -> None:
    script = f"dd if=/dev/zero of=/dev/null bs={size}M count=1"
    context.spec_fields = {"command": ["sh", "-c", script], "memory": limit}


@given("its limits are {memory} of memory and {cpus:g} CPUs")
def with_limits(context: Context, memory: str, cpus: float) -> None:
    context.spec_fields = {"command": TRAPPING_AGENT, "memory": memory, "cpus": cpus}


def _host_config(context: Context) -> dict:
    info = context.harness.container(context.task)
    assert info is not None, "the task's container exists"
    return info["HostConfig"]


@then(
    "Docker reports its container runs with an init process, unprivileged, with no-new-privileges"
)
def hardened(context: Context) -> None:
    host = _host_config(context)
    assert_that(host["Init"], is_(True), "Init")
    assert_that(host["Privileged"], is_(False), "Privileged")
    assert_that(host["SecurityOpt"] or [], has_item("no-new-privileges"))


@then("Docker reports no mount of the Docker socket")
def no_socket(context: Context) -> None:
    info = context.harness.container(context.task)
    sources = [m.get("Source", "") for m in info["Mounts"]]
    assert_that([s for s in sources if "docker.sock" in s], is_(empty()))


@then("Docker reports a memory limit of {memory} without swap and {cpus:g} CPUs")
def limits_reported(context: Context, memory: str, cpus: float) -> None:
    host = _host_config(context)
    expected = int(memory.rstrip("m")) * 1024**2
    assert_that((host["Memory"], host["MemorySwap"]), equal_to((expected, expected)))
    assert_that(host["NanoCpus"], equal_to(int(cpus * 1e9)))
