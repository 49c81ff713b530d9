"""Steps about images, registries and pulls."""

from __future__ import annotations

from behave import given, then, when
from behave.runner import Context
from hamcrest import assert_that, equal_to, greater_than, has_entries, is_

from agents_runner.states import TaskState
from agents_runner.testing.oracle import raw_image_present
from agents_runner.testing.task_refs import fresh
from agents_runner.testing.waiting import wait_until


@given("an image that only the registry has")
def registry_only_image(context: Context) -> None:
    context.image_ref = context.harness.image_only_the_registry_has()


@given("an image that only the registry has, served at {kib:d} KiB a second")
def registry_only_image_slowly(context: Context, kib: int) -> None:
    context.image_ref, context.gate = context.harness.image_through_gate(rate=kib * 1024)


@given("an image that only the registry has, whose layers the registry holds back")
def registry_only_image_held(context: Context) -> None:
    context.image_ref, context.gate = context.harness.image_through_gate(hold=True)


@given("an image that only the registry has, whose data arrives corrupted")
def registry_only_image_corrupted(context: Context) -> None:
    context.image_ref, context.gate = context.harness.image_through_gate()
    context.gate.corrupt_layers = True


@given('a task that runs the "{agent}" agent in that image')
def a_task_in_that_image(context: Context, agent: str) -> None:
    context.spec_fields = {"agent": agent, "prompt": "pulled, then ran", "image": context.image_ref}


@given('a task that runs the "{agent}" agent in a tag the registry does not have')
def a_task_in_a_missing_tag(context: Context, agent: str) -> None:
    context.spec_fields = {
        "agent": agent,
        "prompt": "never runs",
        "image": context.harness.missing_tag(),
    }


@when("the task is pulling, and a layer download is held back")
def pulling_and_held(context: Context) -> None:
    context.harness.wait_for_state(context.task.id, TaskState.PULLING)
    context.gate.wait_until_a_layer_is_held(timeout=30)


@then("its recorded pull progress counts every layer as done")
def progress_complete(context: Context) -> None:
    progress = fresh(context, "first").pull_progress
    assert_that(progress, has_entries(done=True, layers_total=greater_than(0)))
    assert_that(progress["layers_done"], equal_to(progress["layers_total"]), str(progress))


@then("while the task is pulling, its recorded progress moves forward")
def progress_moves(context: Context) -> None:
    seen: list[int] = []  # every change, in the order read: a step back stays in it

    def sample() -> list[int]:
        task = context.harness.task(context.task.id)
        current = (task.pull_progress or {}).get("bytes_current", 0)
        if task.state is TaskState.PULLING and current > 0 and (not seen or current != seen[-1]):
            seen.append(current)
        return list(seen)

    samples = wait_until(
        sample,
        lambda values: len(values) >= 3,
        timeout=60,
        describe="three changes of the byte count recorded while the task was pulling",
    )
    assert_that(samples, equal_to(sorted(set(samples))), "each change moves forward")


@then("the image is now present in the engine")
def image_present(context: Context) -> None:
    assert_that(raw_image_present(context.harness.engine, context.image_ref), is_(True))


@then("the image is not present in the engine")
def image_absent(context: Context) -> None:
    assert_that(raw_image_present(context.harness.engine, context.image_ref), is_(False))
