#!/bin/bash
# pulse_failover.sh - two nodes, one VIP: it answers from the higher
# priority node; SIGKILL of the active worker, SIGTERM and a pulled cable
# each move it to the backup in time; preempt brings it back; status
# shows roles, peers and transitions.
set -u
NS_PREFIX=sp$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=10.231.0.100
KEEPALIVE=0.2
DEADTIME=0.8

ns_switch
ns_host c  10.231.0.10/24
ns_host n1 10.231.0.11/24 10.232.0.11/24
ns_host n2 10.231.0.12/24 10.232.0.12/24
ns_http n1
ns_http n2

cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.231.0.11
primary_private = 10.232.0.11
backup = 10.231.0.12
backup_private = 10.232.0.12
backup_active = 1
heartbeat_port = 539
keepalive = $KEEPALIVE
deadtime = $DEADTIME
monitor_links = 1
heartbeat_key = "integration test key"
arp_count = 3
arp_interval = 0.2
network = direct
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     server r1 {
         address = 10.231.0.11
         active = 1
     }
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"

# pulse -t reports without starting
ns_exec n1 "$PULSE" -t --db "$NS_TMP/n1.db" >"$NS_TMP/t.out" 2>&1 ||
	pl_fail "pulse -t failed: $(cat "$NS_TMP/t.out")"
grep -q "^self primary priority 200" "$NS_TMP/t.out" ||
	pl_fail "pulse -t: $(cat "$NS_TMP/t.out")"
pl_ok "pulse -t finds node primary by address"

pl_start n1
pl_start n2
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "VIP does not answer from n1"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 is not backup"
ns_has_addr n2 $VIP && pl_fail "n2 holds the VIP too"
ns_exec n1 ip -o addr show dev eth0 | grep -q "eth0:1" ||
	pl_fail "VIP without its eth0:1 label"
[ "$(pl_field n1 "s['peers'][0]['matches_ours']")" = True ] ||
	pl_fail "n1 does not see n2's config as matching"
pl_ok "VIP on the highest priority node with label eth0:1"
"$SHOALCTL" status --rundir "$NS_TMP/run-n1" >"$NS_TMP/status.txt" ||
	pl_fail "shoalctl status failed"
grep -q "node primary: active" "$NS_TMP/status.txt" ||
	pl_fail "status: $(cat "$NS_TMP/status.txt")"
# reality wins: a VIP removed behind pulse's back is put back
ns_exec n1 ip addr del $VIP/24 dev eth0
ns_wait_for 2 ns_has_addr n1 $VIP || pl_fail "a removed VIP was not restored"
ns_exec n1 ip -o addr show dev eth0 | grep " $VIP/" | grep -q "valid_lft [0-9]*sec" ||
	pl_fail "held VIP without a kernel lifetime"
pl_ok "removed VIP restored; held VIPs carry a kernel lifetime"

# 1. SIGKILL of the active worker: the supervisor drops the VIP and says
#    LEAVING, so the backup answers well within deadtime + 1 s
w=$(pl_worker n1)
[ -n "$w" ] || pl_fail "no worker on n1"
kill -KILL "$w"
ns_wait_for 2 pl_answers c $VIP n2 ||
	pl_fail "n2 did not answer within deadtime + 1 s after SIGKILL"
pl_ok "SIGKILL worker: n2 answers after ${NS_WAITED_MS} ms"
ns_wait_for 1 eval '! ns_has_addr n1 $VIP' ||
	pl_fail "n1 still holds the VIP after its worker died"
pl_ok "n1 dropped the VIP"
# the supervisor restarts the worker; preempt brings the VIP back
ns_wait_for 10 pl_answers c $VIP n1 ||
	pl_fail "restarted n1 did not take the VIP back (preempt)"
ns_wait_for 3 eval '! ns_has_addr n2 $VIP' ||
	pl_fail "n2 kept the VIP after n1 came back"
pl_ok "restarted worker preempts; n2 released the VIP"
# while both held it, n2 may have sent a gratuitous ARP after n1's first:
# n1 announces again as soon as n2 reports it let go
ns_wait_for 2 grep -q "released the addresses: announcing them again" \
	"$NS_TMP/pulse-n1.log" ||
	pl_fail "n1 did not announce the VIP again after n2 let go"
pl_ok "preempting n1 re-announced once n2 had let go"

# 2. SIGTERM: LEAVING, backup within one keepalive + 1 s
kill -TERM "$(pl_parent n1)"
ns_wait_for 2 pl_answers c $VIP n2 ||
	pl_fail "n2 did not answer within keepalive + 1 s after SIGTERM"
pl_ok "SIGTERM: n2 answers after ${NS_WAITED_MS} ms"
ns_wait_for 10 eval '! kill -0 $(pl_parent n1) 2>/dev/null' ||
	pl_fail "pulse on n1 did not exit on SIGTERM"
ns_has_addr n1 $VIP && pl_fail "n1 left its VIP behind on SIGTERM"
grep -q "Terminating due to signal 15" "$NS_TMP/pulse-n1.log" ||
	pl_fail "no Piranha 'Terminating due to signal' line"
grep -q "partner dead: activating lvs" "$NS_TMP/pulse-n2.log" ||
	pl_fail "no 'partner dead: activating lvs' on n2"
pl_ok "Piranha log wording"

# 3. back with preempt, then pull n1's public cable (both paths die for
#    the VIP interface: monitor_links puts n1 in FAULT)
pl_start n1
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "n1 did not come back"
grep -q "partner active: deactivating LVS" "$NS_TMP/pulse-n2.log" ||
	pl_fail "no 'partner active: deactivating LVS' on n2"
ip -n "$NS_SW" link set p0-n1 down
ns_wait_for 3 pl_answers c $VIP n2 ||
	pl_fail "n2 did not answer after n1's link went down"
pl_ok "link down: n2 answers after ${NS_WAITED_MS} ms"
ns_wait_for 2 pl_role_is n1 fault || pl_fail "n1 is not in FAULT"
ns_has_addr n1 $VIP && pl_fail "n1 in FAULT still holds the VIP"
# the private path still carries heartbeats: n2 sees n1 alive in fault
[ "$(pl_field n2 "s['peers'][0]['state']")" = fault ] ||
	pl_fail "n2 does not see n1's FAULT over the private path"
pl_ok "n1 in FAULT released the VIP; seen over the second path"
ip -n "$NS_SW" link set p0-n1 up
ns_wait_for 5 pl_answers c $VIP n1 || pl_fail "n1 did not rejoin"
pl_ok "link back: n1 rejoined and preempted"

# transitions and reasons in status
pl_field n1 "[t['reason'] for t in s['transitions']]" >"$NS_TMP/tr.txt"
grep -q "fault" "$NS_TMP/tr.txt" || pl_fail "transitions: $(cat "$NS_TMP/tr.txt")"
pl_ok "status lists transitions with reasons"

# both processes killed at once: the VIP stays until `pulse --cleanup`
# (systemd ExecStopPost) removes it
kill -KILL "$(pl_worker n1)" "$(pl_parent n1)"
ns_wait_for 3 pl_answers c $VIP n2 || pl_fail "n2 did not take over"
out=$(ns_exec n1 "$PULSE" --db "$NS_TMP/n1.db" --cleanup) ||
	pl_fail "pulse --cleanup failed"
ns_has_addr n1 $VIP && pl_fail "pulse --cleanup left the VIP: $out"
pl_ok "pulse --cleanup: $out"
exit 0
