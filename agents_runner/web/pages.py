"""The board and a task's page. The HTML is fixed; everything a user or an agent wrote
(prompt, image, label, log, reason) reaches the page through the JSON API and is set
with textContent, so it is shown as text and never read as markup."""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..store import TaskStore
from .api import task_or_404

_STYLE = """
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}
td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:left}
.state{font-weight:600}#log{background:#111;color:#eee;padding:1em;white-space:pre-wrap;
max-height:60vh;overflow:auto}button{margin-right:.5em}
"""

_COMMON_JS = """
async function getJson(url){const r=await fetch(url,{credentials:'same-origin'});
 if(!r.ok)throw new Error(r.status);return r.json();}
function cell(row,text,name){const td=document.createElement('td');td.textContent=text??'';
 if(name)td.dataset.field=name;row.appendChild(td);return td;}
"""

_BOARD_JS = """
async function refresh(){
 let data,counted;try{data=await getJson('/api/tasks');counted=await getJson('/api/counts');}
 catch(e){return;}
 const body=document.getElementById('tasks');body.replaceChildren();
 for(const t of data.tasks){const row=document.createElement('tr');row.dataset.task=t.id;
  const link=document.createElement('a');link.href='/tasks/'+t.id;link.textContent=t.id;
  const first=document.createElement('td');first.appendChild(link);row.appendChild(first);
  cell(row,t.state,'state').className='state';cell(row,t.agent||'-','agent');
  cell(row,t.image,'image');cell(row,t.created_at,'created');
  cell(row,t.exit_code===null?'-':String(t.exit_code),'exit');cell(row,t.error||'','reason');
  body.appendChild(row);}
 const counts=document.getElementById('counts');
 counts.textContent=Object.entries(counted.counts).map(([s,n])=>s+': '+n).join('  ');
}
refresh();setInterval(refresh,500);
"""

_TASK_JS = """
const id=document.body.dataset.task;let offset=0;
async function refresh(){
 let t;try{t=await getJson('/api/tasks/'+id);}catch(e){return;}
 document.getElementById('state').textContent=t.state;
 document.getElementById('exit').textContent=t.exit_code===null?'-':String(t.exit_code);
 document.getElementById('reason').textContent=t.error||'';
 document.getElementById('argv').textContent=JSON.stringify(t.spec.argv);
 document.getElementById('image').textContent=t.spec.image;
 const history=document.getElementById('history');history.replaceChildren();
 for(const h of t.history){const row=document.createElement('tr');cell(row,h.state,'state');
  cell(row,h.at,'at');history.appendChild(row);}
 for(;;){let part;try{part=await getJson('/api/tasks/'+id+'/log?offset='+offset);}catch(e){return;}
  if(part.next===offset)break;
  document.getElementById('log').append(document.createTextNode(part.text));offset=part.next;}
}
async function act(what){const body=what==='cancel'?JSON.stringify({}):'';
 const r=await fetch('/api/tasks/'+id+'/'+what,{method:'POST',credentials:'same-origin',
  headers:{'Content-Type':'application/json'},body});
 document.getElementById('said').textContent=r.ok?what+' requested':'refused: '+r.status;}
document.getElementById('cancel').onclick=()=>act('cancel');
document.getElementById('kill').onclick=()=>act('kill');
refresh();setInterval(refresh,500);
"""


def _page(title: str, body: str, script: str, task_id: str = "") -> HTMLResponse:
    data = f' data-task="{html.escape(task_id)}"' if task_id else ""
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset=utf-8><link rel=icon href='data:,'>"
        f"<title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body{data}>{body}"
        f"<script>{_COMMON_JS}{script}</script></body></html>"
    )


class Pages:
    """The two pages, over one state dir."""

    def __init__(self, store: TaskStore) -> None:
        self.store = store

    async def board(self, request: Request) -> HTMLResponse:
        body = (
            "<h1>agents-runner</h1><p id=counts></p><table><thead><tr><th>TASK</th>"
            "<th>STATE</th><th>AGENT</th><th>IMAGE</th><th>CREATED</th><th>EXIT</th>"
            "<th>REASON</th></tr></thead><tbody id=tasks></tbody></table>"
        )
        return _page("agents-runner", body, _BOARD_JS)

    async def task(self, request: Request) -> HTMLResponse:
        found = task_or_404(self.store, request.path_params["task_id"])
        if not hasattr(found, "id"):
            text = html.escape(request.path_params["task_id"])
            return HTMLResponse(f"<!doctype html><h1>404</h1><p>no task {text}</p>", 404)
        body = (
            f"<p><a href='/'>all tasks</a></p><h1>task {html.escape(found.id)}</h1>"
            "<p>state <span id=state class=state></span> · exit code <span id=exit></span>"
            " · <span id=reason></span></p><p>image <code id=image></code> · argv "
            "<code id=argv></code></p><p><button id=cancel>Cancel</button>"
            "<button id=kill>Kill</button><span id=said></span></p>"
            "<table><tbody id=history></tbody></table><h2>log</h2><pre id=log></pre>"
        )
        return _page(f"task {found.id}", body, _TASK_JS, task_id=found.id)
