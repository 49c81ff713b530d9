"""The board and a task's page. The HTML is fixed; everything a user or an agent wrote
(prompt, image, label, log, reason) reaches the page through the JSON API and is set
with textContent, so it is shown as text and never read as markup. A Content-Security-
Policy lets only the response's own script and style run, should markup get in anyway."""

from __future__ import annotations

import html
import json
import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..agents import known_agents
from ..states import TERMINAL_STATES, TaskState
from ..store import TaskStore
from . import scripts
from .api import task_or_404
from .query import DEFAULT_LIMIT

TAIL_LINES = 500  # the log lines a task's page shows at first

_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}
td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}
.state{font-weight:600}#log{background:#111;color:#eee;padding:1em;white-space:pre-wrap;
max-height:60vh;overflow:auto}button{margin-right:.5em}#problem{color:#a00}
.count{margin-right:1em}.error{color:#a00}#filters input,#filters select{margin-right:.8em}
.step{display:grid;grid-template-columns:7em 1fr 19em 7em;gap:.6em;align-items:center}
.track{background:#f0f0f0;height:.9em;position:relative}
.bar{display:block;height:100%;background:#888}
.s-queued{background:#bbb}.s-pulling,.s-starting{background:#79c}.s-running{background:#3a7}
.s-stopping{background:#d93}.s-completed{background:#2a5}.s-failed,.s-killed{background:#c33}
.s-cancelled,.s-timed_out{background:#b73}td.state{background:none}
#spec{background:#f7f7f7;padding:.6em;max-height:30vh;overflow:auto}
"""


def _page(title: str, body: str, script: str, task_id: str = "", status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    data = f' data-task="{html.escape(task_id)}"' if task_id else ""
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset=utf-8><link rel=icon href='data:,'>"
        f"<title>{html.escape(title)}</title>"
        f"<style nonce='{nonce}'>{_STYLE}</style></head><body{data}>{body}"
        f"<script nonce='{nonce}'>{scripts.COMMON}{script}</script></body></html>",
        status_code=status,
        headers=headers,
    )


_FORM_ROWS = (
    ("image", "image", "busybox:1.36 (default: the agent's own)"),
    ("agent", "agent", ""),
    ("prompt", "prompt", "for an agent"),
    ("command", "command", "instead of an agent: a command line, as a shell splits it"),
    ("workspace", "workspace", "a folder on this host, mounted at /workspace"),
    ("labels", "labels", "K=V K=V"),
    ("network", "network", "the engine's network (default: its own)"),
    ("timeout", "timeout", "30s, 15m, 12h"),
)


def _new_task_form() -> str:
    """The New task form: a field per row, an error beside each (set as text)."""
    agents = "".join(f"<option>{html.escape(name)}</option>" for name in known_agents())
    rows = []
    for name, label, hint in _FORM_ROWS:
        if name == "agent":
            field = f"<select id=n-agent><option value=''>none</option>{agents}</select>"
        elif name == "prompt":
            field = "<textarea id=n-prompt rows=2 cols=50></textarea>"
        else:
            field = f"<input id=n-{name} size=40 placeholder='{html.escape(hint)}'>"
        rows.append(
            f"<tr><td><label for=n-{name}>{label}</label></td><td>{field}</td>"
            f"<td class=error id=err-{name} data-field={name}></td></tr>"
        )
    return (
        "<h2>New task</h2><form id=new-task><table>" + "".join(rows) + "</table>"
        "<p><button id=submit type=submit>Submit</button> <span id=submitted></span>"
        " <span class=error id=err-body></span></p></form>"
    )


def not_found_page(what: str) -> HTMLResponse:
    body = f"<h1>404</h1><p id=problem>{html.escape(what)}</p><p><a href='/'>all tasks</a></p>"
    return _page("not found", body, "", status=404)


class Pages:
    """The two pages, over one state dir."""

    def __init__(self, store: TaskStore) -> None:
        self.store = store

    async def board(self, request: Request) -> HTMLResponse:
        options = "".join(f"<option>{state.value}</option>" for state in TaskState)
        body = (
            "<h1>agents-runner</h1><p id=counts></p><p id=filters>"
            "<label>state <select id=f-state><option value=''>any</option>"
            f"{options}</select></label>"
            "<label>label <input id=f-label placeholder='K=V' size=12></label>"
            "<label>agent <input id=f-agent size=8></label>"
            "<label>id <input id=f-q placeholder='prefix' size=12></label></p>"
            "<p id=problem></p><table><thead><tr><th>TASK</th>"
            "<th>STATE</th><th>PLACE</th><th>AGENT</th><th>IMAGE</th><th>LABELS</th><th>AGE</th>"
            "<th>EXIT</th><th>REASON</th></tr></thead><tbody id=tasks></tbody></table>"
            "<p><button id=newer>Newer</button><button id=older>Older</button>"
            "<span id=page></span></p>" + _new_task_form()
        )
        script = scripts.BOARD % {
            "states": json.dumps([state.value for state in TaskState]),
            "limit": DEFAULT_LIMIT,
            "form": json.dumps([name for name, _, _ in _FORM_ROWS]),
        }
        return _page("agents-runner", body, script)

    async def task(self, request: Request) -> HTMLResponse:
        found = task_or_404(self.store, request.path_params["task_id"])
        if not hasattr(found, "id"):
            return not_found_page(f"no task {request.path_params['task_id']}")
        download = f"/api/tasks/{found.id}/log?download=1"
        body = (
            f"<p><a href='/'>all tasks</a></p><h1>task {html.escape(found.id)}</h1>"
            "<p>state <span id=state class=state></span> · exit code <span id=exit></span>"
            " · <span id=reason></span></p><p>outcome <span id=outcome></span></p>"
            "<p>image <code id=image></code> · argv <code id=argv></code></p>"
            "<p><button id=cancel>Cancel</button><button id=kill>Kill</button>"
            "<span id=said></span></p>"
            "<h2>timeline</h2><div id=timeline></div>"
            f"<h2>log</h2><p><a id=download href='{html.escape(download)}' download>Download</a>"
            " <span id=cut></span></p><pre id=log></pre>"
            "<h2>spec</h2><pre id=spec></pre>"
        )
        terminal = json.dumps(sorted(state.value for state in TERMINAL_STATES))
        script = f"const TERMINAL={terminal};const TAIL={TAIL_LINES};" + scripts.TASK % {}
        return _page(f"task {found.id}", body, script, task_id=found.id)
