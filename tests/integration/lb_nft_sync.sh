#!/bin/bash
# lb_nft_sync.sh - established NAT connections survive a router fail-over
# on the nftables backend because pulse runs conntrackd (FTFW) on both
# routers; without it they break.
#
#   client c 10.238.0.10 --br0-- r1 10.238.0.11 / r2 10.238.0.12
#                                (VIP 10.238.0.100, floats)
#   rs1..rs3 10.239.0.21-23 --br1-- r1 .11 / r2 .12 (eth1)
#                                (nat_router 10.239.0.1, floats)
#
# Case "sync" (syncdaemon = 1): connection sync is up on both routers; 20
# TCP connections to the VIP each send a line every 100 ms and read the
# real server's echo; r2's conntrackd holds them in its external cache;
# r1's links are cut (at the switch); r2 becomes active, commits them
# (status says so), and every one of the 20 connections gets echoes again,
# none is reset.
# Case "missing" (syncdaemon = 1, conntrackd not installed where pulse
# looks): status says "connection sync: down" naming the program, the
# load balancing works all the same (20 connections echo), and after the
# same cut they break: none gets an echo again.
# SKIP (77) when not root, without netns, nft, conntrackd or python3.
set -u
NS_PREFIX=sy$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
CONNTRACKD=$(command -v conntrackd || echo /usr/sbin/conntrackd)
[ -x "$CONNTRACKD" ] || { echo "SKIP: no conntrackd (conntrack-tools)"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }

VIP=10.238.0.100
N=20

scripts() {
	# rs.py NAME PORT: echoes each line as "NAME line"
	cat >"$NS_TMP/rs.py" <<'EOF'
import socketserver, sys
name = sys.argv[1].encode()
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(name + b" " + line)
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
S(("0.0.0.0", int(sys.argv[2])), H).serve_forever()
EOF
	# clients.py VIP PORT N STATE: N connections, a line every 100 ms on
	# each; STATE (rewritten every 200 ms) has one line per connection:
	# "i replies last_reply_unix_ms error"
	cat >"$NS_TMP/clients.py" <<'EOF'
import socket, sys, threading, time, os
vip, port, n, state = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conns = [{"replies": 0, "last": 0, "error": "-"} for _ in range(n)]
def run(i):
    c = conns[i]
    try:
        s = socket.create_connection((vip, port), timeout=5)
        s.settimeout(120)
        f = s.makefile("rb")
        k = 0
        while True:
            k += 1
            s.sendall(b"%d %d\n" % (i, k))
            line = f.readline()
            if not line:
                raise OSError("closed by peer")
            c["replies"] += 1
            c["last"] = int(time.time() * 1000)
            time.sleep(0.1)
    except Exception as e:
        c["error"] = type(e).__name__
for i in range(n):
    threading.Thread(target=run, args=(i,), daemon=True).start()
    time.sleep(0.05)
while True:
    with open(state + ".tmp", "w") as fp:
        for i, c in enumerate(conns):
            fp.write("%d %d %d %s\n" % (i, c["replies"], c["last"], c["error"]))
    os.rename(state + ".tmp", state)
    time.sleep(0.2)
EOF
}

topology() {
	ns_switch
	ns_host c  10.238.0.10/24
	ns_host n1 10.238.0.11/24 10.239.0.11/24
	ns_host n2 10.238.0.12/24 10.239.0.12/24
	ns_exec n1 nft add table ip sy_probe 2>/dev/null &&
		ns_exec n1 nft delete table ip sy_probe ||
		{ echo "SKIP: nft unavailable in a namespace"; exit 77; }
	for i in 1 2 3; do
		ns_add "rs$i" || pl_fail "netns rs$i"
		ns=$(ns_name "rs$i")
		ip -n "$NS_SW" link add "p1-rs$i" type veth peer name eth0 \
			netns "$ns"
		ip -n "$NS_SW" link set "p1-rs$i" master br1 up
		ip -n "$ns" addr add "10.239.0.2$i/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via 10.239.0.1
		ns_spawn "rs$i" "$NS_TMP/rs$i.log" /usr/bin/python3 \
			"$NS_TMP/rs.py" "rs$i" 7000
	done
	cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.238.0.11
backup = 10.238.0.12
backup_active = 1
keepalive = 0.2
deadtime = 0.8
preempt = 0
network = nat
nat_router = 10.239.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = nftables
syncdaemon = 1
virtual echo {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 7000
     scheduler = rr
     check = tcp
     check_interval = 0.5
     check_timeout = 0.4
     fall = 2
     rise = 1
     server rs1 {
         address = 10.239.0.21
         active = 1
     }
     server rs2 {
         address = 10.239.0.22
         active = 1
     }
     server rs3 {
         address = 10.239.0.23
         active = 1
     }
}
CF
	pl_db n1 "$NS_TMP/lvs.cf"
	pl_db n2 "$NS_TMP/lvs.cf"
}

