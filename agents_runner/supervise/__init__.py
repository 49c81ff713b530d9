"""Supervising one task: the supervisor's phases (supervisor.py), its image pull
(pull.py), the container it asks for (agent_container.py), the signals it owes the
agent (escalation.py), riding out outages (retry.py) and the words of its end
(endings.py)."""

from .endings import CONTAINER_LOST, interrupted_reason, last_line, release
from .pull import PullProgress
from .supervisor import TaskSupervisor

__all__ = [
    "CONTAINER_LOST",
    "PullProgress",
    "TaskSupervisor",
    "interrupted_reason",
    "last_line",
    "release",
]
