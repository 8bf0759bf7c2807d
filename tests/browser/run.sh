#!/bin/bash
# tests/browser/run.sh - the browser tests: starts a real shoal-web on a
# loopback port with a fresh database and drives it with headless Chromium.
# Exit 77 (SKIP) when chromium, node or playwright-core are not available.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
top_builddir=${top_builddir:-$top_srcdir}
web=$top_builddir/shoal-web
ctl=$top_builddir/shoalctl

[ -x /usr/bin/chromium ] || { echo "SKIP: /usr/bin/chromium missing (apt-get install chromium)"; exit 77; }
command -v node >/dev/null || { echo "SKIP: node missing (apt-get install nodejs npm)"; exit 77; }
[ -x "$web" ] && [ -x "$ctl" ] || { echo "SKIP: shoal-web or shoalctl not built"; exit 77; }
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm ci --no-audit --no-fund >/dev/null 2>&1) ||
		{ echo "SKIP: npm ci failed (no registry access?)"; exit 77; }
fi

tmp=$(mktemp -d /tmp/shoal-browser-XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Two nodes on loopback; nothing listens on the peer's SSH port, so a
# push fails there (and contacts nothing but 127.0.0.0/8).
peer_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/base.cf" <<CF
serial_no = 1
service = lvs
primary = 127.0.0.1
node self {
	address = 127.0.0.1
	priority = 200
}
node peer {
	address = 127.0.0.2
	priority = 100
	ssh_port = $peer_port
}
CF
pass=browser-pass-1
"$ctl" --db "$tmp/shoal.db" config import "$tmp/base.cf" >/dev/null || exit 1
echo "$pass" | "$ctl" --db "$tmp/shoal.db" passwd admin --password-stdin >/dev/null || exit 1
echo "$pass" | "$ctl" --db "$tmp/shoal.db" user add watcher --role viewer \
	--password-stdin >/dev/null || exit 1
echo "shoal-web browser test started" >"$tmp/shoal.log"
mkdir -p "$tmp/run"
user=()
if [ "$(id -u)" = 0 ]; then
	chown -R nobody "$tmp" && user=(--user nobody)
fi

for try in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	"$web" --db "$tmp/shoal.db" --listen "127.0.0.1:$port" --rundir "$tmp/run" \
		--log "$tmp/shoal.log" --www "$top_srcdir/www" -n "${user[@]}" \
		2>"$tmp/web.err" &
	pid=$!
	for i in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$port/login.html" && break 2
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=
done
[ -n "$pid" ] || { echo "shoal-web did not start"; cat "$tmp/web.err"; exit 1; }

shots=${SHOTS:-$here/screenshots}
mkdir -p "$shots" 2>/dev/null && [ -w "$shots" ] || shots=$top_builddir/tests/browser/screenshots
SHOAL_URL=http://127.0.0.1:$port SHOAL_LOG=$tmp/shoal.log SHOAL_USER=admin \
SHOAL_PASS=$pass SHOAL_VIEWER=watcher SHOAL_RUNDIR=$tmp/run SHOTS=$shots timeout 600 node "$here/ui.test.mjs"
rc=$?
# shoal-web must also shut down cleanly (no crash or sanitizer report)
kill "$pid" 2>/dev/null
wait "$pid"
wrc=$?
pid=
if [ $wrc != 0 ]; then
	echo "not ok - shoal-web exited with status $wrc"
	rc=1
fi
[ $rc = 0 ] || { echo "--- shoal-web stderr"; tail -30 "$tmp/web.err"; }
exit $rc
