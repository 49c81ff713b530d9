"""Steps for tasks on the test Swarm (features/swarm.feature): the real command line with
--backend swarm against the cluster's manager, checked by each node's own engine."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shlex
import time
from datetime import datetime
from pathlib import Path

from behave import given, then, when
from behave.runner import Context
from hamcrest import (
    assert_that,
    contains_string,
    empty,
    equal_to,
    has_item,
    has_length,
    is_not,
    matches_regexp,
)

from agents_runner.testing.contract_names import LABEL_STORE, LABEL_TASK_ID
from agents_runner.testing.engine_at_program import run_engine_at_program
from agents_runner.testing.events import exit_codes, signals
from agents_runner.testing.harness import WAITING_AGENT
from agents_runner.testing.swarm_cli import run_on_swarm
from agents_runner.testing.swarm_cluster import SwarmView
from agents_runner.testing.ui_client import UiClient, serve_page
from agents_runner.testing.waiting import wait_until

SWARM_RUN = "run --backend swarm --network none"
OUTPUT_LINES = 3000
LAST_LINE = "the last line, without a newline"


@given("the test Swarm's three nodes are ready")
def swarm_ready(context: Context) -> None:
    context.swarm = SwarmView(context.swarm_url, context.harness.labels, since=time.time() - 1)
    context.harness.add_cleanup(context.swarm.cleanup)
    assert_that(sorted(context.swarm.nodes), has_length(3), "nodes whose engine is labelled")
    context.swarm.wait_until_ready()


@when('the user runs "{line}" on the Swarm')
def runs_on_swarm(context: Context, line: str) -> None:
    """`run` gets --backend swarm, --network none (a service has only its loopback) and
    the test image."""
    run_on_swarm(context, line)


@given('the user has run "{line}" on the Swarm')
def has_run_on_swarm(context: Context, line: str) -> None:
    run_on_swarm(context, line)
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@when(
    "the user runs an agent on the Swarm that writes {lines:d} numbered lines and a last "
    "line without a newline, then exits with code {code:d}"
)
def runs_chatty_agent(context: Context, lines: int, code: int, options: str = "") -> None:
    script = (
        f'i=1; while [ "$i" -le {lines} ]; do echo "line $i of the agent"; i=$((i+1)); done; '
        f"printf '{LAST_LINE}'; exit {code}"
    )
    context.expected_log = "".join(f"line {i} of the agent\n" for i in range(1, lines + 1))
    context.expected_log += LAST_LINE
    run_on_swarm(context, f"run{options} -- sh -c {shlex.quote(script)}")


@when(
    "the user runs an agent on the Swarm, placed on that node by a constraint, that writes "
    "{lines:d} numbered lines and a last line without a newline, then exits with code {code:d}"
)
def runs_chatty_agent_there(context: Context, lines: int, code: int) -> None:
    runs_chatty_agent(context, lines, code, f" --constraint node.hostname=={context.follower}")


@given("that node's engine label is taken away through the manager")
def engine_label_taken(context: Context) -> None:
    context.swarm.take_engine_label(context.follower)


@when("that node's engine label is put back through the manager")
def engine_label_back(context: Context) -> None:
    assert_that(
        context.swarm.put_engine_labels_back(),
        equal_to([f"the engine label of node {context.follower}"]),
    )


@then("its error output says the task's /tmp volume stays on that node, for want of its label")
def says_volume_stays(context: Context) -> None:
    assert_that(
        context.result.stderr,
        contains_string(
            f"task {context.task.id}: its /tmp volume stays on node {context.follower}: "
            "without the node's label agents-runner.engine the runner cannot reach its engine"
        ),
    )


@when('the user starts an agent on the Swarm that {behaviour} with "run --detach"')
@when('the user starts an agent on the Swarm that {behaviour} with "run --detach{options}"')
def starts_detached(context: Context, behaviour: str, options: str = "") -> None:
    scripts = {
        "traps SIGTERM and says so": "trap 'echo got SIGTERM; exit 0' TERM; echo ready; "
        "while :; do sleep 0.1; done",
        "ignores SIGTERM": "trap '' TERM; echo ready; while :; do sleep 0.1; done",
        "sleeps": "echo ready; while :; do sleep 0.1; done",
    }
    script = scripts[behaviour]
    run_on_swarm(context, f"run --detach{options} -- sh -c {shlex.quote(script)}")
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@when(
    'the user starts {count:d} agents on the Swarm with "run --detach" in the workspace, each '
    "waiting to be let go"
)
def starts_several(context: Context, count: int) -> None:
    context.workspace.chmod(0o755)  # the go file, for whichever user the agents run as
    agent = shlex.quote(WAITING_AGENT)
    for _ in range(count):
        run_on_swarm(context, f"run --detach --workspace {context.workspace} -- sh -c {agent}")
        assert_that(context.result.returncode, equal_to(0), context.result.stderr)
    assert_that(context.swarm_tasks, has_length(count))


@when("the nodes' own engines report each of the {count:d} tasks' containers started")
def all_started(context: Context, count: int) -> None:
    assert_that(context.swarm_tasks, has_length(count))
    for task_id in context.swarm_tasks:
        context.swarm.wait_for_node_event(task_id, "start", timeout=120)


@when("the agent on the Swarm has said it is ready")
def agent_ready(context: Context) -> None:
    context.harness.wait_for_log(context.task.id, "ready")


@when('someone else removes the task\'s service through the manager, as "docker service rm" does')
def service_removed_behind_back(context: Context) -> None:
    service_id = context.harness.fresh_load(context.task.id).container_id
    assert service_id is not None, "the task has no service yet"
    context.swarm.manager.api.remove_service(service_id)


@when("its node's own engine reports the task's container destroyed")
def node_reports_destroyed(context: Context) -> None:
    context.swarm.wait_for_node_event(context.task.id, "destroy", timeout=60)


@then("its output names the volume's node as the manager names the node that ran the task")
def output_names_volume_node(context: Context) -> None:
    ran_on = list(context.swarm.node_events(context.task.id))  # hostnames from the manager
    assert_that(ran_on, has_length(1))
    on_node = rf"^orphan container volume agents-runner-\S+ on {re.escape(ran_on[0])} removed "
    assert_that(context.result.stdout, matches_regexp(re.compile(on_node, re.MULTILINE)))


@given("a service on the Swarm of this store that no task knows, and one of another store")
def orphan_services(context: Context) -> None:
    store_id = context.harness.runner().store.store_id
    context.orphan_task_id = secrets.token_hex(6)
    context.orphan_name = f"agents-runner-{context.orphan_task_id}"
    context.foreign_name = f"agents-runner-{secrets.token_hex(6)}"
    for name, store in [(context.orphan_name, store_id), (context.foreign_name, "another-store")]:
        task_id = name.removeprefix("agents-runner-")
        labels = {LABEL_STORE: store, LABEL_TASK_ID: task_id}
        context.swarm.make_service(name, labels, context.harness.image)


@then("the manager no longer lists the orphan service, and still lists the other store's")
def orphan_service_gone(context: Context) -> None:
    names = [s["Spec"]["Name"] for s in context.swarm.services()]
    assert_that(names, is_not(has_item(context.orphan_name)))
    assert_that(names, has_item(context.foreign_name))


@when("the task on the Swarm has ended")
@then("the task on the Swarm has ended")
def task_ended(context: Context) -> None:
    context.task = context.harness.wait_for_end(context.task.id)


@then('every task on the Swarm ends "{state}" with exit code {code:d}')
def every_task_ends(context: Context, state: str, code: int) -> None:
    for task_id in context.swarm_tasks:
        task = context.harness.wait_for_end(task_id)
        assert_that(
            (task.state.value, task.exit_code), equal_to((state, code)), f"{task_id}: {task.error}"
        )


@then("the task's log is byte for byte what the agent wrote")
def log_is_exact(context: Context) -> None:
    path = context.harness.runner().store.log_path(context.task.id)
    assert_that(path.read_bytes(), equal_to(context.expected_log.encode()))


@then(
    "exactly one node's own engine reports the task's container starting, then dying with "
    "code {code:d}"
)
def one_node_ran_it(context: Context, code: int) -> None:
    found = context.swarm.wait_for_node_event(context.task.id, "die")
    assert_that(list(found), has_length(1), f"nodes that saw the task's container: {found}")
    events = next(iter(found.values()))
    actions = [e.action for e in events]
    assert_that(actions.count("start"), equal_to(1), f"events: {actions}")
    assert_that(exit_codes(events), equal_to([code]), f"events: {actions}")


@then("the node's own engine reports signal {signal:d} sent to the agent, and no other")
def node_sent_one_signal(context: Context, signal: int) -> None:
    _node_signals(context, [signal])


@then("the node's own engine reports signal {first:d}, then signal {second:d} sent to the agent")
def node_sent_two_signals(context: Context, first: int, second: int) -> None:
    _node_signals(context, [first, second])


@then(
    "the node's own engine reports signal 9 once the grace of {grace:d} second had run out "
    "after signal 15, and less than {most:d} seconds after it"
)
def sigkill_after_grace(context: Context, grace: int, most: int) -> None:
    found = context.swarm.wait_for_node_event(context.task.id, "die")
    events = [e for events in found.values() for e in events if e.action == "kill"]
    times = {e.signal: e.time for e in events}
    assert_that(sorted(times), equal_to([9, 15]), [e.describe() for e in events])
    waited = times[9] - times[15]
    assert_that(grace <= waited < most, equal_to(True), f"SIGKILL {waited:.2f} s after SIGTERM")


def _node_signals(context: Context, expected: list[int]) -> None:
    found = context.swarm.wait_for_node_event(context.task.id, "die")
    assert_that(list(found), has_length(1), f"nodes that saw the task's container: {found}")
    events = next(iter(found.values()))
    assert_that(signals(events), equal_to(expected), [e.describe() for e in events])


@then("the node's own engine reports the container died with code {code:d}")
def node_reports_exit(context: Context, code: int) -> None:
    found = context.swarm.wait_for_node_event(context.task.id, "die")
    codes = [c for events in found.values() for c in exit_codes(events)]
    assert_that(codes, equal_to([code]))


@when("a container of the scenario's own, on the task's node, mounts the task's /tmp volume")
def hold_the_volume(context: Context) -> None:
    context.holder = context.swarm.hold_task_volume(context.task.id, context.harness.image)


@when("a second after the node's engine removed the task's container, the scenario removes its own")
def let_go_of_the_volume(context: Context) -> None:
    node, holder = context.holder
    found = context.swarm.wait_for_node_event(context.task.id, "destroy", timeout=60)
    destroyed = max(e.time for e in found[node] if e.action == "destroy")
    # The hold outlasts the removal by a second: the runner's first try at the volume,
    # which follows the container's removal at once, meets it.
    wait_until(time.time, lambda now: now >= destroyed + 1, timeout=5, describe="a second")
    context.swarm.nodes[node].remove(holder)


@when(
    'a Python program runs "{text}" on {hostname} through TaskRunner(engine=SwarmEngine.at('
    "the manager's address)) and {way}, with DOCKER_HOST naming the machine's own engine"
)
def python_program_on_swarm(context: Context, text: str, hostname: str, way: str) -> None:
    spec = {
        "image": context.harness.image,
        "command": ["echo", text],
        "labels": context.harness.labels,
        "network": "none",
        "constraints": [f"node.hostname=={_node(context, hostname)}"],
    }
    own_engine = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    env = {**os.environ, "DOCKER_HOST": own_engine}
    run_engine_at_program(context, "SwarmEngine", context.swarm.manager_url, way, spec, env)
    context.swarm_tasks = [*getattr(context, "swarm_tasks", []), context.task.id]


@then("nothing of the task is left on any node: no service, no container, no volume")
@then("nothing of the task is left on the cluster: no service, no secret, no container, no volume")
def nothing_left(context: Context) -> None:
    assert_that(context.swarm.task_leftovers(context.task.id), empty())


@then("nothing of any of the tasks is left on any node")
def nothing_left_of_any(context: Context) -> None:
    left = [x for task_id in context.swarm_tasks for x in context.swarm.task_leftovers(task_id)]
    assert_that(left, empty())


@then(
    "the nodes' own engines ran the {count:d} tasks on all three nodes, each started before "
    "any died"
)
def spread(context: Context, count: int) -> None:
    placed: dict[str, str] = {}
    starts: list[float] = []
    deaths: list[float] = []
    for task_id in context.swarm_tasks:
        found = context.swarm.wait_for_node_event(task_id, "die")
        nodes = [name for name, events in found.items() if any(e.action == "start" for e in events)]
        assert_that(nodes, has_length(1), f"task {task_id} started on {nodes}")
        placed[task_id] = nodes[0]
        events = found[nodes[0]]
        starts += [e.time for e in events if e.action == "start"]
        deaths += [e.time for e in events if e.action == "die"]
    assert_that(placed, has_length(count))
    assert_that(sorted(set(placed.values())), equal_to(sorted(context.swarm.nodes)), str(placed))
    assert_that(max(starts) < min(deaths), equal_to(True), f"starts {starts}, deaths {deaths}")


@then('the task\'s log says "{text}"')
def log_says(context: Context, text: str) -> None:
    assert_that(context.harness.log_text(context.task.id), contains_string(text))


@when("{hostname}'s dockerd is SIGKILLed")
def node_killed(context: Context, hostname: str) -> None:
    context.node_killed_at = context.swarm.kill_node(_node(context, hostname))


def _node(context: Context, name: str) -> str:
    """A node's hostname; "the leader": the one that led when the scenario asked; "that
    node": the one the scenario chose."""
    return {
        "the leader": getattr(context, "leader", ""),
        "that node": getattr(context, "follower", ""),
    }.get(name) or name


