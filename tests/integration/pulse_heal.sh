#!/bin/bash
# pulse_heal.sh - after a partition heals, the owner announces the VIP
# again and the client's neighbour cache ends on the owner's MAC, also
# when the heal is one-sided first: n3 (lower) is cut off from n1 (the
# owner; the client still sees both), takes the VIP and announces it, so
# the client follows n3.  Then n3 hears n1 again and lets go while n1
# still cannot hear n3; a dead time later n1 hears n3 (backup by now, its
# RELEASED flag long gone).  n1 must announce again, or the client stays
# on n3's MAC (the issue's "cut off for good").
set -u
NS_PREFIX=ph$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }

VIP=10.232.0.100
ns_switch
ns_host c  10.232.0.10/24
ns_host n1 10.232.0.11/24
ns_host n3 10.232.0.13/24
ip netns exec "$NS_SW" nft add table bridge ph 2>/dev/null ||
	{ echo "SKIP: no nftables bridge family"; exit 77; }
cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
network = direct
keepalive = 0.1
deadtime = 0.5
arp_count = 1
heartbeat_key = "pulse_heal test cluster key"
node n1 {
    address = 10.232.0.11
    priority = 200
}
node n3 {
    address = 10.232.0.13
    priority = 100
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n3 "$NS_TMP/lvs.cf"
ns_http n1
ns_http n3
pl_start n1
pl_start n3
ns_wait_for 5 pl_role_is n1 active || pl_fail "n1 not active"
ns_wait_for 5 pl_answers c $VIP n1 || pl_fail "the VIP does not answer from n1"
mac() { ns_exec "$1" cat /sys/class/net/eth0/address; }
client_mac() {	# the MAC the client's kernel holds for the VIP
	ns_exec c ip neigh show "$VIP" dev eth0 |
		sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p'
}
m1=$(mac n1) m3=$(mac n3)
[ "$(client_mac)" = "$m1" ] || pl_fail "the client does not hold n1's MAC"

block() {	# block FROM TO: drop frames from FROM's port to TO's
	ip netns exec "$NS_SW" nft add chain bridge ph "$1$2" \
		"{ type filter hook forward priority 0; }" &&
	ip netns exec "$NS_SW" nft add rule bridge ph "$1$2" iifname \
		"p0-$1" oifname "p0-$2" drop
}
unblock() { ip netns exec "$NS_SW" nft delete chain bridge ph "$1$2"; }
block n1 n3 && block n3 n1 || pl_fail "nft partition"
ns_wait_for 5 pl_role_is n3 active || pl_fail "n3 did not take over when cut off"
ns_wait_for 5 eval '[ "$(client_mac)" = "$m3" ]' ||
	pl_fail "the client did not follow n3's gratuitous ARP"
pl_ok "partition: n3 took the VIP, the client followed it"

unblock n1 n3 || pl_fail "nft"
ns_wait_for 5 eval 'pl_role_is n3 backup && ! ns_has_addr n3 $VIP' ||
	pl_fail "n3 did not let go when it heard n1"
# n1 still cannot hear n3: a dead time passes (RELEASED ends there);
# "since" counts whole seconds, so two of them are over one full second,
# more than the 0.5 s dead time (one could be 0.01 s: then n1 heard the
# flag and announced for it, which is not the path tested here)
ns_wait_for 5 eval '[ "$(pl_field n3 "s[\"since\"]")" -le $(($(date +%s) - 2)) ]' ||
	pl_fail "time does not pass"
[ "$(client_mac)" = "$m3" ] || pl_fail "test premise: the client left n3 early"
unblock n3 n1 || pl_fail "nft"
ns_wait_for 3 eval '[ "$(client_mac)" = "$m1" ]' ||
	pl_fail "n1 did not announce the VIP again: the client stays on n3's MAC"
grep -q "partner n3 is back: announcing them again" "$NS_TMP/pulse-n1.log" ||
	pl_fail "n1 does not say why it announced"
pl_ok "one-sided heal: n1 announced again, the client is back on n1's MAC"
pl_answers c $VIP n1 || pl_fail "the VIP does not answer from n1"
exit 0
