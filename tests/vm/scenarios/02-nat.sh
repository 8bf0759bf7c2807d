#!/bin/bash
# nat: NAT through pulse on IPVS, every scheduler (rr wrr lc wlc sh sed nq
# mh) over 600 connections, and the least-loaded schedulers (lc wlc) with
# long-lived connections held: the new ones go to the least loaded.
. /shoal/tests/guest.sh
. /shoal/tests/sched.sh
g_topo
g_sources 600
for i in 1 2 3; do
	g_rs rs$i br1 10.60.0.2$i/24 10.60.0.1
done
g_net
for i in 1 2 3; do
	g_serve rs$i -t 8001 -t 8002 -t 8003 -t 8004 -t 8005 -t 8006 -t 8007 -t 8008
done
s_config nat 10.60.0. "$G_TMP/lvs.cf"
s_cluster nat
[ "$(g_in r1 cat /proc/sys/net/ipv4/ip_forward)" = 1 ] ||
	g_fail "ip_forward not enabled on the active NAT router"
s_shares nat
s_least nat lc 400 33 133 133
s_least nat wlc 600 0 200 300
