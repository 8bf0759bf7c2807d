// ui.test.mjs - shoal-web in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core; no browser download).  run.sh starts the
// server and passes SHOAL_URL, SHOAL_LOG, SHOAL_USER, SHOAL_PASS, SHOTS.
import { chromium } from "playwright-core";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const url = process.env.SHOAL_URL;
const logFile = process.env.SHOAL_LOG;
const shots = process.env.SHOTS;
const user = process.env.SHOAL_USER;
const pass = process.env.SHOAL_PASS;
const rundir = process.env.SHOAL_RUNDIR;
const viewer = process.env.SHOAL_VIEWER;   /* a viewer, with SHOAL_PASS */

/* A stand-in for pulse's control socket, as doc/protocol.md says: one
 * line in; one JSON object out, except "events" (one object per line)
 * and "events-follow" (those, then held open: emit() sends more).  The
 * maintenance commands answer as pulse does; "drill" answers when done;
 * "preview BYTES" answers ops.preview once its body is in (kept in
 * previews); every request line is kept in reqs. */
function fakePulse(status, ops = {}) {
  const sock = path.join(rundir, "pulse.sock");
  const held = new Set();
  let lbTime = 1000;
  const srv = net.createServer((c) => {
    let buf = "";
    c.on("error", () => {});
    c.on("close", () => held.delete(c));
    c.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0 || c.answered) return;
      const line = buf.slice(0, nl);
      const cmd = line.split(" ")[0];
      // "preview BYTES", then the candidate lvs.cf: answered once all in
      if (cmd === "preview" && Buffer.byteLength(buf.slice(nl + 1)) < Number(line.split(" ")[1])) return;
      c.answered = true;
      srv.reqs.push(line);
      if (cmd === "events" || cmd === "events-follow") {
        for (const e of ops.events || []) c.write(JSON.stringify(e) + "\n");
        if (cmd === "events") c.end();
        else held.add(c);
      } else if (cmd === "lb" && ops.lb) {
        lbTime += 1000;
        c.end(JSON.stringify(ops.lb(lbTime)));
      } else if (cmd === "maint-server" || cmd === "maint-node")
        c.end(JSON.stringify({ ok: true, version: 7, changed: true, by: line.split(" ").pop() }));
      else if (cmd === "preview") {
        srv.previews.push(buf.slice(nl + 1));
        c.end(JSON.stringify(ops.preview || { error: "no preview" }));
      } else if (cmd === "drill" && ops.drill)
        setTimeout(() => c.end(JSON.stringify(ops.drill)), 300);
      else
        c.end(JSON.stringify(status));
    });
  });
  srv.reqs = [];
  srv.previews = [];
  srv.emit1 = (e) => { for (const c of held) c.write(JSON.stringify(e) + "\n"); };
  srv.shut = () => { for (const c of held) c.destroy(); srv.close(); };
  return new Promise((resolve) => srv.listen(sock, () => { fs.chmodSync(sock, 0o666); resolve(srv); }));
}
fs.mkdirSync(shots, { recursive: true });

let failures = 0;
function check(cond, what) {
  if (cond) console.log("ok - " + what);
  else { console.log("not ok - " + what); failures++; }
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "shoal-chromium-"));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = ctx.pages()[0] || await ctx.newPage();
page.setDefaultTimeout(30000);	// generous: only a hang should hit it
const cspErrors = [];
page.on("console", (m) => {
  if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
});
page.on("pageerror", (e) => cspErrors.push("page error: " + e.message));
const shot = (name) => page.screenshot({ path: path.join(shots, name + ".png"), fullPage: true });

