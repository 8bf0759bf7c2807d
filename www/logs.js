/* Logs: the cluster log file, live over Server-Sent Events, with a filter
 * and a pause button. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");
  const filter = el("input", { type: "text", id: "log-filter", placeholder: "text or /regex/", "aria-label": "Filter lines" });
  const pause = el("button", { type: "button", id: "log-pause", "aria-pressed": "false" }, "Pause");
  const state = el("span", { class: "badge", id: "log-state" }, "connecting");
  const count = el("span", { class: "muted", id: "log-count" });
  const box = el("pre", { id: "log", tabindex: "0", "aria-label": "Log lines", "aria-live": "off" });
  const info = await api("GET", "/logs?lines=0");
  main.append(el("section", { class: "card" },
    el("h2", {}, "Log " + (info.file ? info.file : "(no log file configured: start shoal-web with --log FILE)")),
    el("div", { class: "toolbar" }, el("label", { for: "log-filter" }, "Filter"), filter, pause, state, count), box));

  const MAX = 2000;
  let paused = false;
  const held = [];
  let re = null;

  function matcher() {
    const v = filter.value;
    re = null;
    if (!v) return;
    const m = /^\/(.*)\/([i]?)$/.exec(v);
    try { re = m ? new RegExp(m[1], m[2]) : new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i"); }
    catch (e) { re = null; }
  }
  function visible(line) { return !re || re.test(line); }
  function counted() {
    const shown = box.querySelectorAll(".line:not(.hidden)").length;
    count.textContent = box.childElementCount + " lines" + (re ? ", " + shown + " shown" : "");
  }

  function append(text) {
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 20;
    const d = el("div", { class: "line" + (/dead|fail|error|down/i.test(text) ? " hl" : "") }, text);
    if (!visible(text)) d.classList.add("hidden");
    box.append(d);
    while (box.childElementCount > MAX) box.firstElementChild.remove();
    counted();
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
  filter.addEventListener("input", () => {
    matcher();
    for (const d of box.children) d.classList.toggle("hidden", !visible(d.textContent));
    counted();
  });
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (!paused) while (held.length) append(held.shift());
  });

  const es = new EventSource("/api/v1/logs/stream?lines=300");
  es.onopen = () => { state.textContent = "live"; state.className = "badge ok"; };
  es.onerror = () => { state.textContent = "reconnecting"; state.className = "badge warn"; };
  es.onmessage = (ev) => {
    if (paused) { held.push(ev.data); if (held.length > MAX) held.shift(); }
    else append(ev.data);
  };
})();
