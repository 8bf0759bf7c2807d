#!/bin/bash
# health: real servers failing and coming back under pulse on IPVS: with
# quiesce_server a failed server stays at weight 0 (its connections go
# on, new ones go elsewhere); drain and enable at run time (shoalctl, no
# reload); every server down: the sorry server answers.  NAT, one router.
. /shoal/tests/guest.sh
g_topo
for i in 1 2 3; do
	g_rs rs$i br1 10.60.0.2$i/24 10.60.0.1
done
g_rs sorry br1 10.60.0.24/24 10.60.0.1
g_net
for n in rs1 rs2 rs3 sorry; do
	g_serve $n -t 80
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
virtual web {
     address = $VIP eth0:1
     active = 1
     port = 80
     scheduler = rr
     quiesce_server = 1
     sorry_server = 10.60.0.24
     check = tcp
     check_interval = 1
     check_timeout = 2
     rise = 1
     fall = 2
$(g_cf_servers 3)
}
CF
g_db r1 "$G_TMP/lvs.cf"
g_pulse r1
g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
g_wait 30 g_all_up r1 || g_fail "real servers not up: $(g_servers r1)"
g_count c "$VIP" 80 30
g_shares 10 10 10 || g_fail "rr: $(g_counts)"
g_ok "3 servers up: $(g_counts)"

# weight W of real server ADDR in IPVS ("-" when absent)
weight() {
	g_ipvs r1 | awk -v a="$1:80" '$1 == "->" && $2 == a { print $4; f = 1 }
		END { if (!f) print "-" }'
}
# checks from the routers fail on NS (the client's NATed traffic passes)
block() {
	printf 'table ip chk {\n chain in {\n  type filter hook input priority 0;\n  ip saddr { 10.60.0.1, 10.60.0.11, 10.60.0.12 } tcp dport 80 drop\n }\n}\n' >"$G_TMP/block.nft"
	g_in "$1" nft -f "$G_TMP/block.nft" || g_fail "nft in $1"
}
unblock() { g_in "$1" nft delete table ip chk || g_fail "nft delete in $1"; }

# quiesce: connections held on rs1 go on; new ones avoid it
g_spawn c "$G_TMP/talk.out" vmnet talk "$VIP" 80 6
talk=$G_LAST
g_wait 20 grep -q '^ready' "$G_TMP/talk.out" || g_fail "talk: $(cat "$G_TMP/talk.out")"
grep -q 'rs1=2' "$G_TMP/talk.out" || g_fail "talk not spread: $(cat "$G_TMP/talk.out")"
block rs1
g_wait 30 eval '[ "$(weight 10.60.0.21)" = 0 ]' ||
	g_fail "rs1 not quiesced: $(g_ipvs r1)"
g_ok "rs1 failing checks: weight 0 after ${G_WAITED_MS} ms, still in IPVS"
g_count c "$VIP" 80 30
g_shares 0 15 15 || g_fail "new connections with rs1 quiesced: $(g_counts)"
kill -USR1 "$talk"
g_wait 20 grep -q '^alive' "$G_TMP/talk.out" || g_fail "talk did not end"
grep -q '^alive 6/6' "$G_TMP/talk.out" ||
	g_fail "connections lost while quiesced: $(tail -n 2 "$G_TMP/talk.out")"
g_ok "quiesce: new $(g_counts); held: $(grep '^alive' "$G_TMP/talk.out")"
unblock rs1
g_wait 20 eval '[ "$(weight 10.60.0.21)" = 1 ]' || g_fail "rs1 not back: $(g_ipvs r1)"
g_ok "rs1 back at weight 1 after ${G_WAITED_MS} ms"

# drain and enable at run time: no reload
gen=$(g_status r1 | sed -n 's/^configuration generation \([0-9]*\).*/\1/p')
shoalctl --db "$G_TMP/r1.db" server drain web rs2 --rundir "$G_TMP/run-r1" \
	>"$G_TMP/drain.out" 2>&1 || g_fail "drain: $(cat "$G_TMP/drain.out")"
[ "$(weight 10.60.0.22)" = 0 ] || g_fail "drained rs2 not at 0: $(g_ipvs r1)"
g_count c "$VIP" 80 30
g_shares 15 0 15 || g_fail "drained rs2 got connections: $(g_counts)"
shoalctl --db "$G_TMP/r1.db" server enable web rs2 --rundir "$G_TMP/run-r1" \
	>/dev/null 2>&1 || g_fail "enable rs2"
[ "$(weight 10.60.0.22)" = 1 ] || g_fail "enabled rs2 not at 1: $(g_ipvs r1)"
g_count c "$VIP" 80 30
g_shares 10 10 10 || g_fail "after enable: $(g_counts)"
[ "$(g_status r1 | sed -n 's/^configuration generation \([0-9]*\).*/\1/p')" = "$gen" ] ||
	g_fail "drain/enable reloaded the configuration"
g_ok "drain rs2: weight 0, no new connection; enable: $(g_counts); no reload"

# every server failing: the sorry server answers; back when they return
for n in rs1 rs2 rs3; do block $n; done
g_wait 30 eval '[ "$(weight 10.60.0.24)" = 1 ]' ||
	g_fail "no sorry server: $(g_ipvs r1)"
g_count c "$VIP" 80 10
[ "$(g_share sorry)" = 10 ] && [ "$(g_share errors)" = 0 ] ||
	g_fail "sorry server: $(g_counts)"
g_ok "all down: sorry server after ${G_WAITED_MS} ms: $(g_counts)"
for n in rs1 rs2 rs3; do unblock $n; done
all_back() {
	[ "$(weight 10.60.0.24)" = - ] && [ "$(weight 10.60.0.21)" = 1 ] &&
	[ "$(weight 10.60.0.22)" = 1 ] && [ "$(weight 10.60.0.23)" = 1 ]
}
g_wait 20 all_back || g_fail "not all back, or the sorry server stays: $(g_ipvs r1)"
g_count c "$VIP" 80 30
g_shares 10 10 10 || g_fail "after recovery: $(g_counts)"
g_ok "recovered: sorry server out, $(g_counts)"
