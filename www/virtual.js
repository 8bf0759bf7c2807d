/* Virtual servers: the list, and an editor with three tabs (virtual
 * server, real servers, monitoring) saved together in one change.  The
 * tabs' fields, selects, ranges, labels and help come from the field
 * registry (GET /api/v1/schema). */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");
  const KIND = document.body.dataset.kind === "failover" ? "failover" : "virtual";
  const BASE = KIND === "failover" ? "/failover-services" : "/virtual-servers";
  const LISTKEY = KIND === "failover" ? "failover_services" : "virtual_servers";
  const WHAT = KIND === "failover" ? "fail-over service" : "virtual server";

  /* the forms are the registry's rows for this kind of service */
  const vsFields = await shoal.fields(KIND, "service");
  const checkFields = await shoal.fields(KIND, "check");
  const rsFields = KIND === "virtual" ? await shoal.fields("server", "server") : [];
  const labelOf = (name) => (vsFields.find((d) => d.name === name) || { label: name }).label;

  /* list */
  const listBox = el("div", { id: "vs-list" });
  const addBtn = el("button", { type: "button", id: "vs-add", needs: "admin", onclick: () => open(null) }, "Add " + WHAT);
  main.append(el("section", { class: "card" }, el("h2", {}, KIND === "failover" ? "Fail-over services" : "Virtual servers", addBtn), listBox));

  /* editor */
  const vf = shoal.form(vsFields, { id: "vs-form", prefix: "vs" });
  const cf = shoal.form(checkFields, { id: "check-form", prefix: "chk" });
  const general = el("div", { class: "form-error", role: "alert", id: "vs-general" });
  const rsBody = el("tbody", {});
  const rsSection = el("div", { id: "tab-rs", role: "tabpanel" },
    el("table", { class: "rs-table" },
      el("thead", {}, el("tr", {}, rsFields.map((d) => el("th", { title: d.help }, d.label)).concat([el("th", {})]))), rsBody),
    el("div", { class: "actions" }, el("button", { type: "button", class: "ghost", id: "rs-add", needs: "admin", onclick: () => addRow(shoal.defaults(rsFields)) }, "Add real server")));
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
  const saveBtn = el("button", { type: "button", id: "vs-save", needs: "admin", onclick: () => save() }, "Save");
  const editor = el("section", { class: "card hidden", id: "vs-editor" }, editorTitle, general, tabBar,
    Object.values(panels), el("div", { class: "actions" }, saveBtn,
      el("button", { type: "button", class: "ghost", onclick: () => close() }, "Cancel")));
  main.append(editor);
  let editing = null;
  let listGen = null;   /* the generation the list was read at */
  let readAt = null;    /* ... and the one the editor's object was */

  function show(id) {
    for (const [tid] of tabs) {
      panels[tid].classList.toggle("hidden", tid !== id);
      document.getElementById(tid).setAttribute("aria-selected", tid === id ? "true" : "false");
    }
  }

  /* One real server: a table row of inputs, one per registry field. */
  function rsInput(i, d, v) {
    const id = "rs-" + i + "-" + d.name;
    if (d.type === "bool") {
      const c = el("input", { type: "checkbox", id, "aria-label": d.label, class: "rs-" + d.name, title: d.help });
      c.checked = !!v;
      return c;
    }
    const num = d.type === "number";
    const input = el("input", { type: num ? "number" : "text", id, name: d.name, "aria-label": "Real server " + d.label.toLowerCase(),
      class: "rs-" + d.name, title: d.help, min: num ? d.min : null, max: num ? d.max : null, required: d.required || null });
    input.value = v === null || v === undefined ? "" : String(v);
    return input;
  }

  function addRow(rs) {
    const i = rsBody.children.length;
    const inputs = {};
    const err = el("div", { class: "field-error rs-error" });
    const tr = el("tr", { class: "rs-row" });
    for (const d of rsFields) {
      inputs[d.name] = rsInput(i, d, rs[d.name]);
      tr.append(el("td", {}, inputs[d.name]));
    }
    /* the row's errors go under its (wide) address column */
    const wide = rsFields.find((d) => d.schema.type === "address");
    (wide ? inputs[wide.name].parentNode : tr.firstChild).append(err);
    tr.append(el("td", {}, el("button", { type: "button", class: "small danger", needs: "admin", onclick: () => tr.remove() }, "Remove")));
    tr._get = () => {
      const o = {};
      for (const d of rsFields) {
        const x = inputs[d.name];
        if (d.type === "bool") o[d.name] = x.checked;
        else if (d.type === "number") { if (x.value !== "") o[d.name] = Number(x.value); }
        else if (d.schema.type === "name") o[d.name] = x.value.trim();
        else o[d.name] = x.value.trim() || null;
      }
      return o;
    };
    tr._err = err;
    tr._inputs = inputs;
    rsBody.append(tr);
    if (!rs.name) tr.querySelector("input").focus();
  }

  function open(vs) {
    editing = vs ? vs.name : null;
    readAt = listGen;
    vf.clear(); cf.clear(); general.classList.remove("show");
    vf.set(vs || shoal.defaults(vsFields));
    vf.lock(!!vs);
    cf.set(vs || shoal.defaults(checkFields));
    rsBody.replaceChildren();
    for (const rs of (vs && vs.servers) || []) addRow(rs);
    editorTitle.textContent = vs ? "Edit " + WHAT + " " + vs.name : "New " + WHAT;
    editor.classList.remove("hidden");
    show("tab-vs");
    vf.focus();
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
      const [method, path] = editing ? ["PUT", BASE + "/" + encodeURIComponent(editing)] : ["POST", BASE];
      if (editing) {
        delete body.name;
        body.generation = readAt;
      }
      /* review first; Commit sends the same request, same generation */
      if (!(await shoal.review(method, path, body))) return;
      r = await api(method, path, body);
      shoal.saved(r, "Saved " + WHAT + " " + (editing || body.name));
      close();
      await load();
    } catch (e) {
      if (shoal.conflict(e, reopen)) return;
      showErrors(e);
      shoal.toast("Not saved: see the errors", "bad");
    } finally { saveBtn.disabled = false; }
  }

  /* after a conflict: the current version in the editor */
  async function reopen() {
    const name = editing;
    const items = await load();
    const vs = items.find((v) => v.name === name);
    if (vs) open(vs); else close();
  }

  async function load() {
    const r = await api("GET", BASE);
    const items = r[LISTKEY];
    listGen = r.generation;
    listBox.replaceChildren(items.length ? el("table", { id: "vs-table" },
      el("thead", {}, el("tr", {}, [labelOf("name"), "Status", labelOf("address"), labelOf("protocol")].concat(KIND === "virtual" ? [labelOf("scheduler"), "Real servers"] : []).concat([""]).map((h) => el("th", {}, h)))),
      el("tbody", {}, items.map((vs) => el("tr", { "data-name": vs.name },
        el("td", {}, el("strong", {}, vs.name)),
        el("td", {}, el("span", { class: "badge " + (vs.active ? "ok" : "") }, vs.active ? "active" : "down")),
        el("td", { class: "mono" }, (vs.address || "—") + ":" + vs.port + (vs.device ? " (" + vs.device + ")" : "")),
        el("td", {}, vs.protocol),
        KIND === "virtual" ? [el("td", {}, vs.scheduler), el("td", { class: "num" }, String(vs.servers.length))] : [],
        el("td", {}, el("button", { type: "button", class: "small ghost", onclick: () => open(vs) }, "Edit"), " ",
          /* the review dialog (diff, operations, shares) is the confirmation */
          el("button", { type: "button", class: "small danger", needs: "admin", "data-delete": vs.name, onclick: async () => {
            const path = BASE + "/" + encodeURIComponent(vs.name), opts = { ifMatch: listGen };
            try {
              if (!(await shoal.review("DELETE", path, undefined, opts))) return;
              await api("DELETE", path, undefined, opts); shoal.toast("Deleted " + vs.name); if (editing === vs.name) close(); load();
            } catch (e) { if (!shoal.conflict(e, load)) shoal.toast(e.message, "bad"); }
          } }, "Delete")))))) :
      el("p", { class: "muted", id: "vs-empty" }, "None yet."));
    return items;
  }

  const items = await load();
  const want = shoal.param("name");
  if (want) { const vs = items.find((v) => v.name === want); if (vs) open(vs); }
})();
