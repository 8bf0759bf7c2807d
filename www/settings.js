/* Global settings: the top of lvs.cf (the registry's "cluster" group). */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const f = shoal.form(await shoal.fields("global", "cluster"), { id: "settings-form" });
  const save = el("button", { type: "submit", id: "save", needs: "admin" }, "Save settings");
  f.form.append(el("div", { class: "actions field wide" }, save, el("span", { class: "muted", id: "gen" })));
  document.getElementById("main").append(el("section", { class: "card" }, el("h2", {}, "Cluster"), f.form));
  f.set(await api("GET", "/settings"));
  f.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    f.clear();
    save.disabled = true;
    try {
      const r = await api("PUT", "/settings", f.get());
      f.set(r.settings);
      shoal.saved(r, "Saved");
    } catch (e) {
      f.errors(e);
      shoal.toast("Not saved: see the errors", "bad");
    } finally { save.disabled = false; }
  });
})();