@when("{hostname}'s dockerd is started again")
def node_started_again(context: Context, hostname: str) -> None:
    context.swarm.start_nodes_again()
    assert_that(context.swarm.nodes[_node(context, hostname)].api.ping(), equal_to(True))


@then('with no exit code, the task is "{state}" for the reason "{reason}"')
def ended_with_reason(context: Context, state: str, reason: str) -> None:
    task = context.task
    assert_that((task.state.value, task.exit_code, task.error), equal_to((state, None, reason)))


@then("its end was recorded less than {seconds:d} seconds after the SIGKILL")
def ended_within(context: Context, seconds: int) -> None:
    ended = datetime.fromisoformat(context.task.history[-1].at).timestamp()
    took = ended - context.node_killed_at
    assert_that(0 < took < seconds, equal_to(True), f"the end was recorded {took:.1f} s after")


@then("nothing of the task is left on any node once {hostname} is back")
def nothing_left_after_return(context: Context, hostname: str) -> None:
    hostname = _node(context, hostname)
    left = wait_until(
        lambda: context.swarm.task_leftovers(context.task.id),
        lambda found: not found,
        timeout=60,
        describe=f"the task's container gone from {hostname}",
    )
    assert_that(left, empty())


@then("no service and no container of the task is left on any node")
@then("no service and no container of the task is left on any node once {hostname} is back")
def no_container_after_return(context: Context, hostname: str = "") -> None:
    back = f" once {_node(context, hostname)} is back" if hostname else ""
    left = wait_until(
        lambda: [x for x in context.swarm.task_leftovers(context.task.id) if "volume" not in x],
        lambda found: not found,
        timeout=60,
        describe=f"the task's service and container gone from every node{back}",
    )
    assert_that(left, empty())


