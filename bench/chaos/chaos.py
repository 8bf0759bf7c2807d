#!/usr/bin/python3
"""chaos.py - the chaos soak's schedule, fault executor and invariant checker.

    chaos.py schedule --seed S --duration SEC --nodes r1,r2,r3 [options]
    chaos.py execute --topo topo.json --schedule sched.json --out DIR
    chaos.py check --dir DIR [--bounds...]
    chaos.py table DIR...

schedule prints a JSON list of faults drawn from a seeded generator: the
same seed gives the same faults, whatever runs them.  execute applies them
at their times to the cluster described by topo.json (namespaces, the
plugin that drives the daemon under test) while acting as the nodes'
service manager (a dead instance is restarted after restart_sec, as
systemd's Restart=on-failure would); it logs every step to DIR/events.log
in CLOCK_MONOTONIC ms, the clock of the probes.  check reads that log and
the probes' (chaos-arpwatch, chaos-probe) and checks the invariants from
outside (bench/chaos/README.md); it prints figures and every violation,
and exits 1 on a violation.  table prints the figures of several runs.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

# ---------------------------------------------------------------- schedule

# Faults and their weights.  Durations are drawn per fault (seconds).
KINDS = {
    "kill-worker": 1.0,
    "kill-super": 1.0,
    "kill-both": 1.0,
    "stop": 1.5,
    "linkdown": 1.5,
    "loss": 1.5,
    "congest": 1.0,
    "partition": 1.0,
    "reload": 1.0,
    "push": 1.0,
    "diskfull": 0.7,
    "delay": 1.0,       # only where the kernel has netem
    "reorder": 1.0,     # only where the kernel has netem
}
DURATIONAL = {"stop", "linkdown", "loss", "congest", "partition",
              "diskfull", "delay", "reorder"}
KILLS = {"kill-worker", "kill-super", "kill-both"}
NODE_BUSY_AFTER_KILL_MS = 4000   # a killed node restarts within this


def make_schedule(seed, duration_s, nodes, partitions=True, netem=False,
                  mean_gap_s=8.0, kinds=None):
    """The faults of one run: a list of dicts sorted by start time."""
    rng = random.Random(seed)
    allowed = dict(KINDS)
    if not partitions:
        allowed.pop("partition")
    if not netem:
        allowed.pop("delay")
        allowed.pop("reorder")
    if kinds:
        allowed = {k: v for k, v in allowed.items() if k in kinds}
    names = sorted(allowed)
    weights = [allowed[k] for k in names]
    warmup, tail = 3000, 12000
    end_limit = duration_s * 1000 - tail
    busy = {n: 0 for n in nodes}      # node -> busy until (ms)
    cluster_busy = 0                  # a partition or push in progress
    faults = []
    t = warmup
    while True:
        t += int(min(max(rng.expovariate(1.0 / mean_gap_s), 1.0),
                     3 * mean_gap_s) * 1000)
        if t >= end_limit:
            break
        kind = rng.choices(names, weights)[0]
        dur = int(rng.uniform(1.0, 8.0) * 1000) if kind in DURATIONAL else 0
        if t + dur > end_limit:
            dur = max(0, end_limit - t)
            if kind in DURATIONAL and dur < 1000:
                continue
        free = [n for n in nodes if busy[n] <= t]
        if t < cluster_busy:
            continue
        f = {"t": t, "kind": kind, "dur": dur}
        if kind == "partition":
            if len(free) < len(nodes):
                continue
            side = rng.sample(nodes, rng.randint(1, len(nodes) - 1))
            f["a"] = sorted(side)
            f["b"] = sorted(n for n in nodes if n not in side)
            cluster_busy = t + dur
            for n in nodes:
                busy[n] = t + dur
        elif kind == "push":
            cluster_busy = t + 2000
        else:
            # never two faults on one node, and at least one node
            # untouched while this one runs
            if len(nodes) - len(free) > len(nodes) - 2:
                continue
            f["node"] = rng.choice(free)
            if kind == "loss":
                f["pct"] = rng.choice([10, 20, 30, 40])
            elif kind == "congest":
                f["kbit"] = rng.choice([32, 64, 128, 256])
            hold = dur + (NODE_BUSY_AFTER_KILL_MS if kind in KILLS else 500)
            busy[f["node"]] = t + hold
        faults.append(f)
    return faults


def cmd_schedule(a):
    nodes = a.nodes.split(",")
    s = make_schedule(a.seed, a.duration, nodes, not a.no_partition,
                      a.netem, a.mean_gap,
                      a.kinds.split(",") if a.kinds else None)
    json.dump({"seed": a.seed, "duration_s": a.duration, "nodes": nodes,
               "faults": s}, sys.stdout, indent=1)
    print()


# ---------------------------------------------------------------- execute

def now_ms():
    return time.monotonic() * 1000.0


class Executor:
    """Applies a schedule to a cluster and keeps its nodes running."""

    def __init__(self, topo, sched, out):
        self.topo = topo
        self.sched = sched
        self.out = out
        self.log_f = open(os.path.join(out, "events.log"), "a", buffering=1)
        self.lock = threading.Lock()
        self.node_lock = {n: threading.Lock() for n in topo["nodes"]}
        self.main_pid = {}
        self.held = {}          # node -> reason the manager leaves it alone
        self.restart_at = {}
        self.stopped = {}       # node -> pids SIGSTOPped
        self.unsupported = set()
        self.done = False

    def log(self, *words):
        line = "%.3f %s" % (now_ms(), " ".join(str(w) for w in words))
        with self.lock:
            self.log_f.write(line + "\n")

    # -- the plugin and the namespaces

    def env(self, node=None):
        e = dict(os.environ)
        e.update(self.topo["env"])
        if node is not None:
            e.update(self.topo["nodes"][node]["env"])
        return e

    def plugin(self, action, node=None, *args, timeout=120):
        try:
            p = subprocess.run([self.topo["plugin"], action] + list(args),
                               env=self.env(node), timeout=timeout,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        except subprocess.TimeoutExpired:
            self.log("plugin-timeout", action, node or "-")
            return 124, ""
        if p.returncode not in (0, 3):
            self.log("plugin-error", action, node or "-", p.returncode,
                     repr(p.stderr.strip()[-300:]))
        return p.returncode, p.stdout

    def sh(self, *argv):
        p = subprocess.run(list(argv), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            self.log("cmd-error", repr(" ".join(argv)),
                     repr(p.stderr.strip()[-200:]))
        return p.returncode

    def procs(self, node):
        rc, out = self.plugin("procs", node)
        res = []
        for line in out.splitlines():
            w = line.split()
            if len(w) == 2 and w[1].isdigit():
                res.append((w[0], int(w[1])))
        return res

    def sw(self, *argv):
        return self.sh("ip", "netns", "exec", self.topo["sw"], *argv)

    def in_node(self, node, *argv):
        return self.sh("ip", "netns", "exec",
                       self.topo["nodes"][node]["ns"], *argv)

    # -- the service manager

    def start_node(self, node):
        rc, _ = self.plugin("start", node)
        pid = None
        for _ in range(100):
            for role, p in self.procs(node):
                if role == "supervisor":
                    pid = p
            if pid:
                break
            time.sleep(0.05)
        self.main_pid[node] = pid
        return rc

    @staticmethod
    def alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    def manage_once(self):
        t = now_ms()
        for node in self.topo["nodes"]:
            with self.node_lock[node]:
                if node in self.held:
                    continue
                pid = self.main_pid.get(node)
                if node in self.restart_at:
                    if t >= self.restart_at[node]:
                        del self.restart_at[node]
                        self.start_node(node)
                        self.log("restart", node, self.main_pid[node])
                    continue
                if pid is None or self.alive(pid):
                    continue
                # main process gone: the rest of the group goes too
                # (KillMode=control-group), then ExecStopPost, then wait
                self.log("crash", node, pid)
                self.plugin("kill", node)
                self.plugin("poststop", node)
                self.restart_at[node] = now_ms() + \
                    self.topo.get("restart_sec", 1) * 1000

    def manager(self):
        while not self.done:
            self.manage_once()
            time.sleep(0.1)

    # -- faults

    def signal_roles(self, node, roles, sig):
        pids = [p for r, p in self.procs(node) if r in roles]
        for p in pids:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        return pids

    def port(self, node):
        return self.topo["nodes"][node]["port"]

    def fault_start(self, f):
        k, n = f["kind"], f.get("node")
        if k == "kill-worker":
            pids = self.signal_roles(n, ("worker",), signal.SIGKILL)
        elif k == "kill-super":
            pids = self.signal_roles(n, ("supervisor",), signal.SIGKILL)
        elif k == "kill-both":
            pids = self.signal_roles(n, ("supervisor", "worker"),
                                     signal.SIGKILL)
        elif k == "stop":
            with self.node_lock[n]:
                self.held[n] = "stopped"
                pids = [p for _, p in self.procs(n)]
                for p in pids:
                    try:
                        os.kill(p, signal.SIGSTOP)
                    except ProcessLookupError:
                        pass
                self.stopped[n] = pids
        elif k == "linkdown":
            self.sw("ip", "link", "set", self.port(n), "down")
        elif k == "loss":
            rules = ("table bridge chaos_loss_%s {\n chain forward {\n"
                     "  type filter hook forward priority 0;\n"
                     "  iifname \"%s\" numgen random mod 100 < %d drop\n"
                     "  oifname \"%s\" numgen random mod 100 < %d drop\n"
                     " }\n}\n" % (n, self.port(n), f["pct"], self.port(n),
                                  f["pct"]))
            self.nft_sw(rules)
        elif k == "congest":
            for argv in self.tbf_cmds(n, f["kbit"], "add"):
                self.sh(*argv)
        elif k in ("delay", "reorder"):
            spec = (["delay", "80ms", "40ms"] if k == "delay" else
                    ["delay", "30ms", "reorder", "25%", "50%"])
            self.sw("tc", "qdisc", "add", "dev", self.port(n), "root",
                    "netem", *spec)
            self.in_node(n, "tc", "qdisc", "add", "dev", "eth0", "root",
                         "netem", *spec)
        elif k == "partition":
            a = ", ".join('"%s"' % self.port(x) for x in f["a"])
            b = ", ".join('"%s"' % self.port(x) for x in f["b"])
            self.nft_sw("table bridge chaos_part {\n chain forward {\n"
                        "  type filter hook forward priority 0;\n"
                        "  iifname { %s } oifname { %s } drop\n"
                        "  iifname { %s } oifname { %s } drop\n"
                        " }\n}\n" % (a, b, b, a))
        elif k == "reload":
            self.plugin("reload", n)
        elif k == "push":
            rc, _ = self.plugin("push")
            if rc == 3:
                self.unsupported.add(k)
            return "rc=%d" % rc
        elif k == "diskfull":
            rc, _ = self.plugin("diskfull", n, "on")
            if rc == 3:
                self.unsupported.add(k)
            return "rc=%d" % rc
        if k in KILLS:
            return "pids=" + ",".join(str(p) for p in pids) if pids \
                else "pids=none"
        return ""

    def fault_end(self, f):
        k, n = f["kind"], f.get("node")
        if k == "stop":
            with self.node_lock[n]:
                for p in self.stopped.pop(n, []):
                    try:
                        os.kill(p, signal.SIGCONT)
                    except ProcessLookupError:
                        pass
                self.held.pop(n, None)
        elif k == "linkdown":
            self.sw("ip", "link", "set", self.port(n), "up")
        elif k == "loss":
            self.sw("nft", "delete", "table", "bridge", "chaos_loss_" + n)
        elif k == "congest":
            for argv in self.tbf_cmds(n, f["kbit"], "del"):
                self.sh(*argv)
        elif k in ("delay", "reorder"):
            self.sw("tc", "qdisc", "del", "dev", self.port(n), "root")
            self.in_node(n, "tc", "qdisc", "del", "dev", "eth0", "root")
        elif k == "partition":
            self.sw("nft", "delete", "table", "bridge", "chaos_part")
        elif k == "diskfull":
            rc, _ = self.plugin("diskfull", n, "off")
            return "rc=%d" % rc
        return ""

    def tbf_cmds(self, n, kbit, op):
        tail = (["tbf", "rate", "%dkbit" % kbit, "burst", "1600",
                 "latency", "300ms"] if op == "add" else [])
        return [["ip", "netns", "exec", self.topo["sw"], "tc", "qdisc", op,
                 "dev", self.port(n), "root"] + tail,
                ["ip", "netns", "exec", self.topo["nodes"][n]["ns"], "tc",
                 "qdisc", op, "dev", "eth0", "root"] + tail]

    def nft_sw(self, rules):
        p = subprocess.run(["ip", "netns", "exec", self.topo["sw"], "nft",
                            "-f", "-"], input=rules, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            self.log("cmd-error", "nft", repr(p.stderr.strip()[-200:]))

    @staticmethod
    def describe(f):
        w = [f["kind"], f.get("node", "-")]
        if "a" in f:
            w[1] = "+".join(f["a"]) + "|" + "+".join(f["b"])
        for k in ("pct", "kbit"):
            if k in f:
                w.append("%s=%s" % (k, f[k]))
        if f["dur"]:
            w.append("dur=%d" % f["dur"])
        return w

    # -- the run

    def actions(self):
        acts = []
        for i, f in enumerate(self.sched["faults"]):
            acts.append((f["t"], 0, i, "start", f))
            if f["kind"] in DURATIONAL:
                acts.append((f["t"] + f["dur"], 1, i, "end", f))
        acts.sort(key=lambda a: (a[0], a[1], a[2]))
        return acts

    def run(self):
        for node in self.topo["nodes"]:
            pid = None
            for role, p in self.procs(node):
                if role == "supervisor":
                    pid = p
            self.main_pid[node] = pid
        mgr = threading.Thread(target=self.manager, daemon=True)
        mgr.start()
        t0 = now_ms()
        self.log("begin", "seed=%s" % self.sched["seed"],
                 "duration_ms=%d" % (self.sched["duration_s"] * 1000),
                 "wall_ms=%d" % (time.time() * 1000))
        for at, _, i, phase, f in self.actions():
            delay = t0 + at - now_ms()
            if delay > 0:
                time.sleep(delay / 1000.0)
            words = self.describe(f)
            # stamped before it acts: a window starts no later than the
            # fault itself
            self.log("fault", i, phase, *words)
            res = self.fault_start(f) if phase == "start" else \
                self.fault_end(f)
            if res:
                self.log("fault-result", i, phase, res)
        delay = t0 + self.sched["duration_s"] * 1000 - now_ms()
        if delay > 0:
            time.sleep(delay / 1000.0)
        self.log("end-of-faults")
        self.converge()
        self.done = True
        mgr.join()
        self.log("end")

    def generations(self):
        gens = {}
        for node in self.topo["nodes"]:
            rc, out = self.plugin("generation", node)
            if rc == 3:
                return None
            gens[node] = out.strip() if rc == 0 else "?"
        return gens

    def converge(self):
        """After the last fault: every node up, a push where the plugin
        has one (what an administrator does after a failed push), then
        one generation everywhere within 60 s."""
        limit = now_ms() + 60000
        while now_ms() < limit and (self.restart_at or any(
                not p or not self.alive(p) for p in self.main_pid.values())):
            time.sleep(0.2)
        for attempt in range(3):    # as an administrator would retry
            rc, _ = self.plugin("push", timeout=300)
            self.log("final-push", "rc=%d" % rc)
            if rc in (0, 3):
                break
        while True:
            gens = self.generations()
            if gens is None:
                self.log("converged", "n/a")
                return
            if len(set(gens.values())) == 1 and "?" not in gens.values():
                self.log("converged", "generation=%s" %
                         next(iter(gens.values())))
                return
            if now_ms() >= limit:
                self.log("diverged", *("%s=%s" % kv for kv in
                                       sorted(gens.items())))
                return
            time.sleep(0.5)


def cmd_execute(a):
    with open(a.topo) as f:
        topo = json.load(f)
    with open(a.schedule) as f:
        sched = json.load(f)
    ex = Executor(topo, sched, a.out)
    ex.run()


# ---------------------------------------------------------------- check

class Bounds:
    def __init__(self, a, params):
        dead = params.get("deadtime_ms", 1000)
        ka = params.get("keepalive_ms", 200)
        self.heal = a.heal_bound if a.heal_bound else max(1000, 4 * ka) + 1000
        self.dead = a.dead_bound if a.dead_bound else dead + 1500
        self.announce = a.announce_bound
        self.transition = a.transition_bound
        self.stale = a.stale_slack
        self.restart = params.get("restart_ms", 1000)

    def text(self):
        return ("bounds: duplicate owners up to %d ms after a heal; no owner "
                "up to %d ms after a fault starts or ends; re-announce within "
                "%d ms of a new owner; handover overlap up to %d ms; clients "
                "on the owner's MAC %d ms after that" %
                (self.heal, self.dead, self.announce, self.transition,
                 self.announce + self.stale))


def read_events(d):
    ev = []
    with open(os.path.join(d, "events.log")) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2:
                ev.append((float(w[0]), w[1:]))
    return ev


def fault_windows(ev):
    """Faults as dicts: kind, node(s), start, end (ms)."""
    open_ = {}
    out = []
    for t, w in ev:
        if w[0] != "fault":
            continue
        i, phase, kind, node = w[1], w[2], w[3], w[4]
        if phase == "start":
            f = {"i": i, "kind": kind, "start": t, "end": t}
            if "|" in node:
                a, b = node.split("|")
                f["nodes"] = a.split("+") + b.split("+")
            else:
                f["nodes"] = [node] if node != "-" else []
            f["args"] = w[5:]
            out.append(f)
            open_[i] = f
        elif i in open_:
            open_[i]["end"] = t
    return out


def read_arp(path, macs, rounds, anns):
    """Adds per VIP: rounds [(t, set of nodes)] and announcements
    [(t, node)]."""
    last = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 3:
                continue
            t, what, vip = float(w[0]), w[1], w[2]
            if what == "req":
                r = [t, set()]
                rounds.setdefault(vip, []).append(r)
                last[vip] = r
            elif what == "ans" and vip in last:
                last[vip][1].add(macs.get(w[3], w[3]))
            elif what == "ann":
                anns.setdefault(vip, []).append((t, macs.get(w[3], w[3])))


def read_probe(path):
    res, neigh, late = {}, {}, []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) < 3:
                continue
            t = float(w[0])
            if w[1] == "-":
                if w[2] == "late":
                    late.append((t, float(w[3])))
                continue
            vip = w[1]
            if w[2] == "ok":
                res.setdefault(vip, []).append((t, True, w[3]))
            elif w[2] == "fail":
                res.setdefault(vip, []).append((t, False, w[3]))
            elif w[2] == "neigh":
                neigh.setdefault(vip, []).append((t, w[3]))
    for v in res:
        res[v].sort()
    return res, neigh, late


def owner_at(rounds, t, back=200):
    """The node(s) answering in the last rounds before t."""
    s = set()
    for rt, who in reversed(rounds):
        if rt < t - back:
            break
        if rt <= t:
            s |= who
    return s


def episodes(rounds, pred, merge_gap=1):
    """Maximal runs of rounds satisfying pred: [(start, end, i0, i1)]."""
    out = []
    i = 0
    n = len(rounds)
    while i < n:
        if not pred(rounds[i][1]):
            i += 1
            continue
        j = i
        k = i + 1
        while k < n:
            if pred(rounds[k][1]):
                j = k
                k += 1
            elif k - j <= merge_gap:
                k += 1
            else:
                break
        out.append((rounds[i][0], rounds[j][0], i, j))
        i = j + 1
    return out


class Checker:
    def __init__(self, d, bounds, params):
        self.d = d
        self.b = bounds
        self.params = params
        with open(os.path.join(d, "macs.json")) as f:
            self.macs = json.load(f)
        self.ev = read_events(d)
        self.faults = fault_windows(self.ev)
        self.t_begin = next(t for t, w in self.ev if w[0] == "begin")
        self.t_faults_end = next((t for t, w in self.ev
                                  if w[0] == "end-of-faults"), self.ev[-1][0])
        self.t_end = self.ev[-1][0]
        self.restarts = [(t, w[1]) for t, w in self.ev if w[0] == "restart"]
        self.rounds, self.anns = {}, {}
        for name in ("arp.log", "arp-priv.log"):
            if os.path.exists(os.path.join(d, name)):
                read_arp(os.path.join(d, name), self.macs, self.rounds,
                         self.anns)
        self.probes = {}
        for name in sorted(os.listdir(d)):
            if name.startswith("probe-") and name.endswith(".log"):
                self.probes[name[6:-4]] = read_probe(os.path.join(d, name))
        self.violations = []
        self.figures = {}

    def rel(self, t):
        return "%+.1fs" % ((t - self.t_begin) / 1000.0)

    def violate(self, t, msg):
        self.violations.append((t, msg))

    # -- windows in which the wire may show what it shows

    def heal_excuse(self, vip, nodes, t):
        """A duplicate at t involving nodes is excused: one of them was cut
        off from the others (or was the owner when it froze or died)."""
        rounds = self.rounds[vip]
        for f in self.faults:
            k = f["kind"]
            if k == "partition":
                hit = True
            elif k in ("loss", "congest", "delay", "reorder"):
                hit = bool(set(f["nodes"]) & nodes)
            elif k in ("linkdown", "stop", "kill-both", "kill-super"):
                # a node that knows its link is down, or was frozen or
                # killed, may keep what it held, never take more
                hit = bool(set(f["nodes"]) & nodes) and bool(
                    set(f["nodes"]) & owner_at(rounds, f["start"]))
            else:
                hit = False
            if not hit:
                continue
            end = f["end"]
            if k in ("kill-both", "kill-super"):
                end = max([r for r, n in self.restarts
                           if n in f["nodes"] and r >= f["start"]] +
                          [f["start"]])
            if f["start"] <= t <= end + self.b.heal:
                return f
        return None

    def absence_excuse(self, vip, t):
        rounds = self.rounds[vip]
        for f in self.faults:
            if f["start"] <= t <= f["start"] + self.b.dead or \
                    f["end"] <= t <= f["end"] + self.b.dead:
                return f
            if f["kind"] in ("loss", "congest", "delay", "reorder") and \
                    set(f["nodes"]) & owner_at(rounds, f["start"]) and \
                    f["start"] <= t <= f["end"] + self.b.dead:
                return f
        for r, n in self.restarts:
            if r <= t <= r + self.b.dead:
                return {"kind": "restart", "nodes": [n], "start": r}
        return None

    # -- invariants

    def in_run(self, t):
        return self.t_begin <= t <= self.t_end

    def check_duplicates(self, vip):
        rounds = [r for r in self.rounds[vip] if self.in_run(r[0])]
        worst_heal = 0.0
        n_dup = 0
        for s, e, i0, i1 in episodes(rounds, lambda who: len(who) > 1):
            n_dup += 1
            who = set()
            for k in range(i0, i1 + 1):
                who |= rounds[k][1]
            dur = e - s + 20
            f = self.heal_excuse(vip, who, s)
            if f is not None:
                worst_heal = max(worst_heal, dur)
                continue
            before = owner_at(rounds, s - 1, 100)
            after = rounds[i1 + 1][1] if i1 + 1 < len(rounds) else set()
            if before != after and dur <= self.b.transition:
                continue
            self.violate(s, "%s: %s answered ARP together for %.0f ms "
                         "(not after a heal)" % (vip, ",".join(sorted(who)),
                                                  dur))
        return n_dup, worst_heal

    def check_absence(self, vip):
        rounds = [r for r in self.rounds[vip] if self.in_run(r[0])]
        worst = 0.0
        for s, e, i0, i1 in episodes(rounds, lambda who: not who, 0):
            if i1 - i0 < 2:
                continue
            dur = e - s + 20
            f = self.absence_excuse(vip, s)
            if f is not None:
                worst = max(worst, dur)
                continue
            self.violate(s, "%s: no node answered ARP for %.0f ms" %
                         (vip, dur))
        if rounds and not rounds[-1][1]:
            self.violate(rounds[-1][0], "%s: no owner at the end" % vip)
        return worst

    def stable_periods(self, vip, k=5):
        """[(start, end, owner)]: k+ rounds answered by one node alone,
        no other node announcing the VIP meanwhile."""
        rounds = self.rounds[vip]
        anns = self.anns.get(vip, [])
        out = []
        run_start, run_owner, run_n, last_t = None, None, 0, None
        ai = 0
        for t, who in rounds:
            foreign = False
            while ai < len(anns) and anns[ai][0] <= t:
                if run_owner is not None and anns[ai][1] != run_owner:
                    foreign = True
                ai += 1
            single = next(iter(who)) if len(who) == 1 else None
            if single is not None and single == run_owner and not foreign:
                run_n += 1
                last_t = t
            else:
                if run_owner is not None and run_n >= k:
                    out.append((run_start, last_t, run_owner))
                run_start, run_owner, run_n, last_t = t, single, 1, t
        if run_owner is not None and run_n >= k:
            out.append((run_start, last_t, run_owner))
        return out

    def check_announce(self, vip):
        """After every episode in which another node answered or announced
        the VIP, the owner that stays announces it after that node's last
        word, and the clients end on the owner's MAC."""
        periods = [p for p in self.stable_periods(vip)
                   if self.in_run(p[0])]
        rounds = self.rounds[vip]
        anns = self.anns.get(vip, [])
        n_ep, worst = 0, 0.0
        prev_end = self.t_begin
        for s, e, owner in periods:
            lim = s + self.b.announce
            last_foreign = None
            for t, who in rounds:
                if prev_end < t <= lim and who - {owner}:
                    last_foreign = t
            for t, who in anns:
                if prev_end < t <= lim and who != owner:
                    last_foreign = t
            prev_end = e
            if last_foreign is None:
                continue
            n_ep += 1
            mine = [t for t, who in anns if who == owner and
                    last_foreign <= t <= max(lim, last_foreign + 1)]
            if not mine:
                if e >= lim:
                    self.violate(s, "%s: %s owns it again but sent no "
                                 "gratuitous ARP after %s's last answer "
                                 "(%s) within %d ms" % (
                                     vip, owner, self.who_at(
                                         vip, last_foreign, owner),
                                     self.rel(last_foreign),
                                     self.b.announce))
                continue
            worst = max(worst, mine[0] - max(last_foreign, s))
            self.check_clients(vip, owner, lim + self.b.stale, e)
        return n_ep, worst

    def who_at(self, vip, t, owner):
        for rt, who in self.rounds[vip]:
            if rt == t:
                return ",".join(sorted(who - {owner}))
        for at, who in self.anns.get(vip, []):
            if at == t:
                return who
        return "?"

    def check_clients(self, vip, owner, t, until):
        if until < t:
            return
        want = next((m for m, n in self.macs.items() if n == owner), None)
        for client, (_, neigh, _) in self.probes.items():
            cur = "none"
            for nt, mac in neigh.get(vip, []):
                if nt > t:
                    break
                cur = mac
            if cur not in ("none", want):
                self.violate(t, "%s: client %s still on %s's MAC %s while "
                             "%s owns it" % (vip, client,
                                             self.macs.get(cur, "?"), cur,
                                             owner))

    def availability(self):
        figs = {}
        for client, (res, _, late) in self.probes.items():
            for vip, rs in res.items():
                rs = [r for r in rs if self.t_begin <= r[0] <=
                      self.t_faults_end]
                if not rs:
                    continue
                ok = sum(1 for r in rs if r[1])
                gap, gap_at, last_ok = 0.0, None, self.t_begin
                for t, good, _ in rs:
                    if good:
                        if t - last_ok > gap:
                            gap, gap_at = t - last_ok, last_ok
                        last_ok = t
                if self.t_faults_end - last_ok > gap:
                    gap, gap_at = self.t_faults_end - last_ok, last_ok
                figs["%s %s" % (client, vip)] = {
                    "avail": 100.0 * ok / len(rs), "n": len(rs),
                    "gap_ms": gap, "gap_at": gap_at,
                    "late": sum(x for _, x in late)}
        return figs

    def convergence(self):
        pushes = [(t, w[1]) for t, w in self.ev if w[0] == "final-push"]
        if pushes and pushes[-1][1] not in ("rc=0", "rc=3"):
            self.violate(pushes[-1][0], "the push after the last fault "
                         "failed %d times (%s): the nodes cannot be brought "
                         "to one generation" % (len(pushes), pushes[-1][1]))
        for t, w in self.ev:
            if w[0] == "diverged":
                self.violate(t, "generations differ after the last fault: "
                             + " ".join(w[1:]))
            if w[0] == "converged":
                return w[1]
        return "?"

    def run(self):
        out = {"vips": {}}
        for vip in sorted(self.rounds):
            n_dup, heal = self.check_duplicates(vip)
            absent = self.check_absence(vip)
            n_ep, ann = self.check_announce(vip)
            out["vips"][vip] = {"duplicates": n_dup, "heal_dup_ms": heal,
                                "no_owner_ms": absent, "episodes": n_ep,
                                "announce_ms": ann}
        out["clients"] = self.availability()
        out["converged"] = self.convergence()
        leaks = os.path.join(self.d, "leaks.txt")
        if os.path.exists(leaks):
            with open(leaks) as f:
                for line in f:
                    if line.strip():
                        self.violate(self.t_end, "leak: " + line.strip())
        out["faults"] = len(self.faults)
        out["crashes"] = sum(1 for _, w in self.ev if w[0] == "crash")
        self.violations.sort()
        out["violations"] = ["%s %s" % (self.rel(t), m)
                             for t, m in self.violations]
        return out


