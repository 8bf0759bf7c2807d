#!/bin/bash
# bench/checks/run.sh - one nanny checking N real servers (TCP connect,
# 1 s interval) that are responders on loopback addresses 127.66.x.y.
# Prints, per N, the median over RUNS runs of: checks per second (counted
# by the responders), nanny's CPU % of one core and its peak RSS.
#
#   bench/checks/run.sh [BUILDDIR] [N...]     (default N: 100 1000 5000)
#
# Target: 5000 checks/s under 25 % of a core and under 64 MB.  Needs no
# root; sends traffic to 127.66.0.0/16 only.  Not part of make check.
set -u
build=${1:-/tmp/build-nanny}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 5000)
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-3}	# seconds before measuring (starts are spread over 1 s)
WINDOW=${WINDOW:-10}	# seconds measured
nanny=$build/nanny
shoalctl=$build/shoalctl
responder=$build/tests/integration/nanny_responder
for b in "$nanny" "$shoalctl" "$responder"; do
	[ -x "$b" ] || { echo "$b not built (make check builds it)"; exit 1; }
done
hz=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/bench_checks.XXXXXX) || exit 1
rpid= npid=
cleanup() {
	[ -n "$npid" ] && kill "$npid" 2>/dev/null && wait "$npid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null && wait "$rpid" 2>/dev/null
	rm -rf -- "$work"
}
trap cleanup EXIT

# config N: a virtual with N real servers from 127.66.0.1 on port 18500
config() {
	local n=$1 i
	{
		printf 'primary = 10.200.0.1\nvirtual bench {\n'
		printf '    address = 10.200.1.1\n    active = 1\n'
		printf '    port = 18500\n    check = tcp\n'
		printf '    check_interval = 1\n    check_timeout = 1\n'
		for ((i = 0; i < n; i++)); do
			printf '    server s%d {\n        address = 127.66.%d.%d\n' \
			    "$i" $(((i + 1) / 256)) $(((i + 1) % 256))
			printf '        active = 1\n    }\n'
		done
		printf '}\n'
	} >"$work/lvs.cf"
	rm -f "$work/db"
	"$shoalctl" --db "$work/db" config import "$work/lvs.cf" >/dev/null
}

accepted() {	# asks the responders how many connections they took
	local before
	before=$(grep -c '^accepted' "$work/resp.out")
	kill -USR1 "$rpid"
	for ((i = 0; i < 50; i++)); do
		[ "$(grep -c '^accepted' "$work/resp.out")" -gt "$before" ] && break
		sleep 0.05
	done
	grep '^accepted' "$work/resp.out" | tail -1 | cut -d' ' -f2
}

cputicks() {	# utime + stime of a pid
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

median() {
	sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# one N: prints "checks/s cpu% rss_kb"
one_run() {
	local n=$1 a0 a1 c0 c1 t0 t1 rss
	"$responder" reply - 127.66.0.1 18500 "$n" >"$work/resp.out" 2>&1 &
	rpid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$work/resp.out" && break
		sleep 0.05
	done
	"$nanny" --db "$work/db" --virtual bench -n >"$work/reports" \
	    2>"$work/nanny.err" &
	npid=$!
	sleep "$WARMUP"
	a0=$(accepted)
	c0=$(cputicks "$npid")
	t0=$(date +%s.%N)
	sleep "$WINDOW"
	a1=$(accepted)
	c1=$(cputicks "$npid")
	t1=$(date +%s.%N)
	rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$npid/status")
	kill "$npid"; wait "$npid" 2>/dev/null; npid=
	kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=
	awk -v a="$((a1 - a0))" -v c="$((c1 - c0))" -v t0="$t0" -v t1="$t1" \
	    -v hz="$hz" -v rss="$rss" 'BEGIN {
		dt = t1 - t0
		printf "%.0f %.1f %d\n", a / dt, 100 * c / hz / dt, rss
	}'
}

printf '%6s %10s %8s %9s %s\n' N checks/s cpu% rss_MB "(median of $RUNS runs, ${WINDOW}s each)"
for n in "${sizes[@]}"; do
	config "$n" || { echo "import of $n servers failed"; exit 1; }
	: >"$work/runs"
	for ((r = 0; r < RUNS; r++)); do
		one_run "$n" >>"$work/runs"
	done
	ups=$(grep -c ' up ' "$work/reports")
	cps=$(cut -d' ' -f1 "$work/runs" | median)
	cpu=$(cut -d' ' -f2 "$work/runs" | median)
	rss=$(cut -d' ' -f3 "$work/runs" | median)
	printf '%6d %10d %8s %9.1f (servers reported up in last run: %d)\n' \
	    "$n" "$cps" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$ups"
done
