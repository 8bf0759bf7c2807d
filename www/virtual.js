/* Virtual servers: the list, and an editor with three tabs (virtual
 * server, real servers, monitoring) saved together in one change. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");
  const KIND = document.body.dataset.kind === "failover" ? "failover" : "virtual";
  const BASE = KIND === "failover" ? "/failover-services" : "/virtual-servers";
  const LISTKEY = KIND === "failover" ? "failover_services" : "virtual_servers";
  const WHAT = KIND === "failover" ? "fail-over service" : "virtual server";

  const vsFields = [
    { name: "name", label: "Name", required: true, help: "letters, digits, . _ -" },
    { name: "address", label: "Virtual IP address", required: true, placeholder: "192.168.1.100" },
    { name: "device", label: "Device", placeholder: "eth0:1" },
    { name: "vip_nmask", label: "VIP netmask (prefix)", type: "number" },
    { name: "port", label: "Port", type: "number", placeholder: "80" },
    { name: "protocol", label: "Protocol", type: "select", options: ["tcp", "udp"] },
    { name: "active", label: "Active", type: "bool" },
  ].concat(KIND === "virtual" ? [
    { name: "scheduler", label: "Scheduler", type: "select", options: ["wlc", "rr", "wrr", "lc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "mh"] },
    { name: "persistent", label: "Persistence (s)", type: "number" },
    { name: "pmask", label: "Persistence netmask (prefix)", type: "number" },
    { name: "fwmark", label: "Firewall mark", type: "number" },
    { name: "sorry_server", label: "Sorry server" },
    { name: "sorry_port", label: "Sorry server port", type: "number" },
  ] : [
    { name: "start_cmd", label: "Start command", wide: true },
    { name: "stop_cmd", label: "Stop command", wide: true },
  ]);
  const checkFields = [
    { name: "check", label: "Check kind", type: "select", options: ["auto", "tcp", "send_expect", "http", "https", "program", "agent", "none"] },
    { name: "send", label: "Send", help: "escapes like \\r\\n allowed", wide: true },
    { name: "expect", label: "Expect", wide: true },
    { name: "use_regex", label: "Expect is a regular expression", type: "bool" },
    { name: "send_program", label: "Check program", help: "%h = server address, %p = port", wide: true },
    { name: "timeout", label: "Timeout (s)", type: "seconds" },
    { name: "reentry", label: "Re-entry time (s)", type: "seconds" },
    { name: "check_interval", label: "Check interval (s)", type: "seconds" },
    { name: "check_timeout", label: "Check timeout (s)", type: "seconds" },
    { name: "rise", label: "Rise (good checks to return)", type: "number" },
    { name: "fall", label: "Fall (failed checks to remove)", type: "number" },
    { name: "http_path", label: "HTTP path", placeholder: "/" },
    { name: "http_host", label: "HTTP Host header" },
    { name: "http_status", label: "Expected HTTP status", type: "number" },
    { name: "load_monitor", label: "Load monitor", type: "select", options: ["none", "uptime", "rup", "ruptime", "agent"] },
    { name: "quiesce_server", label: "Quiesce failed servers (weight 0)", type: "bool" },
    { name: "agent_port", label: "Agent port", type: "number" },
    { name: "slow_start", label: "Slow start (s)", type: "seconds" },
  ];

  /* list */
  const listBox = el("div", { id: "vs-list" });
  const addBtn = el("button", { type: "button", id: "vs-add", onclick: () => open(null) }, "Add " + WHAT);
  main.append(el("section", { class: "card" }, el("h2", {}, KIND === "failover" ? "Fail-over services" : "Virtual servers", addBtn), listBox));

  /* editor */
  const vf = shoal.form(vsFields, { id: "vs-form", prefix: "vs" });
  const cf = shoal.form(checkFields, { id: "check-form", prefix: "chk" });
  const general = el("div", { class: "form-error", role: "alert", id: "vs-general" });
  const rsBody = el("tbody", {});
  const rsSection = el("div", { id: "tab-rs", role: "tabpanel" },
    el("table", { class: "rs-table" },
      el("thead", {}, el("tr", {}, ["Name", "Address", "Port", "Weight", "Active", ""].map((h) => el("th", {}, h)))), rsBody),
    el("div", { class: "actions" }, el("button", { type: "button", class: "ghost", id: "rs-add", onclick: () => addRow({ active: true, weight: 1 }) }, "Add real server")));
  const tabs = [["tab-vs", KIND === "failover" ? "Service" : "Virtual server", vf.form]];
  if (KIND === "virtual") tabs.push(["tab-rs", "Real servers", rsSection]);
  tabs.push(["tab-check", "Monitoring", cf.form]);
  const tabBar = el("div", { class: "tabs", role: "tablist" });
  const panels = {};
  for (const [id, label, panel] of tabs) {
    panel.id = panel.id || id;
    panels[id] = el("div", { role: "tabpanel", id: id + "-panel", "aria-labelledby": id }, panel);
    tabBar.append(el("button", { type: "button", role: "tab", id, "aria-controls": id + "-panel", onclick: () => show(id) }, label));
  }
  const editorTitle = el("h2", {});
  const saveBtn = el("button", { type: "button", id: "vs-save", onclick: () => save() }, "Save");
  const editor = el("section", { class: "card hidden", id: "vs-editor" }, editorTitle, general, tabBar,
    Object.values(panels), el("div", { class: "actions" }, saveBtn,
      el("button", { type: "button", class: "ghost", onclick: () => close() }, "Cancel")));
  main.append(editor);
  let editing = null;

  function show(id) {
    for (const [tid] of tabs) {
      panels[tid].classList.toggle("hidden", tid !== id);
      document.getElementById(tid).setAttribute("aria-selected", tid === id ? "true" : "false");
    }
  }

  function addRow(rs) {
    const i = rsBody.children.length;
    const mk = (name, type, label) => el("input", { type, name, "aria-label": label, id: "rs-" + i + "-" + name,
      class: "rs-" + name, min: type === "number" ? "0" : null });
    const name = mk("name", "text", "Real server name"), addr = mk("address", "text", "Real server address");
    const port = mk("port", "number", "Port"), weight = mk("weight", "number", "Weight");
    const active = el("input", { type: "checkbox", "aria-label": "Active", class: "rs-active" });
    name.value = rs.name || ""; addr.value = rs.address || ""; port.value = rs.port ?? "";
    weight.value = rs.weight ?? 1; active.checked = !!rs.active;
    const err = el("div", { class: "field-error rs-error" });
    const tr = el("tr", { class: "rs-row" }, el("td", {}, name), el("td", {}, addr, err), el("td", {}, port), el("td", {}, weight),
      el("td", {}, active), el("td", {}, el("button", { type: "button", class: "small danger", onclick: () => tr.remove() }, "Remove")));
    tr._get = () => {
      const o = { name: name.value.trim(), address: addr.value.trim() || null, active: active.checked };
      if (port.value !== "") o.port = Number(port.value);
      if (weight.value !== "") o.weight = Number(weight.value);
      return o;
    };
    tr._err = err;
    tr._inputs = { name, address: addr, port, weight, active };
    rsBody.append(tr);
    if (!rs.name) name.focus();
  }

  function open(vs) {
    editing = vs ? vs.name : null;
    vf.clear(); cf.clear(); general.classList.remove("show");
    vf.set(vs || { port: 80, protocol: "tcp", active: true, scheduler: "wlc" });
    vf.inputs.name.disabled = !!vs;
    cf.set(vs || { check: "auto", timeout: 10, reentry: 180, load_monitor: "none" });
    rsBody.replaceChildren();
    for (const rs of (vs && vs.servers) || []) addRow(rs);
    editorTitle.textContent = vs ? "Edit " + WHAT + " " + vs.name : "New " + WHAT;
    editor.classList.remove("hidden");
    show("tab-vs");
    (vs ? vf.inputs.address : vf.inputs.name).focus();
    history.replaceState(null, "", vs ? "?name=" + encodeURIComponent(vs.name) : location.pathname);
  }

  function close() {
    editor.classList.add("hidden");
    editing = null;
    history.replaceState(null, "", location.pathname);
  }

  /* Errors of one save, each next to its input, whatever tab it is on. */
  function showErrors(e) {
    vf.clear(); cf.clear();
    for (const tr of rsBody.children) { tr._err.textContent = ""; for (const i of Object.values(tr._inputs)) i.removeAttribute("aria-invalid"); }
    const rest = [];
    let firstTab = null;
    for (const it of (e.body && e.body.errors) || []) {
      const key = shoal.fieldKey(it.field);
      const rsm = /^server\[[^/]*\/([^\]]*)\]/.exec(it.field || "");
      const idx = /servers\[(\d+)\]/.exec(it.field || "");
      let tr = null;
      if (rsm) tr = [...rsBody.children].find((r) => r._inputs.name.value.trim() === rsm[1]);
      else if (idx) tr = rsBody.children[Number(idx[1])];
      if (tr) {
        tr._err.textContent += (tr._err.textContent ? "; " : "") + (key ? key + ": " : "") + it.message;
        if (key && tr._inputs[key]) tr._inputs[key].setAttribute("aria-invalid", "true");
        firstTab = firstTab || "tab-rs";
      } else if (key && vf.inputs[key]) {
        const box = document.getElementById("vs-" + key + "-err");
        box.textContent += (box.textContent ? "; " : "") + it.message;
        vf.inputs[key].setAttribute("aria-invalid", "true");
        firstTab = firstTab || "tab-vs";
      } else if (key && cf.inputs[key]) {
        const box = document.getElementById("chk-" + key + "-err");
        box.textContent += (box.textContent ? "; " : "") + it.message;
        cf.inputs[key].setAttribute("aria-invalid", "true");
        firstTab = firstTab || "tab-check";
      } else rest.push((it.field ? it.field + ": " : "") + it.message);
    }
    if (!(e.body && e.body.errors)) rest.push(e.message);
    general.textContent = rest.join("\n");
    general.classList.toggle("show", rest.length > 0);
    if (firstTab) {
      show(firstTab);
      const bad = document.querySelector("#" + firstTab + "-panel [aria-invalid=true]");
      if (bad) bad.focus();
    }
  }

  async function save() {
    const body = Object.assign({}, vf.get(), cf.get());
    if (KIND === "virtual") body.servers = [...rsBody.children].map((tr) => tr._get());
    for (const k of Object.keys(body)) if (body[k] === null && !editing) delete body[k];
    saveBtn.disabled = true;
    try {
      let r;
      if (editing) {
        delete body.name;
        r = await api("PUT", BASE + "/" + encodeURIComponent(editing), body);
      } else r = await api("POST", BASE, body);
      shoal.saved(r, "Saved " + WHAT + " " + (editing || body.name));
      close();
      await load();
    } catch (e) {
      showErrors(e);
      shoal.toast("Not saved: see the errors", "bad");
    } finally { saveBtn.disabled = false; }
  }

  async function load() {
    const r = await api("GET", BASE);
    const items = r[LISTKEY];
    listBox.replaceChildren(items.length ? el("table", { id: "vs-table" },
      el("thead", {}, el("tr", {}, ["Name", "Status", "Address", "Protocol"].concat(KIND === "virtual" ? ["Scheduler", "Real servers"] : []).concat([""]).map((h) => el("th", {}, h)))),
      el("tbody", {}, items.map((vs) => el("tr", { "data-name": vs.name },
        el("td", {}, el("strong", {}, vs.name)),
        el("td", {}, el("span", { class: "badge " + (vs.active ? "ok" : "") }, vs.active ? "active" : "down")),
        el("td", { class: "mono" }, (vs.address || "—") + ":" + vs.port + (vs.device ? " (" + vs.device + ")" : "")),
        el("td", {}, vs.protocol),
        KIND === "virtual" ? [el("td", {}, vs.scheduler), el("td", { class: "num" }, String(vs.servers.length))] : [],
        el("td", {}, el("button", { type: "button", class: "small ghost", onclick: () => open(vs) }, "Edit"), " ",
          el("button", { type: "button", class: "small danger", onclick: shoal.confirmThen("Delete " + WHAT + " " + vs.name + "?", async () => {
            try { await api("DELETE", BASE + "/" + encodeURIComponent(vs.name)); shoal.toast("Deleted " + vs.name); if (editing === vs.name) close(); load(); }
            catch (e) { shoal.toast(e.message, "bad"); }
          }) }, "Delete")))))) :
      el("p", { class: "muted", id: "vs-empty" }, "None yet."));
    return items;
  }

  const items = await load();
  const want = shoal.param("name");
  if (want) { const vs = items.find((v) => v.name === want); if (vs) open(vs); }
})();
