#!/bin/bash
# bench/web/run.sh - shoal-web figures on this machine:
#   1. wrk against GET /api/v1/status with a valid session (3 runs of 10 s,
#      median requests/s and median p99 latency);
#   2. GET /api/v1/status latency while 8 clients flood POST /api/v1/login
#      with wrong passwords (login_flood.py; 3 runs of 10 s, median of the
#      runs' medians and of their p99s);
#   3. log tail latency: a line appended to the log file -> the SSE event
#      received by a client (500 lines, p50/p99/max);
#   4. 10,000 trickling connections from one address (conn_flood.py).
# Usage: bench/web/run.sh [BUILDDIR [BASELINE_BUILDDIR]]
#   BUILDDIR holds shoal-web and shoalctl.  With a baseline build (e.g. of
#   main), 1 and 2 are measured for both, runs interleaved, in one go.
# Needs wrk and python3.  Talks only to 127.0.0.1 (and 127.1.x.y, the
# flood's source addresses).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
builds=("$(cd "${1:-$src}" && pwd)")
names=("this build")
if [ -n "${2:-}" ]; then
	builds+=("$(cd "$2" && pwd)")
	names+=("baseline")
fi
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
tmp=$(mktemp -d /tmp/shoal-bench-web-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

printf 'primary = 10.201.0.1\nservice = lvs\n' >"$tmp/base.cf"
for i in $(seq 1 20); do
	printf 'virtual vs%d {\n address = 10.201.1.%d eth0:%d\n active = 1\n' "$i" "$i" "$i"
	for j in 1 2 3 4; do printf ' server r%d {\n  address = 10.201.2.%d\n  active = 1\n }\n' "$j" "$j"; done
	printf '}\n'
done >>"$tmp/base.cf"
user=()
[ "$(id -u)" = 0 ] && user=(--user nobody)

# start_web BUILDDIR: a fresh database, shoal-web on a free port; sets
# pid, port and cookie.
start_web() {
	local b=$1
	rm -rf "$tmp/run" && mkdir "$tmp/run"
	"$b/shoalctl" --db "$tmp/run/db" config import "$tmp/base.cf" >/dev/null
	echo bench-password-1 | "$b/shoalctl" --db "$tmp/run/db" passwd admin --password-stdin >/dev/null
	: >"$tmp/run/log"
	[ "$(id -u)" = 0 ] && chown -R nobody "$tmp" "$tmp/run"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$b/shoal-web" --db "$tmp/run/db" --listen "127.0.0.1:$port" --rundir "$tmp/run" \
		--log "$tmp/run/log" --www "$src/www" -n "${user[@]}" 2>"$tmp/err" &
	pid=$!
	for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
		-d '{"user":"admin","password":"bench-password-1"}' \
		"http://127.0.0.1:$port/api/v1/login" | sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p')
	[ -n "$cookie" ] || { echo "login failed" >&2; cat "$tmp/err" >&2; exit 1; }
}

stop_web() {
	kill "$pid" && wait "$pid" || true
	pid=
}

to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'; }
med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

start_web "${builds[0]}"
bytes=$(curl -s -b "$cookie" "http://127.0.0.1:$port/api/v1/status" | wc -c)
stop_web
echo "GET /api/v1/status: $bytes bytes per answer (pulse not running, 20 virtual x 4 real servers)"

declare -A rps p99 fmed fp99
for run in 1 2 3; do
	for k in "${!builds[@]}"; do
		start_web "${builds[$k]}"
		out=$(wrk -t2 -c64 -d10s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/api/v1/status")
		stop_web
		r=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
		p=$(echo "$out" | awk '$1 == "99%" {print $2}')
		non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
		echo "  wrk run $run, ${names[$k]}: $r req/s, p99 $p${non2xx:+, non-2xx $non2xx}"
		rps[$k]="${rps[$k]:-} $r"
		p99[$k]="${p99[$k]:-} $(to_ms "$p")"
	done
done
for run in 1 2 3; do
	for k in "${!builds[@]}"; do
		start_web "${builds[$k]}"
		out=$(python3 "$here/login_flood.py" "$port" "$cookie" 10 8)
		stop_web
		echo "$out" | sed "s/^/  flood run $run, ${names[$k]}: /"
		line=$(echo "$out" | grep 'login flood')
		fmed[$k]="${fmed[$k]:-} $(echo "$line" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')"
		fp99[$k]="${fp99[$k]:-} $(echo "$line" | sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p')"
	done
done
for k in "${!builds[@]}"; do
	# shellcheck disable=SC2086
	echo "status, ${names[$k]} (${builds[$k]}): median $(med ${rps[$k]}) requests/s, median p99 latency $(med ${p99[$k]}) ms (target >= 10000 req/s)"
	# shellcheck disable=SC2086
	echo "status during an 8-client login flood, ${names[$k]}: median $(med ${fmed[$k]}) ms, p99 $(med ${fp99[$k]}) ms (medians of 3 runs)"
done

start_web "${builds[0]}"
python3 "$here/tail_latency.py" "$port" "$cookie" "$tmp/run/log" 500
stop_web

# 4. one address holding 10,000 trickling connections (conn_flood.py):
#    how many the per-address cap closes at once, how many the header
#    deadline cuts, and another client's latency meanwhile
start_web "${builds[0]}"
python3 "$here/conn_flood.py" "$port" "$cookie" 10000 20
stop_web
