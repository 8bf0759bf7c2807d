#!/bin/bash
# web_ops.sh - shoal-web's operations against a real two-node pulse
# cluster in network namespaces (n1 active, n2 backup; VIP 10.236.0.100):
#
#  - GET /metrics (shoal-web on n2's control socket, running as nobody):
#    401 without a token, with a wrong one, with a session cookie alone
#    and on a shoal-web started without --metrics-token-file; with the
#    token, pulse's families and shoal-web's own, passing `promtool check
#    metrics`; scraped during a fail-over (n1's pulse killed) it shows n2
#    go from backup to active and n1's peer go down.
#  - the operations API, logged in as admin, on n2 (active after that):
#    a drain of r1 without the CSRF token is refused, with it reaches
#    n1's pulse too (cluster-wide, the same command as `shoalctl server
#    drain`); unknown names 404, a bad state 400; standby/resume of n1;
#    pulse's events (recent and the SSE stream) carry the drain with its
#    author; a drill (202, then GET /drills until done) hands the VIP to
#    n1 and back and shows in pulse's history.
#
# SKIP (77) when not root, without netns, promtool, curl or user nobody.
set -u
NS_PREFIX=sw$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
command -v promtool >/dev/null || { echo "SKIP: no promtool (prometheus)"; exit 77; }
getent passwd nobody >/dev/null || { echo "SKIP: no user nobody"; exit 77; }
SHOAL_WEB=$top_builddir/shoal-web
[ -x "$SHOAL_WEB" ] || { echo "SKIP: shoal-web not built"; exit 77; }

