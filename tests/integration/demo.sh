#!/bin/bash
# demo.sh - scripts/demo end to end, with the binaries of this build:
# the VIP answers from the client (over every real server), the web UI
# answers, a second `scripts/demo` says it is running, failing the active
# router keeps the VIP answering, shoal-web shows pulse's live state
# (roles, real servers up) without reading the routers' databases,
# `scripts/demo stop` twice leaves no
# shoal-demo-* namespace, process, veth or state, and so does a stop after
# a crash (daemons killed with SIGKILL).
#
# The demo's names are fixed (shoal-demo-*, /run/shoal-demo), so this test
# skips when a demo is already running rather than touch it.
set -u
src=${top_srcdir:?run from make check}
build=${top_builddir:?run from make check}
demo=$src/scripts/demo
STATE=/run/shoal-demo

[ "${SHOAL_SKIP_SLOW:-0}" = 1 ] && { echo "SKIP: SHOAL_SKIP_SLOW=1"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "SKIP: ip netns unavailable"; exit 77; }
for t in curl python3 ssh-keygen; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
[ -x /usr/sbin/sshd ] || { echo "SKIP: openssh-server is not installed"; exit 77; }
for p in src/pulse/pulse shoal-web shoalctl; do
	[ -x "$build/$p" ] || { echo "SKIP: $p is not built in this tree (yet)"; exit 77; }
done
if [ -d "$STATE" ] || ip netns list | grep -q '^shoal-demo-'; then
	echo "SKIP: a shoal demo is running on this machine"
	exit 77
fi

port=3636
if ss -Hltn "sport = :$port" | grep -q .; then
	port=$((20000 + $$ % 20000))
	echo "# 127.0.0.1:3636 is busy here; the demo's web UI uses port $port"
fi
export SHOAL_DEMO_BUILDDIR=$build SHOAL_DEMO_WEB_PORT=$port

cleanup() {
	"$demo" stop >/dev/null 2>&1
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$STATE/log/shoal.log" ] && tail -30 "$STATE/log/shoal.log"
	exit 1
}

# wait_for SECONDS COMMAND...: polls every 0.2 s until the time is up.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
vip() { ip netns exec shoal-demo-client curl -s -m 1 http://10.99.0.100/; }
vip_ok() { vip | grep -q '^shoal-demo-rs[123]$'; }

# Nothing of the demo is left: namespaces, processes, veth, state.
nothing_left() {
	local p
	ip netns list | grep '^shoal-demo-' && fail "$1: namespaces left"
	local cmd
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case $cmd in *"$STATE"*)
			fail "$1: process ${p#/proc/} left: $cmd" ;;
		esac
	done
	ip link show shoal-demo0 >/dev/null 2>&1 && fail "$1: veth shoal-demo0 left"
	[ -e "$STATE" ] && fail "$1: $STATE left"
	return 0
}

echo "# scripts/demo"
out=$("$demo" 2>&1) || { rc=$?; echo "$out"; fail "scripts/demo exited $rc"; }
echo "$out"
grep -q 'password' <<<"$out" || fail "no admin password printed"
grep -q 'ip netns exec shoal-demo-client curl' <<<"$out" ||
    fail "no instructions to send traffic"

wait_for 20 vip_ok || fail "the VIP does not answer from the client"
# a real server joins after its first good check(s) (rise = 2 at 1 s):
# some may still be on their way when the first one answers
three_servers() {
	local i
	seen=
	for ((i = 0; i < 12; i++)); do
		seen+=$(vip)$'\n'
	done
	n=$(sort -u <<<"$seen" | grep -c '^shoal-demo-rs')
	[ "$n" = 3 ]
}
wait_for 10 three_servers ||
	fail "12 requests reached $n real servers, not 3: $seen"
echo "ok: VIP answers from the client, over the three real servers"

code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$port/")
[ "$code" = 200 ] || fail "web UI on 127.0.0.1:$port answered $code"
echo "ok: web UI answers on 127.0.0.1:$port"

