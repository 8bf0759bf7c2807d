#!/bin/bash
# ops_cluster.sh - operations across a cluster: events, metrics,
# cluster-wide maintenance, standby.
#
#   c 10.246.0.10, adm 10.246.0.5 (the admin station: shoal-sync, its own
#   database) --br0-- n1 .11 / n2 .12 (VIP 10.246.0.100, sshd for pushes)
#   rs1, rs2 10.247.0.21-22 --br1-- n1 / n2 (nat_router 10.247.0.1)
#
# Checks: a drain made on n1 (`shoalctl server drain`) reaches n2 within a
# few seconds, survives a push of a new generation from the admin station
# (real sshd, shoal-sync) and n1's death (SIGKILL of its whole pulse: n2
# takes over with rs1 drained); metrics scraped on n2 during that
# fail-over show the transition and pass `promtool check metrics`; the
# event stream of n2 (`shoalctl events --follow --json`) has the drain
# (who, where), the pushed generation and the role change in order; a
# restarted n1 keeps the drain; `shoalctl node standby` of the active
# node moves the VIP to the other within one heartbeat interval (from the
# events' times), resume makes it a candidate again; unknown names are
# refused; a drill from the active node hands the VIPs over and back
# with an outage per VIP below the dead time, recorded; no dual-active
# alarm through all that, but one naming n1 and the forged MAC when a
# stranger answers ARP for the VIP.  SKIP (77) when not root, without
# netns, nft, sshd or promtool.
set -u
NS_PREFIX=so$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
. "$top_srcdir/tests/integration/lib/push_lib.sh"
ns_require
pl_init
NANNY=$top_builddir/nanny
SHOAL_SYNC=$top_builddir/shoal-sync
[ -x "$NANNY" ] && [ -x "$SHOAL_SYNC" ] || {
	echo "SKIP: nanny or shoal-sync not built"; exit 77; }
export SHOAL_NANNY=$NANNY
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }
command -v promtool >/dev/null || { echo "SKIP: no promtool (prometheus)"; exit 77; }
pp_init

VIP=10.246.0.100
KEEPALIVE_MS=500
ns_switch
ns_host c   10.246.0.10/24
ns_host adm 10.246.0.5/24
ns_host n1  10.246.0.11/24 10.247.0.11/24
ns_host n2  10.246.0.12/24 10.247.0.12/24
ns_exec n1 nft add table ip so_probe 2>/dev/null &&
	ns_exec n1 nft delete table ip so_probe ||
	{ echo "SKIP: nft unavailable in a namespace"; exit 77; }
for i in 1 2; do
	ns_rs "rs$i" "10.247.0.2$i/24" 10.247.0.1 || pl_fail "netns rs$i"
done

# ---- sshd on each node for the admin station's pushes ----
pp_sshd n1 10.246.0.11
pp_sshd n2 10.246.0.12

write_cf() {	# write_cf FILE RS2_WEIGHT
	cat >"$1" <<CF
service = lvs
heartbeat_key = "ops cluster test key"
keepalive = 0.5
deadtime = 2
preempt = 0
network = nat
nat_router = 10.247.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = nftables
node n1 {
$(pp_node_keys n1 10.246.0.11)
    priority = 200
}
node n2 {
$(pp_node_keys n2 10.246.0.12)
    priority = 100
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     scheduler = wrr
     check = http
     check_interval = 0.5
     check_timeout = 0.4
     fall = 2
     rise = 1
     server rs1 {
         address = 10.247.0.21
         active = 1
         weight = 1
     }
     server rs2 {
         address = 10.247.0.22
         active = 1
         weight = $2
     }
}
CF
}
write_cf "$NS_TMP/lvs.cf" 1
pp_db n1 "$NS_TMP/lvs.cf"
pp_db n2 "$NS_TMP/lvs.cf"
"$SHOALCTL" --db "$NS_TMP/adm.db" config import "$NS_TMP/lvs.cf" >/dev/null ||
	pl_fail "admin station import"

