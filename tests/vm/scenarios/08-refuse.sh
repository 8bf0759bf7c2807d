#!/bin/bash
# refuse: what this kernel refuses is refused by `shoalctl config check`
# first (an IPv6 real server in an IPv4 service, a persistence mask out of
# range, an unknown scheduler), each named with FILE:LINE:COL; ipvsadm
# shows the kernel does refuse them.  What the kernel still refuses at
# run time (a scheduler whose module is missing) is logged with the
# service named and retried while the other services run, and pulse keeps
# answering; once the module is back the service appears.  NAT.
. /shoal/tests/guest.sh
g_topo
g_rs rs1 br1 10.60.0.21/24 10.60.0.1
g_net
g_serve rs1 -t 80 -t 82
cf_head() {
	cat <<CF
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
}
virtual() {	# virtual NAME ADDR PORT SERVER [LINE...]
	local n=$1 a=$2 p=$3 s=$4
	shift 4
	echo "virtual $n {"
	echo "     address = $a eth0:1"
	echo "     active = 1"
	echo "     port = $p"
	echo "     check = tcp"
	echo "     check_interval = 1"
	echo "     rise = 1"
	echo "     fall = 1"
	for l in "$@"; do echo "     $l"; done
	echo "     server s {"
	echo "         address = $s"
	echo "         active = 1"
	echo "     }"
	echo "}"
}
bad() {	# bad NAME WANT-IN-ERROR: config check refuses lvs-NAME.cf
	if shoalctl config check "$G_TMP/lvs-$1.cf" >"$G_TMP/check-$1.out" 2>&1; then
		g_fail "config check accepted $1"
	fi
	grep -q "lvs-$1.cf:[0-9]*:[0-9]*: error: .*$2" "$G_TMP/check-$1.out" ||
		g_fail "config check on $1: $(cat "$G_TMP/check-$1.out")"
	g_ok "config check refuses $1: $(grep -m1 error "$G_TMP/check-$1.out" | sed "s|$G_TMP/||")"
}
{ cf_head; virtual v4 "$VIP" 80 fd00::1; } >"$G_TMP/lvs-v6server.cf"
bad v6server "an IPv6 real server in an IPv4 virtual server"
{ cf_head; virtual v6 fd00::100 80 fd00::1 "persistent = 30" "pmask = 0"; } >"$G_TMP/lvs-v6mask0.cf"
bad v6mask0 "takes a prefix of 1 to 128"
{ cf_head; virtual v6 fd00::100 80 fd00::1 "persistent = 30" "pmask = 129"; } >"$G_TMP/lvs-v6mask129.cf"
bad v6mask129 "Bad subnet mask"
{ cf_head; virtual v4 "$VIP" 80 10.60.0.21 "persistent = 30" "pmask = 255.0.255.0"; } >"$G_TMP/lvs-v4mask.cf"
bad v4mask "Bad subnet mask"
{ cf_head; virtual v4 "$VIP" 80 10.60.0.21 "scheduler = fo"; } >"$G_TMP/lvs-sched.cf"
bad sched "invalid argument for scheduler: 'fo'"
# the kernel's own answers to the same (ipvsadm, in a namespace of ours)
g_ns k
g_net
modprobe ip_vs
g_in k ipvsadm -A -t 10.1.0.1:80 -s rr || g_fail "ipvsadm -A"
g_in k ipvsadm -a -t 10.1.0.1:80 -r '[fd00::1]:80' -m 2>"$G_TMP/k1" &&
	g_fail "the kernel took an IPv6 real server in an IPv4 NAT service"
g_in k ipvsadm -A -t '[fd00::100]:80' -s rr -p 30 -M 0 2>"$G_TMP/k2" &&
	g_fail "the kernel took an IPv6 netmask /0"
g_in k ipvsadm -A -t 10.1.0.2:80 -s nosuch 2>"$G_TMP/k3" &&
	g_fail "the kernel took an unknown scheduler"
g_ok "the kernel refuses them too: $(cat "$G_TMP/k1" "$G_TMP/k2" "$G_TMP/k3" | tr '\n' ' ')"

# accepted by shoal, refused by this kernel: dh without its module
mod=$(modprobe -n -v ip_vs_dh | awk '/insmod/ { p = $2 } END { print p }')
[ -f "$mod" ] && ! grep -q '^ip_vs_dh ' /proc/modules || g_fail "ip_vs_dh: $mod"
mv "$mod" "$mod.away"
{ cf_head; virtual web "$VIP" 80 10.60.0.21 "scheduler = rr";
  virtual hash "$VIP" 82 10.60.0.21 "scheduler = dh"; } >"$G_TMP/lvs.cf"
shoalctl config check "$G_TMP/lvs.cf" >/dev/null || g_fail "config check refused dh"
g_db r1 "$G_TMP/lvs.cf"
g_pulse r1
g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
g_wait 30 eval 'g_ipvs r1 | grep -q "10.60.0.21:80"' || g_fail "web not programmed: $(g_ipvs r1)"
g_count c "$VIP" 80 10
[ "$(g_share rs1)" = 10 ] || g_fail "web does not answer: $(g_counts)"
g_wait 10 eval '[ "$(grep -c "retrying in 1000 ms" "$G_TMP/pulse-r1.log")" -ge 2 ]' ||
	g_fail "no retries: $(grep 'lb:' "$G_TMP/pulse-r1.log")"
grep -q "lb: ipvs: adding tcp $VIP:82: " "$G_TMP/pulse-r1.log" ||
	g_fail "the kernel's refusal not logged with the service: $(grep 'lb:' "$G_TMP/pulse-r1.log" | tail -n 3)"
t0=$(g_ms)
g_role_is r1 active || g_fail "pulse does not answer while retrying"
g_ok "dh refused by the kernel: '$(grep -m1 "adding tcp $VIP:82" "$G_TMP/pulse-r1.log" | sed 's/^.*lb: //')', retried, web serves, status answers in $(($(g_ms) - t0)) ms"
mv "$mod.away" "$mod"
g_wait 20 eval 'g_ipvs r1 | grep -q "^TCP  $VIP:82 dh"' ||
	g_fail "dh not programmed once its module is back: $(g_ipvs r1)"
g_ok "module back: $VIP:82 dh programmed after ${G_WAITED_MS} ms"
