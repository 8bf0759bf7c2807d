#!/bin/bash
# bench/ecmp/run.sh - scale-out figures on the namespace topology of
# tests/integration/ecmp.sh (an upstream BIRD router with ECMP, three
# directors running pulse + BIRD, three direct-routing real servers):
#
#   1. connections per second through the VIP with one director announcing
#      and with three (wrk, a new connection per request: the real servers
#      close after each answer), median of RUNS runs of WINDOW seconds
#   2. flows disturbed by one director's loss: HOLD long-lived connections
#      (mh), one director stops; the fraction that broke, of all and of the
#      ones it carried; median of RUNS runs
#
#   bench/ecmp/run.sh [BUILDDIR]        (as root; default _build/dev)
#
# Everything runs on this one machine: the client, the router, the three
# directors and the three real servers share its CPUs, so the second
# and third director add no CPU and the ratio says what the data path
# costs here, not what three machines would do.  Traffic stays inside the
# namespaces it makes.  Not part of make check.
set -u
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$(cd "${1:-$top_srcdir/_build/dev}" && pwd)
export top_srcdir top_builddir
RUNS=${RUNS:-3}
WINDOW=${WINDOW:-10}
HOLD=${HOLD:-300}
NS_PREFIX=be$$
. "$top_srcdir/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
. "$top_srcdir/tests/integration/lib/ecmp_lib.sh"
ns_require
pl_init
ec_require
command -v wrk >/dev/null || { echo "needs wrk"; exit 1; }
RESP=$top_builddir/tests/integration/nanny_responder
[ -x "$RESP" ] || { echo "$RESP not built (make check builds it)"; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
nexthops_are() { [ "$(ec_nexthops)" = "$1" ]; }
ALL="10.241.0.11 10.241.0.12 10.241.0.13"

ec_topology 32
ec_router
for i in 1 2 3; do
	ec_director "$i"
	ec_server "$i"
	ns_spawn "rs$i" "$NS_TMP/resp$i.log" "$RESP" reply \
		"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nrs$i\n" 0.0.0.0 8000
done
ec_cf "$NS_TMP/lvs.cf"
# the service measured: port 8000, mh
sed -e 's/^virtual web {/virtual bench {/' -e 's/^     port = 80$/     port = 8000/' \
	"$NS_TMP/lvs.cf" >"$NS_TMP/bench.cf"
start_all() {
	local i
	for i in 1 2 3; do
		[ -S "$NS_TMP/run-d$i/pulse.sock" ] && continue
		pl_start "d$i" --node "d$i"
	done
	ns_wait_for 60 nexthops_are "$ALL" || pl_fail "not announced: $(ec_nexthops)"
}
stop() {	# NODE...
	local n
	for n in "$@"; do
		kill -TERM "$(pl_parent "$n")"
		ns_wait_for 10 eval "! kill -0 $(pl_parent "$n") 2>/dev/null"
		rm -f "$NS_TMP/run-$n/pulse.sock"
	done
}
for i in 1 2 3; do
	pl_db "d$i" "$NS_TMP/bench.cf"
done
start_all

cps() {
	ns_exec c wrk -t2 -c64 -d"${WINDOW}s" -H 'Connection: close' \
		"http://$EC_VIP:8000/" 2>/dev/null |
		awk '/Requests\/sec/ { printf "%d\n", $2 }'
}
: >"$NS_TMP/cps3"
for ((r = 0; r < RUNS; r++)); do
	cps >>"$NS_TMP/cps3"
done
stop d2 d3
ns_wait_for 10 nexthops_are 10.241.0.11 || pl_fail "d1 alone: $(ec_nexthops)"
: >"$NS_TMP/cps1"
for ((r = 0; r < RUNS; r++)); do
	cps >>"$NS_TMP/cps1"
done
c1=$(median <"$NS_TMP/cps1")
c3=$(median <"$NS_TMP/cps3")
echo "connections/s through one director:    $c1 (runs: $(tr '\n' ' ' <"$NS_TMP/cps1"))"
echo "connections/s through three directors:  $c3 (runs: $(tr '\n' ' ' <"$NS_TMP/cps3"))"
awk -v a="$c1" -v b="$c3" 'BEGIN { printf "ratio three / one: %.2f\n", b / a }'

start_all
: >"$NS_TMP/dist-all"
: >"$NS_TMP/dist-d2"
for ((r = 0; r < RUNS; r++)); do
	d=$NS_TMP/hold$r
	mkdir -p "$d"
	ns_exec d2 nft flush set netdev ec_count flows 2>/dev/null ||
		ec_counting 2
	ec_tool hold $EC_VIP 9000 "$HOLD" 60 "$d" "${EC_SRCS[@]}" \
		>"$d/out.txt" 2>&1 &
	hp=$!
	ns_wait_for 60 test -e "$d/ready" || pl_fail "hold did not open"
	ec_flows 2 9000 | sort >"$d/d2.txt"
	stop d2
	ns_wait_for 10 nexthops_are "10.241.0.11 10.241.0.13" ||
		pl_fail "d2 not withdrawn"
	touch "$d/mark"
	wait "$hp"
	awk '$4 != "ok" { b++ } END { printf "%.4f\n", b / NR }' \
		"$d/out.txt" >>"$NS_TMP/dist-all"
	awk 'NR == FNR { f[$1 " " $2] = 1; next }
		($1 " " $2) in f { t++; if ($4 != "ok") b++ }
		END { printf "%.4f %d\n", b / t, t }' "$d/d2.txt" "$d/out.txt" \
		>>"$NS_TMP/dist-d2"
	start_all
done
echo "flows broken by one director's loss (mh, $HOLD held):" \
	"$(median <"$NS_TMP/dist-all") of all," \
	"$(awk '{print $1}' "$NS_TMP/dist-d2" | median) of those it carried" \
	"(runs: $(tr '\n' ' ' <"$NS_TMP/dist-d2"))"
echo "one 2-core machine runs all nine namespaces: it bounds these figures"