# health NODE RS FIELD: a field of RS of web in NODE's status
health() {
	pl_field "$1" "[r for r in s['virtual_services'][0]['servers'] if r['name'] == '$2'][0]['$3']"
}
follow() {	# follow NODE: its events, as JSON lines, into ev-NODE.jsonl
	"$SHOALCTL" events --follow --json --rundir "$NS_TMP/run-$1" \
		>>"$NS_TMP/ev-$1.jsonl" 2>"$NS_TMP/ev-$1.err" &
	NS_PIDS+=("$!")
}
# has_event NODE PYTHON-CONDITION-ON-e: an event of NODE matches
has_event() {
	/usr/bin/python3 - "$NS_TMP/ev-$1.jsonl" "$2" <<'EOF'
import json, sys
ok = False
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2]):
        ok = True
sys.exit(0 if ok else 1)
EOF
}
# event_ms NODE COND: time_ms of the first event of NODE matching COND
event_ms() {
	/usr/bin/python3 - "$NS_TMP/ev-$1.jsonl" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2]):
        print(e['time_ms'])
        break
EOF
}

pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 is not active"
pl_start n2
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 is not backup"
follow n1
follow n2
ns_wait_for 10 eval '[ "$(health n1 rs1 health)" = up ] &&
	[ "$(health n1 rs2 health)" = up ]' ||
	pl_fail "real servers not up on n1: $(pl_status n1)"
pl_ok "n1 active, n2 backup, rs1 and rs2 up"

# ---- 1. a drain on n1 reaches n2 ----
"$SHOALCTL" --db "$NS_TMP/n1.db" server drain web rs1 \
	--rundir "$NS_TMP/run-n1" >"$NS_TMP/drain.out" 2>&1 ||
	pl_fail "drain: $(cat "$NS_TMP/drain.out")"
grep -q "pulse applied it" "$NS_TMP/drain.out" ||
	pl_fail "drain not applied: $(cat "$NS_TMP/drain.out")"
[ "$(health n1 rs1 admin)" = drain ] && [ "$(health n1 rs1 weight)" = 0 ] ||
	pl_fail "rs1 not drained on n1: $(pl_status n1)"
n2_has_drain() {
	"$SHOALCTL" maint --json --rundir "$NS_TMP/run-n2" 2>/dev/null |
		/usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin)
sys.exit(0 if any(e.get('server') == 'rs1' and e['state'] == 'drain' for e in m['entries']) else 1)"
}
ns_wait_for 5 n2_has_drain || pl_fail "the drain did not reach n2"
grep -q '"drain"' "$NS_TMP/n2.db.maint" || pl_fail "n2 did not save the drain"
pl_ok "drain on n1 reached n2 after ${NS_WAITED_MS} ms (saved in n2.db.maint)"

# ---- 2. a push from the admin station keeps it ----
write_cf "$NS_TMP/lvs2.cf" 2
"$SHOALCTL" --db "$NS_TMP/adm.db" config import "$NS_TMP/lvs2.cf" >/dev/null ||
	pl_fail "admin station: second generation"
gen=$("$SHOALCTL" --db "$NS_TMP/adm.db" config current |
	sed -n 's/^current generation=\([0-9]*\) .*/\1/p')
ns_exec adm "$SHOAL_SYNC" --db "$NS_TMP/adm.db" \
	--known-hosts "$NS_TMP/known_hosts" --identity "$NS_TMP/id" --timeout 60 push \
	--rundir "$NS_TMP/run-n1" >"$NS_TMP/push.out" 2>&1 ||
	pl_fail "push: $(cat "$NS_TMP/push.out")"
for n in n1 n2; do
	ns_wait_for 10 eval '[ "$(pl_field $n "s['"'"'generation'"'"']")" = "$gen" ]' ||
		pl_fail "$n is not on generation $gen after the push: $(cat "$NS_TMP/push.out")"
