#!/bin/bash
# failover: a router fail-over with IPVS's sync daemon.  r2 boots as
# backup and runs the backup sync daemon from the start; 20 established
# connections through r1 (each sending a line every 100 ms) all survive
# cutting both of r1's links.  The same with syncdaemon = 0: none
# survives (so the test can fail).  NAT.
. /shoal/tests/guest.sh
g_topo
for i in 1 2 3; do
	g_rs rs$i br1 10.60.0.2$i/24 10.60.0.1
done
g_net
for i in 1 2 3; do
	g_serve rs$i -t 80 -t 81
done
conf() {	# conf SYNCDAEMON PORT
	cat >"$G_TMP/lvs.cf" <<CF
service = lvs
primary = 10.50.0.11
backup = 10.50.0.12
backup_active = 1
keepalive = 0.5
heartbeat_key = "shoal vm lane cluster key"
deadtime = 3
monitor_links = 1
network = nat
nat_router = 10.60.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = ipvs
syncdaemon = $1
syncd_iface = eth1
syncd_id = 5
virtual web {
     address = $VIP eth0:1
     active = 1
     port = $2
     scheduler = rr
     check = tcp
     check_interval = 1
     rise = 1
     fall = 1
$(g_cf_servers 3)
}
CF
}
# established connections to the VIP's PORT that NS's IPVS knows (the
# first run's stay in both kernels: the second run uses another port)
known() { g_in "$1" ipvsadm -Lnc 2>/dev/null | grep -c "ESTABLISHED.*$VIP:$PORT "; }
daemon() { g_in "$1" ipvsadm -L --daemon 2>/dev/null; }
# talk_is SYNC TEXT: the client's last status line has TEXT
talk_is() { tail -n 1 "$G_TMP/talk-$1.out" | grep -q "$2"; }

# run SYNCDAEMON PORT: 20 connections through r1, r1 cut off; sets ALIVE
run() {
	local sync=$1 talk
	PORT=$2
	conf "$sync" "$PORT"
	g_db r1 "$G_TMP/lvs.cf"
	g_db r2 "$G_TMP/lvs.cf"
	g_pulse r1
	g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
	g_pulse r2
	g_wait 30 g_role_is r2 backup || g_fail "r2 is not backup"
	g_wait 30 g_all_up r1 || g_fail "real servers not up: $(g_servers r1)"
	if [ "$sync" = 1 ]; then
		g_wait 20 eval 'daemon r2 | grep -q "backup sync daemon (mcast=eth1, syncid=5,"' ||
			g_fail "r2 (booted as backup) runs no backup sync daemon: $(daemon r2)"
		daemon r1 | grep -q "master sync daemon (mcast=eth1, syncid=5," ||
			g_fail "r1 runs no master sync daemon: $(daemon r1)"
		g_ok "sync: r1 master, r2 (booted as backup) backup sync daemon"
	else
		[ -z "$(daemon r2)" ] || g_fail "a sync daemon without syncdaemon: $(daemon r2)"
	fi
	g_spawn c "$G_TMP/talk-$sync.out" vmnet talk -i 100 "$VIP" "$PORT" 20
	talk=$G_LAST
	g_wait 30 grep -q '^ready' "$G_TMP/talk-$sync.out" ||
		g_fail "talk: $(cat "$G_TMP/talk-$sync.out")"
	[ "$(known r1)" = 20 ] || g_fail "r1 knows $(known r1) connections"
	# the kernel sends a connection's state after up to ~2 s: wait until
	# r2 knows all 20 (with the daemon), or show it learns none
	if [ "$sync" = 1 ]; then
		g_wait 30 eval '[ "$(known r2)" = 20 ]' ||
			g_fail "r2 learnt $(known r2) of 20 connections"
		g_ok "sync: r2 knows the 20 connections after ${G_WAITED_MS} ms"
	elif g_wait 5 eval '[ "$(known r2)" -gt 0 ]'; then
		g_fail "r2 learnt connections without a sync daemon"
	fi
	g_batch sw link set br0-r1 down
	g_batch sw link set br1-r1 down
	g_net
	g_wait 30 g_role_is r2 active || g_fail "r2 did not take over"
	g_ok "syncdaemon=$sync: r1 cut off, r2 active after ${G_WAITED_MS} ms"
	# with the daemon all 20 answer again; without, all are reset
	if [ "$sync" = 1 ]; then
		g_wait 30 talk_is "$sync" 'live=20 recent=20' ||
			g_fail "connections did not recover: $(tail -n 3 "$G_TMP/talk-$sync.out")"
	else
		g_wait 30 talk_is "$sync" 'live=0 ' ||
			g_fail "connections neither recovered nor reset: $(tail -n 3 "$G_TMP/talk-$sync.out")"
	fi
	g_ok "syncdaemon=$sync: client sees $(tail -n 1 "$G_TMP/talk-$sync.out") ${G_WAITED_MS} ms later"
	kill -USR1 "$talk"
	g_wait 20 grep -q '^alive' "$G_TMP/talk-$sync.out" || g_fail "talk did not end"
	ALIVE=$(sed -n 's/^alive \([0-9]*\)\/20 .*/\1/p' "$G_TMP/talk-$sync.out")
	g_ok "syncdaemon=$sync: $(grep '^alive' "$G_TMP/talk-$sync.out") survived the fail-over"
}

run 1 80
[ "$ALIVE" = 20 ] || g_fail "with the sync daemon $ALIVE/20 connections survived"
# a fresh cluster without the sync daemon
for n in r1 r2; do
	kill -TERM "${G_PULSE[$n]}"
	g_wait 30 eval '! kill -0 ${G_PULSE[$n]} 2>/dev/null' || g_fail "pulse on $n did not stop"
	[ -z "$(daemon $n)" ] || g_fail "$n: a sync daemon outlived pulse: $(daemon $n)"
	g_ipvs "$n" | grep -q '^TCP' && g_fail "$n: services outlived pulse: $(g_ipvs $n)"
done
g_ok "SIGTERM: no service and no sync daemon left on r1 and r2"
g_batch sw link set br0-r1 up
g_batch sw link set br1-r1 up
g_net
run 0 81
[ "$ALIVE" = 0 ] || g_fail "without the sync daemon $ALIVE/20 connections survived"
