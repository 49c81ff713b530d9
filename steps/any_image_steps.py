"""Steps about images that hold less than the runner might count on."""

from __future__ import annotations

from behave import given, then
from behave.runner import Context
from hamcrest import assert_that, equal_to


@given("an image with no /etc/passwd or /etc/group, whose /tmp is 0755 and root's")
def a_bare_image(context: Context) -> None:
    context.bare_image = context.harness.bare_image()


@then("the task's container never started, by the engine's events")
def never_started(context: Context) -> None:
    events = context.harness.all_events(proven=True)
    mine = [e.action for e in events if e.task_id == context.task.id]
    assert_that([a for a in mine if a == "start"], equal_to([]), f"events: {mine}")