done
ns_wait_for 5 eval '[ "$(health n1 rs2 weight)" = 2 ]' ||
	pl_fail "the pushed weight did not apply: $(pl_status n1)"
[ "$(health n1 rs1 admin)" = drain ] && [ "$(health n1 rs1 weight)" = 0 ] ||
	pl_fail "the push undid the drain on n1: $(pl_status n1)"
n2_has_drain || pl_fail "the push undid the drain on n2"
# shoal-sync told the pulse beside it (here n1's, as if the admin
# station were n1's host) that the push ended: an event and a metric
ns_wait_for 5 has_event n1 "e['kind'] == 'push' and e['generation'] == '$gen' and e['result'] == 'ok' and e['committed'] == '2' and e['failed'] == '0'" ||
	pl_fail "no push event on n1: $(cat "$NS_TMP/ev-n1.jsonl")"
"$SHOALCTL" metrics --rundir "$NS_TMP/run-n1" | grep -q '^shoal_push_results_total{result="ok"} 1$' ||
	pl_fail "no push result in n1's metrics"
pl_ok "push of generation $gen from the admin station: drain kept on n1 and n2, push event and metric"

# ---- 3. n1 dies: n2 takes over with rs1 drained; metrics show it ----
"$SHOALCTL" metrics --rundir "$NS_TMP/run-n2" >"$NS_TMP/m-before.txt" ||
	pl_fail "metrics on n2"
grep -q '^shoal_node_role{role="backup"} 1$' "$NS_TMP/m-before.txt" ||
	pl_fail "n2's metrics before: $(grep node_role "$NS_TMP/m-before.txt")"
w=$(pl_worker n1)
kill -STOP "$w" "$(pl_parent n1)"
kill -KILL "$w" "$(pl_parent n1)"
scrape_active() {
	"$SHOALCTL" metrics --rundir "$NS_TMP/run-n2" >"$NS_TMP/m-after.txt" &&
		grep -q '^shoal_node_role{role="active"} 1$' "$NS_TMP/m-after.txt"
}
ns_wait_for 10 scrape_active || pl_fail "n2's metrics never showed it active"
grep -q '^shoal_role_transitions_total{to="active"} 1$' "$NS_TMP/m-after.txt" ||
	pl_fail "no transition counted: $(grep transitions "$NS_TMP/m-after.txt")"
grep -q '^shoal_peer_up{peer="n1"} 0$' "$NS_TMP/m-after.txt" ||
	pl_fail "n1 still up in n2's metrics"
grep -q "^shoal_config_generation $gen\$" "$NS_TMP/m-after.txt" ||
	pl_fail "generation metric"
for f in m-before m-after; do
	promtool check metrics <"$NS_TMP/$f.txt" >"$NS_TMP/$f.lint" 2>&1 ||
		pl_fail "promtool on $f: $(cat "$NS_TMP/$f.lint")"
done
pl_ok "metrics scraped during the fail-over: backup -> active, n1 down; promtool passes"
ns_wait_for 10 eval '[ "$(health n2 rs2 health)" = up ]' ||
	pl_fail "n2 does not check the servers: $(pl_status n2)"
[ "$(health n2 rs1 admin)" = drain ] || pl_fail "n2 lost the drain: $(pl_status n2)"
ok=0
for _ in $(seq 40); do
	out=$(for _ in 1 2 3 4 5 6; do ns_get c "http://$VIP/"; done | sort | uniq -c | tr '\n' ' ')
	case $out in *rs2*) case $out in *rs1*) ;; *) ok=1; break ;; esac ;; esac
	sleep 0.25
done
[ $ok = 1 ] || pl_fail "through n2 rs1 still served or nothing did: $out"
pl_ok "fail-over: n2 serves with rs1 drained ($out)"

