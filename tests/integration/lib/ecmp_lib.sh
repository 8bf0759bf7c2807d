# tests/integration/lib/ecmp_lib.sh - the scale-out topology (bash; source
# after lib/netns.sh and lib/pulse_lib.sh):
#
#   client c 10.240.0.10..   --br0--  rt 10.240.0.1      upstream router:
#                                        10.241.0.1      BIRD, AS 65000,
#                                                        ECMP, L4 hash
#   d1..d3 10.241.0.11..13   --br1--  (directors: pulse + BIRD, AS 65001)
#   rs1..rs3 10.241.0.21..23 --br1--  (real servers: the VIP on lo, replies
#                                      straight to the client via rt)
#
#   VIP 10.242.0.100 is nobody's LAN address: rt routes it to the
#   directors that announce it.
#
#   ec_require             # SKIP unless bird, birdc, nft, python3 and
#                          # the built nanny are there
#   ec_topology NADDR      # every namespace; NADDR client addresses
#   ec_router              # rt's BIRD
#   ec_director N          # dN's BIRD (pulse's file included)
#   ec_server N            # rsN answering on EC_PORTS
#   ec_cf FILE [KEY=VALUE...]   # the lvs.cf every director runs
#   ec_nexthops            # the directors rt routes the VIP to, sorted
#   ec_counting N          # dN counts SYNs and records flows to the VIP
#   ec_syns N PORT         # SYNs dN saw for PORT
#   ec_flows N PORT        # "SRC SPORT" of flows dN saw for PORT
#   ec_tool ARGS...        # lib/ecmp_tool.py in the client namespace
#   ec_skip_without_dr     # exit 77 when pulse said nftables cannot do DR

EC_VIP=10.242.0.100
EC_RT=10.241.0.1
EC_PORTS="80 8080 9000 9001"
EC_TOOL=$top_srcdir/tests/integration/lib/ecmp_tool.py
EC_SRCS=()

ec_require() {
	local p
	for p in bird birdc nft; do
		command -v "$p" >/dev/null ||
			{ echo "SKIP: no $p (apt-get install bird2 nftables)"; exit 77; }
	done
	NANNY=$top_builddir/nanny
	[ -x "$NANNY" ] || { echo "SKIP: nanny not built"; exit 77; }
	export SHOAL_NANNY=$NANNY
	# scale-out needs direct routing with mh on nftables
	printf 'service s tcp 10.9.9.9 80 fwd direct sched mh\nserver s 10.9.9.1 80 1\n' \
		>"$NS_TMP/dr-probe.state"
	if [ -x "$top_builddir/tests/lbctl" ] &&
	    ! "$top_builddir/tests/lbctl" script "$NS_TMP/dr-probe.state" \
	    >/dev/null 2>&1; then
		echo "SKIP: this build's nftables backend refuses direct routing"
		exit 77
	fi
}

# ec_host NAME BRIDGE ADDR/PREFIX: a namespace with eth0 on BRIDGE
ec_host() {
	local name=$1 br=$2 a=$3 ns
	ns_add "$name" || pl_fail "netns $name"
	ns=$(ns_name "$name")
	ip -n "$NS_SW" link add "p-$name" type veth peer name eth0 netns "$ns"
	ip -n "$NS_SW" link set "p-$name" master "$br" up
	ip -n "$ns" addr add "$a" dev eth0
	ip -n "$ns" link set eth0 up
}

ec_topology() {
	local n=$1 i
	ns_switch || pl_fail "switch"
	ec_host c br0 10.240.0.10/24
	for ((i = 1; i < n; i++)); do
		ip -n "$(ns_name c)" addr add "10.240.0.$((10 + i))/24" \
			dev eth0
	done
	for ((i = 0; i < n; i++)); do
		EC_SRCS+=("10.240.0.$((10 + i))")
	done
	ns_exec c ip route add default via 10.240.0.1
	ec_host rt br1 $EC_RT/24
	ip -n "$NS_SW" link add p-rt0 type veth peer name eth1 \
		netns "$(ns_name rt)"
	ip -n "$NS_SW" link set p-rt0 master br0 up
	ns_exec rt ip addr add 10.240.0.1/24 dev eth1
	ns_exec rt ip link set eth1 up
	ns_exec rt sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.fib_multipath_hash_policy=1
	for i in 1 2 3; do
		ec_host "d$i" br1 "10.241.0.1$i/24"
		ec_host "rs$i" br1 "10.241.0.2$i/24"
	done
}

ec_router() {
	local i
	{
		echo "router id $EC_RT;"
		echo "protocol device {}"
		echo "protocol kernel { ipv4 { export all; }; merge paths on; }"
		echo "template bgp dir { local $EC_RT as 65000; hold time 3;"
		echo "  keepalive time 1; connect retry time 2;"
		echo "  error wait time 2, 16;"
		echo "  ipv4 { import all; export none; }; }"
		for i in 1 2 3; do
			echo "protocol bgp d$i from dir { neighbor 10.241.0.1$i as 65001; }"
		done
	} >"$NS_TMP/bird-rt.conf"
	ns_spawn rt "$NS_TMP/bird-rt.log" bird -f -c "$NS_TMP/bird-rt.conf" \
		-s "$NS_TMP/bird-rt.ctl"
	ns_wait_for 10 test -S "$NS_TMP/bird-rt.ctl" || pl_fail "rt's BIRD"
}

