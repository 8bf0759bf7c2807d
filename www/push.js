/* Push to all nodes: starts a push and follows its per-node progress. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");
  const st = await api("GET", "/status");
  const nodes = (st.config && st.config.nodes) || [];
  const rows = {};
  const table = el("table", { id: "push-nodes" },
    el("thead", {}, el("tr", {}, ["Node", "Address", "State", "Progress", "Result"].map((h) => el("th", {}, h)))),
    el("tbody", {}, nodes.map((n) => {
      const state = el("span", { class: "badge" }, "idle");
      const bar = el("div", {});
      const result = el("span", { class: "muted" }, "—");
      rows[n.name] = { state, bar, result };
      return el("tr", {}, el("td", {}, n.name), el("td", { class: "mono" }, n.address || "—"), el("td", {}, state),
        el("td", {}, el("div", { class: "progress" }, bar)), el("td", {}, result));
    })));
  const msg = el("div", { class: "banner warn hidden", id: "push-msg", role: "status" });
  const watchMsg = el("div", { class: "banner info hidden", id: "push-watch", role: "status" });
  const btn = el("button", { type: "button", id: "push-start", needs: "operator" }, "Push generation " + (st.config ? st.config.generation : "?") + " to all nodes");
  main.append(msg, watchMsg, el("section", { class: "card" }, el("h2", {}, "Nodes", btn),
    el("p", { class: "muted" }, "Uploads the current configuration to every node over SSH, checks it there, then commits it everywhere. A node that fails keeps its old generation. " +
      "Then the cluster is watched for push_watch seconds (Global settings): if it gets worse than before, the previous generation is pushed back."),
    table));

  const STEP = { pending: 3, connecting: 15, uploading: 35, verifying: 55, prepared: 70, committing: 85,
    committed: 100, "not committed": 100, failed: 100 };
  for (const [name, r] of Object.entries(rows)) r.row = r.state.closest("tr");
  function showProgress(p) {
    const targets = new Set((p.nodes || []).map((n) => n.name));
    for (const [name, r] of Object.entries(rows)) {
      if (!targets.has(name)) { r.state.textContent = "this node / not targeted"; r.state.className = "badge"; }
    }
    for (const n of p.nodes || []) {
      const r = rows[n.name];
      if (!r) continue;
      r.state.textContent = n.state;
      r.state.className = "badge " + (n.state === "committed" ? "ok" : n.state === "failed" ? "bad" :
        n.state === "not committed" ? "warn" : "info");
      r.bar.style.width = (STEP[n.state] || 5) + "%";
      r.result.textContent = n.message || (n.state === "committed" ? "now at generation " + (n.generation || "") : "");
      r.result.className = n.state === "failed" ? "" : "muted";
    }
  }
  async function follow(id) {
    for (;;) {
      const p = await api("GET", "/push/" + encodeURIComponent(id));
      showProgress(p);
      if (p.done) return p;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  /* the watch after the push, until its verdict */
  const WATCH = { off: ["", "The watch after a push is off (push_watch = 0)."],
    unwatched: ["warn", "Not watched: "], passed: ["ok", "Watched: "], rolled_back: ["bad", "Rolled back: "],
    rollback_failed: ["bad", "Rollback failed: "], superseded: ["", "Watch ended: "], interrupted: ["warn", "Watch interrupted: "] };
  async function followWatch(id, p) {
    for (let i = 0; p.watch && (p.watch.state === "waiting" || p.watch.state === "watching" ||
      p.watch.state === "rolling_back") && i < 7200; i++) {
      watchMsg.className = "banner info";
      watchMsg.textContent = (p.watch.state === "rolling_back" ? "Rolling back: " : "Watching the cluster: ") + p.watch.reason;
      await new Promise((r) => setTimeout(r, 1000));
      p = await api("GET", "/push/" + encodeURIComponent(id));
      showProgress(p);
    }
    const w = p.watch && WATCH[p.watch.state];
    if (!w) return;
    watchMsg.className = "banner " + w[0];
    watchMsg.textContent = w[1] + (p.watch.state === "off" ? "" : p.watch.reason);
  }
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    msg.classList.add("hidden");
    watchMsg.classList.add("hidden");
    try {
      const r = await api("POST", "/push", {});
      const p = await follow(r.id);
      msg.className = "banner " + (p.ok ? "ok" : "bad");
      msg.textContent = p.ok ? "Every node runs the new configuration." : "Some nodes failed: see the results.";
      await followWatch(r.id, p);
    } catch (e) {
      msg.className = "banner " + (e.status === 503 ? "warn" : "bad");
      msg.textContent = "Push not possible: " + e.message;
    } finally { btn.disabled = false; }
  });
})();