# ---- 4. the event stream told it all, in order ----
has_event n2 "e['kind'] == 'maint' and e['name'] == 'web/rs1' and e['state'] == 'drain' and e['origin'] == 'n1' and e['by'].startswith('cli:')" ||
	pl_fail "no maint event on n2: $(cat "$NS_TMP/ev-n2.jsonl")"
has_event n2 "e['kind'] == 'config' and e['generation'] == '$gen' and e['result'] == 'applied'" ||
	pl_fail "no config event for generation $gen on n2"
has_event n2 "e['kind'] == 'role' and e['from'] == 'backup' and e['to'] == 'active' and e['reason'] == 'partner dead'" ||
	pl_fail "no role event on n2"
has_event n2 "e['kind'] == 'vip' and e['action'] == 'taken' and e['address'] == '$VIP'" ||
	pl_fail "no vip event on n2"
/usr/bin/python3 - "$NS_TMP/ev-n2.jsonl" <<'EOF' || pl_fail "events out of order on n2"
import json, sys
seqs = [json.loads(l)['seq'] for l in open(sys.argv[1])]
sys.exit(0 if seqs == sorted(seqs) and len(set(seqs)) == len(seqs) else 1)
EOF
"$SHOALCTL" events --rundir "$NS_TMP/run-n2" | grep -q " n2 role from=backup to=active reason=\"partner dead\" peer=n1" ||
	pl_fail "events as text"
pl_ok "n2's event stream: drain (by cli, from n1), generation $gen, backup -> active, VIP taken"

# ---- 5. n1 back: it has the drain; standby of the active moves the VIP ----
pl_start n1
ns_wait_for 10 pl_role_is n1 backup || pl_fail "restarted n1 is not backup"
"$SHOALCTL" server list --rundir "$NS_TMP/run-n1" | grep -q "^web rs1 drain$" ||
	pl_fail "restarted n1 lost the drain"
: >"$NS_TMP/ev-n1.jsonl"
follow n1
ns_wait_for 5 test -s "$NS_TMP/ev-n1.jsonl" || pl_fail "no events from n1"
t0=$(date +%s%3N)
"$SHOALCTL" node standby n2 --rundir "$NS_TMP/run-n2" >"$NS_TMP/sb.out" 2>&1 ||
	pl_fail "node standby: $(cat "$NS_TMP/sb.out")"
ns_wait_for 5 ns_has_addr n1 $VIP || pl_fail "the VIP did not move to n1"
ns_wait_for 5 has_event n1 "e['kind'] == 'vip' and e['action'] == 'taken' and e['time_ms'] >= $t0" ||
	pl_fail "no vip event on n1"
took=$(( $(event_ms n1 "e['kind'] == 'vip' and e['action'] == 'taken' and e['time_ms'] >= $t0") - t0 ))
[ "$took" -le "$KEEPALIVE_MS" ] ||
	pl_fail "standby moved the VIP in $took ms, above one heartbeat interval ($KEEPALIVE_MS ms)"
ns_has_addr n2 $VIP && pl_fail "n2 in standby still holds the VIP"
[ "$(pl_field n2 "s['standby']")" = True ] || pl_fail "n2 status: not standby"
pl_ok "standby of the active n2: VIP on n1 after $took ms (heartbeat interval $KEEPALIVE_MS ms)"
sleep 1	# twice the keepalive: n2 must not come back by itself
pl_role_is n2 fault || pl_fail "n2 left standby by itself"
"$SHOALCTL" node resume n2 --rundir "$NS_TMP/run-n1" >/dev/null 2>&1 ||
	pl_fail "node resume (sent to n1)"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 did not rejoin as backup"
pl_role_is n1 active || pl_fail "n1 gave up the VIP on resume (preempt is off)"
pl_ok "resume sent through n1 reached n2: backup again, n1 stays active"

# ---- 6. a drill from the active n1: over to n2 and back, measured ----
"$SHOALCTL" drill --json --rundir "$NS_TMP/run-n2" >"$NS_TMP/drill-bad.json" 2>&1 &&
	pl_fail "a drill on the backup was accepted"
