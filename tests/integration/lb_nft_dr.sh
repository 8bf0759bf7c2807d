#!/bin/bash
# lb_nft_dr.sh - direct routing on the nftables backend, on a real kernel
# in network namespaces, driven through tests/lbctl (lb.h):
#
#   br0 10.241.0.0/24: client .2, router .1 (VIP .100 on eth0),
#                      real servers .11 .12 .13 (VIP on lo, arp_ignore=1,
#                      arp_announce=2), and .14 that never answers ARP
#
# Checks: the real servers' MACs are resolved (pending, then none); wrr
# 1:2:3 over 600 connections within 10 % (and 1:1:2 over 400 for an IPv6
# VIP, the real servers holding it on lo); the replies never reach the
# router (its ingress counter) and reach the client from the real servers'
# MACs, not the router's; weight changes under load fail no connection; a
# kept-alive connection stays on its server across weight changes and when
# its server is quiesced; a real server whose MAC cannot be resolved is
# reported failed with the reason and takes no connection; one behind a
# gateway is refused at once; clear removes the netdev table's services.
# SKIP (77) without root, netns, nft or python3.
set -u
[ -n "${LB_DEBUG:-}" ] && set -x
NS_PREFIX=nd$$
. "${top_srcdir:-.}/tests/integration/lib/netns.sh"
. "${top_srcdir:-.}/tests/integration/lib/lbctl.sh"

fail() { echo "FAIL: $*"; sed 's/^/lbctl: /' "$NS_TMP/lb.err" 2>/dev/null |
	tail -n 20; exit 1; }

ns_require
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
LBCTL=${top_builddir:-.}/tests/lbctl
[ -x "$LBCTL" ] || fail "no $LBCTL (build first)"
"$LBCTL" probe | grep -q '^nftables: available' ||
	{ echo "SKIP: built without nftables"; exit 77; }

VIP=10.241.0.100
ns_switch || fail "switch"
ns_host c 10.241.0.2/24 || fail "client"
ns_host r 10.241.0.1/24 || fail "router"
ns_exec r nft add table netdev probe 2>/dev/null &&
	ns_exec r nft delete table netdev probe ||
	{ echo "SKIP: nft (netdev) unavailable in a namespace"; exit 77; }
VIP6=fd00:241::100
ns_exec r ip addr add $VIP/32 dev eth0
ns_exec c ip addr add fd00:241::2/64 dev eth0 nodad
ns_exec r ip addr add fd00:241::1/64 dev eth0 nodad
ns_exec r ip addr add $VIP6/128 dev eth0 nodad
for n in 1 2 3 4; do
	ns_host rs$n 10.241.0.1$n/24 || fail "rs$n"
	ns_exec rs$n ip addr add $VIP/32 dev lo
	ns_exec rs$n ip addr add fd00:241::1$n/64 dev eth0 nodad
	ns_exec rs$n ip addr add $VIP6/128 dev lo
	for k in all eth0; do
		ns_exec rs$n sysctl -qw net.ipv4.conf.$k.arp_ignore=1 \
			net.ipv4.conf.$k.arp_announce=2
	done
done
# rs4 is gone: its address exists nowhere, so nobody answers ARP for it
ns_exec rs4 ip link set eth0 down
lb_scripts
for n in 1 2 3; do rs_http rs$n rs$n; done

mac() { ns_exec "$1" cat /sys/class/net/eth0/address; }
RMAC=$(mac r)

