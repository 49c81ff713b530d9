"""`GET /api/openapi.json`: the API described as OpenAPI 3.1, written by hand (a unit
test holds it to the application's routes)."""

from __future__ import annotations

from typing import Any

_ID = {
    "name": "task_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "a task id, or the start of one that no other task's id starts with",
}
_ERROR = {
    "description": "refused: `error` says why (a 400 names the parameter at fault)",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
        }
    },
}
_ROW = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "state": {"type": "string"},
        "agent": {"type": ["string", "null"]},
        "image": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "created_at": {"type": "string"},
        "exit_code": {"type": ["integer", "null"]},
        "error": {"type": ["string", "null"]},
        "place": {
            "type": ["integer", "null"],
            "description": "a waiting task's place in the queue's line (1 is next)",
        },
    },
}
_LOG_ANSWER = (
    "JSON `{offset, next, text, ended}`: the bytes from offset to next (64 KiB at most, "
    "cut after a line, or in a longer line never inside a colour code or a character), "
    "as text with colour codes removed and control bytes shown as symbols; with follow, "
    "the raw bytes (text/plain); with download, the raw bytes as an attachment"
)


def _query(name: str, description: str, kind: str = "string", many: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if many:
        schema = {"type": "array", "items": schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _json(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def _action(what: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": f"record a {what} request, as `{what} --no-wait`; the task's owner acts on it",
        "parameters": [_ID],
        "responses": {
            "202": _json("recorded: the task as on the board", _ROW),
            "400": _ERROR,
            "404": _ERROR,
            "409": _ERROR,
            "503": _ERROR,
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": False, "content": {"application/json": body}}
    return {"post": operation}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "agents-runner ui", "version": "1"},
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"token": []}],
        "paths": {
            "/api/tasks": {
                "post": {
                    "summary": "submit a task, as `run --detach`: the fields of `run` as TaskSpec "
                    "names them (not secrets or host_login); command a list or a command line, "
                    "labels and env a dict or K=V items, timeout and stop_grace seconds or a "
                    "duration such as 15m",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        "202": _json("stored and handed to its supervisor: its row", _ROW),
                        "400": _json("`error`, and `field`: the field at fault"),
                        "503": _ERROR,
                    },
                },
                "get": {
                    "summary": "a page of tasks: the unfinished first, then the finished, each "
                    "newest first (a finished task by when its payload was last written)",
                    "parameters": [
                        _query(
                            "state", "only tasks in these states (repeatable, or commas)", many=True
                        ),
                        _query(
                            "label", "only tasks with this label, K=V or K (repeatable)", many=True
                        ),
                        _query("agent", "only tasks of this agent profile"),
                        _query("q", "only tasks whose id starts with these hex digits"),
                        _query("limit", "tasks per page, 1 to 500 (default 50)", "integer"),
                        _query("cursor", "the `next` of the page before"),
                    ],
                    "responses": {
                        "200": _json(
                            "`tasks`, and `next`: the cursor of the next page, or null",
                            {
                                "type": "object",
                                "properties": {
                                    "tasks": {"type": "array", "items": _ROW},
                                    "next": {"type": ["string", "null"]},
                                },
                            },
                        ),
                        "400": _ERROR,
                    },
                },
            },
            "/api/counts": {
                "get": {
                    "summary": "the number of tasks in each state, and in all",
                    "responses": {"200": _json("`counts` {STATE: N} and `total`")},
                }
            },
            "/api/tasks/{task_id}": {
                "get": {
                    "summary": "the task's payload, `spec.argv` the argv that runs",
                    "parameters": [_ID],
                    "responses": {"200": _json("the payload"), "404": _ERROR},
                }
            },
            "/api/tasks/{task_id}/log": {
                "get": {
                    "summary": "the task's log: a part of it as JSON, followed, or whole",
                    "parameters": [
                        _ID,
                        _query("since", "the byte offset to start at (default 0)", "integer"),
                        _query("offset", "the same as since (its earlier name)", "integer"),
                        _query("tail", "start at the last N lines instead", "integer"),
                        _query(
                            "follow",
                            "1: stream the bytes as written until the task ends",
                            "integer",
                        ),
                        _query("download", "1: the whole log, as a file to save", "integer"),
                    ],
                    "responses": {
                        "200": {
                            "description": _LOG_ANSWER,
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "text/plain": {"schema": {"type": "string"}},
                                "application/octet-stream": {"schema": {"type": "string"}},
                            },
                        },
                        "400": _ERROR,
                        "404": _ERROR,
                    },
                }
            },
            "/api/tasks/{task_id}/cancel": _action(
                "cancel",
                {"schema": {"type": "object", "properties": {"grace": {"type": "number"}}}},
            ),
            "/api/tasks/{task_id}/kill": _action("kill"),
            "/api/events": {
                "get": {
                    "summary": "server-sent events: `change` at once and whenever the store "
                    "changes (with `task`, also when that task's log grows)",
                    "parameters": [_query("task", "a task id: its log's growth counts too")],
                    "responses": {
                        "200": {
                            "description": "an event stream",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        "404": _ERROR,
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "this document",
                    "responses": {"200": _json("OpenAPI 3.1")},
                }
            },
        },
    }
