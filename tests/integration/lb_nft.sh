#!/bin/bash
# lb_nft.sh - the nftables load balancer on a real kernel, in network
# namespaces: a client, a router programmed through tests/lbctl (lb.h),
# three real servers answering their name over HTTP with the router as
# their gateway.
#
#   client 10.203.0.2 --- 10.203.0.1 router (VIP 10.201.0.100:80)
#                                    10.202.N.1 --- 10.202.N.2 rsN (N=1..3)
#   and the same in IPv6: fd00:203::/64, VIP fd00:201::100, fd00:202:N::/64
#
# Checks: wrr 1:2:3 shares over 600 connections (within 10 %), and 1:1:2
# over 400 for an IPv6 service; a weight change is accepted and applied
# atomically (no failed connection under load while weights flip) with the
# new shares; a quiesced server (weight 0) gets no new connection while an
# established one stays on it (conntrack); a removed server gets no new
# connection; with every server quiesced the sorry server answers; a table
# that is not shoal's is never touched.  SKIP (77) without root, netns, nft
# or python3.
set -u
[ -n "${LB_DEBUG:-}" ] && set -x

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -s "${tmp:-/nonexistent}/lb.err" ] &&
	sed 's/^/lbctl: /' "$tmp/lb.err" | tail -n 20; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null || skip "no ip(8)"
command -v python3 >/dev/null || skip "no python3"
lbctl=${top_builddir:-.}/tests/lbctl
[ -x "$lbctl" ] || fail "no $lbctl (build first)"

id=$$
C=slc$id R=slr$id
RS=(sl1$id sl2$id sl3$id)
tmp=$(mktemp -d /tmp/lb_nft.XXXXXX)
pids=()
nslist=()

