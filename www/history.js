/* History: every committed generation, diffs between two, rollback. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const main = document.getElementById("main");
  const list = el("div", { id: "history-list" });
  const from = el("select", { id: "diff-from" });
  const to = el("select", { id: "diff-to" });
  const out = el("pre", { class: "diff", id: "diff-out" }, "Pick two generations.");
  const audit = el("div", { id: "audit-list" });
  main.append(
    el("section", { class: "card" }, el("h2", {}, "Compare generations"),
      el("div", { class: "toolbar" }, el("label", { for: "diff-from" }, "From"), from,
        el("label", { for: "diff-to" }, "To"), to,
        el("button", { type: "button", id: "diff-show", onclick: diff }, "Show diff")), out),
    el("section", { class: "card" }, el("h2", {}, "Generations"), list),
    el("section", { class: "card" }, el("h2", {}, "Audit log"), audit));

  async function diff() {
    try {
      const text = await api("GET", "/history/" + from.value + "/diff/" + to.value);
      out.replaceChildren(...(text ? text.split("\n").map((l) => el("span", {
        class: l.startsWith("@@") ? "hunk" : l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : null }, l + "\n")) :
        ["No differences."]));
    } catch (e) { out.textContent = e.message; }
  }

  async function load() {
    const r = await api("GET", "/history");
    const opts = (sel) => sel.replaceChildren(...r.history.map((g) => el("option", { value: g.generation }, "#" + g.generation + " · " + shoal.when(g.time))));
    opts(from); opts(to);
    if (r.history.length > 1) from.value = r.history[1].generation;
    list.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["#", "When", "Who", "What", "Hash", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, r.history.map((g) => el("tr", {},
        el("td", { class: "num" }, String(g.generation)), el("td", {}, shoal.when(g.time)), el("td", {}, g.user),
        el("td", {}, g.comment), el("td", { class: "mono" }, g.hash.slice(0, 12)),
        el("td", {}, g.generation === r.current ? el("span", { class: "badge ok" }, "current") :
          el("button", { type: "button", class: "small danger", needs: "admin", onclick: shoal.confirmThen("Roll back to generation " + g.generation + "? This makes a new generation with its content.", async () => {
            try { const x = await api("POST", "/history/" + g.generation + "/rollback", {}); shoal.toast("Rolled back: now generation " + x.generation); load(); }
            catch (e) { shoal.toast(e.message, "bad"); }
          }) }, "Roll back")))))));
    const a = await api("GET", "/audit");
    audit.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["When", "Who", "Action", "Detail"].map((h) => el("th", {}, h)))),
      el("tbody", {}, a.audit.map((x) => el("tr", {}, el("td", {}, shoal.when(x.time)), el("td", {}, x.user),
        el("td", {}, x.action), el("td", {}, x.detail))))));
  }
  await load();
  if (from.value && to.value) diff();
})();
