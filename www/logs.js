/* Logs: pulse's events (one structured record per transition) and the
 * cluster log file, both live over Server-Sent Events; the log has a
 * filter and a pause button. */
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
  const evState = el("span", { class: "badge", id: "events-state" }, "connecting");
  const evBox = el("div", { id: "events", class: "events", tabindex: "0", "aria-label": "pulse's events", "aria-live": "off" });
  main.append(el("section", { class: "card" }, el("h2", {}, "pulse's events"),
    el("div", { class: "toolbar" }, evState, el("span", { class: "muted" },
      "role changes, VIPs, real servers, maintenance, drills, dual-active alarms (newest last)")), evBox));
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

  /* One event: time, node, kind, then its fields as name=value. */
  const EV_MAX = 500;
  const skip = new Set(["seq", "time", "time_ms", "boot", "node", "kind"]);
  const seen = new Set();
  function showEvent(data) {
    let e;
    try { e = JSON.parse(data); } catch (x) { return; }
    const key = e.boot + ":" + e.seq;	/* a reconnected stream sends its backlog again */
    if (seen.has(key)) return;
    seen.add(key);
    const fields = Object.entries(e).filter(([k, v]) => !skip.has(k) && v !== "")
      .map(([k, v]) => k + "=" + v).join(" ");
    const bad = e.kind === "dual_active" || (e.kind === "role" && /fault|dead/i.test(e.to || "")) ||
      (e.kind === "server" && e.state === "down") || (e.kind === "drill" && e.result !== "ok");
    const atBottom = evBox.scrollTop + evBox.clientHeight >= evBox.scrollHeight - 20;
    evBox.append(el("div", { class: "event line" + (bad ? " hl" : ""), "data-kind": e.kind, "data-seq": String(e.seq) },
      el("span", { class: "mono muted" }, new Date(e.time_ms).toLocaleTimeString() + " #" + e.seq + " "),
      el("span", { class: "mono" }, e.node + " "), el("span", { class: "badge" }, e.kind), " ", fields));
    while (evBox.childElementCount > EV_MAX) evBox.firstElementChild.remove();
    if (atBottom) evBox.scrollTop = evBox.scrollHeight;
  }
  const evs = new EventSource("/api/v1/events/stream?count=200");
  evs.onopen = () => { evState.textContent = "live"; evState.className = "badge ok"; };
  evs.onerror = () => { evState.textContent = "reconnecting"; evState.className = "badge warn"; };
  evs.onmessage = (ev) => showEvent(ev.data);

  const es = new EventSource("/api/v1/logs/stream?lines=300");
  es.onopen = () => { state.textContent = "live"; state.className = "badge ok"; };
  es.onerror = () => { state.textContent = "reconnecting"; state.className = "badge warn"; };
  es.onmessage = (ev) => {
    if (paused) { held.push(ev.data); if (held.length > MAX) held.shift(); }
    else append(ev.data);
  };
})();
