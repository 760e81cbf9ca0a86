// Live list of captured deliveries. Everything shown comes from whoever sent
// the request, so it is only ever set with textContent, after clean().
"use strict";

const list = document.getElementById("list");
const state = document.getElementById("state");
const count = document.getElementById("count");
const search = document.getElementById("search");
const items = new Map(); // seq -> {d: summary, li}
let selected = null;
let current = null; // the delivery shown in the detail pane
let textMatches = null; // seqs whose body matched the search text, or null
let canResign = false;

// Control characters and bidirectional formatting characters could hide or
// reorder what is shown (a right-to-left override makes "gnp.exe" read
// "exe.png"): they are replaced with U+FFFD, as in the terminal. Multi-line
// text keeps its tabs and newlines.
const unsafeLine = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;
const unsafeBlock = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;
function clean(s) { return String(s).replace(unsafeLine, "\ufffd"); }
function cleanBlock(s) { return String(s).replace(/\r\n/g, "\n").replace(unsafeBlock, "\ufffd"); }

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = clean(text);
  return e;
}

// parseQuery splits the search box into field filters and free text.
function parseQuery(q) {
  const f = { type: "", id: "", verdict: "", text: [] };
  for (const word of q.trim().split(/\s+/)) {
    const m = /^(type|id|verdict):(.*)$/i.exec(word);
    if (m) f[m[1].toLowerCase()] = m[2].toLowerCase();
    else if (word) f.text.push(word.toLowerCase());
  }
  f.text = f.text.join(" ");
  return f;
}

function matches(d, f) {
  if (f.type && !(d.type || "").toLowerCase().includes(f.type)) return false;
  if (f.id && !(d.id || "").toLowerCase().includes(f.id)) return false;
  if (f.verdict && (d.verdict || "") !== f.verdict) return false;
  if (!f.text) return true;
  const fields = [d.type, d.id, d.verdict, d.method, d.path, d.source, d.reason, String(d.status)];
  if (fields.some((v) => v && String(v).toLowerCase().includes(f.text))) return true;
  return textMatches !== null && textMatches.has(d.seq);
}

function applyFilter() {
  const f = parseQuery(search.value);
  let shown = 0;
  for (const { d, li } of items.values()) {
    li.hidden = !matches(d, f);
    if (!li.hidden) shown++;
  }
  document.getElementById("shown").textContent = search.value.trim() ? shown + " shown" : "";
}

// The body text is searched by the server, which holds the bodies.
let searchTimer = 0;
function searchText() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const text = parseQuery(search.value).text;
    if (!text) { textMatches = null; applyFilter(); return; }
    try {
      const resp = await fetch("/search?q=" + encodeURIComponent(text.slice(0, 256)));
      textMatches = resp.ok ? new Set(await resp.json()) : null;
    } catch (e) { textMatches = null; }
    applyFilter();
  }, 150);
}
search.addEventListener("input", () => { applyFilter(); searchText(); });

let totalsTimer = 0;
function refreshTotals() {
  if (totalsTimer) return;
  totalsTimer = setTimeout(async () => {
    totalsTimer = 0;
    try {
      const resp = await fetch("/summary");
      if (!resp.ok) return;
      const t = await resp.json();
      canResign = t.canResign;
      const byCount = (m) => Object.entries(m).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const verdicts = byCount(t.verdicts).map(([k, n]) => n + " " + k).join(", ");
      const types = byCount(t.types).slice(0, 8).map(([k, n]) => k + " " + n).join(", ");
      document.getElementById("totals").textContent =
        clean("since start: " + t.deliveries + (verdicts ? " (" + verdicts + ")" : "") + (types ? " · " + types : ""));
    } catch (e) { /* the stream reconnects; so will this */ }
  }, 200);
}

function add(d) {
  if (items.has(d.seq)) return;
  document.getElementById("empty").hidden = true;
  const li = el("li");
  li.id = "delivery-" + d.seq;
  li.dataset.seq = d.seq;
  li.dataset.id = d.id || "";
  li.dataset.type = d.type || "";
  li.append(el("span", "seq", "#" + d.seq));
  li.append(el("span", "type", d.type || "(no type)"));
  li.append(el("span", "", " " + d.method + " " + d.path + " "));
  li.append(el("span", "verdict-" + d.verdict, d.verdict));
  if (d.duplicateOf) li.append(el("span", "dup", "duplicate of #" + d.duplicateOf));
  const meta = el("div", "meta",
    new Date(d.time).toLocaleTimeString() + " · " + d.source + " · " + d.status +
    (d.id ? " · " + d.id : "") + (d.reason ? " · " + d.reason : "") +
    (d.forward ? " · forwarded: " + (d.forward.status || d.forward.error) : ""));
  li.append(meta);
  li.addEventListener("click", () => show(d.seq, li));
  // Keep newest first even if a reconnect replays out of order.
  let before = list.firstElementChild;
  while (before && Number(before.dataset.seq) > d.seq) before = before.nextElementSibling;
  list.insertBefore(li, before);
  items.set(d.seq, { d, li });
  li.hidden = !matches(d, parseQuery(search.value));
  if (parseQuery(search.value).text) searchText();
  count.textContent = items.size + (items.size === 1 ? " delivery" : " deliveries");
  refreshTotals();
}

function showBody(pretty) {
  const hasPretty = Boolean(current && current.pretty);
  document.getElementById("detail-body").hidden = !(pretty && hasPretty);
  document.getElementById("detail-raw").hidden = pretty && hasPretty;
  document.getElementById("show-pretty").disabled = !hasPretty || pretty;
  document.getElementById("show-raw").disabled = !hasPretty || !pretty;
}
document.getElementById("show-pretty").addEventListener("click", () => showBody(true));
document.getElementById("show-raw").addEventListener("click", () => showBody(false));

