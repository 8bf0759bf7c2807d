/* Global settings: the top of lvs.cf (the registry's "cluster" group). */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const f = shoal.form(await shoal.fields("global", "cluster"), { id: "settings-form" });
  const save = el("button", { type: "submit", id: "save", needs: "admin" }, "Save settings");
  f.form.append(el("div", { class: "actions field wide" }, save, el("span", { class: "muted", id: "gen" })));
  document.getElementById("main").append(el("section", { class: "card" }, el("h2", {}, "Cluster"), f.form));
  /* the generation the form was read at: 412 if changed since */
  let readAt = null;
  async function reload() { const s = await api("GET", "/settings"); f.set(s); readAt = s.generation; }
  await reload();
  f.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    f.clear();
    save.disabled = true;
    try {
      const body = Object.assign(f.get(), { generation: readAt });
      if (!(await shoal.review("PUT", "/settings", body))) return;
      const r = await api("PUT", "/settings", body);
      f.set(r.settings);
      readAt = r.generation;
      shoal.saved(r, "Saved");
    } catch (e) {
      if (shoal.conflict(e, reload)) return;
      f.errors(e);
      shoal.toast("Not saved: see the errors", "bad");
    } finally { save.disabled = false; }
  });
})();
