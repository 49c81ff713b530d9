"""The application: pages and API behind the token gate."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from ..store import TaskStore
from .api import Api, refusal
from .auth import TokenGate
from .pages import Pages, not_found_page


async def _not_found(request: Request, exc: Exception) -> Response:
    """404 (or 405, a known path asked with another method): JSON under /api, else a page."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    what = f"{request.method} {request.url.path}"
    if request.url.path.startswith("/api/"):
        said = "no such endpoint" if status == 404 else "method not allowed"
        return refusal(status, f"{said}: {what}")
    if status == 404:
        return not_found_page(f"no such page: {request.url.path}")
    return HTMLResponse(f"<!doctype html><h1>{status}</h1><p>method not allowed</p>", status)


def make_app(store: TaskStore, state_dir: str, token: str) -> Starlette:
    api, pages = Api(store, state_dir), Pages(store)
    routes = [
        Route("/", pages.board),
        Route("/tasks/{task_id}", pages.task),
        Route("/api/tasks", api.tasks),
        Route("/api/tasks", api.submit, methods=["POST"]),
        Route("/api/counts", api.counts),
        Route("/api/events", api.events),
        Route("/api/openapi.json", api.openapi),
        Route("/api/tasks/{task_id}", api.task),
        Route("/api/tasks/{task_id}/log", api.log),
        Route("/api/tasks/{task_id}/cancel", api.cancel, methods=["POST"]),
        Route("/api/tasks/{task_id}/kill", api.kill, methods=["POST"]),
    ]
    handlers = {404: _not_found, 405: _not_found}
    middleware = [Middleware(TokenGate, token=token)]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.closing = api.closing  # set it to end the open streams (events, follow)
    return app
