#!/bin/bash
# pulse_fos.sh - a Piranha fail-over services file from the fixtures, with
# only its addresses rewritten for the namespaces, runs as is: the VIP and
# the services follow the active node, start_cmd/stop_cmd run (and are
# logged), and a "service failed here" report hands over to the peer.
set -u
NS_PREFIX=sp$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=10.235.0.80
ns_switch
ns_host c  10.235.0.10/24
ns_host n1 10.235.0.11/24
ns_host n2 10.235.0.12/24
ns_http n1
ns_http n2

sed -e 's/10\.200\.0\.1/10.235.0.11/; s/10\.200\.0\.2/10.235.0.12/' \
    -e "s/10\.200\.2\.80/$VIP/" \
    "${SHOAL_FIXTURES:-$top_srcdir/tests/fixtures}/lvscf/fos.cf" \
    >"$NS_TMP/fos.cf"
# both nodes import the file: the cluster's key is in it (an import
# would give each node a key of its own)
echo 'heartbeat_key = "pulse_fos test cluster key"' >>"$NS_TMP/fos.cf"
grep -q "start_cmd" "$NS_TMP/fos.cf" || pl_fail "fixture without start_cmd"
pl_db n1 "$NS_TMP/fos.cf"
pl_db n2 "$NS_TMP/fos.cf"
pl_start n1
pl_start n2
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "VIP does not answer from n1"
[ "$(pl_field n1 "s['mode']")" = fos ] || pl_fail "not in fos mode"
ns_wait_for 3 grep -q "start_cmd of httpd: running /usr/sbin/apachectl start" \
	"$NS_TMP/pulse-n1.log" || pl_fail "start_cmd of httpd not run"
ns_wait_for 3 grep -q "start_cmd of ftpd" "$NS_TMP/pulse-n1.log" ||
	pl_fail "start_cmd of ftpd not run"
ns_wait_for 8 grep -q "gratuitous fos arps finished" "$NS_TMP/pulse-n1.log" ||
	pl_fail "no 'gratuitous fos arps finished'"
pl_ok "Piranha FOS fixture runs: VIP on primary, start_cmds run, arps"

# stop the primary: stop_cmds run there, the backup takes over and starts
kill -TERM "$(pl_parent n1)"
ns_wait_for 3 pl_answers c $VIP n2 || pl_fail "backup did not take over"
ns_wait_for 3 grep -q "stop_cmd of httpd" "$NS_TMP/pulse-n1.log" ||
	pl_fail "stop_cmd not run on the old active"
ns_wait_for 3 grep -q "start_cmd of httpd" "$NS_TMP/pulse-n2.log" ||
	pl_fail "start_cmd not run on the new active"
grep -q "partner dead: activating fos" "$NS_TMP/pulse-n2.log" ||
	pl_fail "no 'partner dead: activating fos'"
pl_ok "stop: stop_cmds on the old active, start_cmds on the new one"

# commands that exist: their output is logged
sed -i -e 's|"/usr/sbin/apachectl start"|"/usr/sbin/ip -4 -o addr show dev eth0"|' \
	"$NS_TMP/fos.cf"
pl_db n1 "$NS_TMP/fos.cf"
pl_db n2 "$NS_TMP/fos.cf"
"$SHOALCTL" reload --rundir "$NS_TMP/run-n2" >/dev/null || pl_fail "reload n2"
pl_start n1
ns_wait_for 5 pl_answers c $VIP n1 || pl_fail "n1 did not take the VIP back"
ns_wait_for 3 grep -q "start_cmd of httpd: .*inet 10.235.0.11/24" \
	"$NS_TMP/pulse-n1.log" || pl_fail "start_cmd output not logged"
ns_wait_for 3 grep -q "start_cmd of httpd finished: exit 0" \
	"$NS_TMP/pulse-n1.log" || pl_fail "start_cmd exit status not logged"
pl_ok "start_cmd output and exit status logged"

# the service-monitor hook: "fos-failed NAME" gives up to the healthy peer
ctl() {	# ctl NODE LINE: one control request, the JSON reply on stdout
	/usr/bin/python3 - "$NS_TMP/run-$1/pulse.sock" "$2" <<'PY'
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
ctl n1 "fos-failed nosuch" | grep -q error || pl_fail "unknown service accepted"
ctl n1 "fos-failed httpd" | grep -q '"ok"' || pl_fail "fos-failed refused"
ns_wait_for 3 pl_answers c $VIP n2 || pl_fail "no hand-over on fos-failed"
pl_role_is n1 fault || pl_fail "n1 is not in FAULT after its service failed"
[ "$(pl_field n1 "s['faults']['failed_services']")" = "['httpd']" ] ||
	pl_fail "status does not name the failed service"
pl_ok "fos-failed: n1 in FAULT, n2 took over"
ctl n1 "fos-ok httpd" | grep -q '"ok"' || pl_fail "fos-ok refused"
ns_wait_for 5 pl_answers c $VIP n1 || pl_fail "n1 did not come back after fos-ok"
pl_ok "fos-ok: n1 rejoined and took the VIP back"
ctl n1 "bogus" | grep -q "unknown request" || pl_fail "bogus request accepted"
exit 0
