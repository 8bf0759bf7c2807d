/* Redundancy: heartbeat timing and key (the registry's "heartbeat"
 * group of global settings), and the cluster's nodes. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");

  const hb = shoal.form(await shoal.fields("global", "heartbeat"), { id: "heartbeat-form", prefix: "hb" });
  /* enabled once the current values are in and saving is wired */
  const saveHb = el("button", { type: "submit", disabled: true, needs: "admin" }, "Save heartbeat settings");
  hb.form.append(el("div", { class: "actions field wide" }, saveHb));
  main.append(el("section", { class: "card" }, el("h2", {}, "Heartbeat"), hb.form));

  /* the generation the form was read at: 412 if changed since */
  let hbAt = null;
  async function reloadHb() { const s = await api("GET", "/settings"); hb.set(s); hbAt = s.generation; }
  await reloadHb();
  hb.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    hb.clear();
    try {
      const body = Object.assign(hb.get(), { generation: hbAt });
      if (!(await shoal.review("PUT", "/settings", body))) return;
      const r = await api("PUT", "/settings", body);
      hb.set(r.settings);
      hbAt = r.generation;
      shoal.saved(r, "Saved");
    } catch (e) { if (!shoal.conflict(e, reloadHb)) hb.errors(e); }
  });
  saveHb.disabled = false;

  /* nodes */
  const nodeFields = await shoal.fields("node", "node");
  const heads = await Promise.all(["name", "address", "private_address", "priority"].map((n) => shoal.label("node", n)));
  const list = el("div", { id: "node-list" });
  const nf = shoal.form(nodeFields, { id: "node-form", prefix: "node" });
  const title = el("h2", {}, "Add a node");
  const saveN = el("button", { type: "submit", id: "node-save", needs: "admin" }, "Add node");
  const cancel = el("button", { type: "button", class: "ghost", onclick: () => edit(null) }, "Cancel");
  nf.form.append(el("div", { class: "actions field wide" }, saveN, cancel));
  main.append(el("section", { class: "card" }, el("h2", {}, "Nodes"), list),
    el("section", { class: "card" }, title, nf.form));
  let editing = null;
  let listGen = null, readAt = null;   /* generations read at */

  function edit(n) {
    editing = n ? n.name : null;
    readAt = listGen;
    nf.clear();
    nf.set(n || shoal.defaults(nodeFields));
    nf.lock(!!n);
    title.textContent = n ? "Edit node " + n.name : "Add a node";
    saveN.textContent = n ? "Save node" : "Add node";
    if (n) nf.focus();
  }

  async function load() {
    const r = await api("GET", "/nodes");
    listGen = r.generation;
    list.replaceChildren(r.nodes.length ? el("table", {},
      el("thead", {}, el("tr", {}, heads.concat(["SSH", ""]).map((h) => el("th", {}, h)))),
      el("tbody", {}, r.nodes.map((n) => el("tr", {},
        el("td", {}, n.name), el("td", { class: "mono" }, n.address || "—"),
        el("td", { class: "mono" }, n.private_address || "—"), el("td", { class: "num" }, String(n.priority)),
        el("td", { class: "mono" }, (n.ssh_user || "root") + "@" + (n.address || "?") + ":" + (n.ssh_port || 22)),
        el("td", {}, el("button", { class: "small ghost", type: "button", onclick: () => edit(n) }, "Edit"), " ",
          el("button", { class: "small danger", type: "button", needs: "admin", onclick: async () => {
            const path = "/nodes/" + encodeURIComponent(n.name), opts = { ifMatch: listGen };
            try {
              if (!(await shoal.review("DELETE", path, undefined, opts))) return;
              await api("DELETE", path, undefined, opts); load();
            } catch (e) { if (!shoal.conflict(e, load)) shoal.toast(e.message, "bad"); }
          } }, "Delete")))))) :
      el("p", { class: "muted" }, "No node blocks: the primary and backup addresses above are the cluster (Piranha style)."));
  }
  nf.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    nf.clear();
    const body = nf.get();
    try {
      const [method, path] = editing ? ["PUT", "/nodes/" + encodeURIComponent(editing)] : ["POST", "/nodes"];
      if (editing) {
        delete body.name;
        body.generation = readAt;
      }
      if (!(await shoal.review(method, path, body))) return;
      await api(method, path, body);
      shoal.toast("Node saved");
      edit(null);
      load();
    } catch (e) {
      if (!shoal.conflict(e, async () => { const name = editing; await load(); const r = await api("GET", "/nodes/" + encodeURIComponent(name)); edit(r); }))
        nf.errors(e);
    }
  });
  edit(null);
  load();
})();
