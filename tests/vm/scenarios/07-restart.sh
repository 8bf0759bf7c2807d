#!/bin/bash
# restart: SIGKILL of both pulse processes (supervisor and worker) leaves
# IPVS services and the master sync daemon in the kernel.  While pulse is
# down the service's port changes and a real server dies; the restarted
# pulse removes what the killed one made (the old port's service, the
# dead server) at once, without "File exists", and never touches a
# service an administrator added with ipvsadm.  Killed again, `pulse
# --cleanup` removes all that shoal made; SIGTERM too: only the hand-made
# service is left, no sync daemon, no ownership file.  NAT.
. /shoal/tests/guest.sh
g_topo
for i in 1 2 3; do
	g_rs rs$i br1 10.60.0.2$i/24 10.60.0.1
done
g_net
for i in 1 2 3; do
	g_serve rs$i -t 80 -t 81
done
conf() {	# conf PORT
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
syncdaemon = 1
syncd_iface = eth1
virtual web {
     address = $VIP eth0:1
     active = 1
     port = $1
     scheduler = wrr
     check = tcp
     check_interval = 1
     rise = 1
     fall = 1
$(g_cf_servers 3)
}
CF
}
conf 80
g_db r1 "$G_TMP/lvs.cf"
g_in r1 ipvsadm -A -t 10.50.0.200:9999 -s lc || g_fail "ipvsadm -A"
g_in r1 ipvsadm -a -t 10.50.0.200:9999 -r 10.60.0.21:9999 -m -w 7 || g_fail "ipvsadm -a"
g_pulse r1
g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
g_wait 30 eval '[ "$(g_ipvs r1 | grep -c "^  -> 10.60.0.2.:80")" = 3 ]' ||
	g_fail "not programmed: $(g_ipvs r1)"
g_in r1 ipvsadm -L --daemon | grep -q 'master sync daemon' || g_fail "no master sync daemon"
[ -s "$G_TMP/run-r1/lb.state" ] || g_fail "no ownership file"
g_ok "programmed: 3 real servers on :80, master sync daemon; the hand-made 10.50.0.200:9999 beside"

w=$(g_worker r1)
[ -n "$w" ] || g_fail "no worker"
kill -STOP "$w" "${G_PULSE[r1]}"
kill -KILL "$w" "${G_PULSE[r1]}"
g_wait 10 eval '! kill -0 $w 2>/dev/null' || g_fail "worker survived SIGKILL"
g_ipvs r1 | grep -q "^TCP  $VIP:80" || g_fail "no stale service (premise)"
# while pulse is down: the port changes to 81, rs3 dies
conf 81
g_db r1 "$G_TMP/lvs.cf"
kill -KILL "${G_SERVE[rs3]}"
g_pulse r1
# stale state goes at start (the node is not active before deadtime)
g_wait 30 eval '! g_ipvs r1 | grep -q "^TCP  $VIP:80 "' ||
	g_fail "the killed pulse's service stays: $(g_ipvs r1)"
g_wait 30 g_role_is r1 active || g_fail "r1 is not active again"
g_wait 30 eval '[ "$(g_ipvs r1 | grep -c "^  -> 10.60.0.2[12]:81")" = 2 ]' ||
	g_fail "port 81 not programmed with rs1 rs2: $(g_ipvs r1)"
g_ipvs r1 | grep -q '10.60.0.23:8[01]' && g_fail "dead rs3 in IPVS: $(g_ipvs r1)"
g_ipvs r1 | grep -q "^TCP  10.50.0.200:9999 lc" &&
	g_ipvs r1 | grep -q '10.60.0.21:9999 *Masq *7' ||
	g_fail "the hand-made service was touched: $(g_ipvs r1)"
[ "$(g_in r1 ipvsadm -L --daemon | grep -c 'master sync daemon')" = 1 ] ||
	g_fail "sync daemon: $(g_in r1 ipvsadm -L --daemon)"
grep -E 'File exists|retrying' "$G_TMP/pulse-r1.log" &&
	g_fail "the restart met the old state"
g_count c "$VIP" 81 30
g_shares 15 15 || g_fail "traffic on 81: $(g_counts)"
g_ok "restart: :80 and dead rs3 removed, :81 with rs1 rs2 ($(g_counts)), hand-made service and one master daemon kept, no error"

# killed again: pulse --cleanup (the unit's ExecStopPost) removes it all
killall_pulse() {
	local w
	w=$(g_worker r1)
	[ -n "$w" ] || g_fail "no worker"
	kill -STOP "$w" "${G_PULSE[r1]}"
	kill -KILL "$w" "${G_PULSE[r1]}"
	g_wait 10 eval '! kill -0 $w 2>/dev/null' || g_fail "worker survived SIGKILL"
}
killall_pulse
g_ipvs r1 | grep -q "^TCP  $VIP:81" || g_fail "nothing stale before --cleanup (premise)"
g_in r1 pulse --cleanup --db "$G_TMP/r1.db" --rundir "$G_TMP/run-r1" \
	>"$G_TMP/cleanup.out" 2>&1 || g_fail "pulse --cleanup: $(cat "$G_TMP/cleanup.out")"
[ "$(g_ipvs r1 | grep -c '^TCP')" = 1 ] && g_ipvs r1 | grep -q '10.50.0.200:9999' ||
	g_fail "after --cleanup: $(g_ipvs r1)"
[ -z "$(g_in r1 ipvsadm -L --daemon)" ] || g_fail "daemon after --cleanup"
ip -n r1 addr show | grep -q "$VIP/" && g_fail "VIP after --cleanup"
[ -e "$G_TMP/run-r1/lb.state" ] && g_fail "ownership file after --cleanup"
g_ok "SIGKILL, then pulse --cleanup: $(tr '\n' ' ' <"$G_TMP/cleanup.out")- only the hand-made service left"

g_pulse r1
g_wait 30 eval '[ "$(g_ipvs r1 | grep -c "^  -> 10.60.0.2[12]:81")" = 2 ]' ||
	g_fail "not programmed again: $(g_ipvs r1)"
kill -TERM "${G_PULSE[r1]}"
g_wait 30 eval '! kill -0 ${G_PULSE[r1]} 2>/dev/null' || g_fail "pulse did not stop"
[ "$(g_ipvs r1 | grep -c '^TCP')" = 1 ] || g_fail "after SIGTERM: $(g_ipvs r1)"
[ -z "$(g_in r1 ipvsadm -L --daemon)" ] ||
	g_fail "a sync daemon outlived pulse: $(g_in r1 ipvsadm -L --daemon)"
[ -e "$G_TMP/run-r1/lb.state" ] && g_fail "ownership file left: $(cat "$G_TMP/run-r1/lb.state")"
g_ok "SIGTERM: only the hand-made service left, no sync daemon, no ownership file"
