# tests/integration/lib/netns.sh - network namespaces for shoal's
# integration tests (bash; source it).
#
#   NS_PREFIX=sp$$            # the helper's prefix + pid: unique per run
#   . "$top_srcdir/tests/integration/lib/netns.sh"
#   ns_require                # exit 77 unless root with `ip netns`
#   ns_switch                 # the switch namespace with bridges br0, br1
#   ns_host n1 10.231.0.11/24 [10.232.0.11/24]   # eth0 on br0 [eth1 on br1]
#   ns_exec n1 CMD...         # run inside
#   ns_spawn n1 LOG CMD...    # start in the background, remember the pid
#   ns_wait_for SECS CMD...   # poll CMD until it succeeds (bounded)
#
# Namespaces are "${NS_PREFIX}-NAME".  ns_cleanup (installed as the EXIT
# trap by ns_require) kills what was started inside them and deletes them,
# also when the test fails.  Only addresses inside these namespaces are
# ever contacted.

NS_LIST=()
NS_PIDS=()
NS_SW=

ns_name() { echo "${NS_PREFIX}-$1"; }

ns_cleanup() {
	local ns pid
	for pid in "${NS_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for ns in "${NS_LIST[@]}"; do
		# whatever still runs inside our own namespaces is ours
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	done
	for pid in "${NS_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	NS_LIST=()
	NS_PIDS=()
	# NS_KEEP=1 keeps the logs and files for a post-mortem
	[ -n "${NS_TMP:-}" ] && [ -z "${NS_KEEP:-}" ] && rm -rf "$NS_TMP"
	return 0
}

ns_require() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root for network namespaces"
		exit 77
	fi
	if ! ip netns add "${NS_PREFIX}-probe" 2>/dev/null; then
		echo "SKIP: ip netns unavailable"
		exit 77
	fi
	ip netns del "${NS_PREFIX}-probe"
	trap ns_cleanup EXIT
	trap 'exit 1' INT TERM
	NS_TMP=$(mktemp -d "/tmp/${NS_PREFIX}.XXXXXX")
}

ns_add() {
	local ns
	ns=$(ns_name "$1")
	ip netns add "$ns" || return 1
	NS_LIST+=("$ns")
	ip -n "$ns" link set lo up
}

ns_switch() {
	ns_add sw || return 1
	NS_SW=$(ns_name sw)
	ip -n "$NS_SW" link add br0 type bridge
	ip -n "$NS_SW" link add br1 type bridge
	ip -n "$NS_SW" link set br0 up
	ip -n "$NS_SW" link set br1 up
}

# ns_host NAME ADDR0/PREFIX [ADDR1/PREFIX]: a host with eth0 on br0 and,
# when ADDR1 is given, eth1 on br1 (a second heartbeat path).  The switch
# ports are p0-NAME / p1-NAME inside the switch namespace.
ns_host() {
	local name=$1 a0=$2 a1=${3:-} ns
	ns=$(ns_name "$name")
	ns_add "$name" || return 1
	ip -n "$NS_SW" link add "p0-$name" type veth peer name eth0 netns "$ns"
	ip -n "$NS_SW" link set "p0-$name" master br0 up
	ip -n "$ns" addr add "$a0" dev eth0 nodad 2>/dev/null ||
		ip -n "$ns" addr add "$a0" dev eth0
	ip -n "$ns" link set eth0 up
	if [ -n "$a1" ]; then
		ip -n "$NS_SW" link add "p1-$name" type veth peer name eth1 \
			netns "$ns"
		ip -n "$NS_SW" link set "p1-$name" master br1 up
		ip -n "$ns" addr add "$a1" dev eth1 nodad 2>/dev/null ||
			ip -n "$ns" addr add "$a1" dev eth1
		ip -n "$ns" link set eth1 up
	fi
}

# ns_rs NAME ADDR/PREFIX GATEWAY: a real server with eth0 on br1 (switch
# port p1-NAME), its default route via GATEWAY, and ns_http NAME on it.
ns_rs() {
	local ns
	ns=$(ns_name "$1")
	ns_add "$1" || return 1
	ip -n "$NS_SW" link add "p1-$1" type veth peer name eth0 netns "$ns"
	ip -n "$NS_SW" link set "p1-$1" master br1 up
	ip -n "$ns" addr add "$2" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$3"
	ns_http "$1"
}

ns_exec() {
	local name=$1
	shift
	ip netns exec "$(ns_name "$name")" "$@"
}

# ns_spawn NAME LOGFILE CMD...: starts CMD inside NAME in the background;
# the pid is in NS_LAST_PID and killed by ns_cleanup.
ns_spawn() {
	local name=$1 log=$2
	shift 2
	ip netns exec "$(ns_name "$name")" "$@" >"$log" 2>&1 &
	NS_LAST_PID=$!
	NS_PIDS+=("$NS_LAST_PID")
}

# ns_http NAME: a tiny HTTP responder on port 80 (IPv4 and IPv6)
# answering NAME.
ns_http() {
	local name=$1 dir="$NS_TMP/www-$1"
	mkdir -p "$dir"
	echo "$name" >"$dir/index.html"
	ns_spawn "$name" "$NS_TMP/http-$name.log" /usr/bin/python3 -m \
		http.server 80 --bind :: --directory "$dir"
}

# ns_get CLIENT URL: the body, or nothing (short timeout).
ns_get() {
	ns_exec "$1" curl -s --max-time 0.5 "$2" 2>/dev/null
}

# ns_wait_for SECS CMD...: runs CMD every 50 ms until it succeeds or SECS
# pass.  Returns 0 on success; the elapsed ms are in NS_WAITED_MS.
ns_wait_for() {
	local secs=$1 start now
	shift
	start=$(date +%s%3N)
	while :; do
		if "$@"; then
			now=$(date +%s%3N)
			NS_WAITED_MS=$((now - start))
			return 0
		fi
		now=$(date +%s%3N)
		if [ $((now - start)) -ge $((secs * 1000)) ]; then
			NS_WAITED_MS=$((now - start))
			return 1
		fi
		sleep 0.05
	done
}

# ns_has_addr NAME ADDR: true when NAME holds ADDR.
ns_has_addr() {
	ns_exec "$1" ip -o addr show | grep -q " $2/"
}
