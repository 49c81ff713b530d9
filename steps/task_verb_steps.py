"""Steps for `run --env NAME` (the host's value, as docker run -e NAME) and `rm -f` (a
running task killed first, as docker rm -f)."""

from __future__ import annotations

import shlex
import subprocess

from behave import then, when
from behave.runner import Context
from hamcrest import assert_that, equal_to, less_than

from agents_runner.testing.waiting import wait_until


@when('the user runs "{line}" with {name} set to "{value}" in its environment')
def run_with_host_variable(context: Context, line: str, name: str, value: str) -> None:
    args = shlex.split(line)
    args[1:1] = ["--image", context.harness.image]
    known = {task.id for task in context.harness.runner().list()}
    context.result = context.harness.cli.run(*args, env={name: value})
    new = [task for task in context.harness.runner().list() if task.id not in known]
    assert_that(len(new), equal_to(1), context.result.stderr)
    context.task, context.cli_task_id = new[0], new[0].id


@then('the stored task\'s env is {first} "{first_value}" and {second} "{second_value}"')
def stored_env(
    context: Context, first: str, first_value: str, second: str, second_value: str
) -> None:
    env = context.harness.fresh_load(context.cli_task_id).spec.env
    assert_that(dict(env), equal_to({first: first_value, second: second_value}))


@then(
    "the engine's events show the task's container killed, by signal 9 alone, before it "
    "was destroyed"
)
def killed_then_destroyed(context: Context) -> None:
    """Two witnesses: the engine's kill events (Podman leaves their signal out) and the
    exit code its die event reports, 128 + 9."""
    events = context.harness.events_for(context.task.id, until_action="destroy")
    seen = [(e.action, e.signal, e.exit_code) for e in events]
    kills = [e for e in events if e.action == "kill"]
    assert_that([e.signal in (None, 9) for e in kills], equal_to([True]), f"{seen}")
    died = [e.exit_code for e in events if e.action == "die"]
    assert_that(died, equal_to([137]), f"{seen}")
    destroy_at = next(e.time for e in events if e.action == "destroy")
    assert_that(kills[0].time, less_than(destroy_at), f"{seen}")


@when("the agent is let finish")
def let_finish(context: Context) -> None:
    """The agent that waits for /workspace/done after its last line exits."""
    staged = context.workspace / ".done"
    staged.write_text("")
    staged.rename(context.workspace / "done")


@when('the user starts "{line}" in the background')
def start_in_background(context: Context, line: str) -> None:
    args = shlex.split(line.replace("{id}", context.cli_task_id))
    out_path = context.harness.workspace() / "background.out"
    with open(out_path, "wb") as out:
        process = subprocess.Popen(
            context.harness.cli.argv(*args),
            stdout=out,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
    context.harness.add_background_process(process)
    context.background, context.background_out = process, out_path


@when('the background command has printed "{text}"')
def background_printed(context: Context, text: str) -> None:
    wait_until(
        context.background_out.read_text,
        lambda out: text in out,
        timeout=30,
        describe=f"the background command to print {text!r}",
    )


@then("the background command exits with status {status:d}")
def background_exits(context: Context, status: int) -> None:
    _, err = context.background.communicate(timeout=60)
    assert_that(context.background.returncode, equal_to(status), err)
    out = context.background_out.read_text()
    context.result = subprocess.CompletedProcess(context.background.args, status, out, err)
