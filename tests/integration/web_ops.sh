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
[ "$(status -H "Authorization: Bearer ${token%?}0")" = 401 ] ||
	pl_fail "/metrics with a wrong token of the same length"
[ "$(status -H "Authorization: Basic $token")" = 401 ] ||
	pl_fail "/metrics with the token as Basic"
grep -q shoal_ "$web/body" && pl_fail "a refused scrape shows metrics"
head=$(curl -s -D - -o "$web/login" -H 'Content-Type: application/json' \
	-d '{"user":"admin","password":"web-password-1"}' "$url/api/v1/login")
cookie=$(sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p' <<<"$head")
[ -n "$cookie" ] || pl_fail "login: $head"
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

# ---- without --metrics-token-file, /metrics is off ----
port2=$(free_port)
start_web "$port2" "$web/err2"
code=$(curl -s -o "$web/body" -w '%{http_code}' \
	-H "Authorization: Bearer $token" "http://127.0.0.1:$port2/metrics")
[ "$code" = 401 ] || pl_fail "/metrics without a configured token: $code"
pl_ok "/metrics is 401 for everyone without --metrics-token-file"
exit 0