async function show(seq, li) {
  if (selected) selected.classList.remove("selected");
  selected = li;
  li.classList.add("selected");
  const pane = document.getElementById("detail");
  document.getElementById("hint").hidden = true;
  const resp = await fetch("/history/" + seq);
  if (!resp.ok) {
    pane.hidden = false;
    current = null;
    document.getElementById("detail-title").textContent = "#" + seq + " is no longer in the history";
    return;
  }
  const d = await resp.json();
  current = d;
  document.getElementById("detail-title").textContent = clean("#" + d.seq + " " + d.method + " " + d.path);
  const meta = document.getElementById("detail-meta");
  meta.replaceChildren();
  const rows = [["time", d.time], ["type", d.type || "(none)"], ["source", d.source], ["id", d.id || "(none)"],
    ["verdict", d.verdict + (d.reason ? ": " + d.reason : "")], ["answered", String(d.status)],
    ["size", d.size + " bytes" + (d.truncated ? " (truncated)" : "")]];
  if (d.duplicateOf) rows.push(["duplicate of", "#" + d.duplicateOf]);
  if (d.forward) rows.push(["forwarded", d.forward.status ? "local status " + d.forward.status + " in " + d.forward.durationMs + " ms" :
    "failed: " + d.forward.error]);
  for (const [k, v] of rows) { meta.append(el("dt", "", k), el("dd", "", v)); }
  const tbody = document.querySelector("#detail-headers tbody");
  tbody.replaceChildren();
  for (const k of Object.keys(d.headers || {}).sort()) {
    for (const v of d.headers[k]) {
      const tr = el("tr");
      tr.append(el("th", "", k), el("td", "", v));
      tbody.append(tr);
    }
  }
  document.getElementById("detail-encoding").textContent =
    d.bodyEncoding === "base64" ? "(not UTF-8: shown in base64)" : "(as received" + (d.pretty ? "; JSON" : "") + ")";
  document.getElementById("detail-body").textContent = cleanBlock(d.pretty || "");
  document.getElementById("detail-raw").textContent = cleanBlock(d.body);
  showBody(true);
  const fa = document.getElementById("forward-answer");
  fa.hidden = !(d.forward && d.forward.status);
  if (!fa.hidden) {
    document.getElementById("forward-status").textContent = clean(d.forward.status + " " + (d.forward.contentType || "") +
      (d.forward.truncated ? " (cut)" : ""));
    document.getElementById("forward-body").textContent = cleanBlock(d.forward.body || "");
  }
  const resign = document.getElementById("replay-resign");
  resign.disabled = !canResign;
  resign.checked = canResign;
  document.getElementById("replay-result").textContent = "";
  document.getElementById("curl").hidden = true;
  pane.hidden = false;
}

document.getElementById("replay-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!current) return;
  const out = document.getElementById("replay-result");
  out.textContent = "replaying #" + current.seq + "…";
  try {
    const resp = await fetch("/history/" + current.seq + "/replay", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: document.getElementById("replay-url").value,
        resign: document.getElementById("replay-resign").checked }),
    });
    const f = await resp.json();
    if (!resp.ok) out.textContent = clean("replay refused: " + f.error);
    else if (!f.status) out.textContent = clean("not delivered: " + f.error);
    else out.textContent = clean("replayed #" + current.seq + ": " + f.status + " in " + f.durationMs + " ms" +
      (f.body ? " · " + f.body.slice(0, 300) : ""));
    out.dataset.status = f.status || 0;
  } catch (e) {
    out.textContent = clean("replay failed: " + e);
  }
});

// shellQuote quotes s for a POSIX shell.
function shellQuote(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

function curlCommand(d, url) {
  const skip = new Set(["Content-Length", "Host", "Accept-Encoding", "Connection", "User-Agent"]);
  const parts = ["curl", "-X", d.method, shellQuote(url)];
  for (const k of Object.keys(d.headers || {}).sort()) {
    if (skip.has(k)) continue;
    for (const v of d.headers[k]) parts.push("-H", shellQuote(k + ": " + v));
  }
  if (d.bodyEncoding === "base64") {
    return "printf %s " + shellQuote(d.body) + " | base64 -d | " + parts.join(" ") + " --data-binary @-";
  }
  return parts.join(" ") + " --data-binary " + shellQuote(d.body);
}

document.getElementById("copy-curl").addEventListener("click", async () => {
  if (!current) return;
  const url = document.getElementById("replay-url").value || (location.origin + current.path);
  const cmd = curlCommand(current, url);
  const pre = document.getElementById("curl");
  pre.textContent = cleanBlock(cmd);
  pre.hidden = false;
  try {
    await navigator.clipboard.writeText(cmd);
    document.getElementById("replay-result").textContent = "curl command copied";
  } catch (e) {
    document.getElementById("replay-result").textContent = "select the command below to copy it";
  }
});

function connect() {
  const es = new EventSource("/events");
  es.addEventListener("open", () => { state.textContent = "live"; state.dataset.state = "open"; refreshTotals(); });
  es.addEventListener("error", () => {
    state.textContent = es.readyState === EventSource.CLOSED ? "disconnected" : "reconnecting…";
    state.dataset.state = "closed";
  });
  es.addEventListener("delivery", (e) => add(JSON.parse(e.data)));
}

connect();
