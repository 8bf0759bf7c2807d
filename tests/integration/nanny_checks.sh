#!/bin/bash
# nanny_checks.sh - the real nanny binary against responders on loopback
# addresses: every check kind sees a real failure (closed port, wrong
# reply, HTTP 500, failing program, agent "down") and the recovery after
# `rise` good checks; a fail-over service; Piranha's signals; -t and bad
# arguments.  Reads nanny's report lines from its stdout.
# Needs no root: only 127.x.y.z addresses (lo answers all of 127/8).
set -u

: "${top_builddir:?run through make check}"
nanny=$top_builddir/nanny
shoalctl=$top_builddir/shoalctl
responder=$top_builddir/tests/integration/nanny_responder
for b in "$nanny" "$shoalctl" "$responder"; do
	[ -x "$b" ] || { echo "FAIL: $b not built"; exit 1; }
done

# Addresses unique to this run so parallel runs never collide.
net=127.$((100 + $$ % 100)).$((1 + ($$ / 100) % 250))
work=$(mktemp -d /tmp/nanny_checks.XXXXXX) || exit 1
declare -A pids=()
failures=0

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf -- "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# start NAME PROGRAM ARGS...: runs it in the background, stdout in
# $work/NAME.out, stderr in $work/NAME.err.
start() {
	local name=$1
	shift
	"$@" >"$work/$name.out" 2>"$work/$name.err" &
	pids[$name]=$!
}

stop() {
	local name=$1
	[ -n "${pids[$name]:-}" ] || return 0
	kill "${pids[$name]}" 2>/dev/null
	wait "${pids[$name]}" 2>/dev/null
	unset "pids[$name]"
}

