#!/bin/bash
# bench/checks/run.sh - one nanny checking N real servers (1 s interval)
# that are responders on loopback addresses 127.66.x.y, for each kind of
# check in KINDS: tcp (connect), udp (send/expect over UDP, a UDP echo),
# dns (a DNS query through c-ares, a DNS responder on port 53).  Prints,
# per kind and N, the median over RUNS runs of: checks per second
# (counted by the responders: connections accepted or datagrams
# received), nanny's CPU % of one core and its peak RSS.
#
#   [KINDS="tcp udp dns"] bench/checks/run.sh [BUILDDIR] [N...]
#                                              (default N: 100 1000 5000)
#
# Target: 5000 checks/s under 25 % of a core and under 64 MB.  tcp and
# udp need no root; dns binds port 53 and needs root (skipped without).
# Sends traffic to 127.66.0.0/16 only.  Not part of make check.
set -u
build=${1:-/tmp/build-nanny}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 5000)
read -r -a kinds <<<"${KINDS:-tcp udp dns}"
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

# The port, responder mode and check keys of each kind.
port_of() { case $1 in dns) echo 53 ;; *) echo 18500 ;; esac; }
mode_of() { case $1 in tcp) echo reply ;; udp) echo udp-echo ;; dns) echo dns ;; esac; }
keys_of() {
	case $1 in
	tcp) printf '    check = tcp\n' ;;
	udp) printf '    protocol = udp\n    send = "ping"\n    expect = "ping"\n' ;;
	dns) printf '    protocol = udp\n' ;;	# port 53: a DNS query
	esac
}

# config KIND N: a virtual with N real servers from 127.66.0.1
config() {
	local kind=$1 n=$2 i
	{
		printf 'primary = 10.200.0.1\nvirtual bench {\n'
		printf '    address = 10.200.1.1\n    active = 1\n'
		printf '    port = %d\n' "$(port_of "$kind")"
		keys_of "$kind"
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

# one KIND N: prints "checks/s cpu% rss_kb"
one_run() {
	local kind=$1 n=$2 a0 a1 c0 c1 t0 t1 rss
	"$responder" "$(mode_of "$kind")" - 127.66.0.1 "$(port_of "$kind")" \
	    "$n" >"$work/resp.out" 2>&1 &
	rpid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$work/resp.out" 2>/dev/null && break
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

printf '%5s %6s %10s %8s %9s %s\n' kind N checks/s cpu% rss_MB "(median of $RUNS runs, ${WINDOW}s each)"
for kind in "${kinds[@]}"; do
	if [ "$kind" = dns ] && [ "$(id -u)" != 0 ]; then
		echo "  dns: skipped (binding port 53 needs root)"
		continue
	fi
	for n in "${sizes[@]}"; do
		config "$kind" "$n" || { echo "import of $n servers failed"; exit 1; }
		: >"$work/runs"
		for ((r = 0; r < RUNS; r++)); do
			one_run "$kind" "$n" >>"$work/runs"
		done
		ups=$(grep -c ' up ' "$work/reports")
		cps=$(cut -d' ' -f1 "$work/runs" | median)
		cpu=$(cut -d' ' -f2 "$work/runs" | median)
		rss=$(cut -d' ' -f3 "$work/runs" | median)
		printf '%5s %6d %10d %8s %9.1f (servers reported up in last run: %d)\n' \
		    "$kind" "$n" "$cps" "$cpu" "$(echo "$rss / 1024" | bc -l)" "$ups"
	done
done