@then(
    "{hostname}'s own engine still holds the task's tmpfs volume, which the cluster does not remove"
)
def volume_still_there(context: Context, hostname: str) -> None:
    found = context.swarm.volumes({LABEL_TASK_ID: context.task.id})
    assert_that([node for node, _ in found], equal_to([_node(context, hostname)]))


@then("only {hostname}'s own engine reports the task's container")
def placed_on(context: Context, hostname: str) -> None:
    found = context.swarm.wait_for_node_event(context.task.id, "die")
    assert_that(sorted(found), equal_to([_node(context, hostname)]), str(found))


@given("a node that neither leads the Swarm nor is the manager the runner talks to")
def a_follower_node(context: Context) -> None:
    leader = context.swarm.leader()
    first = context.swarm.hostname_at(context.swarm.manager_url)
    context.leader = leader
    context.follower = next(n for n in sorted(context.swarm.nodes) if n not in (leader, first))


@when(
    'the user starts an agent on the Swarm that sleeps with "run --detach", placed on that '
    "node by a constraint"
)
def starts_on_follower(context: Context) -> None:
    starts_with_options_on_follower(context, "sleeps", "")


@when(
    'the user starts an agent on the Swarm that {behaviour} with "run --detach {options}", '
    "placed on that node by a constraint"
)
def starts_with_options_on_follower(context: Context, behaviour: str, options: str) -> None:
    constraint = f" --constraint node.hostname=={context.follower}"
    starts_detached(context, behaviour, f" {options}".rstrip() + constraint)