try {
  // log in
  await page.goto(url + "/virtual.html");
  await page.waitForURL(/login\.html/);
  check(true, "unauthenticated page goes to login");
  await shot("login");
  await page.fill("#password", "wrong-password");
  await page.fill("#user", user);
  await page.click("#login-submit");
  await page.waitForSelector("#login-error.show");
  check(/Wrong/.test(await page.textContent("#login-error")), "wrong password shows an error");
  await page.fill("#password", pass);
  await page.press("#password", "Enter");
  await page.waitForURL(/virtual\.html/);
  check(true, "login with the keyboard, back to the page asked for");

  // add a virtual server with two real servers; first a bad address
  await page.click("#vs-add");
  await page.fill("#vs-name", "web");
  await page.fill("#vs-address", "10.201.1.300");
  await page.fill("#vs-device", "eth0:1");
  await page.fill("#vs-port", "80");
  await page.selectOption("#vs-scheduler", "wrr");
  await page.click("#tab-rs");
  await page.click("#rs-add");
  await page.click("#rs-add");
  await page.fill("#rs-0-name", "r1");
  await page.fill("#rs-0-address", "10.201.2.1");
  await page.fill("#rs-0-weight", "2");
  await page.fill("#rs-1-name", "r2");
  await page.fill("#rs-1-address", "10.201.2.2");
  await page.click("#vs-save");
  await page.locator("#vs-address-err", { hasText: /\S/ }).waitFor();
  const err = await page.textContent("#vs-address-err");
  check(/invalid host name or ip address/.test(err), "inline error for a bad address: " + err);
  check(await page.getAttribute("#vs-address", "aria-invalid") === "true", "bad field marked aria-invalid");
  check(await page.inputValue("#vs-name") === "web", "input kept after an error");
  check(await page.inputValue("#rs-1-address") === "10.201.2.2", "real server rows kept after an error");
  await shot("virtual-error");
  await page.fill("#vs-address", "10.201.1.10");
  // the change is reviewed before it is committed: the lvs.cf diff, and
  // why there is no load-balancer preview (pulse is not running); Cancel
  // commits nothing
  await page.click("#vs-save");
  await page.waitForSelector("dialog#review[open]");
  const diff = await page.textContent("#review-diff");
  check(/^\+virtual web \{$/m.test(diff) && /^\+ +address = 10\.201\.2\.2$/m.test(diff),
    "review: the lvs.cf diff of the new virtual server");
  check(/pulse not running/.test(await page.textContent("#review-lb-error")),
    "review: says why there is no load-balancer preview");
  await shot("virtual-review-no-pulse");
  await page.click("#review-cancel");
  await page.waitForSelector("dialog#review", { state: "detached" });
  const none = await page.evaluate(() => shoal.api("GET", "/virtual-servers"));
  check(!none.virtual_servers.some((v) => v.name === "web") && await page.inputValue("#vs-name") === "web",
    "review: Cancel commits nothing and keeps the editor");
  await page.click("#vs-save");
  await page.waitForSelector("dialog#review[open]");
  await page.click("#review-commit");
  await page.waitForSelector("#vs-table tr[data-name=web]");
  check(/2/.test(await page.textContent("#vs-table tr[data-name=web]")), "saved: web listed with its real servers");
  await shot("virtual");
  await page.click("#vs-table tr[data-name=web] button:has-text('Edit')");
  await page.click("#tab-check");
  await shot("virtual-monitoring");

  // a second administrator changes web while this editor is open: saving
  // shows the conflict (nothing saved), and loading the current version
  // brings their change into the editor
  await page.evaluate(() => shoal.api("PUT", "/virtual-servers/web", { scheduler: "sh" }));
  await page.click("#tab-vs");
  await page.fill("#vs-port", "8080");
  await page.click("#vs-save");
  await page.waitForSelector("dialog#conflict[open]");
  const changes = await page.textContent("#conflict-changes");
  check(/PUT \/api\/v1\/virtual-servers\/web/.test(changes), "conflict: the dialog names the other change");
  await shot("virtual-conflict");
  await page.click("#conflict-reload");
  await page.waitForSelector("dialog#conflict", { state: "detached" });
  await page.waitForFunction(() => document.querySelector("#vs-scheduler").value === "sh", null,
    { timeout: 30000 }).catch(() => {});
  check(await page.inputValue("#vs-scheduler") === "sh" && await page.inputValue("#vs-port") === "80",
    "conflict: the current version is in the editor, the stale edit is not saved");

  // with pulse answering the preview: the operations and the shares
  const pv = await fakePulse({}, { preview: {
    backend: "nftables", format: "nft", active: true, generation: 4, errors: [],
    operations: "flush map inet shoal vs_tcp_10.201.1.10_80_rs\nadd element inet shoal vs_tcp_10.201.1.10_80_rs { 0 : 10.201.2.1 . 80 }\n",
    virtuals: [{ name: "web", scheduler: "sh", shares_by: "by hash, proportional to weight", programmed: true,
      service: "tcp 10.201.1.10:80", servers: [
        { name: "r1", address: "10.201.2.1", port: 80, weight: 5, health: "up", in_lb: true, lb_weight: 5, share: 1 },
        { name: "r2", address: "10.201.2.2", port: 80, weight: 1, health: "down", in_lb: false, lb_weight: 0, share: 0 }] }],
  } });
  await page.click("#tab-rs");
  await page.fill("#rs-0-weight", "5");
  await page.click("#vs-save");
  await page.waitForSelector("dialog#review[open]");
  check(/^-\s+weight = 2$/m.test(await page.textContent("#review-diff")) &&
    /^\+\s+weight = 5$/m.test(await page.textContent("#review-diff")), "review: the weight change in the diff");
  check(/add element inet shoal vs_tcp_10\.201\.1\.10_80_rs/.test(await page.textContent("#review-ops")),
    "review: pulse's nft batch");
  const shares = await page.textContent("table.review-shares[data-virtual=web]");
  check(/r1.*100\.0 %/.test(shares) && /r2.*down.*0\.0 %/.test(shares), "review: the expected shares per real server");
  check(pv.previews.length === 1 && /^\s+weight = 5$/m.test(pv.previews[0]) && /^virtual web \{$/m.test(pv.previews[0]),
    "review: pulse got the candidate lvs.cf, whole");
  await shot("virtual-review");
  await page.click("#review-commit");
  await page.waitForSelector("dialog#review", { state: "detached" });
  await page.waitForFunction(() => shoal.api("GET", "/virtual-servers/web/real-servers/r1").then((r) => r.weight === 5));
  check(true, "review: Commit saves the change");
  pv.shut();   // and its held events-follow connection: shoal-web re-opens it on the next stand-in

  // monitoring page shows it
  await page.goto(url + "/index.html");
  await page.waitForSelector("tr[data-vs=web]");
  const mon = await page.textContent("#services");
  check(/web/.test(mon) && /10\.201\.2\.1/.test(mon) && /10\.201\.2\.2/.test(mon), "monitoring page shows web with r1 and r2");
  check(/pulse not running/.test(await page.textContent("#pulse-banner")), "monitoring says pulse not running");
  await page.locator("#updated", { hasText: "Updated" }).waitFor();
  await shot("monitoring-no-pulse");

  // with pulse answering: roles, heartbeat ages, VIPs
  const now = Date.now();
  const boot = now - 600000;
  const drill = { ok: true, time_ms: now - 120000, by: "web:admin", from: "self", to: "peer",
    phases: [{ from: "self", to: "peer", vips: [{ address: "10.201.1.10", outage_ms: 41 }] },
      { from: "peer", to: "self", vips: [{ address: "10.201.1.10", outage_ms: 37 }] }],
    max_outage_ms: 41, deadtime_ms: 800 };
  const events = [
    { seq: 1, time: "", time_ms: now - 300000, boot, node: "self", kind: "role", from: "backup", to: "active",
      reason: "partner dead", peer: "peer" },
    { seq: 2, time: "", time_ms: now - 200000, boot, node: "self", kind: "maint", target: "server", name: "web/r2",
      state: "drain", by: "cli:root", origin: "self" },
  ];
  const pulse = await fakePulse({
    node: "self", mode: "lvs", role: "ACTIVE", since: Math.floor(Date.now() / 1000) - 300, priority: 200,
    generation: 2, hash: "0", keepalive_ms: 200, deadtime_ms: 800,
    peers: [{ name: "peer", addresses: ["127.0.0.2"], state: "BACKUP", priority: 100, alive: true, leaving: false,
      generation: 2, hash: "0", matches_ours: true, received: 1500, last_heard_ms: 137 }],
    vips: [{ address: "10.201.1.10", prefix: 24, device: "eth0", label: "eth0:1", held: true }],
    counters: { sent: 1500, send_errors: 0, received: 1500, rejected: {} },
    transitions: [{ time: Math.floor(Date.now() / 1000) - 300, from: "BACKUP", to: "ACTIVE", reason: "partner dead: activating lvs" }],
    faults: { monitor_links: false, links: [], failed_services: [] },
    virtual_services: [{ name: "web", service: "tcp 10.201.1.10:80", scheduler: "wlc", active: true, servers: [
      { name: "r1", address: "10.201.2.1", port: 80, weight_config: 1, weight: 1, in_lb: true, health: "up",
        admin: "enable", reason: "HTTP status 200", latency_ms: 12, fails: 0, checks: 3,
        since: Math.floor(Date.now() / 1000) - 60 },
      { name: "r2", address: "10.201.2.2", port: 80, weight_config: 1, weight: 0, in_lb: false, health: "down",
        admin: "drain", reason: "connection refused", latency_ms: 1, fails: 2, checks: 4,
        since: Math.floor(Date.now() / 1000) - 30 }] }],
    drills: [drill],
    dual_active: [{ address: "10.201.1.10", alarm: true, since: now - 5000, owners: [
      { mac: "02:00:00:00:00:01", node: "self", last_ms_ago: 10 },
      { mac: "02:00:00:00:00:66", node: "peer", last_ms_ago: 20 }] }],
  }, {
    events,
    drill: { ...drill, time_ms: now },
    // r1 holds 3 established and 1 other connection, and takes 5 new ones
    // and 2000 bytes a second
    lb: (t) => ({ active: true, time_ms: t, backend: "ipvs", totals: true, services: [{ name: "web",
      service: "tcp 10.201.1.10:80", servers: [{ name: "r1", address: "10.201.2.1", port: 80, weight: 1,
        active: 3, inactive: 1, conns: 5 * t / 1000, inpkts: 0, outpkts: 0, inbytes: 2 * t, outbytes: 0 }] }] }),
  });
  await page.locator("#pulse-banner", { hasText: "pulse is running" }).waitFor();
  await page.locator("#services", { hasText: "12 ms" }).waitFor();
  const svc = await page.textContent("#services");
  check(/up/.test(svc) && /HTTP status 200/.test(svc) && !/not checked/.test(svc),
    "monitoring shows pulse's real server health and last check");
  check(/down/.test(svc) && /draining/.test(svc) && /2 failed in a row/.test(svc),
    "monitoring shows a down, drained real server with its failures");
  const nodes = await page.textContent("#nodes");
  check(/137 ms/.test(nodes) && /BACKUP/.test(nodes), "monitoring shows the peer's role and heartbeat age");
  check(/10\.201\.1\.10/.test(await page.textContent("#pulse-banner")), "monitoring shows the VIP held");

  // operations: the dual-active banner, connections and rates, the
  // maintenance buttons, the drill
  await page.locator("#dual-active-banner:not(.hidden)").waitFor();
  const dual = await page.textContent("#dual-active-banner");
  check(/DUAL ACTIVE/.test(dual) && /self/.test(dual) && /peer/.test(dual) && /02:00:00:00:00:66/.test(dual),
    "a red banner names both nodes answering for the VIP: " + dual);
  await page.locator("#services .rate", { hasText: "conn/s" }).waitFor();
  const conns = await page.textContent("tr:has(td:text-is('r1')) .conns");
  const rate = await page.textContent("tr:has(td:text-is('r1')) .rate");
  check(conns === "3 / 1" && /5\.0 conn\/s/.test(rate) && /2000 B\/s/.test(rate),
    "monitoring shows r1's active/inactive connections and rates: " + conns + ", " + rate);
  await page.click("button[data-rs='web/r1'][data-action=drain]");
  await page.locator("#toast", { hasText: "web/r1 drain" }).waitFor();
  check(pulse.reqs.includes("maint-server drain web r1 web:admin"), "the drain button asks pulse to drain r1 cluster-wide");
  check(await page.locator("button[data-rs='web/r2'][data-action=drain][disabled]").count() === 1,
    "the drained r2 offers no drain button");
  await page.click("button[data-node=peer][data-action=standby]");
  await page.locator("#toast", { hasText: "node peer standby" }).waitFor();
  check(pulse.reqs.includes("maint-node standby peer web:admin"), "the standby button asks pulse to put peer in standby");
  check(/41 ms/.test(await page.textContent("#drills")) && /self → peer/.test(await page.textContent("#drills")),
    "the last drills show the outage per VIP and who held what");
  page.once("dialog", (d) => d.accept());
  await page.click("#drill-start");
  await page.locator("#drill-msg", { hasText: "drill done" }).waitFor();
  check(pulse.reqs.includes("drill web:admin") && /41 ms/.test(await page.textContent("#drill-msg")),
    "the drill button runs a drill and shows its result");
  await shot("monitoring");

  // pulse's events on the Logs page: the kept ones, then a new one live
  await page.goto(url + "/logs.html");
  await page.locator("#events .event[data-kind=maint]").waitFor();
  check(/web\/r2/.test(await page.textContent("#events")) && /partner dead/.test(await page.textContent("#events")),
    "the Logs page shows pulse's events");
  pulse.emit1({ seq: 3, time: "", time_ms: Date.now(), boot, node: "self", kind: "vip", action: "released",
    address: "10.201.1.10", device: "eth0" });
  await page.locator("#events .event[data-seq='3']").waitFor({ timeout: 20000 });
  check(true, "a new event of pulse arrives live on the Logs page");
  pulse.shut();

  // a new log line appears live
  await page.goto(url + "/logs.html");
  await page.locator("#log-state", { hasText: /^live$/ }).waitFor();
  const marker = "nanny[42]: [ active ] making 10.201.2.1:80 available " + Date.now();
  const t0 = Date.now();
  fs.appendFileSync(logFile, marker + "\n");
  await page.locator("#log .line", { hasText: marker }).waitFor({ timeout: 20000 });
  check(true, "new log line shown live after " + (Date.now() - t0) + " ms");
  await page.fill("#log-filter", "making");
  await shot("logs");

  // push page
  await page.goto(url + "/push.html");
  await page.click("#push-start");
  await page.locator("#push-msg", { hasText: /failed|runs the new/ }).waitFor({ timeout: 20000 });
  const pushed = await page.textContent("#push-nodes");
  check(/failed/.test(pushed) && /Connection refused|unreachable/.test(pushed),
    "push page shows the unreachable peer failed, with the reason");
  await shot("push");

  for (const p of ["settings", "redundancy", "failover", "history", "users"]) {
    await page.goto(url + "/" + p + ".html");
    await page.waitForSelector("header.top");
    await page.waitForLoadState("networkidle");
    await shot(p);
  }
  await page.goto(url + "/history.html");
  await page.waitForSelector("#history-list table");
  check(/web:admin/.test(await page.textContent("#history-list")), "history lists the generation made by admin");
  // the diff arrives by a second request after the list: wait for it (the
  // last change is r1's weight, committed from the review dialog)
  const diffShown = await page.locator("#diff-out", { hasText: /\+\s*weight = 5/ })
    .waitFor({ timeout: 30000 }).then(() => true, () => false);
  check(diffShown, "history shows the diff of the last change");

  // the virtual-server form is built from GET /api/v1/schema: a scheduler,
  // a label, a range and a help text changed in the served schema show up
  await page.route("**/api/v1/schema", async (route) => {
    const resp = await route.fetch();
    const schema = await resp.json();
    const vs = schema.blocks.virtual.fields;
    vs.find((f) => f.name === "scheduler").enum.push("zz-from-schema");
    const port = vs.find((f) => f.name === "port");
    port.label = "Port as the schema says";
    port.max = 4242;
    vs.find((f) => f.name === "device").help = "Help text served by the schema.";
    await route.fulfill({ response: resp, json: schema });
  });
  await page.goto(url + "/virtual.html");
  await page.click("#vs-add");
  check(await page.locator("#vs-scheduler option[value=zz-from-schema]").count() === 1,
    "virtual-server form: a scheduler the schema serves is offered");
  check(await page.textContent("label[for=vs-port]") === "Port as the schema says", "virtual-server form: labels from the schema");
  check(await page.getAttribute("#vs-port", "max") === "4242", "virtual-server form: ranges from the schema");
  check(await page.textContent("#vs-device-help") === "Help text served by the schema.", "virtual-server form: help from the schema");
  await page.unroute("**/api/v1/schema");
  await page.goto(url + "/virtual.html");
  await page.click("#vs-add");
  const served = await page.evaluate(() => fetch("/api/v1/schema").then((r) => r.json()));
  const want = served.blocks.virtual.fields.find((f) => f.name === "scheduler").enum;
  const got = await page.$$eval("#vs-scheduler option", (os) => os.map((o) => o.value));
  check(JSON.stringify(got) === JSON.stringify(want) && want.includes("wlc") && want.includes("mh"),
    "virtual-server form: the schedulers are the registry's: " + got.join(" "));
  check(await page.inputValue("#vs-port") === "80" && await page.inputValue("#vs-scheduler") === "wlc",
    "virtual-server form: a new server starts from the registry's defaults");

  // settings: a wrong type shows inline, nothing saved
  await page.goto(url + "/redundancy.html");
  // the page fills the form from the API, then enables saving
  await page.locator("#heartbeat-form button[type=submit]:enabled").waitFor();
  await page.fill("#hb-deadtime", "-1");
  await page.click("#heartbeat-form button[type=submit]");
  await page.locator("#hb-deadtime-err", { hasText: /\S/ }).waitFor();
  check(true, "redundancy form shows an inline error: " + await page.textContent("#hb-deadtime-err"));
  // a delete is reviewed too: the diff removes the block; Cancel keeps it
  await page.goto(url + "/virtual.html");
  await page.click("#vs-table button[data-delete=web]");
  await page.waitForSelector("dialog#review[open]");
  check(/^-virtual web \{$/m.test(await page.textContent("#review-diff")), "review: a delete shows the block removed");
  await page.click("#review-cancel");
  await page.waitForSelector("dialog#review", { state: "detached" });
  check(await page.locator("#vs-table tr[data-name=web]").count() === 1, "review: a cancelled delete keeps the virtual server");

  // a viewer: the role shows, what it may not do is hidden, the server
  // refuses it anyway
  check(await page.textContent("#role") === "admin", "the header shows the admin's role");
  await page.click("#logout");
  await page.waitForURL(/login\.html/);
  await page.fill("#user", viewer);
  await page.fill("#password", pass);
  await page.click("#login-submit");
  await page.waitForURL((u) => !/login\.html/.test(u.pathname));
  await page.goto(url + "/settings.html");
  await page.waitForSelector("#role");
  check(await page.textContent("#role") === "viewer", "the header shows the viewer's role");
  await page.waitForSelector("#save", { state: "attached" });
  check(await page.isHidden("#save"), "settings: no Save button for a viewer");
  await page.goto(url + "/virtual.html");
  await page.waitForSelector("#vs-add", { state: "attached" });
  check(await page.isHidden("#vs-add"), "virtual servers: no Add button for a viewer");
  check(await page.locator("#vs-table tr[data-name=web]").count() === 1, "virtual servers: a viewer reads them");
  await page.goto(url + "/users.html");
  await page.waitForSelector("#role-note");
  check(await page.locator("#user-list").count() === 0, "users: a viewer sees no accounts");
  const forced = await page.evaluate(async () => {
    const s = await fetch("/api/v1/session").then((r) => r.json());
    const r = await fetch("/api/v1/virtual-servers/web", { method: "DELETE", headers: { "X-CSRF-Token": s.csrf } });
    return r.status;
  });
  check(forced === 403, "a viewer's DELETE sent anyway is 403: " + forced);
  await shot("users-viewer");
  check(cspErrors.length === 0, "no CSP violations or page errors" + (cspErrors.length ? ": " + cspErrors.join(" | ") : ""));
} catch (e) {
  console.log("not ok - " + e.message);
  failures++;
  await shot("failure").catch(() => {});
} finally {
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(failures ? failures + " failed" : "all passed");
process.exit(failures ? 1 : 0);