# ec_director N: dN's BIRD; pulse writes $NS_TMP/bird-dN/shoal.conf
ec_director() {
	local d=$NS_TMP/bird-d$1
	mkdir -p "$d"
	{
		echo "router id 10.241.0.1$1;"
		echo "protocol device {}"
		echo "include \"$d/shoal*.conf\";"
	} >"$d/bird.conf"
	rm -f "$d/bird.ctl"
	ns_spawn "d$1" "$d/bird.log" bird -f -c "$d/bird.conf" -s "$d/bird.ctl"
	EC_BIRD_PID[$1]=$NS_LAST_PID
	ns_wait_for 10 test -S "$d/bird.ctl" || pl_fail "d$1's BIRD"
}
declare -gA EC_BIRD_PID=()

ec_server() {
	local ns
	ns=$(ns_name "rs$1")
	ip -n "$ns" addr add $EC_VIP/32 dev lo
	ns_exec "rs$1" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2
	ip -n "$ns" route add default via $EC_RT
	# shellcheck disable=SC2086
	ns_spawn "rs$1" "$NS_TMP/rs$1.log" /usr/bin/python3 "$EC_TOOL" serve \
		"rs$1" $EC_PORTS
	EC_RS_PID[$1]=$NS_LAST_PID
}
declare -gA EC_RS_PID=()

# One virtual server block: NAME PORT SCHEDULER
ec_virtual() {
	cat <<CF
virtual $1 {
     address = $EC_VIP eth0
     active = 1
     port = $2
     scheduler = $3
     check = tcp
     check_interval = 0.3
     check_timeout = 0.3
     fall = 2
     rise = 1
CF
	for i in ${EC_SERVERS:-1 2 3}; do
		printf '     server rs%d {\n          address = 10.241.0.2%d\n' \
			"$i" "$i"
		printf '          active = 1\n          weight = 1\n     }\n'
	done
	echo "}"
}

# ec_cf FILE: three directors, four services on the VIP (80 and 9000 mh,
# 8080 sh, 9001 rr); extra global lines from $EC_CF_EXTRA; per node,
# EC_PEER_AS[N] and EC_SOCK[N] replace its bgp_neighbor_as and
# routing_socket; EC_SERVERS (default "1 2 3") lists the real servers
ec_cf() {
	local i
	{
		echo "service = lvs"
		echo "director_mode = ecmp"
		echo "network = direct"
		echo "lvs_backend = nftables"
		echo "keepalive = 0.2"
		echo "deadtime = ${EC_DEADTIME:-2}"
		echo "heartbeat_key = ecmp-test-key-0123456789"
		echo "${EC_CF_EXTRA:-}"
		for i in 1 2 3; do
			cat <<CF
node d$i {
     address = 10.241.0.1$i
     priority = 100
     bgp_as = 65001
     bgp_neighbor = $EC_RT
     bgp_neighbor_as = ${EC_PEER_AS[$i]:-65000}
     routing_socket = ${EC_SOCK[$i]:-$NS_TMP/bird-d$i/bird.ctl}
     routing_config = $NS_TMP/bird-d$i/shoal.conf
}
CF
		done
		ec_virtual web 80 mh
		ec_virtual websh 8080 sh
		ec_virtual hold 9000 mh
		ec_virtual holdrr 9001 rr
	} >"$1"
}
declare -gA EC_PEER_AS=() EC_SOCK=()

ec_nexthops() {
	ns_exec rt ip -4 route show $EC_VIP 2>/dev/null |
		grep -o 'via 10\.241\.0\.1[0-9]' | awk '{print $2}' | sort | paste -sd' '
}

# ec_counting N: a table of the test's own in dN (before shoal's ingress)
ec_counting() {
	ns_exec "d$1" nft -f - <<NFT || pl_fail "counting table on d$1"
table netdev ec_count {
	set flows { type ipv4_addr . inet_service . inet_service; size 65535; flags dynamic; }
	chain in {
		type filter hook ingress device "eth0" priority -200; policy accept;
		ip daddr $EC_VIP tcp flags & (syn | ack) == syn tcp dport 80 counter name syn80
		ip daddr $EC_VIP tcp flags & (syn | ack) == syn tcp dport 8080 counter name syn8080
		ip daddr $EC_VIP tcp dport { 9000, 9001 } add @flows { ip saddr . tcp sport . tcp dport }
	}
	counter syn80 {}
	counter syn8080 {}
}
NFT
}

ec_syns() {
	ns_exec "d$1" nft list counter netdev ec_count "syn$2" 2>/dev/null |
		grep -o 'packets [0-9]*' | awk '{print $2}'
}

# "SRC SPORT" of dN's flows to PORT
ec_flows() {
	ns_exec "d$1" nft -j list set netdev ec_count flows 2>/dev/null |
		/usr/bin/python3 -c '
import json, sys
port = int(sys.argv[1])
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        v = e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e
        c = v["concat"]
        if c[2] == port:
            print(c[0], c[1])
' "$2"
}

# When nothing was announced: a build whose nftables backend cannot do
# direct routing refused the configuration (logged), and the test cannot
# run here at all.
ec_skip_without_dr() {
	if grep -q "cannot run this configuration" "$NS_TMP"/pulse-d*.log; then
		echo "SKIP: this build's nftables backend refuses direct routing"
		exit 77
	fi
	return 1
}

ec_tool() {
	ns_exec c /usr/bin/python3 "$EC_TOOL" "$@"
}
