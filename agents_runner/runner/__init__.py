"""The runner: the public verbs and the scheduler (task_runner.py), who drives which
task (ownership.py), and taking over what a dead owner left (recovery.py)."""

from ..queue_settings import DEFAULT_MAX_RUNNING
from .recovery import Report
from .task_runner import DEFAULT_POLL_INTERVAL, TaskRunner

__all__ = ["DEFAULT_MAX_RUNNING", "DEFAULT_POLL_INTERVAL", "Report", "TaskRunner"]
