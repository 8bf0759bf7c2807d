# tests/vm/lib/sched.sh - the scheduler part of the nat, dr and tun
# scenarios (bash; source after guest.sh).  One pulse cluster programs
# eight virtual services on the VIP, ports 8001-8008, one per scheduler,
# each with the real servers rs1 rs2 rs3 at weights 1 2 3; the client
# holds 600 connections open on each (so that the schedulers that count
# active connections, lc wlc sed nq, see them) and counts who answered.
#
# Expected shares of 600: rr and lc 200 each; wrr wlc sed nq sh mh
# 100/200/300.  sh and mh hash the source address: the client uses 600
# source addresses.  Within +-10 %.  The health checks are lenient (a
# server is out after three 5 s timeouts): a loaded host can starve the
# VM for seconds, and a real server flapping out would skew the shares.

SCHEDS=(rr wrr lc wlc sh sed nq mh)

# s_config NETWORK RS-ADDR-PREFIX OUT: the lvs.cf
s_config() {
	local net=$1 pre=$2 out=$3 i s
	{
		cat <<CF
service = lvs
primary = 10.50.0.11
backup = 10.50.0.12
backup_active = 1
keepalive = 0.5
heartbeat_key = "shoal vm lane cluster key"
deadtime = 3
network = $net
lvs_backend = ipvs
CF
		[ "$net" = nat ] && printf 'nat_router = 10.60.0.1 eth1:1\nnat_nmask = 255.255.255.0\n'
		for i in "${!SCHEDS[@]}"; do
			s=${SCHEDS[$i]}
			cat <<CF
virtual $s {
     address = $VIP eth0:1
     active = 1
     port = 800$((i + 1))
     scheduler = $s
     check = tcp
     check_interval = 2
     check_timeout = 5
     rise = 1
     fall = 3
     server rs1 {
         address = ${pre}21
         active = 1
         weight = 1
     }
     server rs2 {
         address = ${pre}22
         active = 1
         weight = 2
     }
     server rs3 {
         address = ${pre}23
         active = 1
         weight = 3
     }
}
CF
		done
	} >"$out"
}

# s_cluster MODE: r1 active, r2 backup, every real server up on r1
s_cluster() {
	g_db r1 "$G_TMP/lvs.cf"
	g_db r2 "$G_TMP/lvs.cf"
	g_pulse r1
	g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
	g_pulse r2
	g_wait 30 g_role_is r2 backup || g_fail "r2 is not backup"
	g_wait 30 g_all_up r1 || g_fail "real servers not up on r1: $(g_servers r1)"
	[ "$(g_ipvs r1 | grep -c '^  -> 10')" = 24 ] ||
		g_fail "r1: 24 real servers in IPVS expected: $(g_ipvs r1)"
	g_ipvs r2 | grep -q '^TCP' && g_fail "the backup programmed IPVS"
	g_ok "$1: r1 active with 8 services x 3 real servers in IPVS after ${G_WAITED_MS} ms of checks; r2 backup, IPVS empty"
}

# s_shares MODE: each scheduler's shares over 600 held connections
s_shares() {
	local mode=$1 i s want bad=0 src
	for i in "${!SCHEDS[@]}"; do
		s=${SCHEDS[$i]}
		want="100 200 300"
		case $s in rr|lc) want="200 200 200" ;; esac
		src=
		case $s in sh|mh) src="-s 10.50.1.1 -S 600" ;; esac
		g_count c -H $src "$VIP" "800$((i + 1))" 600
		if g_shares $want; then
			g_ok "$mode $s: $(g_counts) (want $want)"
		else
			echo "FAIL: $mode $s: $(g_counts) (want $want +-10 %)"
			bad=1
		fi
	done
	[ $bad = 0 ] || g_fail "$mode: shares off"
}

# s_least MODE VS TOTAL WANT...: the least-loaded schedulers with
# long-lived connections: 100 connections held on rs1 alone (rs2 and rs3
# drained), then rs2 and rs3 enabled and TOTAL-100 more held: the new
# ones go to the least loaded, so rs1 gets WANT1 of them, rs2 WANT2...
s_least() {
	local mode=$1 vs=$2 total=$3 port r got i
	shift 3
	for i in "${!SCHEDS[@]}"; do
		[ "${SCHEDS[$i]}" = "$vs" ] && port=800$((i + 1))
	done
	for r in rs2 rs3; do
		shoalctl --db "$G_TMP/r1.db" server drain "$vs" $r \
			--rundir "$G_TMP/run-r1" >/dev/null || g_fail "drain $vs $r"
	done
	g_spawn c "$G_TMP/hold.out" vmnet count -H -K "$VIP" "$port" 100
	local hold=$G_LAST
	g_wait 30 grep -q '^errors' "$G_TMP/hold.out" || g_fail "holding 100"
	[ "$(g_share rs1 "$G_TMP/hold.out")" = 100 ] ||
		g_fail "$vs: drained servers got connections: $(g_counts "$G_TMP/hold.out")"
	for r in rs2 rs3; do
		shoalctl --db "$G_TMP/r1.db" server enable "$vs" $r \
			--rundir "$G_TMP/run-r1" >/dev/null || g_fail "enable $vs $r"
	done
	g_count c -H "$VIP" "$port" $((total - 100))
	kill -TERM "$hold"
	wait "$hold" 2>/dev/null
	g_shares "$@" ||
		g_fail "$mode $vs least loaded: new connections $(g_counts), want $* +-10 % (100 held on rs1)"
	g_ok "$mode $vs: 100 held on rs1, then $((total - 100)) new: $(g_counts) (want $*)"
}