grep -q "not active" "$NS_TMP/drill-bad.json" || pl_fail "drill on n2: $(cat "$NS_TMP/drill-bad.json")"
"$SHOALCTL" drill --json --rundir "$NS_TMP/run-n1" >"$NS_TMP/drill.json" 2>&1 ||
	pl_fail "drill: $(cat "$NS_TMP/drill.json")"
/usr/bin/python3 - "$NS_TMP/drill.json" "$VIP" <<'PY' || pl_fail "drill result: $(cat "$NS_TMP/drill.json")"
import json, sys
r = json.load(open(sys.argv[1]))
p = r["phases"]
assert r["ok"] and r["from"] == "n1" and r["to"] == "n2", r
assert [p[0]["from"], p[0]["to"], p[1]["from"], p[1]["to"]] == ["n1", "n2", "n2", "n1"], p
for ph in p:
    v = [x for x in ph["vips"] if x["address"] == sys.argv[2]][0]
    assert v["outage_ms"] is not None and 0 <= v["outage_ms"] < r["deadtime_ms"], (ph, r["deadtime_ms"])
print("over %d ms, back %d ms" % tuple([x for x in ph["vips"] if x["address"] == sys.argv[2]][0]["outage_ms"] for ph in p))
PY
ns_wait_for 5 pl_role_is n1 active || pl_fail "n1 did not get the VIPs back"
ns_wait_for 5 eval '[ "$(pl_field n2 "s['"'"'role'"'"']")" = backup ]' ||
	pl_fail "n2 is not backup after the drill"
[ "$(pl_field n1 "s['drills'][0]['ok']")" = True ] || pl_fail "the drill is not in n1's history"
has_event n1 "e['kind'] == 'drill' and e['result'] == 'ok' and e['to'] == 'n2'" ||
	pl_fail "no drill event on n1"
pl_ok "drill n1 -> n2 -> n1: outage per VIP below the dead time ($(/usr/bin/python3 -c "import json; r=json.load(open('$NS_TMP/drill.json')); print(r['max_outage_ms'], 'ms max, dead time', r['deadtime_ms'], 'ms')"))"

# ---- the kernel's connections per real server (nftables: conntrack) ----
cat >"$NS_TMP/hold.py" <<'PY'
import socket, sys, time
conns = [socket.create_connection((sys.argv[1], 80), timeout=2) for _ in range(3)]
time.sleep(float(sys.argv[2]))
PY
ns_spawn c "$NS_TMP/hold.log" /usr/bin/python3 "$NS_TMP/hold.py" $VIP 8
held() {
	"$SHOALCTL" lb show --json --rundir "$NS_TMP/run-n1" 2>/dev/null |
		/usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin)
s=[x for x in r['services'] if x['name'] == 'web'][0]
sys.exit(0 if sum(d['active'] for d in s['servers']) >= 3 and sum(d['inbytes'] for d in s['servers']) >= 0 else 1)"
}
ns_wait_for 5 held || pl_fail "lb show: no active connections: $("$SHOALCTL" lb show --json --rundir "$NS_TMP/run-n1")"
"$SHOALCTL" lb show --stats --rundir "$NS_TMP/run-n1" >"$NS_TMP/lb.txt" ||
	pl_fail "lb show --stats"
grep -q -- "-> 10.247.0.22:80 .*(rs2)" "$NS_TMP/lb.txt" || pl_fail "lb show: $(cat "$NS_TMP/lb.txt")"
"$SHOALCTL" lb show --rate --rundir "$NS_TMP/run-n1" >"$NS_TMP/lbr.txt" ||
	pl_fail "lb show --rate"
