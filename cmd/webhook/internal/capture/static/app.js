// Live list of captured deliveries. Everything shown comes from whoever sent
// the request, so it is only ever set with textContent.
"use strict";

const list = document.getElementById("list");
const state = document.getElementById("state");
const count = document.getElementById("count");
const seen = new Set();
let selected = null;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function add(d) {
  if (seen.has(d.seq)) return;
  seen.add(d.seq);
  document.getElementById("empty").hidden = true;
  const li = el("li");
  li.id = "delivery-" + d.seq;
  li.dataset.seq = d.seq;
  li.dataset.id = d.id || "";
  li.append(el("span", "seq", "#" + d.seq));
  li.append(el("span", "", d.method + " " + d.path + " "));
  li.append(el("span", "verdict-" + d.verdict, d.verdict));
  if (d.duplicateOf) li.append(el("span", "dup", "duplicate of #" + d.duplicateOf));
  const meta = el("div", "meta",
    new Date(d.time).toLocaleTimeString() + " · " + d.source + " · " + d.status +
    (d.id ? " · " + d.id : "") + (d.reason ? " · " + d.reason : "") +
    (d.forward ? " · forwarded: " + (d.forward.error || d.forward.status) : ""));
  li.append(meta);
  li.addEventListener("click", () => show(d.seq, li));
  // Keep newest first even if a reconnect replays out of order.
  let before = list.firstElementChild;
  while (before && Number(before.dataset.seq) > d.seq) before = before.nextElementSibling;
  list.insertBefore(li, before);
  count.textContent = seen.size + (seen.size === 1 ? " delivery" : " deliveries");
}

async function show(seq, li) {
  if (selected) selected.classList.remove("selected");
  selected = li;
  li.classList.add("selected");
  const pane = document.getElementById("detail");
  document.getElementById("hint").hidden = true;
  const resp = await fetch("/history/" + seq);
  if (!resp.ok) {
    pane.hidden = false;
    document.getElementById("detail-title").textContent = "#" + seq + " is no longer in the history";
    return;
  }
  const d = await resp.json();
  document.getElementById("detail-title").textContent = "#" + d.seq + " " + d.method + " " + d.path;
  const meta = document.getElementById("detail-meta");
  meta.replaceChildren();
  const rows = [["time", d.time], ["source", d.source], ["id", d.id || "(none)"],
    ["verdict", d.verdict + (d.reason ? ": " + d.reason : "")], ["answered", String(d.status)],
    ["size", d.size + " bytes" + (d.truncated ? " (truncated)" : "")]];
  if (d.duplicateOf) rows.push(["duplicate of", "#" + d.duplicateOf]);
  if (d.forward) rows.push(["forwarded", d.forward.error ? "failed: " + d.forward.error :
    "local status " + d.forward.status + " in " + d.forward.durationMs + " ms"]);
  for (const [k, v] of rows) { meta.append(el("dt", "", k), el("dd", "", v)); }
  const tbody = document.querySelector("#detail-headers tbody");
  tbody.replaceChildren();
  for (const k of Object.keys(d.headers || {}).sort()) {
    for (const v of d.headers[k]) {
      const tr = el("tr");
      tr.append(el("td", "", k), el("td", "", v));
      tbody.append(tr);
    }
  }
  document.getElementById("detail-encoding").textContent = "(" + d.bodyEncoding + ")";
  document.getElementById("detail-body").textContent = d.body;
  pane.hidden = false;
}

function connect() {
  const es = new EventSource("/events");
  es.addEventListener("open", () => { state.textContent = "live"; state.dataset.state = "open"; });
  es.addEventListener("error", () => {
    state.textContent = es.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
    state.dataset.state = "closed";
  });
  es.addEventListener("delivery", (e) => add(JSON.parse(e.data)));
}

connect();
