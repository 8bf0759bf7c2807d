#!/bin/bash
# auto: lvs_backend = auto picks IPVS on this kernel although ip_vs is not
# loaded yet: pulse's lookup of the IPVS family loads it (the kernel's
# module alias; pulse runs modprobe itself where that cannot work), the
# service is programmed and traffic flows (NAT, one router, one server).
. /shoal/tests/guest.sh
if grep -q '^ip_vs ' /proc/modules; then
	for m in $(awk '$1 ~ /^ip_vs_/ { print $1 }' /proc/modules); do
		rmmod "$m"
	done
	rmmod ip_vs || g_fail "ip_vs is loaded and cannot be unloaded"
fi
g_topo
g_rs rs1 br1 10.60.0.21/24 10.60.0.1
g_net
g_serve rs1 -t 80
cat >"$G_TMP/lvs.cf" <<CF
service = lvs
primary = 10.50.0.11
keepalive = 0.5
heartbeat_key = "shoal vm lane cluster key"
deadtime = 3
network = nat
nat_router = 10.60.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = auto
virtual web {
     address = $VIP eth0:1
     active = 1
     port = 80
     scheduler = rr
     check = tcp
     check_interval = 1
     rise = 1
     fall = 1
     server rs1 {
         address = 10.60.0.21
         active = 1
     }
}
CF
g_db r1 "$G_TMP/lvs.cf"
grep -q '^ip_vs ' /proc/modules && g_fail "ip_vs loaded before pulse (test premise)"
g_pulse r1
g_wait 30 g_role_is r1 active || g_fail "r1 is not active"
grep -q '^ip_vs ' /proc/modules || g_fail "ip_vs not loaded by pulse"
grep -q 'backend auto: ipvs' "$G_TMP/pulse-r1.log" ||
	g_fail "auto did not pick ipvs: $(grep 'lb:' "$G_TMP/pulse-r1.log")"
g_wait 20 g_all_up r1 || g_fail "rs1 not up: $(g_servers r1)"
g_ipvs r1 | grep -q "TCP  $VIP:80 rr" || g_fail "no IPVS service: $(g_ipvs r1)"
g_count c "$VIP" 80 50
[ "$(g_share rs1)" = 50 ] && [ "$(g_share errors)" = 0 ] ||
	g_fail "traffic: $(g_counts)"
g_ok "auto: ip_vs loaded by pulse, backend ipvs, 50/50 connections through NAT"
