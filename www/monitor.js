/* Control / Monitoring: polls /status and /lb every second; shows how
 * old the view is so a stale page is obvious.  Runtime actions go to
 * pulse through the API: drain/disable/enable of a real server and
 * standby/resume of a node (cluster-wide), a fail-over drill. */
"use strict";
(async () => {
  const { el, api, age, toast } = shoal;
  await shoal.init();
  const main = document.getElementById("main");
  const banner = el("div", { class: "banner warn", id: "pulse-banner", role: "status" }, "Loading…");
  const dualBanner = el("div", { class: "banner bad hidden", id: "dual-active-banner", role: "alert" });
  const drillBtn = el("button", { type: "button", id: "drill-start", class: "small", needs: "operator" }, "Run a fail-over drill");
  const drillMsg = el("span", { id: "drill-msg", class: "muted" });
  const drillCard = el("section", { class: "card" }, el("h2", {}, "Fail-over drills"),
    el("div", { class: "toolbar" }, drillBtn, drillMsg), el("div", { id: "drills" }));
  const stats = el("div", { class: "cards" });
  const nodesCard = el("section", { class: "card" }, el("h2", {}, "Nodes"), el("div", { id: "nodes" }));
  const vsCard = el("section", { class: "card" }, el("h2", {}, "Virtual servers"), el("div", { id: "services" }));
  const fosCard = el("section", { class: "card" }, el("h2", {}, "Fail-over services"), el("div", { id: "fos" }));
  const transCard = el("section", { class: "card hidden" }, el("h2", {}, "Recent transitions"), el("div", { id: "transitions" }));
  const updated = el("span", { id: "updated", class: "muted" });
  main.append(dualBanner, banner, el("p", {}, updated), stats, nodesCard, vsCard, fosCard, drillCard, transCard);

  /* The load balancer's counters (GET /lb), and the previous sample for
   * rates: "vs/rs" -> {active, inactive, conns, bytes, t}. */
  let lbNow = new Map();
  let lbRate = new Map();
  function lbTake(lb) {
    const next = new Map();
    for (const s of (lb && lb.services) || []) {
      for (const r of s.servers || []) {
        const k = s.name + "/" + r.name;
        const cur = { active: r.active, inactive: r.inactive, conns: r.conns,
          bytes: (r.inbytes || 0) + (r.outbytes || 0), t: lb.time_ms };
        const prev = lbNow.get(k);
        if (prev && cur.t > prev.t) {
          const dt = (cur.t - prev.t) / 1000;
          lbRate.set(k, { conns: cur.conns !== undefined && prev.conns !== undefined ? (cur.conns - prev.conns) / dt : null,
            bytes: (cur.bytes - prev.bytes) / dt });
        }
        next.set(k, cur);
      }
    }
    lbNow = next;
  }
  function rateText(v, unit) {
    if (v === null || v === undefined) return "";
    return (v >= 100 ? Math.round(v) : v.toFixed(1)) + " " + unit;
  }
  /* Active / inactive connections and rates of a real server. */
  function connCell(vs, rs) {
    const k = vs.name + "/" + rs.name;
    const c = lbNow.get(k);
    if (!c) return el("span", { class: "muted" }, "—");
    const r = lbRate.get(k) || {};
    const bits = [];
    if (r.conns !== null && r.conns !== undefined) bits.push(rateText(r.conns, "conn/s"));
    if (r.bytes !== undefined) bits.push(rateText(r.bytes, "B/s"));
    return [el("span", { class: "mono conns", title: "active / inactive connections" }, c.active + " / " + c.inactive),
      bits.length ? el("div", { class: "help rate" }, bits.join(" · ")) : ""];
  }

  /* A runtime action: POST, then a toast with pulse's answer. */
  async function act(path, body, what) {
    try {
      await api("POST", path, body);
      toast(what + ": done (every node gets it)", "ok");
      poll();
    } catch (e) {
      toast(what + ": " + e.message, "bad");
    }
  }
  function rsButtons(vs, rs, h) {
    const admin = (h && h.admin) || "enable";
    const path = "/virtual-servers/" + encodeURIComponent(vs.name) + "/real-servers/" + encodeURIComponent(rs.name) + "/maintenance";
    return el("span", { class: "actions" }, ["drain", "disable", "enable"].map((st) =>
      el("button", { type: "button", class: "small ghost", needs: "operator", "data-action": st, "data-rs": vs.name + "/" + rs.name,
        disabled: admin === st ? "" : null, onclick: () => act(path, { state: st }, vs.name + "/" + rs.name + " " + st) }, st)));
  }
  function nodeButtons(n, q) {
    const standby = q && q.standby;
    const path = "/nodes/" + encodeURIComponent(n.name) + "/maintenance";
    return el("button", { type: "button", class: "small ghost", needs: "operator", "data-action": standby ? "resume" : "standby",
      "data-node": n.name, onclick: () => act(path, { state: standby ? "resume" : "standby" },
        "node " + n.name + " " + (standby ? "resume" : "standby")) }, standby ? "resume" : "standby");
  }

  /* pulse's dual-active detector: a red banner naming both nodes. */
  function renderDual(p) {
    const alarms = ((p && p.dual_active) || []).filter((d) => d.alarm);
    dualBanner.classList.toggle("hidden", !alarms.length);
    dualBanner.textContent = alarms.map((d) => "DUAL ACTIVE: " + d.address + " is answered by " +
      (d.owners || []).map((o) => (o.node || "an unknown host") + " (" + o.mac + ")").join(" and ") +
      ". Two nodes hold this address: check the heartbeat path between them.").join(" ");
  }

  /* The last drills (pulse's history): outage per VIP, who held what. */
  function renderDrills(p) {
    const ds = (p && p.drills) || [];
    drillCard.querySelector("#drills").replaceChildren(ds.length ? el("table", {},
      el("thead", {}, el("tr", {}, ["When", "By", "Result", "Over", "Back", "Longest outage"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ds.map((d) => {
        const phase = (i) => {
          const ph = (d.phases || [])[i];
          if (!ph) return "—";
          return [ph.from + " → " + ph.to, ...(ph.vips || []).map((v) => el("div", { class: "help" },
            v.address + ": " + (v.outage_ms === null || v.outage_ms === undefined ? "not measured" : v.outage_ms + " ms")))];
        };
        return el("tr", { class: "drill" }, el("td", {}, stamp(d.time_ms)), el("td", {}, d.by || ""),
          el("td", {}, el("span", { class: "badge " + (d.ok ? "ok" : "bad"), title: d.error || "" }, d.ok ? "ok" : "failed"),
            d.error ? el("div", { class: "help" }, d.error) : ""),
          el("td", {}, phase(0)), el("td", {}, phase(1)),
          el("td", { class: "num" }, d.max_outage_ms !== undefined ? d.max_outage_ms + " ms (dead time " + d.deadtime_ms + " ms)" : "—"));
      }))) : el("p", { class: "muted" }, "No drill yet."));
  }
  drillBtn.addEventListener("click", async () => {
    if (!window.confirm("Hand the virtual addresses to the backup and back, measuring the outage?")) return;
    drillBtn.disabled = true;
    try {
      await api("POST", "/drills", {});
      drillMsg.textContent = "drill running…";
      for (let i = 0; i < 120; i++) {
        await new Promise((res) => setTimeout(res, 500));
        const d = await api("GET", "/drills");
        if (d.running) continue;
        const l = d.last || {};
        drillMsg.textContent = l.ok ? "drill done: longest outage " + l.max_outage_ms + " ms" : "drill failed: " + (l.error || "?");
        toast(drillMsg.textContent, l.ok ? "ok" : "bad");
        break;
      }
    } catch (e) {
      drillMsg.textContent = "drill: " + e.message;
      toast(drillMsg.textContent, "bad");
    } finally {
      drillBtn.disabled = false;
      poll();
    }
  });

  /* pulse's times: unix seconds or milliseconds. */
  function stamp(t) {
    if (typeof t !== "number") return "—";
    return new Date(t > 1e12 ? t : t * 1000).toLocaleTimeString();
  }

  let last = 0;
  let lastStatus = null;

  function stat(k, v, cls) {
    return el("div", { class: "stat" }, el("div", { class: "k" }, k), el("div", { class: "v " + (cls || "") }, v));
  }

  /* connection sync (conntrackd with nftables): up, down or off. */
  function syncStat(p) {
    const cs = p && p.connection_sync;
    if (!cs) return stat("Connection sync", "—");
    const cls = cs.state === "up" ? "ok" : cs.state === "down" ? "bad" : "";
    const box = stat("Connection sync", "connection sync: " + cs.state, cls);
    box.id = "connection-sync";
    if (cs.reason) box.title = cs.reason;
    if (cs.state === "down" && cs.reason) box.append(el("div", { class: "help" }, cs.reason));
    return box;
  }

  function roleBadge(role) {
    const r = String(role || "unknown").toLowerCase();
    const cls = r === "active" || r === "master" ? "ok" : r === "backup" ? "info" : r === "fault" || r === "dead" ? "bad" : "warn";
    return el("span", { class: "badge " + cls }, r.toUpperCase());
  }

  /* pulse's peer entry for a configured node, by name or address. */
  function peerOf(p, n) {
    if (!p) return null;
    if (p.node === n.name) return { self: true, ...p };
    for (const q of p.peers || []) {
      if (q.name === n.name || q.address === n.address || (q.addresses || []).includes(n.address)) return q;
    }
    return null;
  }

  /* pulse's health of a real server, when it reports one. */
  function health(p, vs, rs) {
    if (!p) return null;
    for (const s of p.virtual_services || p.services || p.virtual_servers || []) {
      if (s.name !== vs.name) continue;
      for (const r of s.real_servers || s.servers || []) {
        if (r.name === rs.name || r.address === rs.address) return r;
      }
    }
    return null;
  }

  /* pulse's view of a virtual service: FAILED when it cannot program it. */
  function serviceOf(p, vs) {
    for (const s of (p && p.virtual_services) || []) if (s.name === vs.name) return s;
    return null;
  }

  function failedBadge(s) {
    if (!s) return "";
    if (s.state === "FAILED")
      return [" ", el("span", { class: "badge bad", title: s.state_reason || "" }, "FAILED"),
        el("div", { class: "help" }, s.state_reason || "")];
    return s.state_reason ? el("div", { class: "help" }, s.state_reason) : "";
  }

  /* health badge, admin state, and the last check (pulse's status). */
  function healthCell(h, hv, p) {
    if (!hv) return el("span", { class: "badge" }, p ? "not checked" : "unknown");
    const cls = /^(up|ok|alive)$/i.test(hv) ? "ok" : /^unknown$/i.test(hv) ? "" : "bad";
    const out = [el("span", { class: "badge " + cls, title: h.reason || "" }, String(hv))];
    if (h.admin && h.admin !== "enable") out.push(" ", el("span", { class: "badge warn" }, h.admin === "drain" ? "draining" : "disabled"));
    if (h.in_lb === false && hv === "up" && (!h.admin || h.admin === "enable")) out.push(" ", el("span", { class: "muted" }, "(out)"));
    const bits = [];
    if (h.latency_ms !== undefined && h.checks) bits.push(h.latency_ms + " ms");
    if (h.fails) bits.push(h.fails + " failed in a row");
    if (h.since) bits.push("since " + stamp(h.since));
    if (h.reason) bits.push(h.reason);
    if (bits.length) out.push(el("div", { class: "help" }, bits.join(" · ")));
    return out;
  }

  /* pulse's check of a fail-over service. */
  function fosCheck(p, f) {
    for (const s of (p && p.failover_services) || []) {
      if (s.name !== f.name) continue;
      const cls = s.failed_here || s.failing_on_active ? "bad" : s.check === "up" ? "ok" : "";
      const what = s.failed_here ? "failed here" : s.failing_on_active ? "failing on the active node" : s.check;
      return el("span", { class: "badge " + cls, title: s.reason || "" }, what);
    }
    return el("span", { class: "badge" }, p ? "not checked" : "unknown");
  }

  function render(st) {
    const p = st.pulse;
    const c = st.config || {};
    if (!st.pulse_running) {
      banner.className = "banner bad";
      const why = st.pulse_error && st.pulse_error !== "pulse not running" ? " (" + st.pulse_error + ")" : "";
      banner.textContent = "pulse not running on this node" + why +
        ": showing the configuration only, no live state.";
    } else {
      banner.className = "banner ok";
      const vips = (p.vips || []).filter((v) => v.held).map((v) => v.address);
      banner.textContent = "pulse is running: " + (p.node || "this node") + " is " + String(p.role || "?").toUpperCase() +
        (vips.length ? ", holding " + vips.join(", ") : "") +
        (p.generation !== undefined && c.generation !== undefined && p.generation !== c.generation ?
          " — pulse runs generation " + p.generation + ", the store has " + c.generation : "");
    }
    stats.replaceChildren(
      stat("This node", p ? (p.node || "?") : "—"),
      stat("Role", p ? String(p.role || "?").toUpperCase() : "pulse down", p ? "" : "stale"),
      stat("Config generation", String(c.generation ?? "—") + (c.hash ? " · " + c.hash.slice(0, 8) : "")),
      stat("Virtual servers", String((c.virtual_servers || []).length)),
      stat("VIPs held", p ? String((p.vips || []).filter((v) => v.held).length) : "—"),
      syncStat(p));
    const tr = (p && p.transitions) || [];
    transCard.classList.toggle("hidden", !tr.length);
    transCard.querySelector("#transitions").replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["When", "From", "To", "Why"].map((h) => el("th", {}, h)))),
      el("tbody", {}, tr.slice(0, 8).map((t) => el("tr", {}, el("td", {}, stamp(t.time)),
        el("td", {}, roleBadge(t.from)), el("td", {}, roleBadge(t.to)), el("td", {}, t.reason || ""))))));

    const nodes = c.nodes || [];
    nodesCard.querySelector("#nodes").replaceChildren(nodes.length ? el("table", {},
      el("thead", {}, el("tr", {}, ["Node", "Address", "Priority", "State", "Last heard", "Generation", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, nodes.map((n) => {
        const q = peerOf(p, n);
        const heard = q ? (q.self ? 0 : q.last_heard_ms) : null;
        const gen = q ? (q.generation ?? q.config_generation) : null;
        return el("tr", {},
          el("td", {}, n.name), el("td", { class: "mono" }, n.address || "—"),
          el("td", { class: "num" }, String(q && q.priority !== undefined ? q.priority : n.priority)),
          el("td", {}, q ? [roleBadge(q.self ? p.role : q.state), q.alive === false && !q.self ? " " : "",
            q.alive === false && !q.self ? el("span", { class: "badge bad" }, "DEAD") : "",
            q.standby ? [" ", el("span", { class: "badge warn" }, "STANDBY")] : ""] : el("span", { class: "badge" }, "UNKNOWN")),
          el("td", { class: "num" + (heard !== null && heard > 2000 ? " stale" : "") }, q && q.self ? "this node" : age(heard)),
          el("td", { class: "num" }, gen === null || gen === undefined ? "—" : String(gen) +
            (q && q.matches_ours === false ? " ≠ ours" : "")),
          el("td", {}, p ? nodeButtons(n, q) : ""));
      }))) : el("p", { class: "muted" }, "No nodes configured."));

    const vss = c.virtual_servers || [];
    vsCard.querySelector("#services").replaceChildren(vss.length ? el("table", {},
      el("thead", {}, el("tr", {}, ["Service", "VIP", "Scheduler", "Real server", "Address", "Weight", "Health", "Connections", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, vss.flatMap((vs) => {
        const rows = (vs.servers && vs.servers.length ? vs.servers : [null]).map((rs, i) => {
          const h = rs ? health(p, vs, rs) : null;
          const hv = h ? (h.health || h.state || (h.up ? "up" : "down")) : null;
          return el("tr", { "data-vs": vs.name },
            el("td", {}, i === 0 ? [el("a", { href: "virtual.html?name=" + encodeURIComponent(vs.name) }, vs.name), " ",
              el("span", { class: "badge " + (vs.active ? "ok" : "") }, vs.active ? "active" : "inactive"),
              failedBadge(serviceOf(p, vs))] : ""),
            el("td", { class: "mono" }, i === 0 ? (vs.address || "—") + ":" + vs.port + "/" + vs.protocol : ""),
            el("td", {}, i === 0 ? vs.scheduler : ""),
            el("td", {}, rs ? rs.name : el("span", { class: "muted" }, "no real servers")),
            el("td", { class: "mono" }, rs ? (rs.address || "—") + ":" + rs.port : ""),
            el("td", { class: "num" }, rs ? String(h && h.weight !== undefined ? h.weight : rs.weight) : ""),
            el("td", {}, rs ? healthCell(h, hv, p) : ""),
            el("td", { class: "num" }, rs ? connCell(vs, rs) : ""),
            el("td", {}, rs && p ? rsButtons(vs, rs, h) : ""));
        });
        return rows;
      }))) : el("p", { class: "muted" }, "No virtual servers yet. ", el("a", { href: "virtual.html" }, "Add one.")));

    const fos = c.failover_services || [];
    fosCard.classList.toggle("hidden", !fos.length);
    fosCard.querySelector("#fos").replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["Service", "Address", "Active", "Check"].map((h) => el("th", {}, h)))),
      el("tbody", {}, fos.map((f) => el("tr", {}, el("td", {}, f.name),
        el("td", { class: "mono" }, (f.address || "—") + ":" + f.port), el("td", {}, f.active ? "yes" : "no"),
        el("td", {}, fosCheck(p, f)))))));
    renderDual(p);
    renderDrills(p);
  }

  async function poll() {
    try {
      const st = await api("GET", "/status");
      if (st.pulse_running) {
        try { lbTake(await api("GET", "/lb")); } catch (e) { lbNow = new Map(); }
      } else
        lbNow = new Map();
      last = Date.now();
      lastStatus = st;
      render(st);
    } catch (e) {
      if (e.status === 401) return;
    }
  }

  function tick() {
    if (!last) return;
    const a = Date.now() - last;
    updated.textContent = "Updated " + (a < 1500 ? "just now" : age(a) + " ago");
    updated.className = a > 3000 ? "stale" : "muted";
    if (a > 3000 && lastStatus) updated.textContent += " — the view is stale (shoal-web not answering?)";
  }

  await poll();
  setInterval(poll, 1000);
  setInterval(tick, 250);
})();
