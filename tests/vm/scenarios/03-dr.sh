#!/bin/bash
# dr: direct routing through pulse on IPVS: the real servers hold the VIP
# on lo (arp_ignore/arp_announce) on the routers' public LAN and answer
# the client directly; every scheduler over 600 connections.
. /shoal/tests/guest.sh
. /shoal/tests/sched.sh
g_topo
g_sources 600
for i in 1 2 3; do
	g_rs rs$i br0 10.50.0.2$i/16
	g_vip_lo rs$i
done
g_net
for i in 1 2 3; do
	g_serve rs$i -t 8001 -t 8002 -t 8003 -t 8004 -t 8005 -t 8006 -t 8007 -t 8008
done
s_config direct 10.50.0. "$G_TMP/lvs.cf"
s_cluster dr
g_ipvs r1 | grep -q 'Route' || g_fail "not direct routing: $(g_ipvs r1)"
s_shares dr
