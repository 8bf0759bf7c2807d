/* Global settings: the top of lvs.cf. */
"use strict";
(async () => {
  const { el, api } = shoal;
  await shoal.init();
  const fields = [
    { name: "service", label: "Service type", type: "select", options: ["lvs", "fos"], help: "lvs: load balancing; fos: fail-over services" },
    { name: "network", label: "Network type", type: "select", options: ["nat", "direct", "tunnel"] },
    { name: "lvs_backend", label: "Load balancer backend", type: "select", options: ["auto", "ipvs", "nftables"] },
    { name: "primary", label: "Primary server public IP" },
    { name: "primary_private", label: "Primary server private IP", help: "optional second heartbeat path" },
    { name: "nat_router", label: "NAT router IP" },
    { name: "nat_router_device", label: "NAT router device", placeholder: "eth1:1" },
    { name: "nat_nmask", label: "NAT router netmask (prefix)", type: "number", help: "e.g. 24" },
    { name: "rsh_command", label: "Sync tool (legacy)", type: "select", options: ["rsh", "ssh"] },
    { name: "syncdaemon", label: "Connection sync daemon", type: "bool" },
    { name: "syncd_iface", label: "Sync daemon interface" },
    { name: "syncd_id", label: "Sync daemon id", type: "number" },
    { name: "tcp_timeout", label: "TCP timeout (s)", type: "number" },
    { name: "tcpfin_timeout", label: "TCP FIN timeout (s)", type: "number" },
    { name: "udp_timeout", label: "UDP timeout (s)", type: "number" },
    { name: "monitor_links", label: "Monitor links", type: "bool" },
    { name: "arp_count", label: "Gratuitous ARPs", type: "number" },
    { name: "arp_interval", label: "ARP interval (s)", type: "seconds" },
    { name: "active_cmd", label: "Command when becoming active", wide: true },
    { name: "inactive_cmd", label: "Command when becoming inactive", wide: true },
  ];
  const f = shoal.form(fields, { id: "settings-form" });
  const save = el("button", { type: "submit", id: "save" }, "Save settings");
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