# wait_for FILE REGEX [COUNT]: until FILE has COUNT lines matching REGEX
# (default 1), polling every 0.1 s for at most 15 s.
wait_for() {
	local file=$1 re=$2 want=${3:-1} i n
	for ((i = 0; i < 150; i++)); do
		n=$(grep -Ec -- "$re" "$file" 2>/dev/null)
		[ "${n:-0}" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

# resp NAME MODE REPLY ADDR PORT: (re)starts a responder and waits until
# it listens.
declare -A nset=()
resp() {
	local name=$1
	stop "$name"
	nset[$name]=0
	start "$name" "$responder" -c "$work/$name.ctl" "$2" "$3" "$4" "$5"
	wait_for "$work/$name.out" '^ready$' ||
	    fail "responder $name did not start: $(cat "$work/$name.err")"
}

# answer NAME MODE REPLY: the running responder answers so from its next
# connection on.  Its port never closes, so the next check sees exactly
# this answer (a restart would leave a window in which a check finds the
# port closed and reports "connection refused" instead).
answer() {
	local name=$1
	nset[$name]=$((${nset[$name]:-0} + 1))
	printf '%s %s\n' "$2" "$3" >"$work/$name.ctl"
	kill -HUP "${pids[$name]}"
	wait_for "$work/$name.out" '^set ' "${nset[$name]}" ||
	    fail "responder $name did not change: $(cat "$work/$name.err")"
}

# expect_report NAME COUNT REGEX WHAT: the COUNT-th report line of nanny
# NAME that matches REGEX arrives.
expect_report() {
	wait_for "$work/$1.out" "$3" "$2" || {
		fail "$4: no report matching '$3' (got:"
		sed 's/^/    /' "$work/$1.out"
		echo "  )"
	}
}

cat >"$work/lvs.cf" <<EOF
primary = 10.200.0.1
service = lvs
virtual tcpv {
    address = 10.200.1.1
    active = 1
    port = 18001
    check = tcp
    check_interval = 0.2
    check_timeout = 0.5
    rise = 2
    server t1 {
        address = $net.11
        active = 1
        weight = 2
    }
    server off {
        address = $net.99
        active = 0
    }
}
virtual expectv {
    address = 10.200.1.2
    active = 1
    port = 18002
    send = "HELO shoal\\r\\n"
    expect = "220"
    check_interval = 0.2
    check_timeout = 0.5
    rise = 2
    server e1 {
        address = $net.12
        active = 1
    }
}
virtual httpv {
    address = 10.200.1.3
    active = 1
    port = 18003
    check = http
    http_path = /health
    check_interval = 0.2
    check_timeout = 0.5
    rise = 2
    server h1 {
        address = $net.13
        active = 1
        weight = 5
    }
}
virtual progv {
    address = 10.200.1.4
    active = 1
    port = 18004
    send_program = "test -e $work/ok-%h-%p"
    check_interval = 0.2
    check_timeout = 2
    rise = 2
    server p1 {
        address = $net.14
        active = 1
    }
}
virtual agentv {
    address = 10.200.1.5
    active = 1
    port = 18005
    check = agent
    agent_port = 18105
    check_interval = 0.2
    check_timeout = 0.5
    rise = 2
    server a1 {
        address = $net.15
        active = 1
        weight = 4
    }
}
failover ftpf {
    address = $net.20
    active = 1
    port = 18006
    expect = "220"
    timeout = 0.5
}
EOF

if ! "$shoalctl" --db "$work/db" config import "$work/lvs.cf" \
    >"$work/import.out" 2>&1; then
	fail "import: $(cat "$work/import.out")"
	exit 1
fi
db=$work/db

# ---- -t and bad arguments ----
out=$("$nanny" --db "$db" --virtual tcpv -t 2>&1) ||
    fail "nanny -t: $out"
grep -q "1 server(s) to check" <<<"$out" || fail "nanny -t output: $out"
"$nanny" --db "$db" --virtual nosuch -t >/dev/null 2>"$work/err" &&
    fail "unknown virtual accepted"
grep -q "no virtual server nosuch" "$work/err" || fail "unknown virtual: no message"
"$nanny" --db "$db" >/dev/null 2>&1; [ $? -eq 2 ] || fail "no service: not a usage error"
"$nanny" --db "$work/missing.db" --virtual tcpv -t >/dev/null 2>&1 &&
    fail "missing database accepted"

# ---- start everything good ----
resp rt reply - "$net.11" 18001
resp re keep '220 mail ready\r\n' "$net.12" 18002
resp rh reply 'HTTP/1.0 200 OK\r\n\r\nok\n' "$net.13" 18003
touch "$work/ok-$net.14-18004"
resp ra reply 'up\n' "$net.15" 18105
resp rf keep '220 ftp ready\r\n' "$net.20" 18006
for v in tcpv expectv httpv progv agentv; do
	start "n_$v" "$nanny" --db "$db" --virtual "$v" -n -v
done
start n_ftpf "$nanny" --db "$db" --failover ftpf -n

expect_report n_tcpv 1 "^report tcpv t1 $net.11:18001 up 2 [0-9]+ connected$" "tcp up"
expect_report n_expectv 1 "^report expectv e1 $net.12:18002 up 1 [0-9]+ expected reply$" "expect up"
expect_report n_httpv 1 "^report httpv h1 $net.13:18003 up 5 [0-9]+ HTTP status 200$" "http up"
expect_report n_progv 1 "^report progv p1 $net.14:18004 up 1 [0-9]+ program exit 0$" "program up"
expect_report n_agentv 1 "^report agentv a1 $net.15:18005 up 4 [0-9]+ agent: up$" "agent up"
expect_report n_ftpf 1 "^report ftpf - $net.20:18006 up 1 [0-9]+ expected reply$" "failover up"
grep -q "off" "$work/n_tcpv.out" && fail "an inactive real server was checked"

# ---- each kind sees a real failure ----
stop rt
expect_report n_tcpv 1 "^report tcpv t1 .* down 0 [0-9]+ connect: Connection refused$" "tcp closed port"
answer re keep 'garbage\r\n'
expect_report n_expectv 1 "^report expectv e1 .* down 0 [0-9]+ unexpected reply \"garbage\"$" "expect wrong reply"
answer rh reply 'HTTP/1.1 500 Internal Server Error\r\n\r\n'
expect_report n_httpv 1 "^report httpv h1 .* down 0 [0-9]+ HTTP status 500$" "http 500"
rm -f "$work/ok-$net.14-18004"
expect_report n_progv 1 "^report progv p1 .* down 0 [0-9]+ program exit 1$" "program failing"
answer ra reply 'down\n'
expect_report n_agentv 1 "^report agentv a1 .* down 0 [0-9]+ agent: down$" "agent down"
answer rf hang -
expect_report n_ftpf 1 "^report ftpf - .* down 0 [0-9]+ timeout in read$" "failover hang"

# ---- and comes back after rise good checks ----
resp rt reply - "$net.11" 18001
expect_report n_tcpv 2 "^report tcpv t1 .* up 2 " "tcp recovery"
answer re keep '220 back\r\n'
expect_report n_expectv 2 "^report expectv e1 .* up 1 " "expect recovery"
answer rh reply 'HTTP/1.0 200 OK\r\n\r\n'
expect_report n_httpv 2 "^report httpv h1 .* up 5 " "http recovery"
touch "$work/ok-$net.14-18004"
expect_report n_progv 2 "^report progv p1 .* up 1 " "program recovery"
answer ra reply 'up 50%\n'
expect_report n_agentv 1 "^report agentv a1 .* up 2 [0-9]+ agent: up$" "agent recovery at 50%"
answer ra reply 'drain\n'
expect_report n_agentv 1 "^report agentv a1 .* up 0 [0-9]+ agent: drain$" "agent drain"

# ---- Piranha's signals: USR1 down, USR2 up, HUP back to checking ----
kill -USR1 "${pids[n_tcpv]}"
expect_report n_tcpv 1 "^report tcpv t1 .* down 0 [0-9]+ forced down$" "SIGUSR1"
stop rt
kill -USR2 "${pids[n_tcpv]}"
expect_report n_tcpv 1 "^report tcpv t1 .* up 2 [0-9]+ forced up$" "SIGUSR2 (port closed)"
kill -HUP "${pids[n_tcpv]}"
expect_report n_tcpv 2 "^report tcpv t1 .* down 0 [0-9]+ connect: Connection refused$" "SIGHUP"

# ---- logs keep Piranha's words; every line pulse reads is well formed ----
grep -q "\[ active \] making $net.11:18001 available" "$work/n_tcpv.err" ||
    fail "no Piranha 'making available' log line"
grep -q "\[inactive\] shutting down $net.13:18003 due to connection failure" \
    "$work/n_httpv.err" || fail "no Piranha 'shutting down' log line"
for f in "$work"/n_*.out; do
	if grep -Ev '^report [^ ]+ [^ ]+ [^ ]+:[0-9]+ (up|down) [0-9]+ [0-9]+ .+$' "$f"; then
		fail "malformed report line in $f"
	fi
done

# nanny ends on SIGTERM with Piranha's line
stop n_tcpv
grep -q "Terminating due to signal 15" "$work/n_tcpv.err" ||
    fail "no 'Terminating due to signal' line"

if [ "$failures" -gt 0 ]; then
	echo "nanny_checks: $failures failure(s)"
	exit 1
fi
echo "nanny_checks: all passed"
exit 0