# counters: replies arriving at the router; replies at the client, all
# and those sent by the router's MAC
ns_exec r nft -f - <<EOF || fail "router counters"
table netdev obs {
	chain in {
		type filter hook ingress device "eth0" priority -500; policy accept;
		ip saddr $VIP tcp sport 80 counter name replies
		ip6 saddr $VIP6 tcp sport 80 counter name replies
		ip daddr $VIP tcp dport 80 counter name requests
		ip6 daddr $VIP6 tcp dport 80 counter name requests
	}
	counter replies { }
	counter requests { }
}
EOF
ns_exec c nft -f - <<EOF || fail "client counters"
table netdev obs {
	chain in {
		type filter hook ingress device "eth0" priority -500; policy accept;
		ip saddr $VIP tcp sport 80 ether saddr $RMAC counter name via_router
		ip6 saddr $VIP6 tcp sport 80 ether saddr $RMAC counter name via_router
		ip saddr $VIP tcp sport 80 counter name replies
		ip6 saddr $VIP6 tcp sport 80 counter name replies
	}
	counter via_router { }
	counter replies { }
}
EOF
packets() {	# packets NODE COUNTER
	ns_exec "$1" nft list counter netdev obs "$2" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

cat >"$NS_TMP/state" <<EOF
service web tcp $VIP 80 sched wrr fwd direct
server web 10.241.0.11 80 1
server web 10.241.0.12 80 2
server web 10.241.0.13 80 3
service web6 tcp $VIP6 80 sched wrr fwd direct
server web6 fd00:241::11 80 1
server web6 fd00:241::12 80 1
server web6 fd00:241::13 80 2
EOF
lbs_start r
lbs apply "$NS_TMP/state" || fail "apply"

echo "real servers' MACs resolve"
lbs_settle 30 || fail "still resolving: $(cat "$NS_TMP/faults")"
[ -s "$NS_TMP/faults" ] && fail "faults: $(cat "$NS_TMP/faults")"
ns_exec r nft list table netdev shoal | grep -q "fwd to \"eth0\"" ||
	fail "no forwarding rule"

echo "wrr 1:2:3 over 600 connections"
lb_count c 600 $VIP 80
[ "$c_errors" = 0 ] || fail "$c_errors failed connections"
near "${c_rs1:-0}" 100 && near "${c_rs2:-0}" 200 && near "${c_rs3:-0}" 300 ||
	fail "shares ${c_rs1:-0}:${c_rs2:-0}:${c_rs3:-0} not near 1:2:3"

echo "IPv6: wrr 1:1:2 over 400 connections"
lb_count c 400 $VIP6 80
[ "$c_errors" = 0 ] || fail "$c_errors failed IPv6 connections"
near "${c_rs1:-0}" 100 && near "${c_rs2:-0}" 100 && near "${c_rs3:-0}" 200 ||
	fail "IPv6 shares ${c_rs1:-0}:${c_rs2:-0}:${c_rs3:-0} not near 1:1:2"

echo "replies go from the real servers straight to the client"
req=$(packets r requests) rep=$(packets r replies)
cl=$(packets c replies) vr=$(packets c via_router)
echo "  router: $req request packets in, $rep reply packets;" \
	"client: $cl reply packets, $vr from the router's MAC"
[ "$req" -ge 1000 ] || fail "router saw $req request packets"
[ "$rep" = 0 ] || fail "$rep reply packets reached the router"
[ "$cl" -ge 1000 ] || fail "client saw $cl reply packets"
[ "$vr" = 0 ] || fail "$vr reply packets came from the router's MAC"

# an established connection, kept alive across the changes below
mkfifo "$NS_TMP/hold.in"
exec 8<>"$NS_TMP/hold.in"
ns_spawn_in c "$NS_TMP/hold.out" "$NS_TMP/hold.in" python3 \
	"$NS_TMP/client.py" hold $VIP 80
lines_ge() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
held() {	# held N: the answer to the Nth request on the kept connection
	echo again >&8
	ns_wait_for 30 lines_ge "$NS_TMP/hold.out" "$1" &&
		sed -n "${1}p" "$NS_TMP/hold.out"
}
first=$(held 1)
case $first in rs[123]) ;; *) fail "kept connection: '$first'" ;; esac
echo "kept connection on $first"

echo "weight changes under load fail no connection"
ns_spawn c "$NS_TMP/load.out" python3 "$NS_TMP/client.py" count 1200 $VIP 80
loadpid=$NS_LAST_PID
for w in 5 1 4 2 6 3; do
	lbs weight web 10.241.0.11 80 $w || fail "weight $w refused"
	sleep 0.1
done
wait $loadpid
grep -q '^errors 0$' "$NS_TMP/load.out" ||
	fail "connections failed: $(tr '\n' ' ' <"$NS_TMP/load.out")"
echo "  $(tr '\n' ' ' <"$NS_TMP/load.out")"
[ "$(held 2)" = "$first" ] || fail "kept connection moved"

echo "quiesce $first: no new connections, the kept one stays"
lbs weight web 10.241.0.1${first#rs} 80 0 || fail "quiesce"
lb_count c 90 $VIP 80
[ "$c_errors" = 0 ] || fail "$c_errors failed connections"
[ "$(eval echo "\${c_$first:-0}")" = 0 ] || fail "$first got new connections"
[ "$(held 3)" = "$first" ] || fail "kept connection moved off $first"
lbs weight web 10.241.0.1${first#rs} 80 ${first#rs} || fail "restore"

echo "a real server whose MAC cannot be resolved is reported, not used"
lbs server web 10.241.0.14 80 3 || fail "add rs4"
# pending while the kernel asks (3 ARP requests, 1 s apart), then failed
for i in $(seq 100); do
	lbs refresh
	lbs_faults >/dev/null
	grep -q '^failed web 10.241.0.14 80 ' "$NS_TMP/faults" && break
	sleep 0.2
done
grep '^failed web 10.241.0.14 80 ' "$NS_TMP/faults" ||
	fail "rs4 not reported: $(cat "$NS_TMP/faults")"
grep -q 'MAC address of 10.241.0.14 unknown: no ARP reply on eth0' \
	"$NS_TMP/faults" || fail "reason: $(cat "$NS_TMP/faults")"
lb_count c 60 $VIP 80
[ "$c_errors" = 0 ] || fail "$c_errors failed connections with rs4 down"
[ -z "${c_rs4:-}" ] || fail "rs4 answered"
ns_exec r nft list table netdev shoal | grep -q 10.241.0.14 &&
	fail "rs4 is in the ruleset"
lbs remove web 10.241.0.14 80 || fail "remove rs4"

echo "a real server behind a gateway is refused for direct routing"
ns_exec r ip route add 10.249.0.0/24 via 10.241.0.12
lbs server web 10.249.0.5 80 1 || fail "add routed server"
lbs_faults >/dev/null
grep -q '^failed web 10.249.0.5 80 .*routed via a gateway' "$NS_TMP/faults" ||
	fail "routed server: $(cat "$NS_TMP/faults")"
lbs remove web 10.249.0.5 80 || fail "remove routed server"

echo "clear removes the services"
lbs clear || fail "clear"
ns_exec r nft list table netdev shoal | grep -q "$VIP" &&
	fail "service still in table netdev shoal"
lbs_stop || fail "lbctl exited with an error"
echo "PASS"
exit 0
