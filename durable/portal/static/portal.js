// The portal's one script, optional: every page works without it. It asks
// before destructive forms are sent and offers to copy a revealed secret.
"use strict";
document.addEventListener("submit", (ev) => {
  const msg = ev.target.dataset && ev.target.dataset.confirm;
  if (msg && !window.confirm(msg)) {
    ev.preventDefault();
  }
});
for (const b of document.querySelectorAll("button[data-copy]")) {
  if (!navigator.clipboard) {
    continue;
  }
  b.hidden = false;
  b.addEventListener("click", () => {
    const el = document.getElementById(b.dataset.copy);
    navigator.clipboard.writeText(el.textContent).then(() => { b.textContent = "Copied"; });
  });
}
