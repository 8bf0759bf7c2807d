#!/bin/bash
# bench/web/run.sh - shoal-web figures on this machine:
#   1. wrk against GET /api/v1/status with a valid session (3 runs of 10 s,
#      median requests/s and median p99 latency);
#   2. log tail latency: a line appended to the log file -> the SSE event
#      received by a client (500 lines, p50/p99/max).
# Usage: bench/web/run.sh [BUILDDIR]   (BUILDDIR holds shoal-web, shoalctl)
# Needs wrk and python3.  Talks only to 127.0.0.1.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
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
"$build/shoalctl" --db "$tmp/db" config import "$tmp/base.cf" >/dev/null
echo bench-password-1 | "$build/shoalctl" --db "$tmp/db" passwd admin --password-stdin >/dev/null
: >"$tmp/log"
user=()
[ "$(id -u)" = 0 ] && chown -R nobody "$tmp" && user=(--user nobody)
port=$((20000 + RANDOM % 40000))
"$build/shoal-web" --db "$tmp/db" --listen "127.0.0.1:$port" --rundir "$tmp" \
	--log "$tmp/log" --www "$src/www" -n "${user[@]}" 2>"$tmp/err" &
pid=$!
for i in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	-d '{"user":"admin","password":"bench-password-1"}' \
	"http://127.0.0.1:$port/api/v1/login" | sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p')
[ -n "$cookie" ] || { echo "login failed" >&2; cat "$tmp/err" >&2; exit 1; }
bytes=$(curl -s -b "$cookie" "http://127.0.0.1:$port/api/v1/status" | wc -c)
echo "GET /api/v1/status: $bytes bytes per answer (pulse not running, 20 virtual x 4 real servers)"

rps=() p99=()
for run in 1 2 3; do
	out=$(wrk -t2 -c64 -d10s --latency -H "Cookie: $cookie" "http://127.0.0.1:$port/api/v1/status")
	r=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
	p=$(echo "$out" | awk '$1 == "99%" {print $2}')
	non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
	echo "  run $run: $r req/s, p99 $p${non2xx:+, non-2xx $non2xx}"
	rps+=("$r"); p99+=("$p")
done
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else printf "%.3f", v * 1000 }'; }
med() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ms=(); for p in "${p99[@]}"; do ms+=("$(to_ms "$p")"); done
echo "status: median $(med "${rps[@]}") requests/s, median p99 latency $(med "${ms[@]}") ms (target >= 10000 req/s)"

python3 "$here/tail_latency.py" "$port" "$cookie" "$tmp/log" 500
