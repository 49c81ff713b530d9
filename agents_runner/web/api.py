"""The JSON API: tasks and their logs as the store holds them; cancel and kill recorded
as the command line records them (the task's owner acts on them). A refusal is JSON
`{"error": ...}`: 400 naming the parameter at fault, 404, or 409."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, BinaryIO

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..error_words import in_words
from ..spec_checks import check_seconds
from ..store import AmbiguousTaskId, TaskNotFound, TaskStore, UnreadableTask
from ..task import Task
from . import events
from .answers import JSONResponse
from .catalog import Catalog, summary
from .logview import log_slice, shown, tail_offset
from .openapi import document
from .query import MAX_DIGITS, BadParameter, parse_query, whole_number
from .submit import BadField, build_spec

if TYPE_CHECKING:
    from ..spec import TaskSpec

FOLLOW_INTERVAL = 0.2  # seconds between looks at a followed log


def refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def task_or_404(store: TaskStore, text: str) -> Task | JSONResponse:
    try:
        return store.load(store.resolve_id(text))
    except (TaskNotFound, AmbiguousTaskId, UnreadableTask) as exc:
        return refusal(404, str(exc).strip('"'))


def _whole_number(request: Request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    number = whole_number(text)
    if number is None:
        raise BadParameter(
            name, f"{text[:40]!r} is not a whole number, 0 or more, of at most {MAX_DIGITS} digits"
        )
    return number


def _flag(request: Request, name: str) -> bool:
    text = request.query_params.get(name, "0")
    if text not in ("0", "1", "true", "false"):
        raise BadParameter(name, f"{text!r} is not 1 or 0")
    return text in ("1", "true")


class Api:
    """The endpoints under /api, over one state dir."""

    def __init__(self, store: TaskStore, state_dir: str) -> None:
        self.store = store
        self.state_dir = state_dir
        self.catalog = Catalog(store)
        self.closing = threading.Event()  # set when the server stops: streams end

    async def tasks(self, request: Request) -> JSONResponse:
        try:
            lists = {name: request.query_params.getlist(name) for name in ("state", "label")}
            query = parse_query(request.query_params, lists)
        except BadParameter as exc:
            return refusal(400, str(exc))
        page = await asyncio.to_thread(self.catalog.page, query)
        return JSONResponse({"tasks": page.tasks, "next": page.next})

    async def counts(self, request: Request) -> JSONResponse:
        counted = await asyncio.to_thread(self.catalog.counts)
        return JSONResponse({"counts": counted, "total": sum(counted.values())})

    async def task(self, request: Request) -> JSONResponse:
        found = task_or_404(self.store, request.path_params["task_id"])
        if isinstance(found, JSONResponse):
            return found
        payload = found.to_payload()
        payload["spec"]["argv"] = found.spec.argv()
        return JSONResponse(payload)

    async def log(self, request: Request) -> Response:
        found = task_or_404(self.store, request.path_params["task_id"])
        if isinstance(found, JSONResponse):
            return found
        try:
            since = _whole_number(request, "since")
            if since is None:
                since = _whole_number(request, "offset")  # the name before `since`
            tail = _whole_number(request, "tail")
            follow, download = _flag(request, "follow"), _flag(request, "download")
            if since is not None and tail is not None:
                raise BadParameter("tail", "give since or tail, not both")
        except BadParameter as exc:
            return refusal(400, str(exc))
        path = self.store.log_path(found.id)
        if download:
            return self._download(found.id)
        start = tail_offset(path, tail) if tail is not None else since or 0
        if follow:
            stream = self._follow(found.id, start)
            return StreamingResponse(stream, media_type="text/plain; charset=utf-8")
        ended = found.is_terminal  # read before the log: an ended task's log is whole
        data, following = log_slice(path, start)
        return JSONResponse(
            {"offset": start, "next": following, "text": shown(data), "ended": ended}
        )

    def _download(self, task_id: str) -> Response:
        """The log file as stored when the request came, streamed from disk (a log may be
        larger than memory); what a running task writes meanwhile is for the next one."""
        name = f"agents-runner-{task_id}.log"
        headers = {
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
        }
        try:  # closed by the stream, once sent
            log = open(self.store.log_path(task_id), "rb")  # noqa: SIM115
        except FileNotFoundError:
            return Response(b"", media_type="application/octet-stream", headers=headers)
        size = os.fstat(log.fileno()).st_size
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            _first_bytes(log, size), media_type="application/octet-stream", headers=headers
        )

    async def _follow(self, task_id: str, offset: int) -> AsyncIterator[bytes]:
        """The log's bytes as written, from `offset`, until the task has ended and all of
        its log is sent."""
        path = self.store.log_path(task_id)
        while True:
            ended = await asyncio.to_thread(self._ended, task_id)
            while True:
                data, offset = await asyncio.to_thread(log_slice, path, offset)
                if not data:
                    break
                yield data
            if ended or self.closing.is_set():
                return
            await asyncio.sleep(FOLLOW_INTERVAL)  # a polling period, as `logs --follow`

    def _ended(self, task_id: str) -> bool:
        try:
            return self.store.load(task_id).is_terminal
        except (TaskNotFound, UnreadableTask):
            return True  # deleted: nothing more will come

    async def events(self, request: Request) -> Response:
        task_id = request.query_params.get("task")
        if task_id is not None:
            found = task_or_404(self.store, task_id)
            if isinstance(found, JSONResponse):
                return found
            task_id = found.id
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        stream = events.changes(self.store, task_id, self.closing)
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    async def submit(self, request: Request) -> JSONResponse:
        """A new task, as `run --detach`: 202 and its row, or 400 naming the field."""
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            return JSONResponse({"error": "body: not JSON", "field": "body"}, 400)
        try:
            spec = build_spec(body)
            task = await asyncio.to_thread(self._submit, spec)
        except BadField as exc:
            return JSONResponse({"error": str(exc), "field": exc.field}, 400)
        except ValueError as exc:  # the runner's checks against the engine (cpus, network)
            field = str(exc).partition(":")[0]
            return JSONResponse({"error": str(exc), "field": field}, 400)
        except Exception as exc:  # the engine unreachable, the state dir unwritable
            return refusal(503, f"the task could not be submitted: {in_words(exc)}")
        return JSONResponse(summary(task), status_code=202)

    def _submit(self, spec: TaskSpec) -> Task:
        """Stored and handed to a detached supervisor, as `run --detach` does."""
        from ..runner import TaskRunner

        runner = TaskRunner(self.state_dir, recover=False, adopt_in="process")
        try:
            return runner.submit_detached(spec)
        finally:
            runner.close(wait=False)

    async def openapi(self, request: Request) -> JSONResponse:
        return JSONResponse(document())

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
            except ValueError:
                return refusal(400, 'body: not JSON; send {"grace": SECONDS} or nothing')
            grace = body.get("grace") if isinstance(body, dict) else None
            try:
                if grace is not None:
                    grace = check_seconds("grace", grace, positive=False)
            except ValueError as exc:
                return refusal(400, str(exc))
        if found.is_terminal:
            return refusal(409, f"task {found.id} has ended {found.state.value}: nothing to {what}")
        try:
            task = await asyncio.to_thread(self._send, found.id, what, grace)
        except OSError as exc:  # the state dir cannot take it now (a full disk)
            reason = in_words(exc)
            return refusal(503, f"the {what} of task {found.id} could not be recorded: {reason}")
        return JSONResponse(summary(task), status_code=202)

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


_CHUNK = 256 * 1024


async def _first_bytes(log: BinaryIO, size: int) -> AsyncIterator[bytes]:
    """The first `size` bytes of the open file, read in a thread, chunk by chunk."""
    try:
        while size > 0:
            chunk = await asyncio.to_thread(log.read, min(_CHUNK, size))
            if not chunk:  # cut short meanwhile (not by agents-runner, which only appends)
                return
            size -= len(chunk)
            yield chunk
    finally:
        log.close()
