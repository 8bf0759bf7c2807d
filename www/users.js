/* Users: accounts of this console and their roles (admins only), and
 * changing one's own password (everyone). */
"use strict";
(async () => {
  const { el, api } = shoal;
  const ROLES = ["viewer", "operator", "admin"];
  const me = await shoal.init();
  const main = document.getElementById("main");
  const list = el("div", { id: "user-list" });
  const pw = shoal.form([
    { name: "current_password", label: "Current password", type: "password" },
    { name: "password", label: "New password (at least 8 characters)", type: "password" },
  ], { id: "password-form", prefix: "pw" });
  pw.form.append(el("div", { class: "actions field wide" }, el("button", { type: "submit" }, "Change my password")));
  const add = shoal.form([
    { name: "user", label: "User name" },
    { name: "password", label: "Password (at least 8 characters)", type: "password" },
    { name: "role", label: "Role", type: "select", options: ROLES,
      help: "viewer: reads (secrets hidden); operator: also drains, stand-bys, drills and pushes; admin: everything, users too" },
  ], { id: "user-form", prefix: "nu" });
  add.form.append(el("div", { class: "actions field wide" }, el("button", { type: "submit" }, "Add user")));
  if (shoal.can("admin")) {
    main.append(el("section", { class: "card" }, el("h2", {}, "Accounts"), list),
      el("section", { class: "card" }, el("h2", {}, "Add a user"), add.form));
  } else {
    main.append(el("section", { class: "card", id: "role-note" }, el("h2", {}, "Your role"),
      el("p", {}, "You are " + (me.role === "operator" ? "an operator" : "a viewer") +
        ": only an admin manages users and their roles.")));
  }
  main.append(el("section", { class: "card" }, el("h2", {}, "My password (" + me.user + ")"), pw.form));

  function roleCell(u) {
    if (u.user === me.user) return el("span", { class: "badge info" }, u.role);
    const sel = el("select", { "aria-label": "Role of " + u.user, class: "user-role",
      onchange: async () => {
        try {
          await api("PUT", "/users/" + encodeURIComponent(u.user) + "/role", { role: sel.value });
          shoal.toast(u.user + " is now " + sel.value);
        } catch (e) { shoal.toast(e.message, "bad"); }
        load();
      } }, ROLES.map((r) => el("option", { value: r, selected: r === u.role }, r)));
    return sel;
  }

  async function load() {
    const r = await api("GET", "/users");
    list.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["User", "Role", "Created", "Password changed", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, r.users.map((u) => el("tr", {}, el("td", {}, u.user), el("td", {}, roleCell(u)),
        el("td", {}, shoal.when(u.created)),
        el("td", {}, shoal.when(u.updated)),
        el("td", {}, u.user === me.user ? el("span", { class: "badge info" }, "you") :
          el("button", { type: "button", class: "small danger", onclick: shoal.confirmThen("Delete user " + u.user + "?", async () => {
            try { await api("DELETE", "/users/" + encodeURIComponent(u.user)); load(); } catch (e) { shoal.toast(e.message, "bad"); }
          }) }, "Delete")))))));
  }
  add.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    add.clear();
    try { await api("POST", "/users", add.get()); shoal.toast("User added"); add.set({}); load(); }
    catch (e) { add.errors(e); }
  });
  pw.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    pw.clear();
    const body = pw.get();
    try {
      /* every session of mine ended: this one goes on with a new one */
      const r = await api("PUT", "/users/" + encodeURIComponent(me.user) + "/password", body);
      if (r.csrf) shoal.csrf = r.csrf;
      shoal.toast("Password changed: your other sessions are logged out");
      pw.set({});
    }
    catch (e) { pw.errors(e); }
  });
  if (shoal.can("admin")) load();
})();
