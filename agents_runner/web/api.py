"""The JSON API: tasks and their logs as the store holds them; cancel and kill recorded
as the command line records them (the task's owner acts on them)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..store import AmbiguousTaskId, TaskNotFound, TaskStore
from ..task import Task

LOG_CHUNK = 65536  # bytes a log request returns at most


def summary(task: Task) -> dict[str, Any]:
    """A task's row on the board."""
    spec = task.spec
    return {
        "id": task.id,
        "state": task.state.value,
        "agent": spec.agent,
        "image": spec.image,
        "created_at": task.created_at,
        "exit_code": task.exit_code,
        "error": task.error,
    }


def task_or_404(store: TaskStore, text: str) -> Task | JSONResponse:
    try:
        return store.load(store.resolve_id(text))
    except (TaskNotFound, AmbiguousTaskId) as exc:
        return JSONResponse({"error": str(exc).strip('"')}, status_code=404)


def log_slice(path: Path, offset: int) -> tuple[bytes, int]:
    """The log's bytes from `offset` (at most LOG_CHUNK, cut after a line when there is
    more), and the offset that follows them: a reader that resumes there misses nothing
    and sees nothing twice."""
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            data = log.read(LOG_CHUNK)
    except FileNotFoundError:
        return b"", offset
    if len(data) == LOG_CHUNK and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    return data, offset + len(data)


class Api:
    """The endpoints under /api, over one state dir."""

    def __init__(self, store: TaskStore, state_dir: str) -> None:
        self.store = store
        self.state_dir = state_dir

    async def tasks(self, request: Request) -> JSONResponse:
        tasks = list(reversed(self.store.list()))  # newest first, as `list`
        counts = Counter(task.state.value for task in tasks)
        return JSONResponse({"tasks": [summary(t) for t in tasks], "counts": dict(counts)})

    async def task(self, request: Request) -> JSONResponse:
        found = task_or_404(self.store, request.path_params["task_id"])
        if isinstance(found, JSONResponse):
            return found
        payload = found.to_payload()
        payload["spec"]["argv"] = found.spec.argv()
        return JSONResponse(payload)

    async def log(self, request: Request) -> JSONResponse:
        found = task_or_404(self.store, request.path_params["task_id"])
        if isinstance(found, JSONResponse):
            return found
        try:
            offset = int(request.query_params.get("offset", "0"))
            if offset < 0:
                raise ValueError
        except ValueError:
            return JSONResponse({"error": "offset: a whole number of bytes, 0 or more"}, 400)
        ended = found.is_terminal  # read before the log: an ended task's log is whole
        data, following = log_slice(self.store.log_path(found.id), offset)
        text = data.decode("utf-8", errors="replace")
        return JSONResponse({"offset": offset, "next": following, "text": text, "ended": ended})

    async def cancel(self, request: Request) -> JSONResponse:
        return await self._request(request, "cancel")

    async def kill(self, request: Request) -> JSONResponse:
        return await self._request(request, "kill")

    async def _request(self, request: Request, what: str) -> JSONResponse:
        found = task_or_404(self.store, request.path_params["task_id"])
        if isinstance(found, JSONResponse):
            return found
        grace = None
        if what == "cancel":
            try:
                body = await request.json() if await request.body() else {}
                grace = body.get("grace") if isinstance(body, dict) else None
                if grace is not None and (
                    isinstance(grace, bool) or not isinstance(grace, int | float) or grace < 0
                ):
                    raise ValueError
            except ValueError:
                return JSONResponse({"error": "grace: a number of seconds, 0 or more"}, 400)
        task = await asyncio.to_thread(self._send, found.id, what, grace)
        return JSONResponse(summary(task))

    def _send(self, task_id: str, what: str, grace: float | None) -> Task:
        """Recorded at once, as `cancel --no-wait` and `kill --no-wait` do; a task whose
        owner is gone is handed to a detached supervisor. Docker's SDK is imported here,
        on the first action, never to read."""
        from ..runner import TaskRunner

        runner = TaskRunner(self.state_dir, recover=False, adopt_in="process")
        try:
            if what == "cancel":
                return runner.request_stop(task_id, grace=grace)
            return runner.request_kill(task_id)
        finally:
            runner.close(wait=False)
