#!/bin/bash
# pulse_cluster.sh - three nodes with `node` blocks: the VIP walks down the
# priority order as nodes fail; nopreempt leaves it where it is when a
# better node returns; a healed partition leaves exactly one owner; a
# generation mismatch shows in status; reload applies a new VIP, and the
# supervisor knows it: when the worker dies both VIPs leave the node.
set -u
NS_PREFIX=sp$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=10.233.0.100
VIP2=10.233.0.101

ns_switch
ns_host c  10.233.0.10/24
for i in 1 2 3; do
	ns_host n$i 10.233.0.1$i/24
	ns_http n$i
done

config() {	# config PREEMPT [EXTRA VIRTUAL]
	cat <<CF
service = lvs
network = direct
keepalive = 0.1
deadtime = 0.5
preempt = $1
cluster_id = 9
heartbeat_key = "three node cluster key"
node n1 {
    address = 10.233.0.11
    priority = 200
}
node n2 {
    address = 10.233.0.12
    priority = 150
}
node n3 {
    address = 10.233.0.13
    priority = 100
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     server r1 {
         address = 10.233.0.11
         active = 1
     }
}
${2:-}
CF
}
config 0 >"$NS_TMP/nopreempt.cf"
for i in 1 2 3; do pl_db n$i "$NS_TMP/nopreempt.cf"; done
for i in 1 2 3; do pl_start n$i; done
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "VIP does not answer from n1"
pl_ok "three nodes: n1 (priority 200) holds the VIP"

# walk down: n1 stops, n2 takes over; n2 is killed, n3 takes over
kill -TERM "$(pl_parent n1)"
ns_wait_for 3 pl_answers c $VIP n2 || pl_fail "VIP did not move to n2"
pl_ok "n1 stopped: n2 answers after ${NS_WAITED_MS} ms"
kill -KILL "$(pl_parent n2)" "$(pl_worker n2)"
ns_wait_for 3 pl_answers c $VIP n3 || pl_fail "VIP did not move to n3"
pl_ok "n2 killed outright: n3 answers after ${NS_WAITED_MS} ms"
# n2's address was left by the SIGKILL; its kernel lifetime drops it
ns_wait_for 6 eval '! ns_has_addr n2 $VIP' ||
	pl_fail "n2's orphaned VIP did not expire"
pl_ok "n2's orphaned VIP expired by itself"

# nopreempt: n1 comes back and stays backup
pl_start n1
ns_wait_for 5 pl_role_is n1 backup || pl_fail "n1 did not come back as backup"
sleep 1
pl_answers c $VIP n3 || pl_fail "nopreempt: the VIP moved away from n3"
ns_has_addr n1 $VIP && pl_fail "nopreempt: n1 took the VIP"
pl_ok "nopreempt: n1 returned as backup, n3 keeps the VIP"

# partition: cut n3 off; n1 takes over; heal: exactly one owner left
ip -n "$NS_SW" link set p0-n3 down
ns_wait_for 3 pl_answers c $VIP n1 || pl_fail "n1 did not take over from n3"
ip -n "$NS_SW" link set p0-n3 up
ns_wait_for 3 eval '[ "$(pl_field n3 "s[\"role\"]")" != active ]' ||
	pl_fail "split brain not resolved after the partition healed"
owners=0
for i in 1 3; do ns_has_addr n$i $VIP && owners=$((owners + 1)); done
[ $owners = 1 ] || pl_fail "$owners owners after the partition healed"
ns_wait_for 3 pl_answers c $VIP n1 || pl_fail "VIP not on n1 after healing"
pl_ok "healed partition: one owner (n1)"

# a new generation on n1 only: the others see a mismatch; reload adds VIP2
config 0 "virtual web2 {
     address = $VIP2 eth0:2
     vip_nmask = 255.255.255.0
     active = 1
     server r1 {
         address = 10.233.0.11
         active = 1
     }
}" >"$NS_TMP/two.cf"
"$SHOALCTL" --db "$NS_TMP/n1.db" config import "$NS_TMP/two.cf" >/dev/null ||
	pl_fail "import on n1"
"$SHOALCTL" reload --rundir "$NS_TMP/run-n1" >/dev/null ||
	pl_fail "shoalctl reload failed"
ns_wait_for 3 pl_answers c $VIP2 n1 || pl_fail "reload did not add VIP2"
pl_answers c $VIP n1 || pl_fail "reload dropped the VIP that stays"
mismatch() {
	[ "$(pl_field n3 "[p['matches_ours'] for p in s['peers'] if p['name']=='n1'][0]")" = False ]
}
ns_wait_for 2 mismatch ||
	pl_fail "n3 does not flag n1's newer generation: $(pl_status n3)"
g=$(pl_field n3 "[p['generation'] for p in s['peers'] if p['name']=='n1'][0]")
[ "$g" = 2 ] || pl_fail "n3 sees n1 at generation $g, not 2"
pl_ok "reload: VIP2 added, VIP kept; n3 shows the generation mismatch"

# the worker hands the supervisor a new leave plan on reload: SIGKILL of
# the worker removes VIP2 as well, which only the new generation names
w=$(pl_worker n1)
[ -n "$w" ] || pl_fail "no worker on n1"
kill -KILL "$w"
ns_wait_for 2 eval '! ns_has_addr n1 $VIP2 && ! ns_has_addr n1 $VIP' ||
	pl_fail "n1 still holds a VIP after its worker died: $(ns_exec n1 ip -br addr)"
grep -q "worker gone: removed 2 virtual address(es)" "$NS_TMP/pulse-n1.log" ||
	pl_fail "the supervisor did not report removing both VIPs"
pl_ok "SIGKILL after reload: the supervisor removed VIP and VIP2"
exit 0
