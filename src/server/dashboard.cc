// SPDX-License-Identifier: Apache-2.0
//
// dashboard.cc: the page served at GET /. Self-contained (no CDN, no network): plain DOM and
// inline SVG charts, polling the JSON endpoints every 3 s. Every value from the API is put on
// the page with textContent or createElementNS attributes, never innerHTML, so nothing a
// client posted (event names, channels, user ids) can inject markup.
#include "server_impl.h"

namespace fw::server {

const char* DashboardHtml() {
  return R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Flywheel live</title>
<link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2430}
header{background:#1d2430;color:#fff;padding:10px 18px;display:flex;justify-content:space-between}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px;padding:14px}
section{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0002}
h2{font-size:15px;margin:0 0 8px}
.kpis{display:flex;flex-wrap:wrap;gap:18px}.kpi b{display:block;font-size:22px}
.kpi span{font-size:12px;color:#667}
table{border-collapse:collapse;width:100%;font-size:13px}
td,th{padding:3px 6px;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}
.firing{color:#b00020;font-weight:600}.ok{color:#2e7d32}
.muted{color:#889;font-size:12px}
</style></head><body>
<header><div><b>Flywheel</b> live dashboard</div><div id="status" class="muted">loading…</div></header>
<main>
<section style="grid-column:1/-1"><h2>Live KPIs</h2><div class="kpis" id="kpis"></div></section>
<section><h2>Active alerts</h2><table id="alerts"></table></section>
<section><h2>Acquisition by channel</h2><table id="acq"></table></section>
<section><h2>Bandits: spend share and posterior intervals</h2><div id="bandits"></div></section>
<section><h2>Experiments</h2><div id="experiments"></div></section>
<section><h2>Retention (weekly cohorts)</h2><div id="retention"></div></section>
<section><h2>Funnel</h2><div class="muted">steps: <input id="steps" value="signup,view,add_to_cart,purchase" size="34"></div><div id="funnel"></div></section>
</main>
<script>
"use strict";
const REFRESH_MS = 3000;
function el(tag, attrs, text){const e=document.createElement(tag);
  for(const k in (attrs||{})) e.setAttribute(k, attrs[k]); if(text!==undefined) e.textContent=String(text); return e;}
function svg(tag, attrs){const e=document.createElementNS("http://www.w3.org/2000/svg",tag);
  for(const k in attrs) e.setAttribute(k, attrs[k]); return e;}
function fmt(x, d){ if(x===null||x===undefined) return "–"; if(typeof x!=="number") return String(x);
  return Math.abs(x)>=1000? x.toLocaleString(undefined,{maximumFractionDigits:0}) : x.toFixed(d===undefined?2:d);}
function pct(x){return x===null||x===undefined? "–" : (100*x).toFixed(1)+"%";}
async function get(path){const r=await fetch(path,{credentials:"same-origin"}); const j=await r.json();
  if(!r.ok) throw new Error((j.error&&j.error.message)||r.status); return j;}
function table(id, header, rows){const t=document.getElementById(id); t.replaceChildren();
  const h=el("tr"); header.forEach(c=>h.appendChild(el("th",{},c))); t.appendChild(h);
  rows.forEach(r=>{const tr=el("tr"); r.forEach(c=>{ if(c instanceof Node){const td=el("td"); td.appendChild(c); tr.appendChild(td);} else tr.appendChild(el("td",{},c));}); t.appendChild(tr);});}
let lastAccepted=null, lastT=null, perMin=0;
async function kpis(){const s=await get("/v1/summary"); const now=Date.now();
  if(lastAccepted!==null && now>lastT) perMin=(s.events_accepted_since_start-lastAccepted)*60000/(now-lastT);
  lastAccepted=s.events_accepted_since_start; lastT=now;
  let spend=0,budget=0; (s.bandits||[]).forEach(b=>{spend+=b.spend||0; if(b.budget!==null) budget+=b.budget;});
  const items=[["events posted / min",fmt(perMin,0)],["events in frame",fmt(s.events,0)],["users",fmt(s.users,0)],
    ["conversions (purchase)",fmt(s.conversions,0)],["revenue",fmt(s.revenue)],
    ["bandit spend / budget",fmt(spend)+" / "+(budget?fmt(budget):"∞")],["data up to",s.data_end||"–"]];
  const k=document.getElementById("kpis"); k.replaceChildren();
  items.forEach(([label,v])=>{const d=el("div",{class:"kpi","data-kpi":label}); d.appendChild(el("b",{},v)); d.appendChild(el("span",{},label)); k.appendChild(d);});}
async function alerts(){const a=await get("/v1/alerts");
  table("alerts",["alert","state","since","detail"], a.alerts.map(x=>{const st=el("span",{class:x.state==="firing"?"firing":"ok"},x.state); return [x.name,st,x.since||"",x.message];}));
  if(!a.alerts.length) table("alerts",["alert"],[["no alert rule has fired"]]);}
async function acquisition(){const a=await get("/v1/analytics/acquisition");
  table("acq",["channel","new users","customers","conv.","spend","CAC","ROAS"],
    a.channels.map(c=>[c.channel,fmt(c.new_users,0),fmt(c.customers,0),pct(c.conversion_rate),fmt(c.spend),fmt(c.cac),fmt(c.roas)]));}
function bars(parent, arms){const W=380, H=18*arms.length+20; const s=svg("svg",{width:W,height:H});
  const total=arms.reduce((t,a)=>t+(a.spend||0),0)||1; const hi=Math.max(...arms.map(a=>(a.interval&&a.interval[1])||0),1e-9);
  arms.forEach((a,i)=>{const y=10+18*i; const t=svg("text",{x:0,y:y+11,"font-size":11}); t.textContent=a.arm; s.appendChild(t);
    s.appendChild(svg("rect",{x:90,y:y,width:Math.max(1,130*(a.spend||0)/total),height:12,fill:"#4f7cff"}));
    if(a.interval&&a.interval[0]!==null){const x0=240+130*a.interval[0]/hi, x1=240+130*a.interval[1]/hi;
      s.appendChild(svg("line",{x1:x0,x2:x1,y1:y+6,y2:y+6,stroke:"#e07000","stroke-width":3}));
      s.appendChild(svg("circle",{cx:240+130*(a.mean||0)/hi,cy:y+6,r:3,fill:"#1d2430"}));}});
  parent.appendChild(s);}
async function bandits(){const l=await get("/v1/bandits"); const d=document.getElementById("bandits"); d.replaceChildren();
  if(!l.bandits.length){d.appendChild(el("div",{class:"muted"},"no bandit yet (flywheel bandit create)")); return;}
  for(const b of l.bandits){const x=await get("/v1/bandits/"+encodeURIComponent(b.name));
    d.appendChild(el("div",{},x.name+" ("+x.policy+"): "+x.pulls+" pulls, spend "+fmt(x.spend)+(x.budget!==null?" of "+fmt(x.budget):"")));
    d.appendChild(el("div",{class:"muted"},"blue: spend share per arm; orange: 95% posterior interval of the arm's value"));
    bars(d, x.arms);}}
async function experiments(){const l=await get("/v1/experiments"); const d=document.getElementById("experiments"); d.replaceChildren();
  if(!l.experiments.length){d.appendChild(el("div",{class:"muted"},"no experiment yet (flywheel experiment create)")); return;}
  for(const name of l.experiments){let r; try{r=await get("/v1/experiments/"+encodeURIComponent(name)+"/results");}
    catch(e){d.appendChild(el("div",{},name+": "+e.message)); continue;}
    const srm=r.srm||{}; d.appendChild(el("div",{class:srm.warning?"firing":""},name+(srm.warning?" — SRM detected":" — SRM ok")));
    const t=el("table"); const h=el("tr"); ["metric","arm","lift","CI","verdict"].forEach(c=>h.appendChild(el("th",{},c))); t.appendChild(h);
    (r.metrics||[]).forEach(m=>(m.results||[]).forEach(x=>{const tr=el("tr");
      const ci=x.ci||x.interval||[null,null];
      [m.metric,x.arm||x.treatment||"",pct(x.relative_lift!==undefined?x.relative_lift:x.lift),"["+pct(ci[0])+", "+pct(ci[1])+"]",x.verdict||""].forEach(c=>tr.appendChild(el("td",{},c))); t.appendChild(tr);}));
    d.appendChild(t);}}
async function retention(){const r=await get("/v1/analytics/retention?periods=8"); const d=document.getElementById("retention"); d.replaceChildren();
  const cohorts=r.cohorts.slice(-12); const W=420, cw=36, ch=16; const s=svg("svg",{width:W,height:ch*cohorts.length+20});
  cohorts.forEach((c,i)=>{const t=svg("text",{x:0,y:20+ch*i+11,"font-size":10}); t.textContent=c.start; s.appendChild(t);
    c.rates.forEach((v,w)=>{ if(v===null) return; const g=svg("rect",{x:80+cw*w,y:20+ch*i,width:cw-2,height:ch-2,fill:"rgba(79,124,255,"+(0.1+0.9*v)+")"});
      const tt=svg("title",{}); tt.textContent=c.start+" week "+w+": "+pct(v); g.appendChild(tt); s.appendChild(g);});});
  d.appendChild(s);}
async function funnel(){const steps=document.getElementById("steps").value; const d=document.getElementById("funnel");
  let f; try{f=await get("/v1/analytics/funnel?steps="+encodeURIComponent(steps));}catch(e){d.replaceChildren(el("div",{class:"muted"},e.message)); return;}
  d.replaceChildren(); const max=Math.max(1,...f.steps.map(x=>x.users)); const s=svg("svg",{width:420,height:24*f.steps.length});
  f.steps.forEach((x,i)=>{s.appendChild(svg("rect",{x:120,y:24*i,width:Math.max(1,280*x.users/max),height:18,fill:"#2e7d32"}));
    const t=svg("text",{x:0,y:24*i+13,"font-size":11}); t.textContent=x.event+" "+fmt(x.users,0)+" ("+pct(x.conversion_from_first)+")"; s.appendChild(t);});
  d.appendChild(s);}
async function refresh(){const parts=[kpis,alerts,acquisition,bandits,experiments,retention,funnel]; let bad=0;
  for(const p of parts){try{await p();}catch(e){bad++; console.warn(p.name, e.message);}}
  document.getElementById("status").textContent="updated "+new Date().toLocaleTimeString()+(bad?" ("+bad+" panels without data)":"");}
refresh(); setInterval(refresh, REFRESH_MS);
</script></body></html>)HTML";
}

}  // namespace fw::server
