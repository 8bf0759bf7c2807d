#!/bin/bash
# stability.sh [MINUTES] [KEEPALIVE] [DEADTIME] - no false fail-over: two
# pulse nodes in network namespaces, idle for MINUTES (default 10) at
# KEEPALIVE (default 0.05 s) and DEADTIME (default 0.2 s); prints the
# transitions each node made after settling (0 expected), the heartbeats
# exchanged, and pulse's CPU time and RSS.  Needs root and a built tree in
# PULSE_BUILD (default /tmp/build-pulse).
#
# STAB_LOSS=PCT drops PCT % of the frames each way on both nodes' links
# (netem where the kernel has it, else nftables numgen in the switch);
# STAB_NORT=1 runs pulse with --no-realtime.  For CPU load run
# `stress-ng --cpu 2` beside it (one for several runs at once).
set -u
MIN=${1:-10} KA=${2:-0.05} DT=${3:-0.2}
LOSS=${STAB_LOSS:-0}
RT=()
[ "${STAB_NORT:-0}" = 1 ] && RT=(--no-realtime)
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=${PULSE_BUILD:-/tmp/build-pulse}
NS_PREFIX=sp$$
. "$top_srcdir/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
ns_switch
ns_host n1 10.236.0.11/24
ns_host n2 10.236.0.12/24
cat >"$NS_TMP/lvs.cf" <<CF
primary = 10.236.0.11
backup = 10.236.0.12
backup_active = 1
network = direct
keepalive = $KA
deadtime = $DT
heartbeat_key = "stability bench shared key"
virtual v {
    address = 10.236.0.100 eth0:1
    vip_nmask = 255.255.255.0
    active = 1
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"
pl_start n1 "${RT[@]}"
pl_start n2 "${RT[@]}"
lossy=none
if [ "$LOSS" != 0 ]; then
	if ip netns exec "$NS_SW" tc qdisc add dev p0-n1 root netem loss \
	    "$LOSS%" 2>/dev/null; then
		for p in p0-n2; do
			ip netns exec "$NS_SW" tc qdisc add dev $p root netem \
				loss "$LOSS%"
		done
		for n in n1 n2; do
			ns_exec $n tc qdisc add dev eth0 root netem loss "$LOSS%"
		done
		lossy=netem
	else
		ip netns exec "$NS_SW" nft -f - <<-NFT
		table bridge loss {
		    chain forward {
		        type filter hook forward priority 0;
		        numgen random mod 1000 < $(echo "$LOSS * 10 / 1" | bc) drop
		    }
		}
		NFT
		lossy=nftables
	fi
fi
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 not active"
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 not backup"
sleep 1
t1=$(pl_field n1 "len(s['transitions'])")
t2=$(pl_field n2 "len(s['transitions'])")
cpu0=0
for n in n1 n2; do
	for p in $(pl_parent $n) $(pl_worker $n); do
		cpu0=$((cpu0 + $(awk '{print $14 + $15}' /proc/$p/stat)))
	done
done
sleep $((MIN * 60))
cpu1=0 rss=0
for n in n1 n2; do
	for p in $(pl_parent $n) $(pl_worker $n); do
		cpu1=$((cpu1 + $(awk '{print $14 + $15}' /proc/$p/stat)))
		rss=$((rss + $(awk '/VmRSS/ {print $2}' /proc/$p/status)))
	done
done
hz=$(getconf CLK_TCK)
f1=$(($(pl_field n1 "len(s['transitions'])") - t1))
f2=$(($(pl_field n2 "len(s['transitions'])") - t2))
echo "minutes=$MIN keepalive=$KA deadtime=$DT loss=$LOSS%($lossy)" \
	"realtime=$([ ${#RT[@]} = 0 ] && echo yes || echo no)" \
	"transitions_n1=$f1 transitions_n2=$f2" \
	"received_n1=$(pl_field n1 "s['counters']['received']")" \
	"rejected_n1=$(pl_field n1 "sum(s['counters']['rejected'].values())")" \
	"cpu_pct_per_node=$(echo "scale=3; ($cpu1 - $cpu0) * 100 / $hz / ($MIN * 60) / 2" | bc)" \
	"rss_kb_per_node=$((rss / 2))"
for n in n1 n2; do	# when and why, for the false fail-overs
	[ "$(pl_field $n "len(s['transitions'])")" -gt 1 ] &&
		echo "$n: $(pl_field $n "' '.join('%d:%s->%s(%s)' % (t['time'], t['from'], t['to'], t['reason']) for t in reversed(s['transitions']))")"
done
[ "$f1" = 0 ] && [ "$f2" = 0 ]
