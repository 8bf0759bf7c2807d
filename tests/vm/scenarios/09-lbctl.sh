#!/bin/bash
# lbctl: lb.h straight against the kernel's IPVS (tests/lbctl), in a
# namespace: apply, apply again from a fresh process (adopted, the sync
# daemon kept: no "File exists"), clear from a fresh process with the
# ownership file (only what was recorded goes), IPv6 persistence /0
# refused before the kernel, /64 taken, a tunnel to an IPv6 real server
# (and refused beside the sync daemon, which the kernel cannot run then).
. /shoal/tests/guest.sh
g_ns k
g_batch k link add s0 type veth peer name s1
g_batch k link set s0 up
g_batch k link set s1 up
g_batch k addr add 10.3.0.1/24 dev s0
g_net
modprobe ip_vs
own=$G_TMP/lb.state
cat >"$G_TMP/a.lb" <<LB
global sync master s0 3
service web tcp 10.1.0.1 80 sched wrr persistent 30 pmask 24
server web 10.2.0.1 80 1
server web 10.2.0.2 80 3
service v6 tcp fd00::1 443 sched rr persistent 60 pmask 64
server v6 fd00::2 443 1
LB
cat >"$G_TMP/t.lb" <<LB
service tun tcp 10.1.0.2 80 fwd tunnel
server tun fd00::3 80 1
LB
lbctl() { g_in k lbctl -b ipvs -o "$own" "$@" >"$G_TMP/lbctl.out" 2>&1; }
lbctl apply "$G_TMP/a.lb" || g_fail "apply: $(cat "$G_TMP/lbctl.out")"
g_in k ipvsadm -A -t 10.9.9.9:80 -s lc
g_ipvs k >"$G_TMP/after1"
grep -q 'TCP  10.1.0.1:80 wrr persistent 30 mask 255.255.255.0' "$G_TMP/after1" &&
grep -q 'TCP  \[fd00::1\]:443 rr persistent 60 mask 64' "$G_TMP/after1" ||
	g_fail "kernel state: $(cat "$G_TMP/after1")"
# a tunnel to IPv6 behind an IPv4 VIP: refused beside the sync daemon
cat "$G_TMP/a.lb" "$G_TMP/t.lb" >"$G_TMP/at.lb"
lbctl apply "$G_TMP/at.lb" && g_fail "mixed families beside the sync daemon accepted"
grep -q 'the connection sync daemon cannot run with it' "$G_TMP/lbctl.out" ||
	g_fail "$(cat "$G_TMP/lbctl.out")"
g_ok "tunnel to IPv6 refused beside the sync daemon: $(grep -m1 'sync daemon cannot' "$G_TMP/lbctl.out")"
lbctl apply "$G_TMP/a.lb" || g_fail "second apply: $(cat "$G_TMP/lbctl.out")"
grep -q 'File exists' "$G_TMP/lbctl.out" && g_fail "$(cat "$G_TMP/lbctl.out")"
[ "$(g_in k ipvsadm -L --daemon | grep -c 'master sync daemon (mcast=s0, syncid=3,')" = 1 ] ||
	g_fail "daemon: $(g_in k ipvsadm -L --daemon)"
g_ok "apply twice from two processes: the same services, one master daemon, no error"
sed 's/pmask 64/pmask 0/' "$G_TMP/a.lb" >"$G_TMP/b.lb"
lbctl apply "$G_TMP/b.lb" && g_fail "IPv6 /0 accepted"
grep -q 'IPv6 service takes 1..128' "$G_TMP/lbctl.out" || g_fail "$(cat "$G_TMP/lbctl.out")"
g_ipvs k | grep -q 'mask 64' || g_fail "refused change touched the kernel"
g_ok "IPv6 /0 refused before the kernel: $(grep -m1 '1..128' "$G_TMP/lbctl.out")"
lbctl clear || g_fail "clear: $(cat "$G_TMP/lbctl.out")"
g_ipvs k >"$G_TMP/after2"
[ "$(grep -c '^TCP' "$G_TMP/after2")" = 1 ] && grep -q '10.9.9.9:80 lc' "$G_TMP/after2" ||
	g_fail "after clear: $(cat "$G_TMP/after2")"
[ -z "$(g_in k ipvsadm -L --daemon)" ] || g_fail "daemon after clear"
[ -e "$own" ] && g_fail "ownership file left"
g_ok "clear from a fresh process: shoal's 2 services and its daemon gone, the hand-made one kept"
# without the daemon the kernel takes the tunnel to IPv6
g_in k lbctl -b ipvs apply "$G_TMP/t.lb" >"$G_TMP/tun.out" 2>&1 ||
	g_fail "tunnel to IPv6 alone: $(cat "$G_TMP/tun.out")"
g_ipvs k | grep -q '\[fd00::3\]:80 *Tunnel' || g_fail "no IPv6 tunnel: $(g_ipvs k)"
g_ok "no daemon: the tunnel from 10.1.0.2:80 to [fd00::3]:80 is programmed"
