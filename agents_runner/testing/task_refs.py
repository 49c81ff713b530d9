"""Which task a step means: "the task", "its", "the second task" (a behave type)."""

from __future__ import annotations

import parse
from behave import register_type
from behave.runner import Context

from agents_runner.task import Task


@parse.with_pattern(r"(?:the (?:first |second |third )?task|its)")
def _task_ref(text: str) -> str:
    return next((which for which in ("second", "third") if which in text), "first")


register_type(TaskRef=_task_ref)


def task_of(context: Context, ref: str) -> Task:
    """The task as last seen by the steps ("the task", "its", "the second task")."""
    return getattr(context, {"second": "second_task", "third": "third_task"}.get(ref, "task"))


def fresh(context: Context, ref: str) -> Task:
    return context.harness.fresh_load(task_of(context, ref).id)
