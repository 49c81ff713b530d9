"""The evidence report's inline stylesheet and script: the page needs no other file."""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;
max-width:1200px;padding:24px;color:#1f2328;background:#f6f8fa}
header h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:24px 0 8px}
h3{font-size:15px;margin:16px 0 6px}h4{font-size:13px;margin:10px 0 4px;color:#57606a}
.meta{color:#57606a;font-size:12px}section{margin-bottom:10px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#eaeef2}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.run th{width:180px}
.scenario>details{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
summary{cursor:pointer}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:4px;padding:8px;font-size:12px;
white-space:pre-wrap;overflow-wrap:anywhere;overflow:auto;min-width:0}
pre.log{max-height:320px}
pre.error{background:#fff1f0;border-color:#ffa198;color:#82071e}
.grid{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}
.grid>div{min-width:0}
@media (max-width:900px){.grid{grid-template-columns:minmax(0,1fr)}}
ol.steps{padding-left:20px;margin:0}ol.steps li{margin:2px 0}
.badge{display:inline-block;min-width:56px;text-align:center;border-radius:10px;padding:0 8px;
font-size:11px;font-weight:600;text-transform:uppercase;background:#eaeef2;color:#57606a}
.badge.passed{background:#dafbe1;color:#116329}.badge.failed,.badge.error,.badge.hook_error,
.badge.undefined{background:#ffebe9;color:#82071e}
.badge.skipped,.badge.untested{background:#fff8c5;color:#7d4e00}
.state{font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
tr.failed td,tr.error td,tr.hook_error td,tr.undefined td{background:#fff5f5}
.banner{border:2px solid #bf8700;background:#fff8c5;color:#4d2d00;border-radius:6px;
padding:10px 14px;margin:16px 0}
.banner b{font-size:15px}.banner ul{margin:6px 0 0;max-height:240px;overflow:auto}
.filter{position:sticky;top:0;z-index:1;background:#f6f8fa;padding:8px 0;display:flex;gap:8px;
align-items:center}
.filter input{flex:1;font:inherit;padding:6px 8px;border:1px solid #d0d7de;border-radius:6px}
.filter select{font:inherit;padding:6px;border:1px solid #d0d7de;border-radius:6px}
[hidden]{display:none!important}
@media print{
body{background:#fff;max-width:none;padding:0;font-size:11px}
.filter{display:none}
section[hidden],details[hidden]{display:block!important}
tr[hidden]{display:table-row!important}
details::details-content{content-visibility:visible;display:block}
details>summary{list-style:none}
pre,pre.log,.banner ul{max-height:none!important;overflow:visible!important}
.grid{display:block}
a{color:inherit;text-decoration:none}
.scenario>details{border:0;border-top:1px solid #d0d7de;border-radius:0;padding:6px 0}
}
"""

# Filters scenarios and summary rows by text and status; opens every <details> before
# printing (and restores them after), since CSS alone cannot open a closed one.
SCRIPT = """
(function(){
var q=document.getElementById('filter-text'),s=document.getElementById('filter-status'),
shown=document.getElementById('filter-shown');
function apply(){
var text=q.value.toLowerCase().trim(),status=s.value,n=0;
document.querySelectorAll('[data-search]').forEach(function(el){
var ok=(!text||el.getAttribute('data-search').indexOf(text)>=0)&&
(!status||el.getAttribute('data-status')===status);
el.hidden=!ok;if(ok&&el.tagName==='SECTION'){n++;}});
shown.textContent=n+' shown';}
q.addEventListener('input',apply);s.addEventListener('change',apply);
var closed=[];
window.addEventListener('beforeprint',function(){closed=[];
document.querySelectorAll('details').forEach(function(d){if(!d.open){closed.push(d);d.open=true;}});});
window.addEventListener('afterprint',function(){closed.forEach(function(d){d.open=false;});});
})();
"""
