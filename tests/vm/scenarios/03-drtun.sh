#!/bin/bash
# drtun: direct routing, then IP-in-IP tunnelling, through pulse on IPVS.
# The real servers sit on the routers' public LAN and answer the client
# directly; they hold the VIP on lo and on tunl0 (arp_ignore/announce, no
# reverse path filter).  Every scheduler over 600 connections with
# network = direct; then a reload to network = tunnel changes every real
# server's forwarding method in place, and every scheduler again; before
# it, `shoalctl config diff --apply-preview` lists exactly those edits in
# ipvsadm notation and changes nothing.
. /shoal/tests/guest.sh
. /shoal/tests/sched.sh
modprobe ipip || g_fail "modprobe ipip"	# every namespace gets its tunl0
g_topo
g_sources 600
for i in 1 2 3; do
	g_rs rs$i br0 10.50.0.2$i/16
	g_vip_lo rs$i
	g_vip_tun rs$i
done
g_net
for i in 1 2 3; do
	g_serve rs$i -t 8001 -t 8002 -t 8003 -t 8004 -t 8005 -t 8006 -t 8007 -t 8008
done
s_config direct 10.50.0. "$G_TMP/lvs.cf"
s_cluster dr
[ "$(g_ipvs r1 | grep -c ' Route ')" = 24 ] || g_fail "not direct routing: $(g_ipvs r1)"
s_shares dr
s_config tunnel 10.50.0. "$G_TMP/lvs.cf"
# the change preview on the active router first: every real server's
# forwarding edited to tunnelling, in ipvsadm notation, told and not done
shoalctl --db "$G_TMP/r1.db" config diff --apply-preview \
	--rundir "$G_TMP/run-r1" "$G_TMP/lvs.cf" >"$G_TMP/preview.out" 2>&1 ||
	g_fail "preview: $(cat "$G_TMP/preview.out")"
grep -q '^--- load balancer: ipvs backend, this node is the active router ---$' \
	"$G_TMP/preview.out" || g_fail "preview: no backend line: $(cat "$G_TMP/preview.out")"
# (the forwarding method is also a service attribute: each service is
# re-set too, as ipvs_apply() does)
[ "$(grep -c '^-e -t [0-9.]*:800[1-8] -r 10\.50\.0\.2[1-3]:800[1-8] -i -w [1-3]$' \
	"$G_TMP/preview.out")" = 24 ] &&
	[ "$(grep -c '^-E -t [0-9.]*:800[1-8] -s [a-z]*$' "$G_TMP/preview.out")" = 8 ] &&
	[ "$(grep -c '^-[AEDade] ' "$G_TMP/preview.out")" = 32 ] ||
	g_fail "preview: not 24 edits to tunnelling: $(sed -n "/^--- load/,/^--- expected/p" "$G_TMP/preview.out" | tr "\n" "|")"
[ "$(g_ipvs r1 | grep -c ' Route ')" = 24 ] || g_fail "the preview changed IPVS: $(g_ipvs r1)"
g_ok "preview: 8 ipvsadm -E and 24 -e ... -i lines, IPVS unchanged"
for n in r1 r2; do
	shoalctl --db "$G_TMP/$n.db" config import "$G_TMP/lvs.cf" >/dev/null ||
		g_fail "import tunnel on $n"
	shoalctl reload --rundir "$G_TMP/run-$n" >/dev/null || g_fail "reload $n"
done
g_wait 30 eval '[ "$(g_ipvs r1 | grep -c " Tunnel ")" = 24 ]' ||
	g_fail "not tunnelling after the reload: $(g_ipvs r1)"
g_ok "reload to network = tunnel: 24 real servers switched in ${G_WAITED_MS} ms"
s_shares tun
