#!/bin/bash
# pulse_control.sh - who may use pulse's control socket (SO_PEERCRED).
#
# The run directory belongs to a group, as /run/shoal is root:shoal, and
# the socket takes it.  A non-root member of that group (supplementary or
# primary group) gets status but is refused reload, fos-failed and server,
# and a refused reload changes nothing; a caller outside the group is
# refused even status, also when the socket file's mode would let it
# connect; root may do everything; every refusal is logged.  Other users
# are played with setpriv(1) and numeric ids, so no account is created.
# SKIP (77) when not root, without netns, setpriv or python3.
set -u
NS_PREFIX=sk$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }

USR=64101	# a uid that is not root
GRP=64102	# the socket's group (shoal's, once installed)
OTHER=64103	# some other group

VIP=10.233.0.100
ns_switch
ns_host n1 10.233.0.11/24
config() {	# config KEEPALIVE
	cat <<CF
service = lvs
network = direct
keepalive = $1
deadtime = 0.8
node n1 {
    address = 10.233.0.11
    priority = 200
}
node n2 {
    address = 10.233.0.12
    priority = 100
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     server r1 {
         address = 10.233.0.21
         active = 1
     }
}
CF
}
config 0.2 >"$NS_TMP/n1.cf"
pl_db n1 "$NS_TMP/n1.cf"
run=$NS_TMP/run-n1
sock=$run/pulse.sock
mkdir -p "$run"
chgrp "$GRP" "$run"
chmod 0750 "$run"
chmod 0711 "$NS_TMP"		# others may reach the run directory
pl_start n1
ns_wait_for 5 pl_role_is n1 active || pl_fail "n1 not active"
[ "$(stat -c %g:%a "$sock")" = "$GRP:660" ] ||
	pl_fail "the socket is $(stat -c %g:%a "$sock"), not $GRP:660"

member() {	# member CMD...: CMD as uid USR with GRP as supplementary group
	setpriv --reuid=$USR --regid=$OTHER --groups=$GRP -- "$@"
}
primary() {	# primary CMD...: CMD as uid USR with GRP as primary group
	setpriv --reuid=$USR --regid=$GRP --clear-groups -- "$@"
}
stranger() {	# stranger CMD...: CMD as uid USR outside GRP
	setpriv --reuid=$USR --regid=$OTHER --clear-groups -- "$@"
}
ctl_as() {	# ctl_as WHO LINE: one raw request as WHO, the JSON reply
	"$1" /usr/bin/python3 - "$sock" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
print(out.decode().strip())
PY
}
status_as() {	# status_as WHO: shoalctl status --json as WHO
	"$1" "$SHOALCTL" status --json --rundir "$run" 2>&1
}

# members read the status
for who in member primary; do
	out=$(status_as $who) || pl_fail "$who: status refused: $out"
	echo "$out" | grep -q '"role": "active"' ||
		pl_fail "$who: no role in the status: $out"
done
pl_ok "the socket's group (supplementary and primary) reads the status"

# ... but change nothing: a new generation waits in the database
config 0.3 >"$NS_TMP/n1-g2.cf"
"$SHOALCTL" --db "$NS_TMP/n1.db" config import "$NS_TMP/n1-g2.cf" \
	>/dev/null || pl_fail "import of generation 2"
for who in member primary; do
	out=$($who "$SHOALCTL" reload --rundir "$run" 2>&1)
	rc=$?
	[ $rc = 2 ] || pl_fail "$who: reload exited $rc, not 2: $out"
	echo "$out" | grep -q "permission denied: reload .*root only" ||
		pl_fail "$who: reload refusal unclear: $out"
done
[ "$(pl_field n1 "s['generation']")" = 1 ] ||
	pl_fail "a refused reload changed the generation"
for line in "fos-failed web" "fos-ok web" "server drain web r1"; do
	out=$(ctl_as member "$line") || pl_fail "member: $line: no answer"
	echo "$out" | grep -q '"denied": *true' ||
		pl_fail "member: $line was not refused: $out"
done
pl_role_is n1 active || pl_fail "refused requests changed the role"
pl_ok "members are refused reload, fos-failed, fos-ok and server"

# outside the group: the socket file already keeps it out ...
out=$(status_as stranger) && pl_fail "stranger read the status: $out"
echo "$out" | grep -q "permission denied" ||
	pl_fail "stranger: refusal unclear: $out"
# ... and so does pulse when the modes would let it in
chmod 0755 "$run"
chmod 0666 "$sock"
out=$(status_as stranger) && pl_fail "stranger read the status: $out"
echo "$out" | grep -q "neither root nor in the control socket's group" ||
	pl_fail "stranger: pulse's refusal unclear: $out"
# a request with a body is refused before pulse reads (buffers) the body:
# the answer comes although the announced 100000 bytes never do
out=$(ctl_as stranger "preview 100000") || pl_fail "stranger: preview: no answer"
echo "$out" | grep -q '"denied": *true' ||
	pl_fail "stranger: preview was not refused before its body: $out"
chmod 0660 "$sock"
chmod 0750 "$run"
pl_ok "outside the group even status is refused, by the file and by pulse"

grep -q "control socket: reload refused to pid [0-9]*: permission denied" \
	"$NS_TMP/pulse-n1.log" || pl_fail "refused reload not logged"
grep -q "control socket: status refused to pid" "$NS_TMP/pulse-n1.log" ||
	pl_fail "refused status not logged"
pl_ok "refusals are logged"

# root does what members may not
out=$("$SHOALCTL" reload --rundir "$run" 2>&1) || pl_fail "root: $out"
[ "$(pl_field n1 "s['generation']")" = 2 ] ||
	pl_fail "root's reload did not load generation 2"
pl_ok "root reloads: generation 2"
exit 0
