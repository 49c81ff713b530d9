"""The application: pages and API behind the token gate."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from ..store import TaskStore
from .api import Api
from .auth import TokenGate
from .pages import Pages


def make_app(store: TaskStore, state_dir: str, token: str) -> Starlette:
    api, pages = Api(store, state_dir), Pages(store)
    routes = [
        Route("/", pages.board),
        Route("/tasks/{task_id}", pages.task),
        Route("/api/tasks", api.tasks),
        Route("/api/tasks/{task_id}", api.task),
        Route("/api/tasks/{task_id}/log", api.log),
        Route("/api/tasks/{task_id}/cancel", api.cancel, methods=["POST"]),
        Route("/api/tasks/{task_id}/kill", api.kill, methods=["POST"]),
    ]
    return Starlette(routes=routes, middleware=[Middleware(TokenGate, token=token)])
