"""Steps for where the Swarm puts a task and when (features/swarm.feature): a task that
waits for room, and the pull on the node that runs it. The manager's task list and the
nodes' own engines are the independent account; `show` is the runner's."""

from __future__ import annotations

import json
import os
import shlex
import signal
import threading

import parse
from behave import given, register_type, then, when
from behave.runner import Context
from hamcrest import assert_that, contains_string, empty, equal_to, has_length

from agents_runner.testing.contract_names import LABEL_TASK_ID
from agents_runner.testing.registry import registry_has_tag
from agents_runner.testing.swarm_cli import run_on_swarm
from agents_runner.testing.waiting import wait_until


@when('the user starts a second agent on the Swarm that says "{text}" with "run --detach{options}"')
def starts_second(context: Context, text: str, options: str) -> None:
    context.first_task = context.task
    run_on_swarm(context, f"run --detach{options} -- sh -c {shlex.quote(f'echo {text}')}")
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)
    context.second_task = context.task
    context.task = context.first_task
    context.cli_task_id = context.first_task.id


def _manager_words(context: Context) -> dict:
    found = context.swarm.manager.api.tasks(
        filters={"label": f"{LABEL_TASK_ID}={context.second_task.id}"}
    )
    return (found[0].get("Status") or {}) if len(found) == 1 else {}


@when('the manager holds the second task\'s Swarm task pending, for "{words}"')
@then('the manager holds the second task\'s Swarm task pending, for "{words}"')
def pending_for(context: Context, words: str) -> None:
    """The manager's words name the reason; how many nodes it counts under each reason
    depends on what other scenarios have placed on the other nodes at that moment."""
    said = wait_until(
        lambda: _manager_words(context),
        lambda s: words in str(s.get("Err") or ""),
        timeout=30,
        describe=f"the second task's Swarm task pending for {words!r}",
    )
    assert_that(said.get("State"), equal_to("pending"), str(said))


@then('"show" says the second task is "{state}", waiting for the cluster to place it: "{words}"')
def show_says_waiting(context: Context, state: str, words: str) -> None:
    """As soon as the runner has taken in the cluster's words (it asks every 0.1 s): the
    words `show` gives are the manager's own, read just before or just after."""

    def sampled() -> tuple[dict, dict, dict]:
        before = _manager_words(context)
        shown = _shown(context, context.second_task.id)
        return before, shown, _manager_words(context)

    def repeats_manager(sample: tuple[dict, dict, dict]) -> bool:
        before, shown, after = sample
        waiting = (shown.get("queue") or {}).get("waiting") or ""
        managers = {str(before.get("Err") or ""), str(after.get("Err") or "")} - {""}
        return words in waiting and any(waiting.endswith(err) for err in managers)

    _, found, _ = wait_until(
        sampled,
        repeats_manager,
        timeout=10,
        describe=f"show's queue entry to give the manager's own words, with {words!r}",
    )
    assert_that(found["state"], equal_to(state))
    waiting = found["queue"]["waiting"]
    assert_that(waiting, contains_string("waiting for the cluster to place it"))
    assert_that(waiting, contains_string(words))


@then("no node's own engine has a container of the second task")
def no_container_of_second(context: Context) -> None:
    assert_that(context.swarm.containers({LABEL_TASK_ID: context.second_task.id}), empty())


@parse.with_pattern(r"first|second")
def _which(text: str) -> str:
    return text


register_type(FirstOrSecond=_which)


@when('the user runs "{verb} {{{which:FirstOrSecond}}}" on the Swarm')
def request_on(context: Context, verb: str, which: str) -> None:
    task = {"first": context.first_task, "second": context.second_task}[which]
    run_on_swarm(context, f"{verb} {task.id}")
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@then('the second task ends "{state}" with exit code {code:d} on the Swarm')
def second_ends(context: Context, state: str, code: int) -> None:
    task = context.harness.wait_for_end(context.second_task.id)
    assert_that((task.state.value, task.exit_code), equal_to((state, code)), str(task.error))


@then(
    "{hostname}'s own engine reports the second task's container starting after the first "
    "task's died"
)
def second_started_after_first(context: Context, hostname: str) -> None:
    first = context.swarm.wait_for_node_event(context.first_task.id, "die")
    second = context.swarm.wait_for_node_event(context.second_task.id, "start")
    assert_that(sorted(first), equal_to([hostname]), f"the first task's node: {first}")
    assert_that(sorted(second), equal_to([hostname]), f"the second task's node: {second}")
    died = next(e.time for e in first[hostname] if e.action == "die")
    started = next(e.time for e in second[hostname] if e.action == "start")
    assert_that(started > died, equal_to(True), f"started {started - died:+.3f} s after")


@when(
    'the user starts an agent on the Swarm in that image that says "{text}", with '
    '"run --detach{options}"'
)
def starts_in_that_image(context: Context, text: str, options: str) -> None:
    context.swarm.images.append(context.image_ref)
    line = (
        f"run --detach --image {context.image_ref}{options} -- sh -c {shlex.quote(f'echo {text}')}"
    )
    run_on_swarm(context, line)
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@when(
    'the user starts an agent on the Swarm in that image that says "ready", then sleeps, with '
    '"run --detach{options}"'
)
def starts_sleeping_in_that_image(context: Context, options: str) -> None:
    context.swarm.images.append(context.image_ref)
    script = shlex.quote("echo ready; while :; do sleep 0.1; done")
    run_on_swarm(context, f"run --detach --image {context.image_ref}{options} -- sh -c {script}")
    assert_that(context.result.returncode, equal_to(0), context.result.stderr)


