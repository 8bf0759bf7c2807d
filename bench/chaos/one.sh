#!/bin/bash
# bench/chaos/one.sh IMPL SCHEDULE OUTDIR [CHECK-OPTIONS...] - one soak:
# builds the topology, starts IMPL (a plugin in impl/, or a path) on three
# routers, runs the clients' probes and the ARP watcher, applies the
# faults of SCHEDULE (chaos.py schedule), then checks the invariants
# (chaos.py check, given CHECK-OPTIONS) and the leaks.  Everything it made
# is removed on exit, also on failure.  Exit 0 when every invariant held,
# 1 on a violation (the seed and the event log are printed), 77 when it
# cannot run here.  CH_BUILD: a built shoal tree (the probes, the
# responder, and shoal itself for impl/shoal.sh).
#
#   client c1 .21, c2 .22, watcher w .9, admin adm .250
#        |                                  public 10.244.0.0/24 (br0)
#   r1 .1 (200)   r2 .2 (150)   r3 .3 (100)    VIPs .100, .101
#        |                                  private 10.244.1.0/24 (br1)
#   rs1 .11   rs2 .12   rs3 .13              gateway nat_router .254
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$HERE/../.." && pwd)}
IMPL=${1:?usage: one.sh IMPL SCHEDULE OUTDIR [CHECK-OPTIONS]}
SCHED=${2:?}
OUT=${3:?}
shift 3
case $IMPL in
*/*) PLUGIN=$(cd "$(dirname "$IMPL")" && pwd)/$(basename "$IMPL")
	IMPL=$(basename "$IMPL" .sh) ;;
*) PLUGIN=$HERE/impl/$IMPL.sh ;;
esac
CH_BUILD=${CH_BUILD:-${top_builddir:-}}
[ -n "$CH_BUILD" ] || { echo "one.sh: set CH_BUILD to a built tree" >&2
	exit 2; }
CH_BUILD=$(cd "$CH_BUILD" && pwd)
PROBE=$CH_BUILD/bench/chaos/chaos-probe
ARPWATCH=$CH_BUILD/bench/chaos/chaos-arpwatch
RESPONDER=$CH_BUILD/tests/integration/nanny_responder
for p in "$PROBE" "$ARPWATCH" "$RESPONDER"; do
	[ -x "$p" ] || { echo "SKIP: $p not built (make check builds it)"
		exit 77; }
done
[ -x /usr/bin/python3 ] || { echo "SKIP: no python3"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }
command -v nsenter >/dev/null || { echo "SKIP: no nsenter"; exit 77; }

NS_PREFIX=${CH_NS_PREFIX:-ch$$}
. "$top_srcdir/tests/integration/lib/netns.sh"
ns_require
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
RUN=$NS_TMP/run
mkdir -p "$RUN"
PUB=10.244.0 PRIV=10.244.1
VIPS="$PUB.100 $PUB.101"
ROUTERS="r1 r2 r3"
declare -A PRIO=([r1]=200 [r2]=150 [r3]=100) IDX=([r1]=1 [r2]=2 [r3]=3)

plugin_env() {	# the contract's environment (README.md)
	local n e nodes=
	for n in $ROUTERS; do
		e="$n:$(ns_name "$n"):$PUB.${IDX[$n]}:$PRIV.${IDX[$n]}:${PRIO[$n]}"
		nodes="$nodes${nodes:+ }$e"
	done
	export CH_RUN=$RUN CH_BUILD CH_NODES=$nodes CH_VIPS=$VIPS CH_PREFIX=24
	export CH_NAT_ROUTER=$PRIV.254 CH_RS="$PRIV.11 $PRIV.12 $PRIV.13"
	export CH_ADMIN_NS
	CH_ADMIN_NS=$(ns_name adm)
}

node_plugin() {	# node_plugin NODE ACTION...
	local n=$1
	shift
	CH_NODE=$n CH_NS=$(ns_name "$n") CH_PRIO=${PRIO[$n]} \
	CH_IP=$PUB.${IDX[$n]} CH_PRIV_IP=$PRIV.${IDX[$n]} CH_STATE=$RUN/$n \
		"$PLUGIN" "$@"
}

# leftovers TMP: what of the run is still there once it is torn down:
# namespaces of our prefix, processes whose directory or command line is
# in TMP, mounts under it.
leftovers() {
	local p
	ip netns list 2>/dev/null | awk -v p="$NS_PREFIX-" \
		'index($1, p) == 1 { print "namespace " $1 }'
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/cwd" 2>/dev/null) $({ tr '\0' ' ' \
		    <"$p/cmdline"; } 2>/dev/null)" in
		*"$1"*) echo "process ${p#/proc/} $(cat "$p/comm" 2>/dev/null)" ;;
		esac
	done
	grep -F " $1" /proc/mounts | awk '{ print "mount " $2 }'
}

finish() {	# the EXIT trap: the daemons, the plugin's own, namespaces
	local rc=$? n tmp=$NS_TMP left
	for n in $ROUTERS; do
		[ -d "$RUN/$n" ] && node_plugin "$n" kill >/dev/null 2>&1
	done
	"$PLUGIN" teardown >/dev/null 2>&1
	cp -r "$RUN"/r? "$OUT/" 2>/dev/null
	cp "$RUN"/*.log "$OUT/" 2>/dev/null
	ns_cleanup
	for _ in $(seq 50); do	# the holders' children may take a moment
		left=$(leftovers "$tmp")
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		echo "VIOLATION leak after the run: $left"
		exit 1
	fi
	exit $rc
}
trap finish EXIT

topology() {
	local n i ns
	ns_switch || return 1
	for n in $ROUTERS; do
		ns_host "$n" "$PUB.${IDX[$n]}/24" "$PRIV.${IDX[$n]}/24" || return 1
		mkdir -p "$RUN/$n"
	done
	ns_host c1 "$PUB.21/24" && ns_host c2 "$PUB.22/24" &&
		ns_host w "$PUB.9/24" && ns_host adm "$PUB.250/24" || return 1
	# the watcher of the private side (the real servers' gateway)
	ns_add wp && ip -n "$NS_SW" link add p1-wp type veth peer name eth0 \
		netns "$(ns_name wp)" && ip -n "$NS_SW" link set p1-wp master br1 up &&
		ip -n "$(ns_name wp)" addr add "$PRIV.9/24" dev eth0 &&
		ip -n "$(ns_name wp)" link set eth0 up || return 1
	for i in 1 2 3; do
		ns_add "rs$i" || return 1
		ns=$(ns_name "rs$i")
		ip -n "$NS_SW" link add "p1-rs$i" type veth peer name eth0 \
			netns "$ns" &&
		ip -n "$NS_SW" link set "p1-rs$i" master br1 up &&
		ip -n "$ns" addr add "$PRIV.1$i/24" dev eth0 &&
		ip -n "$ns" link set eth0 up &&
		ip -n "$ns" route add default via "$PRIV.254" || return 1
		ns_spawn "rs$i" "$NS_TMP/rs$i.log" "$RESPONDER" reply \
			"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nrs$i\n" \
			0.0.0.0 80
	done
}

macs() {	# the routers' MACs, both sides, for the checker
	local n dev sep=
	printf '{'
	for n in $ROUTERS; do
		for dev in eth0 eth1; do
			printf '%s"%s": "%s"' "$sep" "$(ip -n "$(ns_name "$n")" -o \
				link show "$dev" |
				sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')" "$n"
			sep=", "
		done
	done
	printf '}\n'
}

topo_json() {
	local n sep=
	printf '{"plugin": "%s", "sw": "%s", "restart_sec": 1,\n' "$PLUGIN" \
		"$NS_SW"
	printf ' "env": {"CH_RUN": "%s", "CH_BUILD": "%s", "CH_NODES": "%s",' \
		"$RUN" "$CH_BUILD" "$CH_NODES"
	printf ' "CH_VIPS": "%s", "CH_PREFIX": "24", "CH_NAT_ROUTER": "%s",' \
		"$VIPS" "$CH_NAT_ROUTER"
	printf ' "CH_RS": "%s", "CH_ADMIN_NS": "%s"},\n "nodes": {' "$CH_RS" \
		"$CH_ADMIN_NS"
	for n in $ROUTERS; do
		printf '%s\n  "%s": {"ns": "%s", "port": "p0-%s", "env": {' \
			"$sep" "$n" "$(ns_name "$n")" "$n"
		printf '"CH_NODE": "%s", "CH_NS": "%s", "CH_PRIO": "%s",' "$n" \
			"$(ns_name "$n")" "${PRIO[$n]}"
		printf ' "CH_IP": "%s", "CH_PRIV_IP": "%s", "CH_STATE": "%s"}}' \
			"$PUB.${IDX[$n]}" "$PRIV.${IDX[$n]}" "$RUN/$n"
		sep=,
	done
	printf '}}\n'
}

# Both VIPs answer the client, each from one router.
serving() {
	local v
	for v in $VIPS; do
		ns_exec c1 curl -s --max-time 1 "http://$v/" | grep -q '^rs' ||
			return 1
	done
}

# least_fds PID: the fewest open files of PID in three looks 0.2 s apart
# (a health check's socket comes and goes; a leak stays)
least_fds() {
	local i n least=
	for i in 1 2 3; do
		n=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
		[ -z "$least" ] || [ "$n" -lt "$least" ] && least=$n
		[ $i = 3 ] || sleep 0.2
	done
	echo "$least"
}

# What must be the same before the faults and after them: per router the
# addresses, nftables ruleset (without counters), qdiscs, and per process
# of the namespace its name and number of open files; the switch's
# rules, qdiscs and port states.
snapshot() {
	local n ns p c
	for n in $ROUTERS; do
		ns=$(ns_name "$n")
		echo "== $n"
		ip -n "$ns" -o -4 addr show | awk '{print $2, $4}' | sort
		ip netns exec "$ns" nft -s list ruleset 2>/dev/null |
			grep -v '^\s*$'
		tc -n "$ns" qdisc show | awk '{print $1, $2, $5}' | sort -u
		for p in $(ip netns pids "$ns"); do
			c=$(cat "/proc/$p/comm" 2>/dev/null) || continue
			echo "proc $c fds=$(least_fds "$p")"
		done | sort
	done
	echo "== switch"
	ip netns exec "$NS_SW" nft -s list ruleset 2>/dev/null
	tc -n "$NS_SW" qdisc show | awk '{print $1, $2, $5}' | sort -u
	ip -n "$NS_SW" -o link show | awk '{print $2, $9}' | sort
}

fail_setup() {
	echo "FAIL: $*"
	local f
	for f in "$RUN"/r?/*.log "$RUN"/r?/daemon.log; do
		[ -f "$f" ] && { echo "---- $f"; tail -n 20 "$f"; }
	done
	exit 1
}

topology || fail_setup "topology"
plugin_env
macs >"$OUT/macs.json"
node_plugin r1 params >"$OUT/params" || fail_setup "$IMPL params"
"$PLUGIN" setup || fail_setup "$IMPL setup"
for n in $ROUTERS; do
	# as a service manager would: nothing open beyond 0, 1 and 2
	(for fd in $(ls "/proc/$BASHPID/fd"); do
		[ "$fd" -gt 2 ] && eval "exec $fd>&-"
	done
	node_plugin "$n" start) || fail_setup "$IMPL start on $n"
done
ns_wait_for 60 serving || fail_setup "$IMPL: the VIPs do not answer"
# settled FILE: the state (snapshot) stays the same for a second, and
# the VIPs answer; FILE holds it
settled() {
	snapshot >"$1"
	sleep 1
	snapshot | cmp -s - "$1" && serving
}
ns_wait_for 60 settled "$OUT/before.txt" ||
	fail_setup "$IMPL: the routers do not settle"
topo_json >"$OUT/topo.json"

: >"$OUT/events.log"
ns_spawn w "$OUT/arp.log" "$ARPWATCH" -I eth0 -s "$PUB.9" -i 20 $VIPS
ARP_PID=$NS_LAST_PID
ns_spawn wp "$OUT/arp-priv.log" "$ARPWATCH" -I eth0 -s "$PRIV.9" -i 20 \
	"$PRIV.254"
ARP2_PID=$NS_LAST_PID
ns_spawn c1 "$OUT/probe-c1.log" "$PROBE" -i 10 -t 100 $VIPS
C1_PID=$NS_LAST_PID
ns_spawn c2 "$OUT/probe-c2.log" "$PROBE" -i 50 -t 100 $VIPS
C2_PID=$NS_LAST_PID
probing() { [ -s "$OUT/arp.log" ] && [ -s "$OUT/arp-priv.log" ] &&
	grep -q ' ok ' "$OUT/probe-c1.log" && grep -q ' ok ' "$OUT/probe-c2.log"; }
ns_wait_for 20 probing || fail_setup "the probes do not run"
/usr/bin/python3 "$HERE/chaos.py" execute --topo "$OUT/topo.json" \
	--schedule "$SCHED" --out "$OUT" || echo "executor failed" >>"$OUT/leaks.txt"
sleep 2		# the clients' view for a moment after the end
kill -TERM "$ARP_PID" "$ARP2_PID" "$C1_PID" "$C2_PID" 2>/dev/null
wait "$ARP_PID" "$ARP2_PID" "$C1_PID" "$C2_PID" 2>/dev/null
# after the last fault: what still moves (a push's SSH sessions, a check)
# settles first; a leak does not go away
ns_wait_for 60 settled "$OUT/after.txt"
diff "$OUT/before.txt" "$OUT/after.txt" | grep '^[<>]' |
	sed 's/^</before:/; s/^>/after: /' >>"$OUT/leaks.txt"
seed=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seed"])' "$SCHED")
/usr/bin/python3 "$HERE/chaos.py" check --dir "$OUT" --impl "$IMPL" \
	--seed "$seed" "$@" | tee "$OUT/check.txt"
rc=${PIPESTATUS[0]}
if [ "$rc" != 0 ]; then
	echo "---- seed $seed, $IMPL: the event log (replay: bench/chaos/run" \
		"-s $seed -d $(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["duration_s"])' "$SCHED") -i $IMPL)"
	cat "$OUT/events.log"
fi
exit "$rc"
