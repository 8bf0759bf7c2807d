#!/bin/bash
# impl/keepalived.sh - keepalived beside shoal in the chaos soak (contract:
# bench/chaos/README.md).  VRRPv3, advert_int KA_ADVERT (default 0.1 s),
# one instance holding both VIPs and the real servers' gateway (the
# nat_router address), preempting as shoal does.  keepalived balances
# only through IPVS, which this kernel lacks, so the plugin gives each
# router the same NAT shoal programs (nftables DNAT over the three real
# servers, round robin): the data path is the same for both, and the
# soak compares who holds the addresses.  keepalived keeps no database
# and has no push: those faults are not applicable here (exit 3).
set -u
: "${CH_RUN:?}"
ADVERT=${KA_ADVERT:-0.1}

pgid_of() { cat "$CH_STATE/pgid" 2>/dev/null; }

write_conf() {
	local v
	cat <<-EOF
	global_defs {
	    router_id $CH_NODE
	    vrrp_version 3
	}
	vrrp_instance chaos {
	    state BACKUP
	    interface eth0
	    virtual_router_id 51
	    priority $CH_PRIO
	    advert_int $ADVERT
	    virtual_ipaddress {
	EOF
	for v in $CH_VIPS; do
		echo "        $v/$CH_PREFIX dev eth0"
	done
	echo "        $CH_NAT_ROUTER/$CH_PREFIX dev eth1"
	echo "    }"
	echo "}"
}

nat_rules() {
	local i=0 rs map=
	for rs in $CH_RS; do
		map="$map${map:+, }$i : $rs"
		i=$((i + 1))
	done
	cat <<-EOF
	table ip chaos_ka {
	    chain pre {
	        type nat hook prerouting priority dstnat;
	        ip daddr { ${CH_VIPS// /, } } tcp dport 80 dnat to numgen inc mod $i map { $map }
	    }
	}
	EOF
}

start() {
	mkdir -p "$CH_STATE"
	write_conf >"$CH_STATE/keepalived.conf"
	if ! ip netns exec "$CH_NS" nft list table ip chaos_ka >/dev/null 2>&1
	then
		ip netns exec "$CH_NS" sysctl -qw net.ipv4.ip_forward=1
		nat_rules | ip netns exec "$CH_NS" nft -f - || return 1
	fi
	(cd "$CH_STATE" && exec setsid ip netns exec "$CH_NS" keepalived -n \
		-l -D -G -P -f "$CH_STATE/keepalived.conf" \
		-p "$CH_STATE/keepalived.pid" -r "$CH_STATE/vrrp.pid" \
		-c "$CH_STATE/checkers.pid" -b "$CH_STATE/bfd.pid") \
		>>"$CH_STATE/daemon.log" 2>&1 </dev/null &
	echo $! >"$CH_STATE/pgid"
}

procs() {
	local pg w
	pg=$(pgid_of)
	[ -n "$pg" ] || return 0
	if [ -d "/proc/$pg" ] && [ "$(awk '{print $3}' "/proc/$pg/stat")" != Z ]
	then
		echo "supervisor $pg"
	fi
	for w in $(pgrep -P "$pg"); do echo "worker $w"; done
}

case "${1:-}" in
setup)
	command -v keepalived >/dev/null || {
		echo "keepalived.sh: apt-get install keepalived" >&2; exit 1; }
	;;
teardown) ;;
start) start ;;
procs) procs ;;
stop)
	kill -TERM "$(pgid_of)" 2>/dev/null
	for _ in $(seq 200); do
		[ -z "$(pgrep -g "$(pgid_of)")" ] && exit 0
		sleep 0.05
	done
	exit 1 ;;
kill)
	pg=$(pgid_of)
	[ -n "$pg" ] || exit 0
	kill -KILL -- "-$pg" 2>/dev/null
	for _ in $(seq 100); do
		[ -z "$(pgrep -g "$pg")" ] && exit 0
		sleep 0.05
	done
	exit 1 ;;
poststop) ;;	# Debian's keepalived.service has no ExecStopPost
reload) kill -HUP "$(pgid_of)" ;;
push|generation|diskfull) exit 3 ;;
params)
	python3 - "$ADVERT" "$CH_PRIO" <<-'EOF'
	import sys
	a = float(sys.argv[1])
	# VRRPv3 master down interval for the lowest priority
	print("keepalive_ms=%d deadtime_ms=%d" % (a * 1000,
	      (3 * a + (256 - 100) / 256.0 * a) * 1000))
	EOF
	;;
*) echo "usage: $0 setup|teardown|start|procs|stop|kill|poststop|reload|push|generation|diskfull|params" >&2
	exit 2 ;;
esac
