#!/bin/bash
# nanny_http_status.sh - http_status as codes and ranges, end to end: an
# lvs.cf with `http_status = 200,301-302` goes through `shoalctl config
# import` into the store (a text column since migration 10) and the real
# nanny checks a real HTTP server (Python's http.server) that answers
# 302: up with the range, down with `http_status = 200`, and the default
# (unset: 200-399) takes a 302 too.  A redirect to 303 is then refused
# by the list and accepted by the default.
# Needs no root: only a 127.x.y.z address (lo answers all of 127/8).
set -u

: "${top_builddir:?run through make check}"
nanny=$top_builddir/nanny
shoalctl=$top_builddir/shoalctl
for b in "$nanny" "$shoalctl"; do
	[ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }
done
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }

addr=127.$((100 + $$ % 100)).$((1 + ($$ / 100) % 250)).$((2 + $$ % 250))
port=$((20000 + $$ % 20000))
work=$(mktemp -d /tmp/nanny_http_status.XXXXXX) || exit 1
declare -a pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf -- "$work"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for f in "$work"/*.out "$work"/http.err; do
		echo "---- $f"
		cat "$f"
	done
	exit 1
}
# wait_for FILE REGEX: until FILE has a line matching REGEX (15 s at most)
wait_for() {
	local i
	for ((i = 0; i < 150; i++)); do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# the server: answers every GET with the status in $work/status
echo 302 >"$work/status"
cat >"$work/server.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[3]) as f:
            st = int(f.read())
        self.send_response(st)
        self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()
http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
PY
/usr/bin/python3 "$work/server.py" "$addr" "$port" "$work/status" \
	2>"$work/http.err" &
pids+=($!)
listening() { (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; }
for ((i = 0; i < 150; i++)); do
	listening && break
	sleep 0.1
done
listening || fail "the HTTP server does not listen"

cat >"$work/lvs.cf" <<CF
primary = 10.200.0.1
service = lvs
virtual range {
    address = 10.200.1.1
    port = $port
    check = http
    http_status = 200,301-302
    check_interval = 0.2
    check_timeout = 1
    rise = 1
    server s {
        address = $addr
        active = 1
    }
}
virtual only200 {
    address = 10.200.1.2
    port = $port
    check = http
    http_status = 200
    check_interval = 0.2
    check_timeout = 1
    rise = 1
    server s {
        address = $addr
        active = 1
    }
}
virtual default {
    address = 10.200.1.3
    port = $port
    check = http
    check_interval = 0.2
    check_timeout = 1
    rise = 1
    server s {
        address = $addr
        active = 1
    }
}
CF
db=$work/shoal.db
"$shoalctl" --db "$db" config import "$work/lvs.cf" >/dev/null 2>&1 ||
	fail "import refused http_status ranges"
"$shoalctl" --db "$db" config export | grep -q '^ *http_status = 200,301-302$' ||
	fail "export lost the ranges"
for v in range only200 default; do
	"$nanny" --db "$db" --virtual $v -n -v -v >"$work/$v.out" \
		2>"$work/$v.err" &
	pids+=($!)
done
wait_for "$work/range.out" "^report range s .* up 1 [0-9]+ HTTP status 302$" ||
	fail "200,301-302 does not take a 302"
wait_for "$work/only200.out" "^report only200 s .* down 0 [0-9]+ HTTP status 302$" ||
	fail "200 takes a 302"
wait_for "$work/default.out" "^report default s .* up 1 [0-9]+ HTTP status 302$" ||
	fail "the default (200-399) does not take a 302"
echo "ok: a real server answering 302: 200,301-302 up, 200 down, default up"
echo 303 >"$work/status"
wait_for "$work/range.out" "^report range s .* down 0 [0-9]+ HTTP status 303$" ||
	fail "200,301-302 takes a 303"
# the default's own checks saw the 303 (its log, -v -v), and kept it up
wait_for "$work/default.err" "HTTP status 303" ||
	fail "the default's checks never saw the 303"
grep -q "down 0 [0-9]* HTTP" "$work/default.out" && fail "the default refused a 303"
echo "ok: 303: outside 200,301-302 (down), inside the default"
echo "nanny_http_status: all passed"
exit 0
