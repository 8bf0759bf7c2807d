/* Redundancy: heartbeat timing and key, and the cluster's nodes. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");

  const hb = shoal.form([
    { name: "backup_active", label: "Redundancy enabled (backup node)", type: "bool" },
    { name: "backup", label: "Backup server public IP" },
    { name: "backup_private", label: "Backup server private IP" },
    { name: "heartbeat_port", label: "Heartbeat UDP port", type: "number" },
    { name: "keepalive", label: "Heartbeat interval (s)", type: "seconds", help: "e.g. 0.2" },
    { name: "deadtime", label: "Assume dead after (s)", type: "seconds", help: "longer than the interval" },
    { name: "preempt", label: "Higher priority takes over again (preempt)", type: "bool" },
    { name: "preempt_delay", label: "Preempt delay (s)", type: "seconds" },
    { name: "cluster_id", label: "Cluster id", type: "number" },
    { name: "heartbeat_key", label: "Heartbeat key (HMAC)", type: "password", help: "leave empty to keep the current key" },
    { name: "clear_key", label: "Remove the heartbeat key", type: "bool", readonly: true },
  ], { id: "heartbeat-form", prefix: "hb" });
  const keyState = el("span", { class: "badge", id: "key-state" });
  const saveHb = el("button", { type: "submit" }, "Save heartbeat settings");
  hb.form.append(el("div", { class: "actions field wide" }, saveHb, keyState));
  main.append(el("section", { class: "card" }, el("h2", {}, "Heartbeat"), hb.form));

  function showKey(s) {
    keyState.textContent = s.heartbeat_key_set ? "key set" : "no key: heartbeats are not authenticated";
    keyState.className = "badge " + (s.heartbeat_key_set ? "ok" : "warn");
  }
  const s = await api("GET", "/settings");
  hb.set(s);
  showKey(s);
  hb.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    hb.clear();
    const body = hb.get();
    if (hb.inputs.clear_key.checked) body.heartbeat_key = null;
    try {
      const r = await api("PUT", "/settings", body);
      hb.set(r.settings);
      showKey(r.settings);
      shoal.saved(r, "Saved");
    } catch (e) { hb.errors(e); }
  });

  /* nodes */
  const nodeFields = [
    { name: "name", label: "Name", required: true },
    { name: "address", label: "Public address" },
    { name: "private_address", label: "Private address" },
    { name: "priority", label: "Priority (1-255)", type: "number" },
    { name: "ssh_user", label: "SSH user", placeholder: "root" },
    { name: "ssh_port", label: "SSH port", type: "number", placeholder: "22" },
    { name: "ssh_key", label: "SSH key file" },
  ];
  const list = el("div", { id: "node-list" });
  const nf = shoal.form(nodeFields, { id: "node-form", prefix: "node" });
  const title = el("h2", {}, "Add a node");
  const saveN = el("button", { type: "submit", id: "node-save" }, "Add node");
  const cancel = el("button", { type: "button", class: "ghost", onclick: () => edit(null) }, "Cancel");
  nf.form.append(el("div", { class: "actions field wide" }, saveN, cancel));
  main.append(el("section", { class: "card" }, el("h2", {}, "Nodes"), list),
    el("section", { class: "card" }, title, nf.form));
  let editing = null;

  function edit(n) {
    editing = n ? n.name : null;
    nf.clear();
    nf.set(n || { priority: 100 });
    nf.inputs.name.disabled = !!n;
    title.textContent = n ? "Edit node " + n.name : "Add a node";
    saveN.textContent = n ? "Save node" : "Add node";
    if (n) nf.inputs.address.focus();
  }

  async function load() {
    const r = await api("GET", "/nodes");
    list.replaceChildren(r.nodes.length ? el("table", {},
      el("thead", {}, el("tr", {}, ["Name", "Address", "Private", "Priority", "SSH", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, r.nodes.map((n) => el("tr", {},
        el("td", {}, n.name), el("td", { class: "mono" }, n.address || "—"),
        el("td", { class: "mono" }, n.private_address || "—"), el("td", { class: "num" }, String(n.priority)),
        el("td", { class: "mono" }, (n.ssh_user || "root") + "@" + (n.address || "?") + ":" + (n.ssh_port || 22)),
        el("td", {}, el("button", { class: "small ghost", type: "button", onclick: () => edit(n) }, "Edit"), " ",
          el("button", { class: "small danger", type: "button", onclick: shoal.confirmThen("Delete node " + n.name + "?", async () => {
            try { await api("DELETE", "/nodes/" + encodeURIComponent(n.name)); load(); } catch (e) { shoal.toast(e.message, "bad"); }
          }) }, "Delete")))))) :
      el("p", { class: "muted" }, "No node blocks: the primary and backup addresses above are the cluster (Piranha style)."));
  }
  nf.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    nf.clear();
    const body = nf.get();
    try {
      if (editing) {
        delete body.name;
        await api("PUT", "/nodes/" + encodeURIComponent(editing), body);
      } else await api("POST", "/nodes", body);
      shoal.toast("Node saved");
      edit(null);
      load();
    } catch (e) { nf.errors(e); }
  });
  edit(null);
  load();
})();
