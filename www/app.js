/* app.js - shared by every shoal-web page: API calls with the CSRF token,
 * the navigation, the field registry (GET /api/v1/schema) and the forms
 * built from it, with inline field errors. No framework. */
"use strict";

const shoal = (() => {
  let csrf = null;
  let user = null;
  let role = null;
  /* The server decides what a role may do (403); the UI only hides what
   * would be refused: an element made with needs: "admin" / "operator"
   * is hidden from a lesser role. */
  const RANK = { viewer: 1, operator: 2, admin: 3 };
  const can = (r) => (RANK[role] || 0) >= (RANK[r] || 99);

  const PAGES = [
    ["index.html", "Control / Monitoring"],
    ["settings.html", "Global settings"],
    ["redundancy.html", "Redundancy"],
    ["virtual.html", "Virtual servers"],
    ["failover.html", "Fail-over services"],
    ["logs.html", "Logs"],
    ["history.html", "History"],
    ["push.html", "Push to nodes"],
    ["users.html", "Users"],
  ];

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "needs") {
        e.dataset.needs = v;
        if (!can(v)) {
          e.classList.add("forbidden");
          e.setAttribute("aria-hidden", "true");
          e.title = "needs the " + v + " role";
        }
      } else if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const k of kids.flat()) {
      if (k === null || k === undefined || k === false) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.error) || ("HTTP " + status));
      this.status = status;
      this.body = body || {};
    }
  }

  async function api(method, path, body, opts) {
    const headers = {};
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      if (opts && opts.text) {
        headers["Content-Type"] = "text/plain";
        init.body = body;
      } else {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    /* the generation the object was read at: 412 if it changed since */
    if (opts && opts.ifMatch) headers["If-Match"] = '"' + opts.ifMatch + '"';
    const r = await fetch("/api/v1" + path, init);
    if (r.status === 401 && !(opts && opts.noRedirect)) {
      location.href = "login.html?next=" + encodeURIComponent(location.pathname.slice(1) + location.search);
      return new Promise(() => {});   /* the page is going away */
    }
    const ct = r.headers.get("Content-Type") || "";
    const data = ct.startsWith("application/json") ? await r.json() : await r.text();
    if (!r.ok) throw new ApiError(r.status, typeof data === "object" ? data : { error: data });
    return data;
  }

  function nav() {
    const here = location.pathname.split("/").pop() || "index.html";
    const links = PAGES.map(([href, label]) =>
      el("a", { href, class: href === here ? "active" : null,
        "aria-current": href === here ? "page" : null }, label));
    const side = el("nav", { class: "side", "aria-label": "Sections" },
      el("div", { class: "brand" }, el("span", { class: "logo", "aria-hidden": "true" }), "shoal"),
      ...links);
    const top = el("header", { class: "top" },
      el("h1", { text: document.title.replace(/ - shoal$/, "") }),
      el("div", { class: "who" },
        el("span", { id: "whoami", text: user ? "Signed in as " + user : "" },
          role ? el("span", { id: "role", class: "badge " + (role === "admin" ? "info" : "warn") }, role) : null),
        el("button", { type: "button", class: "ghost", id: "logout", onclick: logout }, "Log out")));
    document.body.prepend(side);
    document.querySelector("main").prepend(top);
  }

  async function logout() {
    try { await api("POST", "/logout", {}); } catch (e) { /* gone anyway */ }
    location.href = "login.html";
  }

  /* Every page but login: find the session (or go to login), draw nav. */
  async function init() {
    const s = await api("GET", "/session");
    csrf = s.csrf;
    user = s.user;
    role = s.role;
    document.body.dataset.role = role;
    nav();
    return s;
  }

  /* After a committed change: the generation, and any warnings. */
  function saved(r, what) {
    const w = (r.warnings || []).map((x) => x.message);
    toast(what + ": generation " + r.generation + (w.length ? ". Warning: " + w.join("; ") : ""), w.length ? "warn" : "ok");
  }

  function toast(msg, kind) {
    let box = document.getElementById("toast");
    if (!box) {
      box = el("div", { id: "toast", role: "status", "aria-live": "polite" });
      document.body.append(box);
    }
    box.textContent = msg;
    box.className = "show " + (kind || "ok");
    clearTimeout(box._t);
    box._t = setTimeout(() => { box.className = ""; }, 4000);
  }

  /* The field registry, fetched once per page (GET /schema). */
  let schemaP = null;
  function schema() {
    if (!schemaP) schemaP = api("GET", "/schema");
    return schemaP;
  }

  /* A schema field as a form field (see form() below). */
  function formField(f) {
    const secret = f.flags.includes("secret");
    const type = f.type === "boolean" ? "bool" : f.type === "enum" ? "select" :
      f.type === "seconds" ? "seconds" : secret ? "password" :
      ["integer", "port", "mask"].includes(f.type) ? "number" : "text";
    const unset0 = f.flags.includes("zero_unset");   /* 0 passes: the help says what it means */
    const range = f.min !== undefined && f.max < 1e7 && !unset0 ? " Range " + f.min + " to " + f.max + "." : "";
    return {
      name: f.name, type, options: f.enum, min: unset0 ? 0 : f.min, max: f.max, help: f.help + range,
      label: f.label + (f.unit ? " (" + f.unit + ")" : ""),
      required: f.flags.includes("required"), wide: f.flags.includes("long"),
      secret: secret ? f.returned_as : null, schema: f,
    };
  }

  /* The form fields of a block's group ("virtual", "check"...), in the
   * registry's order: the fields the API offers there. */
  async function fields(block, group) {
    const s = await schema();
    return s.blocks[block].fields.filter((f) => f.name && f.group === group).map(formField);
  }

  /* The label the registry gives a block's field (table headings). */
  async function label(block, name) {
    const s = await schema();
    const f = s.blocks[block].fields.find((x) => x.name === name);
    return f ? f.label : name;
  }

  /* What a new block starts with: the defaults, "new_on" booleans on. */
  function defaults(fields) {
    const o = {};
    for (const d of fields) {
      const f = d.schema;
      if (f.flags.includes("new_on")) o[f.name] = true;
      else if (f.default !== null && f.default !== undefined) o[f.name] = f.default;
    }
    return o;
  }

  /*
   * A form from a field list: {name, label, type: text|number|seconds|
   * bool|select|password, options, min, max, help, required, wide,
   * secret} (formField() makes them from the schema).  A secret is a
   * password input that keeps the current value when left empty, with a
   * badge saying whether one is set (obj[secret]) and a box to remove it.
   * Returns {form, get(), set(obj), errors(apiError), clear()}.
   */
  function form(fields, opts) {
    const f = el("form", { class: "grid", novalidate: true, id: opts && opts.id });
    const inputs = {};
    const errs = {};
    const secrets = {};
    const general = el("div", { class: "form-error", role: "alert" });
    f.append(general);
    for (const d of fields) {
      const id = (opts && opts.prefix ? opts.prefix : "f") + "-" + d.name;
      let input;
      if (d.type === "bool") {
        input = el("input", { type: "checkbox", id, name: d.name });
      } else if (d.type === "select") {
        input = el("select", { id, name: d.name },
          d.options.map((o) => el("option", { value: o }, o)));
      } else {
        input = el("input", {
          id, name: d.name,
          type: d.type === "password" ? "password" : d.type === "number" || d.type === "seconds" ? "number" : "text",
          step: d.type === "seconds" ? "any" : d.type === "number" ? "1" : null,
          min: d.type === "seconds" || d.type === "number" ? (d.min !== undefined ? d.min : "0") : null,
          max: d.max !== undefined && (d.type === "seconds" || d.type === "number") ? d.max : null,
          placeholder: d.placeholder || null,
          autocomplete: d.type === "password" ? "new-password" : "off",
          required: d.required || null,
          inputmode: d.type === "number" ? "numeric" : null,
        });
      }
      const err = el("div", { class: "field-error", id: id + "-err", "aria-live": "polite" });
      input.setAttribute("aria-describedby", id + "-err");
      inputs[d.name] = input;
      errs[d.name] = err;
      const label = el("label", { for: id }, d.label);
      const help = d.help ? el("div", { class: "help", id: id + "-help" }, d.help) : null;
      let extra = null;
      if (d.secret) {
        const state = el("span", { class: "badge", id: id + "-state" });
        const remove = el("input", { type: "checkbox", id: id + "-remove" });
        secrets[d.name] = { state, remove };
        extra = el("div", { class: "field check" }, state, remove,
          el("label", { for: id + "-remove" }, "Remove the current value"));
      }
      f.append(el("div", { class: "field" + (d.type === "bool" ? " check" : "") + (d.wide ? " wide" : "") },
        d.type === "bool" ? [input, label] : [label, input], help, extra, err));
    }

    function get() {
      const o = {};
      for (const d of fields) {
        const i = inputs[d.name];
        if (d.type === "bool") o[d.name] = i.checked;
        else if (d.type === "number" || d.type === "seconds") {
          if (i.value.trim() === "") { if (!d.omitEmpty) o[d.name] = null; continue; }
          const n = Number(i.value);
          o[d.name] = Number.isFinite(n) ? n : i.value;
        } else if (d.type === "password") {
          if (d.secret && secrets[d.name].remove.checked) o[d.name] = null;
          else if (i.value !== "") o[d.name] = i.value;
        } else {
          if (i.value.trim() === "" && d.omitEmpty) continue;
          o[d.name] = i.value.trim() === "" ? null : i.value.trim();
        }
      }
      return o;
    }
    function set(obj) {
      for (const d of fields) {
        const i = inputs[d.name];
        const v = obj[d.name];
        if (d.type === "bool") i.checked = !!v;
        else if (d.type === "password") i.value = "";
        else i.value = v === null || v === undefined ? "" : String(v);
        if (d.secret && obj[d.secret] !== undefined) {
          const sc = secrets[d.name];
          sc.state.textContent = obj[d.secret] ? "set" : "not set";
          sc.state.className = "badge " + (obj[d.secret] ? "ok" : "warn");
          sc.remove.checked = false;
        }
      }
    }
    function clear() {
      general.textContent = "";
      general.classList.remove("show");
      for (const [n, e] of Object.entries(errs)) {
        e.textContent = "";
        inputs[n].removeAttribute("aria-invalid");
      }
    }
    /* Puts each {field, message} next to its input; the rest on top. */
    function errors(e) {
      clear();
      const list = (e.body && e.body.errors) || [];
      const rest = [];
      let first = null;
      for (const it of list) {
        const key = fieldKey(it.field);
        if (key && errs[key]) {
          errs[key].textContent = (errs[key].textContent ? errs[key].textContent + "; " : "") + it.message;
          inputs[key].setAttribute("aria-invalid", "true");
          if (!first) first = inputs[key];
        } else rest.push((it.field ? it.field + ": " : "") + it.message);
      }
      if (!list.length) rest.push(e.message);
      if (rest.length) {
        general.textContent = rest.join("\n");
        general.classList.add("show");
      }
      if (first) first.focus();
    }
    /* An existing block: its name cannot change. */
    function lock(existing) {
      for (const d of fields) if (d.schema && d.schema.type === "name") inputs[d.name].disabled = existing;
    }
    function focus() {
      const i = Object.values(inputs).find((x) => !x.disabled);
      if (i) i.focus();
    }
    return { form: f, inputs, get, set, clear, errors, general, lock, focus };
  }

  /* "virtual[web].address" -> "address"; "servers[1].weight" -> null. */
  function fieldKey(field) {
    if (!field) return null;
    const m = /(?:^|\.)([a-z_]+)$/.exec(field);
    return m ? m[1] : null;
  }

  function age(ms) {
    if (ms === null || ms === undefined) return "—";
    if (ms < 1000) return ms + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(1) + " s";
    return Math.round(ms / 60000) + " min";
  }

  function when(unix) {
    if (!unix) return "—";
    return new Date(unix * 1000).toLocaleString();
  }

  function param(name) {
    return new URLSearchParams(location.search).get(name);
  }

  function confirmThen(msg, fn) {
    return () => { if (window.confirm(msg)) fn(); };
  }

  /*
   * A 412 (someone changed the object since this page read it): a dialog
   * with the changes made since and a choice between loading the current
   * version (reload()) and going on editing.  Returns false for any other
   * error.
   */
  function conflict(e, reload) {
    if (!e || e.status !== 412) return false;
    const b = e.body || {};
    const old = document.getElementById("conflict");
    if (old) old.remove();
    const dlg = el("dialog", { id: "conflict", "aria-labelledby": "conflict-title" },
      el("h2", { id: "conflict-title" }, "Changed by someone else"),
      el("p", {}, e.message),
      el("ul", { id: "conflict-changes" }, (b.changes || []).map((c) =>
        el("li", {}, "Generation " + c.generation + " by " + c.user + " (" + when(c.time) + "): " + c.comment))),
      el("p", { class: "muted" }, "Nothing of yours was saved. Load the current version and make your change again, or go on editing."),
      el("div", { class: "actions" },
        el("button", { type: "button", id: "conflict-reload", onclick: () => { dlg.close(); dlg.remove(); reload(b.current); } }, "Load the current version"),
        el("button", { type: "button", class: "ghost", id: "conflict-close", onclick: () => { dlg.close(); dlg.remove(); } }, "Keep editing")));
    document.body.append(dlg);
    dlg.showModal();
    return true;
  }

  /* pulse's preview: the backend's operations and the shares per real server */
  function reviewLb(lb) {
    if (!lb || lb.error)
      return [el("p", { id: "review-lb-error", class: "muted" },
        "No load-balancer preview: " + (lb ? lb.error : "no answer") + ".")];
    const out = [el("p", {}, lb.backend + " backend; " + (lb.active ?
      "this node is the active router." : "this node is not the active router: what it would do on becoming active."))];
    if ((lb.errors || []).length)
      out.push(el("ul", { id: "review-lb-errors", class: "bad" }, lb.errors.map((x) => el("li", {}, x))));
    out.push(el("h3", {}, lb.format === "ipvsadm" ? "IPVS commands (ipvsadm)" : "nftables batch"),
      el("pre", { id: "review-ops" }, lb.operations ? lb.operations : "(no operation)"));
    for (const v of lb.virtuals || [])
      out.push(el("h3", {}, "Expected traffic shares: " + v.name + " (" + v.scheduler + ", " + v.shares_by + ")"),
        el("table", { class: "review-shares", "data-virtual": v.name },
          el("thead", {}, el("tr", {}, ["Real server", "Address", "Weight", "Health", "Share"].map((h) => el("th", {}, h)))),
          el("tbody", {}, v.servers.map((r) => el("tr", { "data-server": r.name },
            el("td", {}, r.name), el("td", {}, r.address + ":" + r.port), el("td", {}, String(r.lb_weight)),
            el("td", {}, r.health), el("td", { class: "share" }, (r.share * 100).toFixed(1) + " %"))))));
    return out;
  }

  /*
   * Before a change is committed: the same request with ?preview=1, and a
   * dialog with the lvs.cf diff, the load-balancer operations and the
   * traffic shares.  Resolves true on Commit, false on Cancel; a refusal
   * of the preview (400, 412) is thrown as api() throws it.
   */
  async function review(method, path, body, opts) {
    const p = await api(method, path + (path.includes("?") ? "&" : "?") + "preview=1", body, opts);
    const old = document.getElementById("review");
    if (old) old.remove();
    return new Promise((resolve) => {
      const done = (yes) => { dlg.close(); dlg.remove(); resolve(yes); };
      const dlg = el("dialog", { id: "review", "aria-labelledby": "review-title" },
        el("h2", { id: "review-title" }, "Review the change"),
        el("h3", {}, "lvs.cf"),
        el("pre", { id: "review-diff" }, p.diff || "No change to lvs.cf."),
        reviewLb(p.lb),
        (p.warnings || []).length ? el("ul", { id: "review-warnings" }, p.warnings.map((w) =>
          el("li", {}, (w.field ? w.field + ": " : "") + w.message))) : null,
        el("div", { class: "actions" },
          el("button", { type: "button", id: "review-commit", onclick: () => done(true) }, "Commit"),
          el("button", { type: "button", class: "ghost", id: "review-cancel", onclick: () => done(false) }, "Cancel")));
      dlg.addEventListener("cancel", () => resolve(false));
      document.body.append(dlg);
      dlg.showModal();
    });
  }

  return { el, api, init, toast, saved, schema, fields, label, defaults, form, fieldKey, age, when, param, confirmThen, conflict, review, ApiError, can,
    get role() { return role; },
    get csrf() { return csrf; }, set csrf(v) { csrf = v; } };
})();
