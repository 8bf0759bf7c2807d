# tests/integration/lib/lbctl.sh - driving tests/lbctl in a namespace and
# counting which real server answers (bash; source it after netns.sh).
#
#   lbs_start NODE            # lbctl -b nftables serve inside NODE
#   lbs apply FILE            # one command; 0 when lbctl answered "ok"
#   lbs_settle SECS           # refresh until no real server is pending
#   lbs_faults                # lb_faults() now, one line each
#   rs_http NODE NAME [PORT]  # HTTP responder answering NAME (all addresses)
#   lb_count NODE N VIP [PORT [SRC...]]   # N new connections, round robin
#                             # over the source addresses; sets c_<name>
#                             # and c_errors, prints a summary
#   lb_who NODE VIP PORT SRC  # the name that answers one connection
#
# Everything runs inside the namespaces the test made (netns.sh), and every
# wait is bounded.

LBS_REPLIES=0

# ns_spawn_in NODE LOG INPUT CMD...: ns_spawn with stdin from INPUT (a
# background command of a script otherwise reads /dev/null).
ns_spawn_in() {
	local node=$1 log=$2 in=$3
	shift 3
	ip netns exec "$(ns_name "$node")" "$@" <"$in" >"$log" 2>&1 &
	NS_LAST_PID=$!
	NS_PIDS+=("$NS_LAST_PID")
}

lbs_start() {
	local node=$1
	mkfifo "$NS_TMP/lb.in"
	# opened read-write first: opening a fifo for one end blocks until
	# the other end is opened (stdout and stderr share lb.err)
	exec 7<>"$NS_TMP/lb.in"
	ns_spawn_in "$node" "$NS_TMP/lb.err" "$NS_TMP/lb.in" "$LBCTL" \
		-b nftables serve
	LBS_PID=$NS_LAST_PID
}

# lbs COMMAND...: send one command, wait for its reply (30 s), 0 if "ok".
lbs() {
	local want=$((LBS_REPLIES + 1)) i got
	echo "$*" >&7
	for i in $(seq 600); do
		got=$(grep -cxE 'ok|error' "$NS_TMP/lb.err")
		[ "$got" -ge "$want" ] && break
		sleep 0.05
	done
	LBS_REPLIES=$((LBS_REPLIES + 1))
	[ "$(grep -xE 'ok|error' "$NS_TMP/lb.err" | sed -n "${want}p")" = ok ]
}

lbs_faults() {
	lbs faults "$NS_TMP/faults" && cat "$NS_TMP/faults"
}

# lbs_settle SECS: re-apply until no fault is pending (MACs resolving).
lbs_settle() {
	local secs=$1 i
	for i in $(seq $((secs * 10))); do
		lbs refresh || return 1
		lbs_faults >/dev/null || return 1
		grep -q '^pending ' "$NS_TMP/faults" || return 0
		sleep 0.1
	done
	return 1
}

lbs_stop() {
	echo quit >&7
	exec 7>&-
	wait "$LBS_PID"
}

# ---- HTTP responders and clients ----

lb_scripts() {
	cat >"$NS_TMP/rs.py" <<'EOF'
import socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
name = sys.argv[1].encode()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(name)))
        self.end_headers()
        self.wfile.write(name)
    def log_message(self, *a):
        pass
class S(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()
port = int(sys.argv[2]) if len(sys.argv) > 2 else 80
S(("::", port), H).serve_forever()
EOF
	# count N VIP PORT [SRC...]: N requests on new connections, source
	# addresses in turn; prints "name count" lines and "errors N".
	# who VIP PORT SRC...: one connection per source, "SRC name" lines.
	# hold VIP PORT: one kept-alive connection, a request per stdin line.
	cat >"$NS_TMP/client.py" <<'EOF'
import sys, http.client, collections
def get(vip, port, src, timeout=3):
    c = http.client.HTTPConnection(vip, port, timeout=timeout,
        source_address=(src, 0) if src else None)
    c.request("GET", "/")
    body = c.getresponse().read().decode()
    c.close()
    return body
cmd, vip, port = sys.argv[1], sys.argv[3 if sys.argv[1] == "count" else 2], 0
if cmd == "count":
    n, port, srcs = int(sys.argv[2]), int(sys.argv[4]), sys.argv[5:] or [None]
    seen, errors = collections.Counter(), 0
    for i in range(n):
        try:
            seen[get(vip, port, srcs[i % len(srcs)])] += 1
        except Exception:
            errors += 1
    for k, v in sorted(seen.items()):
        print(k, v)
    print("errors", errors)
elif cmd == "who":
    port = int(sys.argv[3])
    for src in sys.argv[4:]:
        try:
            print(src, get(vip, port, src))
        except Exception:
            print(src, "error")
else:
    port = int(sys.argv[3])
    c = http.client.HTTPConnection(vip, port, timeout=3)
    for line in sys.stdin:
        try:
            c.request("GET", "/")
            print(c.getresponse().read().decode(), flush=True)
        except Exception as e:
            print("error", e, flush=True)
EOF
}

# rs_http NODE NAME [PORT]: a responder in NODE answering NAME; waits
# (bounded) until it accepts connections.
rs_http() {
	local node=$1 name=$2 port=${3:-80}
	ns_spawn "$node" "$NS_TMP/rs-$name-$port.log" python3 "$NS_TMP/rs.py" \
		"$name" "$port"
	ns_wait_for 30 ns_exec "$node" python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
		"$port" 2>/dev/null || { echo "FAIL: responder $name"; exit 1; }
}

# lb_count NODE N VIP PORT [SRC...]: sets c_<name> for every name seen (and
# c_errors); names not seen are unset, use ${c_rs1:-0}.
lb_count() {
	local node=$1 k v
	shift
	for k in $(compgen -v c_); do unset "$k"; done
	while read -r k v; do
		printf -v "c_$k" %s "$v"
	done < <(ns_exec "$node" python3 "$NS_TMP/client.py" count "$@")
	echo "  $1 connections:$(for k in $(compgen -v c_); do
		printf ' %s=%s' "${k#c_}" "${!k}"; done)"
}

# near GOT WANT: within 10 % of WANT.
near() {
	[ $(($1 * 10 >= $2 * 9 && $1 * 10 <= $2 * 11)) = 1 ]
}
