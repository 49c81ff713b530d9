"""The pages' scripts. They read the JSON API and set what it says with textContent
(never innerHTML), and redraw when /api/events says the store changed (and every 10 s
besides, should the stream break)."""

from __future__ import annotations

COMMON = r"""
async function getJson(url){const r=await fetch(url,{credentials:'same-origin'});
 const body=await r.json();if(!r.ok)throw new Error(body.error||String(r.status));return body;}
function el(tag,text,field){const e=document.createElement(tag);
 if(text!==undefined&&text!==null)e.textContent=String(text);
 if(field)e.dataset.field=field;return e;}
function age(at){const s=Math.max(0,(Date.now()-Date.parse(at))/1000);
 return s<120?Math.floor(s)+'s':s<7200?Math.floor(s/60)+'m':s<172800?Math.floor(s/3600)+'h':
  Math.floor(s/86400)+'d';}
function cell(row,text,name){const td=el('td',text??'',name);row.appendChild(td);return td;}
function visible(text){return String(text??'').replace(/[\x00-\x08\x0b-\x1f]/g,
 c=>String.fromCharCode(0x2400+c.charCodeAt(0))).replace(/\x7f/g,'\u2421');}
function live(url,redraw){const source=new EventSource(url);window.eventStream=source;
 source.addEventListener('change',()=>redraw());setInterval(redraw,10000);}
"""

BOARD = """
const STATES=%(states)s;const LIMIT=%(limit)d;
let cursors=[null],next=null,drawn=0;
function val(id){return document.getElementById(id).value.trim();}
function query(){const u=new URLSearchParams();
 for(const [name,id] of [['state','f-state'],['label','f-label'],['agent','f-agent'],['q','f-q']]){
  if(val(id))u.set(name,val(id));}
 u.set('limit',String(LIMIT));const at=cursors[cursors.length-1];if(at)u.set('cursor',at);return u;}
async function refresh(){
 const mine=++drawn;let data,counted;
 try{data=await getJson('/api/tasks?'+query());}
 catch(e){if(mine===drawn)document.getElementById('problem').textContent=e.message;return;}
 if(mine!==drawn)return;
 document.getElementById('problem').textContent='';
 const body=document.getElementById('tasks');body.replaceChildren();
 for(const t of data.tasks){const row=document.createElement('tr');row.dataset.task=t.id;
  const link=el('a',t.id);link.href='/tasks/'+t.id;
  const first=document.createElement('td');first.appendChild(link);row.appendChild(first);
  cell(row,t.state,'state').className='state s-'+t.state;
  cell(row,t.place===null||t.place===undefined?'-':String(t.place),'place');
  cell(row,t.agent||'-','agent');cell(row,t.image,'image');
  cell(row,Object.entries(t.labels).map(([k,v])=>k+'='+v).join(' '),'labels');
  cell(row,age(t.created_at),'age').title=t.created_at;
  cell(row,t.exit_code===null?'-':String(t.exit_code),'exit');cell(row,visible(t.error),'reason');
  body.appendChild(row);}
 next=data.next;
 document.getElementById('older').disabled=next===null;
 document.getElementById('newer').disabled=cursors.length===1;
 document.getElementById('page').textContent='page '+cursors.length;
 try{counted=await getJson('/api/counts');}catch(e){return;}
 if(mine!==drawn)return;
 const counts=document.getElementById('counts');counts.replaceChildren();
 for(const s of STATES){if(!counted.counts[s])continue;
  const part=el('span',s+': '+counted.counts[s]);part.dataset.state=s;part.className='count';
  counts.appendChild(part);}
 counts.appendChild(el('span','all: '+counted.total));
}
function restart(){cursors=[null];refresh();}
for(const id of ['f-state','f-label','f-agent','f-q'])
 document.getElementById(id).addEventListener('input',restart);
document.getElementById('older').onclick=()=>{if(next){cursors.push(next);refresh();}};
document.getElementById('newer').onclick=()=>{if(cursors.length>1){cursors.pop();refresh();}};
const FORM=%(form)s;
document.getElementById('new-task').addEventListener('submit',async(event)=>{
 event.preventDefault();const body={};
 for(const name of FORM){body[name]=document.getElementById('n-'+name).value;
  document.getElementById('err-'+name).textContent='';}
 document.getElementById('err-body').textContent='';
 const said=document.getElementById('submitted');said.replaceChildren();
 const r=await fetch('/api/tasks',{method:'POST',credentials:'same-origin',
  headers:{'Content-Type':'application/json'},body:JSON.stringify(body)});
 let answer={};try{answer=await r.json();}catch(e){}
 if(r.status===202){const link=el('a',answer.id);link.href='/tasks/'+answer.id;
  said.append('submitted ',link);restart();return;}
 const beside=document.getElementById('err-'+(answer.field||'body'))||
  document.getElementById('err-body');
 beside.textContent=answer.error||('refused ('+r.status+')');
});
refresh();live('/api/events',refresh);
"""