@then('"show" says the task is "{state}", with a recorded percentage from 1% to 99%')
def show_says_pulling(context: Context, state: str) -> None:
    found = wait_until(
        lambda: _shown(context, context.task.id),
        lambda s: (s.get("pull_progress") or {}).get("percent") is not None,
        timeout=30,
        describe="a percentage in the task's recorded pull progress",
    )
    assert_that(found["state"], equal_to(state))
    percent = found["pull_progress"]["percent"]
    assert_that(1 <= percent <= 99, equal_to(True), f"{percent}%")


@then("it has no recorded pull progress")
def no_pull_progress(context: Context) -> None:
    task = context.harness.fresh_load(context.task.id)
    assert_that(task.pull_progress, equal_to(None))


@then("no node's own engine has the image yet")
def no_node_has_image(context: Context) -> None:
    assert_that(context.swarm.nodes_with_image(context.image_ref), empty())


@then("of the nodes' own engines, only {hostname}'s has the image")
def only_node_has_image(context: Context, hostname: str) -> None:
    assert_that(context.swarm.nodes_with_image(context.image_ref), equal_to([hostname]))
    assert_that(context.swarm.nodes, has_length(3))


@then('the second task ends "{state}" with no exit code on the Swarm')
def second_ends_without_code(context: Context, state: str) -> None:
    task = context.harness.wait_for_end(context.second_task.id)
    assert_that((task.state.value, task.exit_code), equal_to((state, None)), str(task.error))


@when("the second task's record and the manager's services are sampled together from now on")
def sample_record_and_services(context: Context) -> None:
    """Each sample reads the store first, then asks the manager: an end recorded before
    the service was removed shows as an ended task whose service is still listed."""
    task_id, samples, done = context.second_task.id, [], threading.Event()

    def sample() -> None:
        while not done.is_set():
            ended = context.harness.fresh_load(task_id).is_terminal
            listed = bool(context.swarm.services({LABEL_TASK_ID: task_id}))
            samples.append((ended, listed))
            if ended and not listed:
                return
            done.wait(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    context.samples, context.sampler = samples, thread

    def stop() -> list[str]:
        done.set()
        thread.join(10)
        return []

    context.harness.add_cleanup(stop)


@then("no sample saw the second task's end recorded while the manager still listed its service")
def no_end_before_removal(context: Context) -> None:
    context.sampler.join(30)
    samples = context.samples
    assert_that(samples[-1:], equal_to([(True, False)]), "the last sample: ended, no service")
    assert_that([s for s in samples if s == (True, True)], empty(), f"{len(samples)} samples")


@then("no node's own engine ever had a container of the second task")
def never_a_container(context: Context) -> None:
    _never_had_a_container(context, context.second_task.id)


@when("the second task's detached supervisor is killed with SIGKILL")
def kill_second_supervisor(context: Context) -> None:
    owner = context.harness.detached_supervisor(context.second_task.id)
    os.kill(owner.pid, signal.SIGKILL)
    wait_until(owner.is_alive, lambda alive: not alive, timeout=10, describe="the owner to die")


@when("{hostname}'s own engine reports the second task's container starting")
def second_starts(context: Context, hostname: str) -> None:
    _starts_on(context, context.second_task.id, hostname)


@when("{hostname}'s own engine reports the task's container starting")
def task_starts(context: Context, hostname: str) -> None:
    _starts_on(context, context.task.id, hostname)


def _starts_on(context: Context, task_id: str, hostname: str) -> None:
    """That node's engine, and no other, reports the task's container starting."""
    found = context.swarm.wait_for_node_event(task_id, "start")
    assert_that(sorted(found), equal_to([hostname]))


@then('the second task\'s log says "{text}"')
def second_log_says(context: Context, text: str) -> None:
    assert_that(context.harness.log_text(context.second_task.id), contains_string(text))


def _shown(context: Context, task_id: str) -> dict:
    """What `show --json` prints of the task, run as a separate command."""
    result = context.harness.cli.run("show", "--json", task_id)
    assert_that(result.returncode, equal_to(0), result.stderr)
    return dict(json.loads(result.stdout))


@given("a tag the registry does not have")
def a_missing_tag(context: Context) -> None:
    context.image_ref = context.harness.missing_tag()
    assert_that(registry_has_tag(context.image_ref), equal_to(False), context.image_ref)


@when('the user runs "run{options}" on the Swarm in that tag')
def runs_in_that_tag(context: Context, options: str) -> None:
    run_on_swarm(context, f"run --image {context.image_ref}{options}")


@then(
    'the task ended "{state}" with no exit code, for the cluster\'s words that it has no such image'
)
def ended_for_no_such_image(context: Context, state: str) -> None:
    """The words are the node's, passed on by the manager: the runner names the image the
    same way only by repeating them."""
    task = context.harness.fresh_load(context.task.id)
    said = f"the cluster could not run the task: No such image: {context.image_ref}"
    assert_that((task.state.value, task.exit_code, task.error), equal_to((state, None, said)))


@then("no node's own engine ever had a container of the task")
def never_a_container_of_the_task(context: Context) -> None:
    _never_had_a_container(context, context.task.id)


def _never_had_a_container(context: Context, task_id: str) -> None:
    """No node's engine reported an event of a container of the task, and none holds one;
    read once every node's event log is proven to report."""
    context.swarm.prove_events_report(context.harness.image)
    assert_that(context.swarm.node_events(task_id), empty())
    assert_that(context.swarm.containers({LABEL_TASK_ID: task_id}), empty())
