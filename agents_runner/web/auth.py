"""Who may use the page: whoever holds the token the server printed (as Jupyter's), and
a state-changing request only from the page's own origin."""

from __future__ import annotations

import hmac
import secrets

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .answers import JSONResponse

COOKIE = "agents_runner_token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _refusal(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status)
    page = f"<!doctype html><title>agents-runner</title><h1>{status}</h1><p>{message}</p>"
    return HTMLResponse(page, status_code=status)


class TokenGate(BaseHTTPMiddleware):
    """401 without the token; 403 for a POST from another origin. The token in the query
    sets a cookie, so the page's own requests carry it."""

    def __init__(self, app: object, token: str) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        from_query = request.query_params.get("token")
        bearer = _bearer(request)
        cookie = request.cookies.get(COOKIE)
        if not any(_same(given, self.token) for given in (from_query, bearer, cookie)):
            if from_query is not None or bearer is not None or cookie is not None:
                return _refusal(request, 401, "wrong token: use the URL agents-runner ui printed")
            return _refusal(request, 401, "this page needs the token agents-runner ui printed")
        if request.method == "POST" and not _same_origin(request, bearer_used=bearer is not None):
            return _refusal(request, 403, "refused: a request from another origin")
        response = await call_next(request)
        if _same(from_query, self.token):
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
        return response


def _same_origin(request: Request, *, bearer_used: bool) -> bool:
    """A browser names the origin of every POST; a script with the bearer token need not."""
    origin = request.headers.get("origin")
    if origin is None:
        return bearer_used
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin == own