cleanup() {
	local p n
	exec 7>&- 8>&- 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${nslist[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

mkns() { ip netns add "$1" || return 1; nslist+=("$1"); ip -n "$1" link set lo up; }
mkns "$R" || skip "ip netns unavailable"
ip netns exec "$R" nft add table ip sl_probe 2>/dev/null &&
	ip netns exec "$R" nft delete table ip sl_probe ||
	skip "nft unavailable in a namespace"
probe=$("$lbctl" probe 2>/dev/null) || fail "lbctl does not run"
grep -q '^nftables: available' <<<"$probe" || skip "built without nftables"

# ---- topology ----
mkns "$C" || fail "netns $C"
ip link add slc0 netns "$C" type veth peer name c0 netns "$R" || fail "veth"
ip -n "$C" addr add 10.203.0.2/24 dev slc0
ip -n "$C" link set slc0 up
ip -n "$C" route add default via 10.203.0.1
ip -n "$C" addr add fd00:203::2/64 dev slc0 nodad
ip -n "$C" route add default via fd00:203::1
ip -n "$R" addr add 10.203.0.1/24 dev c0
ip -n "$R" addr add 10.201.0.100/32 dev c0	# the VIP, as pulse would
ip -n "$R" link set c0 up
ip -n "$R" addr add fd00:203::1/64 dev c0 nodad
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
for n in 1 2 3; do
	ns=${RS[$((n - 1))]}
	mkns "$ns" || fail "netns $ns"
	ip link add eth0 netns "$ns" type veth peer name r$n netns "$R" ||
		fail "veth r$n"
	ip -n "$ns" addr add 10.202.$n.2/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via 10.202.$n.1
	ip -n "$ns" addr add fd00:202:$n::2/64 dev eth0 nodad
	ip -n "$ns" route add default via fd00:202:$n::1
	ip -n "$R" addr add 10.202.$n.1/24 dev r$n
	ip -n "$R" addr add fd00:202:$n::1/64 dev r$n nodad
	ip -n "$R" link set r$n up
done

# ---- HTTP responders: keep-alive, body = the server's name ----
cat >"$tmp/rs.py" <<'EOF'
import socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
name = sys.argv[2].encode()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(name)))
        self.end_headers()
        self.wfile.write(name)
    def log_message(self, *a):
        pass
ThreadingHTTPServer.daemon_threads = True
if ":" in sys.argv[1]:
    ThreadingHTTPServer.address_family = socket.AF_INET6
port = int(sys.argv[3]) if len(sys.argv) > 3 else 80
ThreadingHTTPServer((sys.argv[1], port), H).serve_forever()
EOF
# count N [VIP]: N requests on new connections; prints "name count", errors
# hold: one kept-alive connection; one request per line read on stdin
cat >"$tmp/client.py" <<'EOF'
import sys, http.client, collections
def get(c):
    c.request("GET", "/")
    return c.getresponse().read().decode()
if sys.argv[1] == "count":
    seen, errors = collections.Counter(), 0
    for _ in range(int(sys.argv[2])):
        try:
            vip = sys.argv[3] if len(sys.argv) > 3 else "10.201.0.100"
            c = http.client.HTTPConnection(vip, 80, timeout=3)
            seen[get(c)] += 1
            c.close()
        except Exception:
            errors += 1
    for k in ("rs1", "rs2", "rs3", "sorry"):
        print(k, seen[k])
    print("errors", errors)
else:
    c = http.client.HTTPConnection("10.201.0.100", 80, timeout=3)
    print(get(c), flush=True)
    for line in sys.stdin:
        try:
            print(get(c), flush=True)
        except Exception as e:
            print("error", e, flush=True)
EOF
for n in 1 2 3; do
	ip netns exec "${RS[$((n - 1))]}" python3 "$tmp/rs.py" 10.202.$n.2 rs$n \
		>/dev/null 2>&1 &
	pids+=($!)
done
for n in 1 2 3; do
	ip netns exec "${RS[$((n - 1))]}" python3 "$tmp/rs.py" fd00:202:$n::2 \
		rs$n >/dev/null 2>&1 &
	pids+=($!)
done
ip netns exec "${RS[2]}" python3 "$tmp/rs.py" 10.202.3.2 sorry 8080 \
	>/dev/null 2>&1 &
pids+=($!)
while read -r h p; do
	ok=0
	for _ in $(seq 100); do
		if ip netns exec "$R" python3 -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' \
			"$h" "$p" 2>/dev/null; then ok=1; break; fi
		sleep 0.1
	done
	[ $ok = 1 ] || fail "responder $h port $p did not start"
done <<'EOF'
10.202.1.2 80
10.202.2.2 80
10.202.3.2 80
10.202.3.2 8080
fd00:202:1::2 80
fd00:202:2::2 80
fd00:202:3::2 80
EOF

# ---- a table that is not shoal's: must stay as it is ----
ip netns exec "$R" nft -f - <<'EOF' || fail "cannot create table ip keep"
table ip keep {
	set s { type ipv4_addr; elements = { 192.0.2.1, 192.0.2.2 }; }
	chain c { ip saddr @s drop; }
}
EOF
ip netns exec "$R" nft list table ip keep >"$tmp/keep.before"

# ---- lbctl serve: one lb handle for the whole test ----
mkfifo "$tmp/lb.in"
ip netns exec "$R" "$lbctl" -b nftables serve <"$tmp/lb.in" >"$tmp/lb.out" \
	2>"$tmp/lb.err" &
lbpid=$!
pids+=($lbpid)
exec 7>"$tmp/lb.in"
replies=0
lb() {	# lb COMMAND...: send one command, wait for its reply, 0 if "ok"
	local want=$((replies + 2)) i	# +1: the "backend:" line
	echo "$*" >&7
	for i in $(seq 200); do
		[ "$(wc -l <"$tmp/lb.out")" -ge $want ] && break
		sleep 0.05
	done
	replies=$((replies + 1))
	[ "$(sed -n "${want}p" "$tmp/lb.out")" = ok ]
}

cat >"$tmp/state" <<'EOF'
service web tcp 10.201.0.100 80 sched wrr sorry 10.202.3.2 8080
server web 10.202.1.2 80 1
server web 10.202.2.2 80 2
server web 10.202.3.2 80 3
service web6 tcp fd00:201::100 80 sched wrr
server web6 fd00:202:1::2 80 1
server web6 fd00:202:2::2 80 1
server web6 fd00:202:3::2 80 2
EOF
lb apply "$tmp/state" || fail "apply"
[ "$(head -1 "$tmp/lb.out")" = "backend: nftables" ] || fail "backend"

count() {	# count N [VIP]: N connections from the client; sets c_rs1..
	local k v
	while read -r k v; do
		printf -v "c_$k" %s "$v"
	done < <(ip netns exec "$C" python3 "$tmp/client.py" count "$@")
	echo "  $1 connections: rs1=$c_rs1 rs2=$c_rs2 rs3=$c_rs3" \
		"sorry=$c_sorry errors=$c_errors"
}
near() {	# near GOT WANT: within 10 % of WANT (exact when WANT is 0)
	local got=$1 want=$2
	[ $((got * 10 >= want * 9 && got * 10 <= want * 11)) = 1 ]
}
shares() {	# shares N W1 W2 W3: N connections spread by weights W1:W2:W3
	local n=$1 tot=$(($2 + $3 + $4))
	count "$n"
	[ "$c_errors" = 0 ] || fail "$c_errors failed connections"
	near "$c_rs1" $((n * $2 / tot)) && near "$c_rs2" $((n * $3 / tot)) &&
		near "$c_rs3" $((n * $4 / tot)) ||
		fail "shares $c_rs1:$c_rs2:$c_rs3 not near $2:$3:$4"
}

echo "wrr 1:2:3"
shares 600 1 2 3
echo "IPv6 service, wrr 1:1:2"
count 400 fd00:201::100
[ "$c_errors" = 0 ] || fail "$c_errors failed IPv6 connections"
near "$c_rs1" 100 && near "$c_rs2" 100 && near "$c_rs3" 200 ||
	fail "IPv6 shares $c_rs1:$c_rs2:$c_rs3 not near 1:1:2"

# an established connection, kept alive across the changes below
mkfifo "$tmp/hold.in"
ip netns exec "$C" python3 "$tmp/client.py" hold <"$tmp/hold.in" \
	>"$tmp/hold.out" 2>&1 &
pids+=($!)
exec 8>"$tmp/hold.in"
held() {	# held N: the answer to the Nth request on the kept connection
	local i
	for i in $(seq 100); do
		[ "$(wc -l <"$tmp/hold.out")" -ge "$1" ] && break
		sleep 0.05
	done
	sed -n "${1}p" "$tmp/hold.out"
}
first=$(held 1)
case $first in rs[123]) ;; *) fail "kept connection: '$first'" ;; esac
echo "kept connection on $first"