# Push from the UI: log in, change the scheduler (a new generation), push,
# and both routers' databases (reached through their sshd) hold it.
api=http://127.0.0.1:$port/api/v1
jar=$(mktemp /tmp/sd$$.XXXXXX)
trap 'rm -f "$jar"; cleanup' EXIT
pw=$(cat "$STATE/admin-password")
login=$(curl -s -m 5 -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"user\":\"admin\",\"password\":\"$pw\"}" "$api/login")
csrf=$(sed -n 's/.*"csrf": *"\([0-9a-f]*\)".*/\1/p' <<<"$login")
[ -n "$csrf" ] || fail "login with the printed password: $login"
post() {
	curl -s -m 5 -b "$jar" -X "$1" -H "X-CSRF-Token: $csrf" \
	    -H 'Content-Type: application/json' -d "$3" "$api$2"
}
# The Monitoring page's live state: shoal-web (user shoal) asks r1's pulse
# over its control socket, and sees r1 ACTIVE, r2 BACKUP and the three
# real servers up, not "pulse not running" (a socket it may not open).
status=
live_state() {
	status=$(curl -s -m 5 -b "$jar" "$api/status")
	python3 -c '
import json, sys
s = json.loads(sys.argv[1])
p = s.get("pulse") or {}
assert s.get("pulse_running") is True, s.get("pulse_error")
assert p.get("node") == "r1" and p.get("role", "").upper() == "ACTIVE", p.get("role")
peers = {x["name"]: x["state"].upper() for x in p.get("peers", [])}
assert peers.get("r2") == "BACKUP", peers
vs = [v for v in p.get("virtual_services", []) if v["name"] == "web"]
up = [r["name"] for r in vs[0]["servers"] if r["health"] == "up"]
assert sorted(up) == ["rs1", "rs2", "rs3"], up
' "$status"
}
wait_for 20 live_state || fail "shoal-web shows no live state from pulse: $(
	live_state 2>&1 | tail -1): $(head -c 600 <<<"$status")"
echo "ok: shoal-web shows pulse's live state (r1 ACTIVE, r2 BACKUP, 3 servers up)"
perm=$(stat -c '%a %U' "$STATE/r1" "$STATE/r2" | sort -u)
[ "$perm" = "700 root" ] || fail "the routers' directories are $perm, not 700 root"
for n in r1 r2; do
	su -s /bin/sh shoal -c "cat $STATE/$n/shoal.db" >/dev/null 2>&1 &&
	    fail "the web user can read $n's database (heartbeat_key)"
done
echo "ok: the web user cannot read the routers' databases"

r=$(post PUT /virtual-servers/web '{"scheduler": "wrr"}')
gen=$(sed -n 's/.*"generation": *\([0-9]*\).*/\1/p' <<<"$r")
[ -n "$gen" ] || fail "changing the virtual server: $r"
r=$(post POST /push '{}')
id=$(sed -n 's/.*"id": *"\([0-9]*\)".*/\1/p' <<<"$r")
[ -n "$id" ] || fail "starting a push: $r"
for ((i = 0; i < 60; i++)); do
	r=$(curl -s -m 5 -b "$jar" "$api/push/$id")
	grep -q '"done": *true' <<<"$r" && break
	sleep 0.5
done
grep -q '"ok": *true' <<<"$r" || fail "push from the UI: $r"
for n in r1 r2; do
	cur=$("$STATE/bin/shoalctl" --db "$STATE/$n/shoal.db" config current)
	grep -q "generation=$gen " <<<"$cur" || fail "$n has $cur, not generation $gen"
done
echo "ok: a push from the UI reaches both routers over SSH (generation $gen)"

out=$("$demo" 2>&1) || fail "second scripts/demo exited $?"
grep -q 'already running' <<<"$out" || fail "second run does not say running: $out"
echo "ok: a second scripts/demo says it is running"

"$demo" fail r1 || fail "scripts/demo fail r1"
# r2 took the VIP over (not merely r1 still answering before it noticed)
r2_holds() { ip -n shoal-demo-r2 -o addr show | grep -q ' 10\.99\.0\.100/'; }
wait_for 15 r2_holds || fail "r2 did not take the VIP over after r1 failed"
wait_for 15 vip_ok || fail "the VIP does not answer after r1 failed"
"$demo" recover r1 || fail "scripts/demo recover r1"
wait_for 15 vip_ok || fail "the VIP does not answer after r1 came back"
echo "ok: the VIP keeps answering when the active router fails"

"$demo" stop || fail "scripts/demo stop"
nothing_left "after stop"
"$demo" stop || fail "second scripts/demo stop"
nothing_left "after a second stop"
echo "ok: stop twice leaves nothing"

# a crash: every recorded daemon killed at once, then stop
"$demo" >/dev/null 2>&1 || fail "scripts/demo (again)"
for f in "$STATE"/pids/*; do
	read -r pid _ <"$f" && kill -KILL "$pid" 2>/dev/null
done
"$demo" stop || fail "scripts/demo stop after a crash"
nothing_left "after a crash and stop"
echo "ok: stop after a crash leaves nothing"
exit 0