sync_state() { pl_field "$1" "s['connection_sync']['state']"; }
in_lb() {	# in_lb NODE: every real server of echo is in the load balancer
	[ "$(pl_field "$1" "sum(1 for r in s['virtual_services'][0]['servers'] if r['in_lb'])")" = 3 ]
}
# counts of the clients' state file: "alive" connections with a reply
# after $1 (unix ms) and no error, and broken ones
replied_after() {
	awk -v t="$1" '$3 > t && $4 == "-" { n++ } END { print n + 0 }' \
		"$NS_TMP/clients.state" 2>/dev/null
}
errors() { awk '$4 != "-" { n++ } END { print n + 0 }' "$NS_TMP/clients.state"; }
all_replied_after() { [ "$(replied_after "$1")" = $N ]; }
external() {	# connections to the VIP in n2's conntrackd external cache
	ns_exec n2 "$CONNTRACKD" -C "$NS_TMP/run-n2/conntrackd.conf" -e \
		2>/dev/null | grep -c "dport=7000"
}
external_has_all() { [ "$(external)" -ge $N ]; }
now_ms() { date +%s%3N; }
both_up() { [ "$(sync_state n1)" = up ] && [ "$(sync_state n2)" = up ]; }
committed() {
	[ "$(pl_field n2 "s['connection_sync']['last_role_change']['result']")" = \
		"committed the synced connections" ]
}
n1_down() { [ "$(sync_state n1)" = down ]; }
any_replied_after() { [ "$(replied_after "$1")" -gt 0 ]; }

# start both routers and the 20 connections (through r1)
start_all() {
	pl_start n1
	ns_wait_for 30 pl_role_is n1 active || pl_fail "n1 is not active"
	pl_start n2
	ns_wait_for 30 pl_role_is n2 backup || pl_fail "n2 is not backup"
	ns_wait_for 30 in_lb n1 || pl_fail "real servers not in n1's LB"
	ns_spawn c "$NS_TMP/clients.log" /usr/bin/python3 "$NS_TMP/clients.py" \
		$VIP 7000 $N "$NS_TMP/clients.state"
	t=$(now_ms)
	ns_wait_for 30 all_replied_after "$t" ||
		pl_fail "$(replied_after "$t") of $N connections echo through n1"
	[ "$(errors)" = 0 ] || pl_fail "connections failed before the cut: $(cat "$NS_TMP/clients.state")"
	echo "  $N connections echo through n1"
}

# cut r1's cables at the switch; wait for r2 to take over
cut_r1() {
	ip -n "$NS_SW" link set p0-n1 down
	ip -n "$NS_SW" link set p1-n1 down
	CUT=$(now_ms)
	echo "  r1's links cut at $CUT (unix ms)"
	ns_wait_for 30 pl_role_is n2 active || pl_fail "n2 did not take over"
	echo "  n2 active $(( $(now_ms) - CUT )) ms after the cut"
}

case_sync() {
	echo "case sync: conntrackd on both routers"
	export SHOAL_CONNTRACKD=$CONNTRACKD
	topology
	start_all
	ns_wait_for 30 both_up ||
		pl_fail "connection sync not up: n1 $(sync_state n1), n2 $(sync_state n2)"
	ns_wait_for 30 external_has_all ||
		pl_fail "n2's external cache has $(external) of $N connections"
	echo "  connection sync up on both; n2 holds $(external) synced connections"
	cut_r1
	ns_wait_for 30 committed ||
		pl_fail "n2 did not commit: $(pl_field n2 "s['connection_sync']")"
	ns_wait_for 30 all_replied_after "$(now_ms)" ||
		pl_fail "$(replied_after "$CUT") of $N connections echo after the fail-over: $(tr '\n' ';' <"$NS_TMP/clients.state")"
	[ "$(errors)" = 0 ] || pl_fail "connections broke: $(cat "$NS_TMP/clients.state")"
	pl_ok "all $N connections survived the fail-over ($(( $(now_ms) - CUT )) ms after the cut)"
}

case_missing() {
	echo "case missing: conntrackd not where pulse looks"
	export SHOAL_CONNTRACKD=$NS_TMP/no-such/conntrackd
	topology
	start_all
	ns_wait_for 30 n1_down ||
		pl_fail "n1's connection sync is $(sync_state n1), not down"
	why=$(pl_field n1 "s['connection_sync']['reason']")
	case $why in *"$SHOAL_CONNTRACKD"*) ;; *) pl_fail "reason: $why" ;; esac
	grep -q "connection sync: down: cannot run $SHOAL_CONNTRACKD" \
		"$NS_TMP/pulse-n1.log" || pl_fail "not logged"
	"$SHOALCTL" status --rundir "$NS_TMP/run-n1" | grep -q \
		"^connection sync: down (cannot run $SHOAL_CONNTRACKD" ||
		pl_fail "shoalctl status: $("$SHOALCTL" status --rundir "$NS_TMP/run-n1" | grep sync)"
	echo "  connection sync down (\"$why\"), load balancing works"
	cut_r1
	# give them as long as the sync case needed, and more
	t=$(now_ms)
	ns_wait_for 30 any_replied_after "$t" &&
		pl_fail "$(replied_after "$t") connections echo without connection sync"
	pl_ok "without conntrackd none of the $N connections survived"
}

ns_require
pl_init
NANNY=$top_builddir/nanny
[ -x "$NANNY" ] || { echo "SKIP: nanny not built"; exit 77; }
export SHOAL_NANNY=$NANNY
scripts
case_sync
ns_cleanup
ns_require
scripts
case_missing
echo "PASS"
exit 0