@given("the runner talks to the test Swarm's leader")
def talks_to_leader(context: Context) -> None:
    context.leader = context.swarm.leader()
    context.swarm_host = context.swarm.address_of(context.leader)


@when(
    "the user starts an agent on the Swarm that sleeps {seconds:d} seconds, then says "
    '"{text}", on a node that does not lead'
)
def starts_off_the_leader(context: Context, seconds: int, text: str) -> None:
    script = f"echo ready; sleep {seconds}; echo {shlex.quote(text)}"
    placement = f"node.hostname!={context.leader}"
    run_on_swarm(context, f"run --detach --constraint {placement} -- sh -c {shlex.quote(script)}")
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@then("another manager leads the Swarm")
def another_leader(context: Context) -> None:
    leader = wait_until(
        lambda: _leader_or_none(context),
        lambda found: found not in (None, context.leader),
        timeout=60,
        describe="a new leader",
    )
    assert_that(leader, is_not(equal_to(context.leader)))


def _leader_or_none(context: Context) -> str | None:
    try:
        return context.swarm.leader()
    except AssertionError:
        return None


@when(
    "the user starts an agent on the Swarm that prints the MD5 of its secret TOKEN, then "
    'waits, with "run --detach --secret TOKEN" and TOKEN a fresh value in the host\'s '
    "environment"
)
def starts_with_secret(context: Context) -> None:
    context.secret = f"agents-runner-secret-{secrets.token_hex(16)}"
    script = 'printf %s "$TOKEN" | md5sum; echo ready; sleep 5'
    line = f"run --detach --secret TOKEN -- sh -c {shlex.quote(script)}"
    run_on_swarm(context, line, env={"TOKEN": context.secret})
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@then("the task's log holds the MD5 of the secret: the agent had it")
def log_holds_md5(context: Context) -> None:
    digest = hashlib.md5(context.secret.encode()).hexdigest()
    assert_that(context.harness.log_text(context.task.id), contains_string(digest))