TASK = """
const id=document.body.dataset.task;let offset=null,reading=false;
function seconds(from,to){return (Date.parse(to)-Date.parse(from))/1000;}
function timeline(t){
 const box=document.getElementById('timeline');box.replaceChildren();
 const h=t.history;if(!h.length)return;
 const last=t.state===h[h.length-1].state&&TERMINAL.includes(t.state);
 const end=last?h[h.length-1].at:new Date().toISOString();
 const whole=Math.max(seconds(h[0].at,end),0.001);
 for(let i=0;i<h.length;i++){
  const from=h[i].at,to=i+1<h.length?h[i+1].at:end;
  const ended=i===h.length-1&&last;const took=ended?0:seconds(from,to);
  const row=el('div');row.className='step';row.dataset.state=h[i].state;
  row.appendChild(el('span',h[i].state,'state'));
  const track=el('span');track.className='track';
  const bar=el('span');bar.className='bar s-'+h[i].state;
  bar.style.marginLeft=(100*seconds(h[0].at,from)/whole)+'%%';
  bar.style.width=ended?'3px':Math.max(100*took/whole,0.5)+'%%';
  track.appendChild(bar);row.appendChild(track);
  row.appendChild(el('span',from,'from'));
  row.appendChild(el('span',ended?'ended':(i+1<h.length?'':'so far ')+took.toFixed(3)+' s','took'));
  box.appendChild(row);}
}
async function readLog(){
 if(reading)return;reading=true;
 try{for(;;){
  const url='/api/tasks/'+id+'/log?'+(offset===null?'tail='+TAIL:'since='+offset);
  let part;try{part=await getJson(url);}catch(e){return;}
  if(offset===null&&part.offset>0)document.getElementById('cut').textContent=
   'the last '+TAIL+' lines; Download has the whole log';
  if(offset!==null&&part.next===offset)return;
  document.getElementById('log').append(document.createTextNode(part.text));offset=part.next;
  if(!part.text)return;}}
 finally{reading=false;}
}
async function refresh(){
 let t;try{t=await getJson('/api/tasks/'+id);}catch(e){return;}
 const set=(name,text)=>{document.getElementById(name).textContent=text;};
 set('state',t.state);set('exit',t.exit_code===null?'-':String(t.exit_code));
 set('reason',visible(t.error));set('image',t.spec.image);set('argv',JSON.stringify(t.spec.argv));
 set('outcome',TERMINAL.includes(t.state)?t.state+(t.exit_code===null?'':', exit code '+t.exit_code)
  +(t.stop_reason?', stopped by '+t.stop_reason:''):'not ended yet');
 const spec=Object.assign({},t.spec);delete spec.argv;set('spec',JSON.stringify(spec,null,2));
 timeline(t);await readLog();
}
async function act(what){const body=what==='cancel'?JSON.stringify({}):'';
 const r=await fetch('/api/tasks/'+id+'/'+what,{method:'POST',credentials:'same-origin',
  headers:{'Content-Type':'application/json'},body});
 let said=what+' requested ('+r.status+')';
 if(r.status!==202){let error='';try{error=(await r.json()).error;}catch(e){}
  said='refused ('+r.status+'): '+error;}
 document.getElementById('said').textContent=said;}
document.getElementById('cancel').onclick=()=>act('cancel');
document.getElementById('kill').onclick=()=>act('kill');
refresh();live('/api/events?task='+encodeURIComponent(id),refresh);
"""
