# tests/vm/lib/guest.sh - what the VM lane's scenarios share (bash; source
# it inside the VM).  Network namespaces on a switch namespace, pulse
# clusters, real servers and the client (vmnet), and bounded waits.
#
#   g_topo                    # sw (br0 public, br1 private), client c,
#                             # routers r1 r2 (eth0 on br0, eth1 on br1)
#   g_rs NAME BR ADDR [GW]    # a real server on BR (default route GW)
#   g_net                     # creates what g_topo/g_rs described
#   g_in NS CMD...            # CMD in NS's network namespace
#   g_serve NS ARGS...        # vmnet serve NS ARGS in NS
#   g_db NODE FILE.cf         # NODE's database (shoalctl config import)
#   g_pulse NODE              # pulse -n for NODE; waits for its socket
#   g_role_is NODE ROLE       # shoalctl status says so
#   g_server NODE VS RS       # that real server's status line
#   g_count NS ARGS...        # vmnet count ... -> $G_TMP/count.out
#   g_share KEY               # a line of count.out ("rs1" -> its count)
#   g_near GOT WANT           # GOT within +-10 % of WANT
#   g_wait SECS CMD...        # CMD every 0.2 s until it succeeds or SECS
#   g_ok MSG / g_fail MSG     # a figure / the end (with logs)
#
# Addresses: public 10.50.0.0/16 (client 10.50.0.10, and 10.50.1.1 ... as
# extra sources, routers .11 .12, VIP 10.50.0.100, direct-routing real
# servers .21-.23), private 10.60.0.0/24 (routers .11 .12, nat_router .1,
# NAT real servers .21-.23).  Everything lives in namespaces of this VM,
# which has no network device of its own.  Under emulation every program
# start costs 0.1-0.4 s, so the network is made with one `ip -batch` per
# namespace and commands enter namespaces with busybox's nsenter.
set -u
export PATH=/shoal/bin:/sbin:/bin
export SHOAL_NANNY=/shoal/bin/nanny
G_NAME=$(basename "$0" .sh)
G_TMP=/tmp/g-$G_NAME
G_PIDS=()
G_NSS=()
declare -A G_PULSE=() G_NPORT=()
VIP=10.50.0.100
rm -rf "$G_TMP"
mkdir -p "$G_TMP/batch"