@then(
    "neither the manager's inspect of the task's service and of its task, nor its node's "
    "inspect of its container, holds the secret"
)
def secret_in_no_inspect(context: Context) -> None:
    name = f"agents-runner-{context.task.id}"
    api = context.swarm.manager.api
    service = api.inspect_service(name)
    tasks = api.tasks(filters={"service": service["ID"]})
    containers = [
        engine.api.inspect_container(c)
        for node, names in context.swarm.containers({LABEL_TASK_ID: context.task.id}).items()
        for engine in [context.swarm.nodes[node]]
        for c in names
    ]
    assert_that(containers, has_length(1), "the task's container, as its node lists it")
    assert_that(tasks, has_length(1))
    for what, found in [("service", service), ("task", tasks[0]), ("container", containers[0])]:
        assert_that(json.dumps(found), is_not(contains_string(context.secret)), what)


@then(
    "no file of any node's Swarm state holds the secret in plain text, where a worker's task "
    "store holds the task's id (the raft log is encrypted at rest)"
)
def secret_in_no_raft(context: Context) -> None:
    # The search is shown to read what a leak would be in: the task's spec, as a worker keeps it.
    holding_the_id = context.swarm.holders_of(context.task.id)
    assert_that([Path(p).name for p in holding_the_id], has_item("tasks.db"), "the task's id")
    assert_that(context.swarm.holders_of(context.secret), empty())


@given("the page is served for the scenario's state dir, with AGENTS_RUNNER_BACKEND=swarm")
def page_on_swarm(context: Context) -> None:
    env = {"AGENTS_RUNNER_BACKEND": "swarm", "DOCKER_HOST": context.swarm.manager_url}
    page = serve_page(context.harness.cli, "0", env)
    context.ui_base, context.ui_port, context.ui_token = page.base, page.port, page.token
    context.ui_process = page.process


@when("a task whose agent says it is ready, then sleeps, is posted to the page's API")
def post_task(context: Context) -> None:
    body = {
        "image": context.harness.image,
        "command": ["sh", "-c", "echo ready; sleep 60"],
        "network": "none",
        "labels": context.harness.labels,
    }
    answered, said = UiClient(context.ui_base, context.ui_token).request(
        "/api/tasks", method="POST", body=json.dumps(body).encode()
    )
    assert_that(answered, equal_to(202), said.decode())
    context.task = context.harness.task(json.loads(said)["id"])
    context.swarm_tasks = [context.task.id]


@when('the user runs "{line}" with one engine, the machine\'s own')
def runs_on_one_engine(context: Context, line: str) -> None:
    context.result = context.harness.cli.run(*shlex.split(line))


@then("the manager still lists the task's service, and its node's own engine runs its container")
def service_still_runs(context: Context) -> None:
    extra = {LABEL_TASK_ID: context.task.id}
    assert_that(context.swarm.services(extra), has_length(1))
    found = context.swarm.containers(extra)
    assert_that(found, has_length(1), "nodes with the task's container")
    node, names = next(iter(found.items()))
    state = context.swarm.nodes[node].api.inspect_container(names[0])["State"]
    assert_that(state["Running"], equal_to(True))


@then('the task\'s payload on disk says "backend": "{backend}"')
def payload_backend(context: Context, backend: str) -> None:
    payload = json.loads(context.harness.payload_bytes(context.task.id))
    assert_that(payload.get("backend"), equal_to(backend))
