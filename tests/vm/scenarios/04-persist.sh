#!/bin/bash
# persist: persistence with a netmask and a timeout (a client stays on its
# server, its /24 with it, another /24 goes elsewhere, and it moves once
# the persistence template expired); a fwmark service grouping ports 80
# and 443 keeps a client on one server for both; a UDP service.  NAT, one
# router.
. /shoal/tests/guest.sh
g_topo
g_batch c addr add 10.50.0.77/16 dev eth0
g_batch c addr add 10.50.1.5/16 dev eth0
for i in 1 2 3; do
	g_rs rs$i br1 10.60.0.2$i/24 10.60.0.1
done
g_net
for i in 1 2 3; do
	g_serve rs$i -t 80 -t 443 -t 8080 -t 53 -u 53
done
cat >"$G_TMP/lvs.cf" <<CF
service = lvs
primary = 10.50.0.11
keepalive = 0.5
heartbeat_key = "shoal vm lane cluster key"
deadtime = 3
network = nat
nat_router = 10.60.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = ipvs
CF
for v in "pers port = 8080|persistent = 15|pmask = 255.255.255.0" \
	"mark fwmark = 1|persistent = 60|port = 80" \
	"dns port = 53|protocol = udp"; do
	name=${v%% *}
	{
		echo "virtual $name {"
		echo "     address = $VIP eth0:1"
		echo "     active = 1"
		echo "     scheduler = rr"
		echo "     check = tcp"
		echo "     check_interval = 1"
		echo "     rise = 1"
		echo "     fall = 1"
		echo "${v#* }" | tr '|' '\n' | sed 's/^/     /'
		for i in 1 2 3; do
			printf '     server rs%d {\n         address = 10.60.0.2%d\n         active = 1\n     }\n' $i $i
		done
		echo "}"
	} >>"$G_TMP/lvs.cf"
done
g_db r1 "$G_TMP/lvs.cf"
# Piranha users mark packets themselves: 80 and 443 of the VIP are mark 1
cat >"$G_TMP/mark.nft" <<NFT
table ip mangle {
	chain pre {
		type filter hook prerouting priority mangle;
		ip daddr $VIP tcp dport { 80, 443 } meta mark set 1
	}
}
NFT
g_in r1 nft -f "$G_TMP/mark.nft" || g_fail "nft fwmark rule"
g_pulse r1
g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
g_wait 30 g_all_up r1 || g_fail "real servers not up: $(g_servers r1)"
g_ipvs r1 | grep -q '^FWM  1 rr persistent 60' || g_fail "no fwmark service: $(g_ipvs r1)"
g_ipvs r1 | grep -q "^TCP  $VIP:8080 rr persistent 15 mask 255.255.255.0" ||
	g_fail "no persistent service: $(g_ipvs r1)"
g_ipvs r1 | grep -q "^UDP  $VIP:53 rr" || g_fail "no UDP service: $(g_ipvs r1)"

# one server for a client and its /24
one() {	# one SRC PORT N: ONE = the only server N connections from SRC reach
	g_count c -s "$1" "$VIP" "$2" "$3"
	[ "$(g_share errors)" = 0 ] || g_fail "errors from $1: $(g_counts)"
	[ "$(wc -l <"$G_TMP/count.out")" = 2 ] ||
		g_fail "$1 to $2 reached several servers: $(g_counts)"
	ONE=$(awk 'NR == 1 { print $1 }' "$G_TMP/count.out")
}
one 10.50.0.10 8080 10
x=$ONE
one 10.50.0.77 8080 10
[ "$ONE" = "$x" ] || g_fail "10.50.0.77 left the /24's server $x for $ONE"
one 10.50.1.5 8080 10
y=$ONE
[ "$y" != "$x" ] || g_fail "another /24 got the same server $x (rr)"
g_ok "persistence: 10.50.0.10 and .77 (one /24) on $x for 20 connections, 10.50.1.5 on $y"
# the template expires 15 s after its last use, its connections (reset:
# 10 s in IPVS's CLOSE state) gone by then.  (A template still
# controlling connections when its timeout comes is kept another 60 s:
# the kernel's rule.)
expired() { ! g_in r1 ipvsadm -Lnc | grep -q " 10.50.0.0:0 *$VIP:8080"; }
g_in r1 ipvsadm -Lnc | grep -q " 10.50.0.0:0 *$VIP:8080" ||
	g_fail "no persistence template for 10.50.0.0/24: $(g_in r1 ipvsadm -Lnc)"
g_wait 60 expired || g_fail "the template did not expire: $(g_in r1 ipvsadm -Lnc)"
one 10.50.0.10 8080 1
z=$ONE
[ "$z" != "$x" ] || g_fail "10.50.0.10 still on $x after the template expired"
g_ok "persistence timeout: template gone after ${G_WAITED_MS} ms, 10.50.0.10 moved from $x to $z"

# fwmark: 80 and 443 are one service: the client keeps its server
one 10.50.0.10 80 10
m=$ONE
one 10.50.0.10 443 10
[ "$ONE" = "$m" ] || g_fail "443 on $ONE, not on the server of 80 ($m)"
one 10.50.0.10 80 5
[ "$ONE" = "$m" ] || g_fail "80 moved to $ONE"
g_ok "fwmark 1 (80 + 443): 25 connections of 10.50.0.10 all on $m"

# UDP: 30 datagrams from 30 sockets, rr
g_count c -u "$VIP" 53 30
g_shares 10 10 10 || g_fail "udp rr shares: $(g_counts)"
g_ok "udp: $(g_counts)"