grep -q "InPPS" "$NS_TMP/lbr.txt" || pl_fail "lb show --rate: $(cat "$NS_TMP/lbr.txt")"
"$SHOALCTL" metrics --rundir "$NS_TMP/run-n1" >"$NS_TMP/m-lb.txt"
grep -q '^shoal_real_server_active_connections{virtual="web",server="rs2"} [1-9]' "$NS_TMP/m-lb.txt" ||
	pl_fail "no active connections in the metrics: $(grep active_conn "$NS_TMP/m-lb.txt")"
promtool check metrics <"$NS_TMP/m-lb.txt" >"$NS_TMP/m-lb.lint" 2>&1 ||
	pl_fail "promtool: $(cat "$NS_TMP/m-lb.lint")"
pl_ok "lb show / metrics: 3 held connections counted on the real servers (conntrack)"

# ---- 7. dual active: nothing so far; a forged second answer alarms ----
for n in n1 n2; do
	has_event $n "e['kind'] == 'dual_active'" &&
		pl_fail "a false dual-active alarm on $n during the hand-overs"
done
cat >"$NS_TMP/forge.py" <<'PY'
import socket, struct, sys, time
vip, secs = socket.inet_aton(sys.argv[1]), float(sys.argv[2])
mac = bytes.fromhex("02000000beef")
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) + mac + vip + b"\xff" * 6 + vip
frame = b"\xff" * 6 + mac + b"\x08\x06" + arp
end = time.time() + secs
while time.time() < end:
    s.send(frame)
    time.sleep(0.1)
PY
ns_spawn c "$NS_TMP/forge.log" /usr/bin/python3 "$NS_TMP/forge.py" $VIP 6
# from pulse's kept events (the stream follower under a sanitizer build
# once missed this line while the status showed the alarm: see the notes)
ring_event() {	# ring_event NODE PYTHON-CONDITION-ON-e
	"$SHOALCTL" events --json --rundir "$NS_TMP/run-$1" \
		>"$NS_TMP/ring-$1.jsonl" 2>/dev/null &&
	/usr/bin/python3 - "$NS_TMP/ring-$1.jsonl" "$2" <<'EOF'
import json, sys
sys.exit(0 if any(eval(sys.argv[2]) for e in map(json.loads, open(sys.argv[1]))) else 1)
EOF
}
ns_wait_for 8 ring_event n2 "e['kind'] == 'dual_active' and e['address'] == '$VIP'" ||
	pl_fail "no dual-active alarm on n2: $(pl_field n2 "s['dual_active']")"
ring_event n2 "e['kind'] == 'dual_active' and sorted([e['node1'], e['node2']]) == ['n1', 'unknown'] and '02:00:00:00:be:ef' in (e['mac1'], e['mac2'])" ||
	pl_fail "the alarm does not name n1 and the forged MAC: $(grep dual_active "$NS_TMP/ring-n2.jsonl")"
"$SHOALCTL" metrics --rundir "$NS_TMP/run-n2" | grep -q "^shoal_dual_active{address=\"$VIP\"} 1\$" ||
	pl_fail "no dual-active metric"
[ "$(pl_field n2 "[d['alarm'] for d in s['dual_active'] if d['address'] == '$VIP'][0]")" = True ] ||
	pl_fail "no dual-active in n2's status"
pl_ok "a forged second ARP answer for $VIP: alarm on n2 naming n1 and 02:00:00:00:be:ef ($NS_WAITED_MS ms)"

# ---- bad input ----
"$SHOALCTL" node standby nosuch --rundir "$NS_TMP/run-n1" >"$NS_TMP/bad.out" 2>&1 &&
	pl_fail "standby of an unknown node accepted"
grep -q "no node nosuch" "$NS_TMP/bad.out" || pl_fail "error: $(cat "$NS_TMP/bad.out")"
"$SHOALCTL" --db "$NS_TMP/n1.db" server drain web nosuch \
	--rundir "$NS_TMP/run-n1" >/dev/null 2>&1 && pl_fail "drain of an unknown server accepted"
pl_ok "unknown node and server refused"
exit 0
