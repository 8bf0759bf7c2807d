#!/bin/bash
# bench/metrics/run.sh BUILDDIR [SERVERS] [RUNS] [BACKEND] [LB] - time
# pulse's Prometheus metrics with SERVERS real servers (default 10000) in
# one virtual server: one pulse alone in a network namespace (LVS mode,
# BACKEND nftables (default) or ipvs).  LB "out" (default): no nanny, no
# server in the load balancer; LB "in": nanny with `check = none`, so every
# real server is up and in the load balancer, and the metrics carry its
# per-server counters too.  Then RUNS scrapes
# (default 11) of the control socket's "metrics" through a small client
# that times the socket alone, and of `shoalctl metrics` (process start
# included).  Prints median and max in ms, the size, and how many real
# servers the answer names (it must be all of them).  The bound of issue
# 14: under 200 ms.  Root.
set -u
build=${1:?usage: run.sh BUILDDIR [SERVERS] [RUNS] [BACKEND]}
n=${2:-10000}
runs=${3:-11}
backend=${4:-nftables}
lb=${5:-out}
case $lb in in|out) ;; *) echo "LB: in or out"; exit 2 ;; esac
build=$(cd "$build" && pwd)
[ "$(id -u)" = 0 ] || { echo "needs root (a network namespace)"; exit 1; }
ns=shoal-bm$$
tmp=$(mktemp -d /tmp/shoal-bm.XXXXXX)
pid=
web_pid=
cleanup() {
	[ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p"; done
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name peer0
ip -n "$ns" link set peer0 up
ip -n "$ns" addr add 10.250.0.1/16 dev eth0
ip -n "$ns" link set eth0 up
{
	echo "service = lvs"
	echo "primary = 10.250.0.1"
	echo "lvs_backend = $backend"
	echo "virtual big {"
	echo "    address = 10.250.0.100 eth0:1"
	echo "    active = 1"
	echo "    port = 80"
	echo "    scheduler = wrr"
	[ "$lb" = in ] && echo "    check = none"
	for i in $(seq 1 "$n"); do
		printf '    server rs%d {\n        address = 10.%d.%d.%d\n        active = 1\n    }\n' \
			"$i" $((100 + i / 65536)) $((i / 256 % 256)) $((i % 256))
	done
	echo "}"
} >"$tmp/lvs.cf"
"$build/shoalctl" --db "$tmp/shoal.db" config import "$tmp/lvs.cf" >/dev/null ||
	exit 1
nanny=none
[ "$lb" = in ] && nanny=$build/nanny
# the run directory in nobody's group: shoal-web (as nobody) reads it
mkdir -p "$tmp/run"
chgrp nogroup "$tmp/run"
chmod 750 "$tmp/run"
chmod 755 "$tmp"
SHOAL_NANNY=$nanny ip netns exec "$ns" "$build/src/pulse/pulse" -n \
	--db "$tmp/shoal.db" --rundir "$tmp/run" >"$tmp/pulse.log" 2>&1 &
pid=$!
# ready when the metrics say active
active() {
	"$build/shoalctl" metrics --rundir "$tmp/run" 2>/dev/null |
		grep -q '^shoal_node_role{role="active"} 1$'
}
for _ in $(seq 600); do
	active && break
	sleep 0.1
done
active || { echo "pulse did not become active:"; tail "$tmp/pulse.log"; exit 1; }
# LB in: ready when every real server is in the load balancer
in_lb() {
	[ "$("$build/shoalctl" metrics --rundir "$tmp/run" 2>/dev/null |
		grep -c '^shoal_real_server_in_lb{.*} 1$')" = "$n" ]
}
if [ "$lb" = in ]; then
	for _ in $(seq 1200); do
		in_lb && break
		sleep 0.5
	done
	in_lb || { echo "not every real server in the load balancer"; exit 1; }
fi
cat >"$tmp/scrape.py" <<'PY'
import socket, sys, time
path, runs, want = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
times, body = [], b""
for _ in range(runs):
    t = time.monotonic()
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(b"metrics\n")
    chunks = []
    while True:
        b = s.recv(1 << 20)
        if not b:
            break
        chunks.append(b)
    s.close()
    times.append((time.monotonic() - t) * 1000)
    body = b"".join(chunks)
times.sort()
servers = sum(1 for l in body.split(b"\n")
              if l.startswith(b"shoal_real_server_up{"))
print("socket, %d real servers, %d scrapes: median %.1f ms, max %.1f ms, "
      "%d bytes, %d lines, %d servers named"
      % (want, runs, times[len(times) // 2], times[-1], len(body),
         body.count(b"\n"), servers))
sys.exit(0 if servers == want else 1)
PY
python3 "$tmp/scrape.py" "$tmp/run/pulse.sock" "$runs" "$n" ||
	{ echo "the metrics do not name every real server"; exit 1; }
ts=()
for _ in $(seq "$runs"); do
	t0=$(date +%s%N)
	"$build/shoalctl" metrics --rundir "$tmp/run" >/dev/null || exit 1
	ts+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
printf '%s\n' "${ts[@]}" | sort -n | awk -v r="$runs" -v n="$n" '
	{ a[NR] = $1 }
	END { printf "shoalctl metrics, %d real servers, %d runs: median %d ms, max %d ms\n",
	    n, r, a[int((r + 1) / 2)], a[r] }'
# `shoalctl status` (its reply was once refused above 1 MiB)
ts=()
for _ in $(seq "$runs"); do
	t0=$(date +%s%N)
	"$build/shoalctl" status --json --rundir "$tmp/run" >"$tmp/status.json" ||
		{ echo "shoalctl status failed"; exit 1; }
	ts+=($(( ($(date +%s%N) - t0) / 1000000 )))
done
printf '%s\n' "${ts[@]}" | sort -n | awk -v r="$runs" -v n="$n" \
	-v sz="$(stat -c %s "$tmp/status.json")" '
	{ a[NR] = $1 }
	END { printf "shoalctl status --json, %d real servers, %d runs: median %d ms, max %d ms, %d bytes\n",
	    n, r, a[int((r + 1) / 2)], a[r], sz }'
# shoal-web's /metrics (pulse's text through the socket, plus its own)
web_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir "$tmp/web"
cp "$tmp/shoal.db" "$tmp/web/web.db"
chown -R nobody "$tmp/web"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$tmp/token"
chmod 600 "$tmp/token"
"$build/shoal-web" --db "$tmp/web/web.db" --listen "127.0.0.1:$web_port" \
	--rundir "$tmp/run" --user nobody --metrics-token-file "$tmp/token" \
	-n 2>"$tmp/web.log" &
web_pid=$!
for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$web_port/" && break
	sleep 0.1
done
ts=()
for _ in $(seq "$runs"); do
	t=$(curl -s -o "$tmp/web.txt" -w '%{time_total}' \
		-H "Authorization: Bearer $(cat "$tmp/token")" \
		"http://127.0.0.1:$web_port/metrics") ||
		{ echo "scrape failed"; tail "$tmp/web.log"; exit 1; }
	ts+=("$t")
done
kill "$web_pid"
wait "$web_pid" 2>/dev/null
grep -q '^shoal_web_pulse_up 1$' "$tmp/web.txt" ||
	{ echo "shoal-web's /metrics has no pulse part"; tail "$tmp/web.log"; exit 1; }
printf '%s\n' "${ts[@]}" | sort -n | awk -v r="$runs" -v n="$n" \
	-v sz="$(stat -c %s "$tmp/web.txt")" '
	{ a[NR] = $1 * 1000 }
	END { printf "shoal-web /metrics (curl), %d real servers, %d scrapes: median %.1f ms, max %.1f ms, %d bytes\n",
	    n, r, a[int((r + 1) / 2)], a[r], sz }'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
