# tests/integration/lib/pulse_lib.sh - running pulse clusters in network
# namespaces (bash; source after lib/netns.sh).
#
#   pl_init                   # binaries, or exit 77 when not built
#   pl_db NODE FILE.cf        # NODE's database from an lvs.cf
#   pl_start NODE [ARGS...]   # pulse -n for NODE in its namespace
#   pl_status NODE            # `shoalctl status --json` of NODE
#   pl_field NODE EXPR        # one value out of the status (python3 expr
#                             # on `s`, e.g. "s['role']")
#   pl_worker NODE            # the worker's pid
#   pl_fail MSG               # print NODE logs and exit 1

pl_init() {
	PULSE=${top_builddir:?}/src/pulse/pulse
	SHOALCTL=$top_builddir/shoalctl
	[ -x "$PULSE" ] && [ -x "$SHOALCTL" ] || {
		echo "SKIP: pulse or shoalctl not built"; exit 77; }
	command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
	[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
	declare -gA PL_PID=()
	# pulse alone: no service checks unless a test asks for a nanny (an
	# installed nanny found on PATH would check the fixtures' services)
	export SHOAL_NANNY=${SHOAL_NANNY:-none}
}

# pl_db NODE FILE: NODE's database from FILE.  A file without
# heartbeat_key gets the same test key on every node (an import alone
# would give each database its own random key).
pl_db() {
	local cf=$2
	rm -f "$NS_TMP/$1.db"
	if ! grep -q '^[[:space:]]*heartbeat_key' "$2"; then
		cf="$NS_TMP/$1-keyed.cf"
		{ echo 'heartbeat_key = "pulse_lib shared test key"'
		  cat "$2"; } >"$cf"
	fi
	"$SHOALCTL" --db "$NS_TMP/$1.db" config import "$cf" >/dev/null ||
		pl_fail "import of $2 for $1 failed"
}

pl_start() {
	local node=$1
	shift
	mkdir -p "$NS_TMP/run-$node"
	ns_spawn "$node" "$NS_TMP/pulse-$node.log" "$PULSE" -n -v \
		--db "$NS_TMP/$node.db" --rundir "$NS_TMP/run-$node" "$@"
	PL_PID[$node]=$NS_LAST_PID
	ns_wait_for 10 test -S "$NS_TMP/run-$node/pulse.sock" ||
		pl_fail "pulse on $node did not open its control socket"
}

pl_status() {
	"$SHOALCTL" status --json --rundir "$NS_TMP/run-$1" 2>/dev/null
}

pl_field() {
	pl_status "$1" | /usr/bin/python3 -c \
		"import json,sys; s=json.load(sys.stdin); print($2)" 2>/dev/null
}

pl_worker() {
	# `ip netns exec` execs pulse, so the spawned pid is the supervisor
	# and its only child the worker
	pgrep -P "${PL_PID[$1]}" 2>/dev/null | head -1
}

# pl_parent NODE: the supervisor's pid (ip netns exec execs pulse)
pl_parent() {
	echo "${PL_PID[$1]}"
}

pl_role_is() {
	[ "$(pl_field "$1" "s['role']")" = "$2" ]
}

# pl_answers CLIENT VIP NODE: the VIP answers from NODE
pl_answers() {
	[ "$(ns_get "$1" "http://$2/")" = "$3" ]
}

pl_fail() {
	local f
	echo "FAIL: $*"
	for f in "$NS_TMP"/pulse-*.log; do
		[ -f "$f" ] || continue
		echo "---- $f"
		tail -n 40 "$f"
	done
	exit 1
}

pl_ok() {
	echo "ok: $*"
}