VIP=10.236.0.100
ns_switch
ns_host c  10.236.0.10/24
ns_host n1 10.236.0.11/24
ns_host n2 10.236.0.12/24
cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
keepalive = 0.2
deadtime = 1
preempt = 0
network = direct
node n1 {
    address = 10.236.0.11
    priority = 200
}
node n2 {
    address = 10.236.0.12
    priority = 100
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     server r1 {
         address = 10.236.0.11
         active = 1
     }
     server r2 {
         address = 10.236.0.12
         active = 1
     }
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"
# n2's control socket is in its run directory's group: nobody's, so
# that shoal-web (as nobody) may read it, as the shoal group does when
# installed
mkdir -p "$NS_TMP/run-n2"
chgrp nogroup "$NS_TMP/run-n2"
chmod 750 "$NS_TMP/run-n2"
chmod 755 "$NS_TMP"
pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 is not active"
pl_start n2
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 is not backup"

# ---- shoal-web on n2's database and control socket ----
web=$NS_TMP/web
mkdir -p "$web"
cp "$NS_TMP/n2.db" "$web/web.db"
echo web-password-1 | "$SHOALCTL" --db "$web/web.db" passwd admin \
	--password-stdin >/dev/null || pl_fail "passwd"
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$token" >"$web/token"
chmod 600 "$web/token"		# read as root, before shoal-web drops to nobody
chown -R nobody "$web"
chown root "$web/token"
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
start_web() {	# start_web PORT LOG [ARGS...]
	local port=$1 log=$2
	shift 2
	"$SHOAL_WEB" --db "$web/web.db" --listen "127.0.0.1:$port" \
		--rundir "$NS_TMP/run-n2" --www "$top_srcdir/www" --user nobody \
		-n "$@" 2>"$log" &
	NS_PIDS+=("$!")
	ns_wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$port/" ||
		pl_fail "shoal-web on $port did not start: $(cat "$log")"
}
port=$(free_port)
url=http://127.0.0.1:$port
start_web "$port" "$web/err" --metrics-token-file "$web/token"

# a token file others may read is refused, naming it
chmod 604 "$web/token"
if "$SHOAL_WEB" --db "$web/web.db" --metrics-token-file "$web/token" -n -t \
	>"$web/t.out" 2>&1 || ! grep -q "token.*others may read" "$web/t.out"; then
	pl_fail "a token file others may read was taken: $(cat "$web/t.out")"
fi
chmod 600 "$web/token"

# status CURL-ARGS...: the HTTP status of GET /metrics
status() {
	curl -s -o "$web/body" -w '%{http_code}' "$@" "$url/metrics"
}
[ "$(status)" = 401 ] || pl_fail "/metrics without a token: $(status)"
curl -s -D - -o /dev/null "$url/metrics" | grep -qi '^WWW-Authenticate: Bearer' ||
	pl_fail "no WWW-Authenticate: Bearer on the 401"
[ "$(status -H "Authorization: Bearer ${token}x")" = 401 ] ||
	pl_fail "/metrics with a longer wrong token"
# (its last hex digit changed: to 0, or to 1 when it is 0 already)
wrong=${token%?}$([ "${token: -1}" = 0 ] && echo 1 || echo 0)
[ "$(status -H "Authorization: Bearer $wrong")" = 401 ] ||
	pl_fail "/metrics with a wrong token of the same length"
[ "$(status -H "Authorization: Basic $token")" = 401 ] ||
	pl_fail "/metrics with the token as Basic"
grep -q shoal_ "$web/body" && pl_fail "a refused scrape shows metrics"
head=$(curl -s -D - -o "$web/login" -H 'Content-Type: application/json' \
	-d '{"user":"admin","password":"web-password-1"}' "$url/api/v1/login")
cookie=$(sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p' <<<"$head")
[ -n "$cookie" ] || pl_fail "login: $head"
csrf=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf"])' "$web/login")
[ "$(status -b "$cookie")" = 401 ] || pl_fail "/metrics with a session alone"
pl_ok "/metrics: 401 without the token, with wrong ones, as Basic, with a session alone"

scrape() {	# scrape FILE: /metrics with the token into FILE
	[ "$(curl -s -o "$1" -w '%{http_code}' \
		-H "Authorization: Bearer $token" "$url/metrics")" = 200 ]
}
scrape "$web/m-before.txt" || pl_fail "/metrics with the token"
for f in 'shoal_node_role{role="backup"} 1' 'shoal_web_pulse_up 1' \
	'shoal_web_push_results_total{outcome="ok"} 0' \
	'shoal_web_config_generation 1'; do
	grep -qxF "$f" "$web/m-before.txt" ||
		pl_fail "before: no '$f' in $(grep -E 'role|shoal_web' "$web/m-before.txt")"
done

# ---- the fail-over, scraped every 50 ms until n2 says active ----
kill -KILL "$(pl_parent n1)" "$(pl_worker n1)" 2>/dev/null
t0=$(date +%s%3N)
i=0
while :; do
	i=$((i + 1))
	[ "$i" -le 400 ] || pl_fail "n2 never active in /metrics"
	scrape "$web/m-$i.txt" || pl_fail "scrape $i failed"
	grep -qxF 'shoal_node_role{role="active"} 1' "$web/m-$i.txt" && break
	sleep 0.05
done
after=$web/m-$i.txt
echo "n2 active in scrape $i, $(( $(date +%s%3N) - t0 )) ms after n1's death"
grep -qxF 'shoal_role_transitions_total{to="active"} 0' "$web/m-before.txt" ||
	pl_fail "before: $(grep transition "$web/m-before.txt")"
grep -qxF 'shoal_role_transitions_total{to="active"} 1' "$after" ||
	pl_fail "the transition not counted: $(grep transition "$after")"
grep -qE '^shoal_peer_up\{peer="n1"\} 0$' "$after" ||
	pl_fail "n1 not down in the scrape: $(grep peer_up "$after")"
for f in "$web/m-before.txt" "$after"; do
	promtool check metrics <"$f" >"$f.lint" 2>&1 ||
		pl_fail "promtool on $f: $(cat "$f.lint")"
done
pl_ok "/metrics during the fail-over: backup -> active after $i scrapes, n1 down; promtool passes"

# ---- the operations API (n2 active, n1 back as backup) ----
pl_start n1
ns_wait_for 10 pl_role_is n1 backup || pl_fail "n1 did not come back as backup"
# api METHOD PATH [BODY]: the status code; the body in $web/out
api() {
	local body=()
	[ $# -ge 3 ] && body=(-H 'Content-Type: application/json' -d "$3")
	curl -s -o "$web/out" -w '%{http_code}' -X "$1" -b "$cookie" \
		-H "X-CSRF-Token: $csrf" "${body[@]}" "$url$2"
}
# jq_py EXPR: a python3 expression on j (the last answer) is true
jq_py() {
	python3 -c "import json, sys; j = json.load(open('$web/out')); sys.exit(0 if ($1) else 1)"
}
RS1=/api/v1/virtual-servers/web/real-servers/r1/maintenance
code=$(curl -s -o "$web/out" -w '%{http_code}' -b "$cookie" \
	-H 'Content-Type: application/json' -d '{"state":"drain"}' "$url$RS1")
[ "$code" = 403 ] || pl_fail "a drain without the CSRF token: $code"
[ "$(api POST "$RS1" '{"state":"drain"}')" = 200 ] ||
	pl_fail "drain r1: $(cat "$web/out")"
drained_on_n1() {
	"$SHOALCTL" maint --json --rundir "$NS_TMP/run-n1" | python3 -c '
import json, sys
m = json.load(sys.stdin)
sys.exit(0 if [e for e in m["entries"] if e.get("server") == "r1" and
    e["state"] == "drain" and e["by"] == "web:admin"] else 1)'
}
ns_wait_for 10 drained_on_n1 || pl_fail "the drain did not reach n1"
[ "$(api GET /api/v1/maintenance)" = 200 ] && jq_py '[e for e in j["entries"] if e.get("server") == "r1" and e["state"] == "drain"]' ||
	pl_fail "GET /maintenance: $(cat "$web/out")"
[ "$(api POST /api/v1/virtual-servers/web/real-servers/nope/maintenance '{"state":"drain"}')" = 404 ] ||
	pl_fail "drain of an unknown server: $(cat "$web/out")"
[ "$(api POST "$RS1" '{"state":"sleep"}')" = 400 ] && jq_py 'j["errors"][0]["field"] == "state"' ||
	pl_fail "a bad state: $(cat "$web/out")"
[ "$(api POST "$RS1" '{"state":"enable","x":1}')" = 400 ] ||
	pl_fail "an unknown field: $(cat "$web/out")"
pl_ok "drain through the API: CSRF checked, reaches n1 (by web:admin), bad names and states refused"

[ "$(api POST /api/v1/nodes/n1/maintenance '{"state":"standby"}')" = 200 ] ||
	pl_fail "standby n1: $(cat "$web/out")"
ns_wait_for 10 eval '[ "$(pl_field n1 "s['"'"'standby'"'"']")" = True ]' ||
	pl_fail "n1 not in standby"
[ "$(api POST /api/v1/nodes/nope/maintenance '{"state":"standby"}')" = 404 ] ||
	pl_fail "standby of an unknown node: $(cat "$web/out")"
[ "$(api POST /api/v1/nodes/n1/maintenance '{"state":"resume"}')" = 200 ] ||
	pl_fail "resume n1: $(cat "$web/out")"
ns_wait_for 10 eval '[ "$(pl_field n1 "s['"'"'standby'"'"']")" = False ]' ||
	pl_fail "n1 still in standby"
pl_ok "standby and resume of n1 through the API"

has_drain_event() {
	[ "$(api GET /api/v1/events)" = 200 ] && jq_py '[e for e in j["events"] if e["kind"] == "maint" and e["name"] == "web/r1" and e["state"] == "drain" and e["by"] == "web:admin"]'
}
ns_wait_for 10 has_drain_event || pl_fail "no drain in /events: $(cat "$web/out")"
curl -s -N --max-time 2 -b "$cookie" "$url/api/v1/events/stream" >"$web/sse" 2>/dev/null
grep -q '^data: {.*"kind":"maint".*"state":"standby"' "$web/sse" ||
	pl_fail "no standby event in the stream: $(head -c 600 "$web/sse")"
pl_ok "pulse's events through the API, recent and streamed"

[ "$(api POST /api/v1/drills)" = 202 ] || pl_fail "drill: $(cat "$web/out")"
drill_done() {
	[ "$(api GET /api/v1/drills)" = 200 ] && jq_py 'not j["running"] and j["last"] is not None'
}
ns_wait_for 60 drill_done || pl_fail "the drill did not end: $(cat "$web/out")"
jq_py 'j["last"]["ok"] and j["last"]["from"] == "n2" and j["last"]["to"] == "n1" and j["drills"][0]["by"] == "web:admin"' ||
	pl_fail "drill result: $(cat "$web/out")"
ns_wait_for 10 pl_role_is n2 active || pl_fail "n2 did not get the VIP back"
pl_ok "drill through the API: n2 -> n1 -> n2, in pulse's history"

# ---- without --metrics-token-file, /metrics is off ----
port2=$(free_port)
start_web "$port2" "$web/err2"
code=$(curl -s -o "$web/body" -w '%{http_code}' \
	-H "Authorization: Bearer $token" "http://127.0.0.1:$port2/metrics")
[ "$code" = 401 ] || pl_fail "/metrics without a configured token: $code"
pl_ok "/metrics is 401 for everyone without --metrics-token-file"
exit 0