def cmd_check(a):
    params = {}
    pf = os.path.join(a.dir, "params")
    if os.path.exists(pf):
        with open(pf) as f:
            for w in f.read().split():
                if "=" in w:
                    k, v = w.split("=", 1)
                    params[k] = int(float(v))
    b = Bounds(a, params)
    c = Checker(a.dir, b, params)
    res = c.run()
    res["bounds"] = b.text()
    res["impl"] = a.impl
    res["seed"] = a.seed
    with open(os.path.join(a.dir, "result.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(b.text())
    for vip, v in sorted(res["vips"].items()):
        print("%s: %d duplicate episode(s), longest excused %.0f ms; "
              "longest excused absence %.0f ms; %d episode(s) needing a "
              "re-announce, slowest %.0f ms" % (
                  vip, v["duplicates"], v["heal_dup_ms"], v["no_owner_ms"],
                  v["episodes"], v["announce_ms"]))
    for k, v in sorted(res["clients"].items()):
        print("client %s: availability %.2f %% of %d probes, longest gap "
              "%.0f ms at %s%s" % (
                  k, v["avail"], v["n"], v["gap_ms"],
                  c.rel(v["gap_at"]) if v["gap_at"] else "-",
                  " (probe starved %.0f ms in all)" % v["late"]
                  if v["late"] > 100 else ""))
    print("faults %d, crashes restarted %d, converged: %s" % (
        res["faults"], res["crashes"], res["converged"]))
    avail = [v["avail"] for v in res["clients"].values()]
    if a.min_avail and avail and min(avail) < a.min_avail:
        res["violations"].append("availability %.2f %% < %.2f %%" % (
            min(avail), a.min_avail))
    for v in res["violations"]:
        print("VIOLATION", v)
    print("summary impl=%s seed=%s avail_min=%.2f gap_max_ms=%.0f "
          "violations=%d" % (a.impl, a.seed, min(avail) if avail else 0,
                             max((v["gap_ms"] for v in
                                  res["clients"].values()), default=0),
                             len(res["violations"])))
    return 1 if res["violations"] else 0


def cmd_table(a):
    """Per seed, per implementation: availability pooled over every
    client probe of every VIP, the longest gap any client saw, and the
    invariants broken."""
    res = {}
    impls = []
    for d in a.dirs:
        try:
            with open(os.path.join(d, "result.json")) as f:
                r = json.load(f)
        except OSError:
            continue
        cl = r["clients"].values()
        n = sum(v["n"] for v in cl)
        ok = sum(v["n"] * v["avail"] / 100.0 for v in cl)
        res[(str(r["seed"]), r["impl"])] = (
            100.0 * ok / n if n else 0.0,
            max((v["gap_ms"] for v in cl), default=0.0),
            len(r["violations"]))
        if r["impl"] not in impls:
            impls.append(r["impl"])
    seeds = sorted({k[0] for k in res}, key=lambda x: (len(x), x))
    head = ["seed"]
    for i in impls:
        head += ["%s availability %%" % i, "%s longest gap ms" % i,
                 "%s violations" % i]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for seed in seeds:
        row = [seed]
        for i in impls:
            if (seed, i) in res:
                av, gap, nv = res[(seed, i)]
                row += ["%.2f" % av, "%.0f" % gap, str(nv)]
            else:
                row += ["-", "-", "-"]
        print("| " + " | ".join(row) + " |")
    return 0


def main():
    p = argparse.ArgumentParser(prog="chaos.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("schedule")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--duration", type=int, default=180)
    s.add_argument("--nodes", default="r1,r2,r3")
    s.add_argument("--no-partition", action="store_true")
    s.add_argument("--netem", action="store_true")
    s.add_argument("--mean-gap", type=float, default=8.0)
    s.add_argument("--kinds", default="")
    e = sub.add_parser("execute")
    e.add_argument("--topo", required=True)
    e.add_argument("--schedule", required=True)
    e.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("--dir", required=True)
    c.add_argument("--impl", default="?")
    c.add_argument("--seed", default="?")
    c.add_argument("--heal-bound", type=int, default=0)
    c.add_argument("--dead-bound", type=int, default=0)
    c.add_argument("--announce-bound", type=int, default=1000)
    c.add_argument("--transition-bound", type=int, default=100)
    c.add_argument("--stale-slack", type=int, default=500)
    c.add_argument("--min-avail", type=float, default=0)
    t = sub.add_parser("table")
    t.add_argument("dirs", nargs="+")
    a = p.parse_args()
    if a.cmd == "schedule":
        cmd_schedule(a)
        return 0
    if a.cmd == "execute":
        cmd_execute(a)
        return 0
    if a.cmd == "check":
        return cmd_check(a)
    return cmd_table(a)


if __name__ == "__main__":
    sys.exit(main())
