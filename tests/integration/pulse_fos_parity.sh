#!/bin/bash
# pulse_fos_parity.sh - Piranha's fail-over services behaviour at start,
# with two routers: the node that starts as BACKUP stops its local
# fail-over services and runs inactive_cmd ("Stopping local services (if
# any)"); the node that starts ACTIVE does not.
set -u
NS_PREFIX=fp$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=10.236.0.80
N1=10.236.0.11
N2=10.236.0.12
ns_switch
ns_host c  10.236.0.10/24
ns_host n1 $N1/24
ns_host n2 $N2/24
ns_http n1
ns_http n2
D=$NS_TMP

cat >"$D/fos.cf" <<EOC
service = fos
primary = $N1
backup = $N2
backup_active = 1
keepalive = 0.2
deadtime = 1
heartbeat_key = "pulse_fos_parity test cluster key"
inactive_cmd = "/usr/bin/touch $D/inactive-ran"
failover web {
    address = $VIP eth0:1
    active = 1
    port = 80
    timeout = 2
    start_cmd = "/usr/bin/touch $D/web-started"
    stop_cmd = "/usr/bin/touch $D/web-stopped"
}
EOC
pl_db n1 "$D/fos.cf"
pl_db n2 "$D/fos.cf"

# n1 starts alone and becomes ACTIVE: nothing to stop
pl_start n1
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "VIP does not answer from n1"
ns_wait_for 3 test -e "$D/web-started" || pl_fail "start_cmd did not run on n1"
grep -q "Stopping local services" "$NS_TMP/pulse-n1.log" &&
	pl_fail "n1 started ACTIVE but stopped its local services"
[ -e "$D/web-stopped" ] && pl_fail "a stop_cmd ran before n2 started"
[ -e "$D/inactive-ran" ] && pl_fail "inactive_cmd ran on the active node"
pl_ok "the node starting ACTIVE runs start_cmd, stops nothing"

# n2 starts as BACKUP: it stops what may run locally, runs inactive_cmd
pl_start n2
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 is not BACKUP"
ns_wait_for 5 grep -q "Stopping local services (if any)" \
	"$NS_TMP/pulse-n2.log" || pl_fail "n2: no 'Stopping local services'"
ns_wait_for 5 test -e "$D/web-stopped" || pl_fail "n2: stop_cmd did not run"
ns_wait_for 5 test -e "$D/inactive-ran" || pl_fail "n2: inactive_cmd did not run"
grep -q "stop_cmd of web" "$NS_TMP/pulse-n2.log" ||
	pl_fail "n2: stop_cmd not logged"
pl_answers c $VIP n1 || pl_fail "the VIP moved when n2 started"
pl_ok "the node starting as BACKUP stops local services and runs inactive_cmd"
exit 0
