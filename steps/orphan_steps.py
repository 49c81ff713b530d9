"""Steps about orphan containers and pruning."""

from __future__ import annotations

from behave import given, then
from behave.runner import Context
from hamcrest import assert_that, contains_string, has_item, is_, none, not_, not_none

from agents_runner.states import TaskState
from agents_runner.task import new_task_id
from agents_runner.testing.contract_names import LABEL_STORE, LABEL_TASK_ID
from agents_runner.testing.harness import TRAPPING_AGENT
from agents_runner.testing.oracle import raw_inspect


def _container(context: Context, store_id: str | None) -> tuple[str, str, str]:
    """A container as a store would label it (or, without `store_id`, with no
    agents-runner label at all: the suite's cleanup then removes it by its id)."""
    harness = context.harness
    name, task_id = f"agents-runner-{new_task_id()}", new_task_id()
    labels = {**harness.labels, LABEL_STORE: store_id, LABEL_TASK_ID: task_id}
    container = harness.engine.create(
        name=name, image=harness.image, argv=["true"], labels=labels if store_id else {}
    )
    if store_id != harness.runner().store.store_id:
        harness.foreign_containers.append(container)  # not this store's: the suite removes it
    return name, container, task_id


@given("a container of this store that no task knows")
def orphan_of_this_store(context: Context) -> None:
    store_id = context.harness.runner().store.store_id
    context.orphan_name, context.orphan, context.orphan_task_id = _container(context, store_id)


@given("a container that belongs to another store")
def container_of_another_store(context: Context) -> None:
    _, context.foreign, _ = _container(context, "another-store")


@then("the orphan is still there, being younger than the grace period")
def orphan_kept(context: Context) -> None:
    assert_that(raw_inspect(context.harness.engine, context.orphan), not_none())


@then("its output names the orphan as removed, and the task id it carries that no task has")
def orphan_reported(context: Context) -> None:
    line = (
        f"orphan container {context.orphan_name} removed "
        f"(no task {context.orphan_task_id} in this store)"
    )
    assert_that(context.result.stdout.splitlines(), has_item(line))


@then("its output does not name the orphan")
def orphan_not_reported(context: Context) -> None:
    output = context.result.stdout + context.result.stderr
    assert_that(output, not_(contains_string(context.orphan_name)))


@then("the orphan no longer exists")
def orphan_gone(context: Context) -> None:
    assert_that(raw_inspect(context.harness.engine, context.orphan), is_(none()))


@given("a container of someone else, with no agents-runner label at all")
def container_of_someone_else(context: Context) -> None:
    _, context.someone_elses, _ = _container(context, None)


@then("the other store's container is still there")
def foreign_kept(context: Context) -> None:
    assert_that(raw_inspect(context.harness.engine, context.foreign), not_none())


@then("the container of someone else is still there")
def someone_elses_kept(context: Context) -> None:
    assert_that(raw_inspect(context.harness.engine, context.someone_elses), not_none())


@given("a second task that runs until it is signalled is running")
def second_task_running(context: Context) -> None:
    context.second_task = context.harness.submit(command=TRAPPING_AGENT)
    context.harness.wait_for_state(context.second_task.id, TaskState.RUNNING)


@then("the finished task's payload and log are gone")
def pruned(context: Context) -> None:
    store = context.harness.runner().store
    assert_that(store.payload_path(context.task.id).exists(), is_(False))
    assert_that(store.log_path(context.task.id).exists(), is_(False))
