"""Which task a step means: "the task", "its", "the second task" (a behave type)."""

from __future__ import annotations

import parse
from behave import register_type
from behave.runner import Context

from agents_runner.task import Task


@parse.with_pattern(r"(?:the (?:first |second )?task|its)")
def _task_ref(text: str) -> str:
    return "second" if "second" in text else "first"


register_type(TaskRef=_task_ref)


def task_of(context: Context, ref: str) -> Task:
    """The task as last seen by the steps ("the task", "its", "the second task")."""
    return context.second_task if ref == "second" else context.task


def fresh(context: Context, ref: str) -> Task:
    return context.harness.fresh_load(task_of(context, ref).id)