G_T0=${EPOCHREALTIME/./}
# g_ok MSG: a figure, with the seconds since the scenario started
g_ok() {
	local t=${EPOCHREALTIME/./}
	t=$(((10#$t - 10#$G_T0) / 100000))
	echo "ok: [$((t / 10)).$((t % 10)) s] $*"
}

g_cleanup() {
	local p ns
	for p in "${G_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns"
	done
	return 0
}
trap g_cleanup EXIT

g_fail() {
	local f n
	echo "FAIL: $*"
	for n in "${!G_PULSE[@]}"; do
		echo "---- ipvsadm -Ln on $n"
		g_in "$n" ipvsadm -Ln 2>&1 | head -n 40
		echo "---- shoalctl status on $n"
		shoalctl status --rundir "$G_TMP/run-$n" 2>&1 | head -n 40
	done
	for f in "$G_TMP"/pulse-*.log; do
		[ -f "$f" ] || continue
		echo "---- $f"
		tail -n 30 "$f"
	done
	exit 1
}

# milliseconds of the wall clock (bash's own: no program started)
g_ms() { local t=${EPOCHREALTIME/./}; echo $((10#$t / 1000)); }

g_wait() {
	local secs=$1 start now
	shift
	start=$(g_ms)
	while :; do
		if "$@"; then
			G_WAITED_MS=$(($(g_ms) - start))
			return 0
		fi
		now=$(g_ms)
		if [ $((now - start)) -ge $((secs * 1000)) ]; then
			G_WAITED_MS=$((now - start))
			return 1
		fi
		sleep 0.2
	done
}

g_in() {	# g_in NS CMD...
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

g_spawn() {	# g_spawn NS LOG CMD...: in the background; pid in G_LAST
	local ns=$1 log=$2
	shift 2
	nsenter --net="/run/netns/$ns" "$@" >"$log" 2>&1 &
	G_LAST=$!
	G_PIDS+=("$G_LAST")
}

# ---- the network, described then made in one go ----

g_batch() { echo "${*:2}" >>"$G_TMP/batch/$1"; }

g_ns() {	# g_ns NAME
	G_NSS+=("$1")
	G_NPORT[$1]=0
	g_batch -global netns add "$1"
	g_batch "$1" link set lo up
}

# g_port NS BR [ADDR...]: a veth from NS (eth0, eth1, ... in order) to BR
g_port() {
	local ns=$1 br=$2 n a
	shift 2
	n=${G_NPORT[$ns]}
	G_NPORT[$ns]=$((n + 1))
	g_batch sw link add "$br-$ns" type veth peer name "eth$n" netns "$ns"
	g_batch sw link set "$br-$ns" master "$br" up
	for a in "$@"; do
		case $a in
		*:*) g_batch "$ns" addr add "$a" dev "eth$n" nodad ;;
		*) g_batch "$ns" addr add "$a" dev "eth$n" ;;
		esac
	done
	g_batch "$ns" link set "eth$n" up
}

g_topo() {
	g_ns sw
	g_batch sw link add br0 type bridge
	g_batch sw link add br1 type bridge
	g_batch sw link set br0 up
	g_batch sw link set br1 up
	g_ns c
	g_port c br0 10.50.0.10/16
	g_ns r1
	g_port r1 br0 10.50.0.11/16
	g_port r1 br1 10.60.0.11/24
	g_ns r2
	g_port r2 br0 10.50.0.12/16
	g_port r2 br1 10.60.0.12/24
}

# g_sources N: N more client addresses 10.50.1.1, 10.50.1.2, ... in a
# row, as `vmnet count -s 10.50.1.1 -S N` uses them (for sh and mh)
g_sources() {
	local i n
	for ((i = 0; i < $1; i++)); do
		n=$((257 + i))
		g_batch c addr add "10.50.$((n / 256)).$((n % 256))/16" dev eth0
	done
}

# g_rs NAME BR ADDR/PREFIX [GW]
g_rs() {
	g_ns "$1"
	g_port "$1" "$2" "$3"
	[ -n "${4:-}" ] && g_batch "$1" route add default via "$4"
	return 0
}

# g_vip_lo NAME: direct routing: the VIP on lo, no ARP for it
g_vip_lo() {
	g_batch "$1" addr add "$VIP/32" dev lo
	G_SYSCTL+=("$1 net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2")
}

# g_vip_tun NAME: tunnel: the VIP on tunl0 (ipip loaded: every namespace
# has one), no ARP for it, no reverse path filter
g_vip_tun() {
	g_batch "$1" link set tunl0 up
	g_batch "$1" addr add "$VIP/32" dev tunl0
	G_SYSCTL+=("$1 net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.tunl0.rp_filter=0")
}
G_SYSCTL=()

g_net() {
	local ns s
	if [ -f "$G_TMP/batch/-global" ]; then
		ip -b "$G_TMP/batch/-global" || g_fail "ip -b netns"
	fi
	if [ -f "$G_TMP/batch/sw" ]; then
		ip -n sw -b "$G_TMP/batch/sw" || g_fail "ip -b sw"
	fi
	for ns in "${G_NSS[@]}"; do
		[ -f "$G_TMP/batch/$ns" ] && [ "$ns" != sw ] || continue
		ip -n "$ns" -b "$G_TMP/batch/$ns" || g_fail "ip -b $ns"
	done
	for s in "${G_SYSCTL[@]}"; do
		set -- $s
		ns=$1
		shift
		g_in "$ns" sysctl -qw "$@" >/dev/null || g_fail "sysctl in $ns: $*"
	done
	rm -f "$G_TMP"/batch/*
	G_SYSCTL=()
}

# ---- programs ----

g_serve() {	# g_serve NS ARGS...: vmnet serve NS ARGS, waits for "ready"
	local ns=$1 log
	shift
	log=$G_TMP/serve-$ns-$(g_ms).log
	g_spawn "$ns" "$log" vmnet serve "$ns" "$@"
	G_SERVE[$ns]=$G_LAST
	g_wait 20 grep -q ready "$log" || g_fail "vmnet serve in $ns: $(cat "$log")"
}
declare -A G_SERVE=()

# lvs.cf's server blocks for rs1..rsN (10.60.0.21...), all active
g_cf_servers() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '     server rs%d {\n         address = 10.60.0.2%d\n' "$i" "$i"
		printf '         active = 1\n     }\n'
	done
}

g_db() {
	rm -f "$G_TMP/$1.db"
	shoalctl --db "$G_TMP/$1.db" config import "$2" >"$G_TMP/import-$1.out" 2>&1 ||
		g_fail "import on $1: $(cat "$G_TMP/import-$1.out")"
}

g_pulse() {	# g_pulse NODE [ARGS...]
	local n=$1
	shift
	mkdir -p "$G_TMP/run-$n"
	rm -f "$G_TMP/run-$n/pulse.sock"
	g_spawn "$n" "$G_TMP/pulse-$n.log" pulse -n -v --db "$G_TMP/$n.db" \
		--rundir "$G_TMP/run-$n" "$@"
	G_PULSE[$n]=$G_LAST
	g_wait 30 test -S "$G_TMP/run-$n/pulse.sock" ||
		g_fail "pulse on $n did not open its control socket"
}

# g_worker NODE: the worker's pid (the supervisor's only child)
g_worker() {
	local p ppid
	for p in /proc/[0-9]*/stat; do
		ppid=$(awk '{ print $4 }' "$p" 2>/dev/null)
		[ "$ppid" = "${G_PULSE[$1]}" ] && { p=${p#/proc/}; echo "${p%/stat}"; return; }
	done
}

g_status() { shoalctl status --rundir "$G_TMP/run-$1" 2>/dev/null; }
g_role_is() { g_status "$1" | grep -q "^node [^ ]*: $2 "; }

# g_servers NODE: "VS RS HEALTH WEIGHT IN_LB ADMIN" per real server
g_servers() {
	g_status "$1" | awk '
		/^virtual services:/ { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && /^  [^ ]/ { vs = $1; next }
		on && /^    [^ ]/ {
			w = $5; inlb = "in"
			if ($6 == "(out)") { inlb = "out"; admin = $7 } else admin = $6
			split(w, a, "/")
			print vs, $1, $3, a[1], inlb, admin
		}'
}
g_server() { g_servers "$1" | awk -v v="$2" -v r="$3" '$1 == v && $2 == r'; }
# g_all_up NODE: every real server up
g_all_up() {
	local s
	s=$(g_servers "$1")
	[ -n "$s" ] && ! echo "$s" | awk '$3 != "up"' | grep -q .
}

g_count() {	# g_count NS ARGS...
	local ns=$1
	shift
	g_in "$ns" vmnet count "$@" >"$G_TMP/count.out" 2>&1 ||
		g_fail "vmnet count $*: $(cat "$G_TMP/count.out")"
}
g_share() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "${2:-$G_TMP/count.out}"; }
g_counts() { tr '\n' ' ' <"${1:-$G_TMP/count.out}"; }

g_near() {	# g_near GOT WANT: within +-10 % of WANT
	[ "$1" -ge $(($2 * 90 / 100)) ] && [ "$1" -le $(($2 * 110 / 100)) ]
}

# g_shares WANT...: count.out's rs1 rs2 rs3 ... against WANT each, no error
g_shares() {
	local i=1 w got
	for w in "$@"; do
		got=$(g_share "${G_RSNAME:-rs}$i")
		g_near "$got" "$w" || return 1
		i=$((i + 1))
	done
	[ "$(g_share errors)" = 0 ]
}

g_ipvs() { g_in "$1" ipvsadm -Ln 2>/dev/null; }