echo "weight changes under load are atomic"
ip netns exec "$C" python3 "$tmp/client.py" count 1500 >"$tmp/load.out" &
loadpid=$!
pids+=($loadpid)
for w in 5 1 4 2 6 3; do
	lb weight web 10.202.1.2 80 $w || fail "weight change to $w refused"
	sleep 0.1
done
wait $loadpid
grep -q '^errors 0$' "$tmp/load.out" ||
	fail "connections failed while weights changed: $(tr '\n' ' ' <"$tmp/load.out")"
echo "  $(tr '\n' ' ' <"$tmp/load.out")"
echo "wrr 3:2:3 after the changes"
shares 800 3 2 3

echo "quiesce $first: no new connections, the kept one stays"
n=${first#rs}
lb weight web 10.202.$n.2 80 0 || fail "quiesce"
count 300
[ "$(eval echo "\$c_$first")" = 0 ] || fail "$first still got new connections"
[ "$c_errors" = 0 ] || fail "$c_errors failed connections"
echo again >&8
second=$(held 2)
[ "$second" = "$first" ] || fail "kept connection moved: $first -> $second"
echo "  kept connection still on $second"
w=3; [ "$n" = 2 ] && w=2	# back to 3:2:3
lb weight web 10.202.$n.2 80 $w || fail "restore weight"

echo "remove rs2: no new connections to it"
lb remove web 10.202.2.2 80 || fail "remove"
shares 600 3 0 3

echo "every server quiesced: the sorry server answers, then steps back"
lb weight web 10.202.1.2 80 0 && lb weight web 10.202.3.2 80 0 ||
	fail "quiesce all"
count 30
[ "$c_sorry" = 30 ] || fail "sorry server got $c_sorry of 30"
lb weight web 10.202.1.2 80 3 && lb weight web 10.202.3.2 80 3 ||
	fail "restore"
shares 60 3 0 3
[ "$c_sorry" = 0 ] || fail "sorry server still used"

echo "a change that cannot apply is refused, state kept"
lb weight web 10.202.9.9 80 1 && fail "weight of an unknown server accepted"
shares 60 3 0 3

echo "other tables untouched; clear removes shoal's services"
ip netns exec "$R" nft list table ip keep >"$tmp/keep.after"
cmp -s "$tmp/keep.before" "$tmp/keep.after" || fail "table ip keep changed"
lb clear || fail "clear"
ip netns exec "$R" nft list table inet shoal | grep -q "10.201.0.100" &&
	fail "service still in table inet shoal after clear"
ip netns exec "$R" nft list table ip keep >"$tmp/keep.after"
cmp -s "$tmp/keep.before" "$tmp/keep.after" || fail "table ip keep changed"

# lbctl ends cleanly (under the sanitizers: no leak, no error)
echo quit >&7
exec 7>&-
wait $lbpid
rc=$?
[ $rc = 0 ] || fail "lbctl exited with status $rc"

echo "the golden rulesets load into a real kernel"
# BASE.nft replaces shoal's tables; each BASE-CHANGE.nft goes on top of it
# (the direct-routing ones name the interface c0, which $R has)
for f in "${SHOAL_FIXTURES:-${top_srcdir:-.}/tests/fixtures}"/nft/*.nft; do
	case ${f##*/} in *-*) continue ;; esac
	ip netns exec "$R" nft -f "$f" || fail "nft rejects $f"
	for u in "${f%.nft}"-*.nft; do
		[ -f "$u" ] || continue
		ip netns exec "$R" nft -f "$f" || fail "nft rejects $f"
		ip netns exec "$R" nft -f "$u" || fail "nft rejects $u"
	done
done
cmp -s "$tmp/keep.before" <(ip netns exec "$R" nft list table ip keep) ||
	fail "table ip keep changed"
echo "PASS"
exit 0
