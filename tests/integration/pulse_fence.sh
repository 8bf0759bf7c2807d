#!/bin/bash
# pulse_fence.sh - fence_cmd before a takeover, two routers: the primary
# n1 dies (SIGKILL of the whole pulse); the backup n2 runs fence_cmd
# (argv, no shell) and takes the VIP only when it exits 0.  A failing
# fence (exit 1) and a hanging one (killed at fence_timeout) each keep
# the VIP off n2, n2 stays backup and logs why, and tries again; once the
# fence succeeds n2 takes over.  Every run of the fence is counted in a
# file, so the retries are seen, not assumed.
set -u
NS_PREFIX=pf$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=10.239.0.100
ns_switch
ns_host c  10.239.0.10/24
ns_host n1 10.239.0.11/24
ns_host n2 10.239.0.12/24
ns_http n1
ns_http n2

# the fence agent: does what $NS_TMP/fence.mode says (ok, fail, hang)
cat >"$NS_TMP/fence.sh" <<'SH'
#!/bin/sh
dir=$(dirname "$0")
echo "$1" >>"$dir/fence.runs"
case $(cat "$dir/fence.mode") in
ok)	exit 0 ;;
hang)	exec sleep 60 ;;
*)	echo "cannot reach the power switch of $1"; exit 1 ;;
esac
SH
chmod 755 "$NS_TMP/fence.sh"
echo ok >"$NS_TMP/fence.mode"

cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.239.0.11
backup = 10.239.0.12
backup_active = 1
keepalive = 0.2
deadtime = 0.8
heartbeat_key = "pulse_fence test cluster key"
fence_cmd = "$NS_TMP/fence.sh 'old active'"
fence_timeout = 1
network = direct
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     server r1 {
         address = 10.239.0.11
         active = 1
     }
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"
runs() { wc -l <"$NS_TMP/fence.runs" 2>/dev/null || echo 0; }

pl_start n1
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "VIP does not answer from n1"
pl_start n2
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 is not backup"
grep -q "fence_cmd succeeded" "$NS_TMP/pulse-n1.log" ||
	pl_fail "n1 took over without its fence"
# one fence for one takeover: a node that starts waits its deadtime as
# backup, and the success it had meanwhile still covers the takeover
[ "$(runs)" -eq 1 ] || pl_fail "n1 ran the fence $(runs) times to start"
pl_ok "n1 active after a fence that succeeded, n2 backup"

# the fence fails: the primary dies, the backup must not take the VIP
echo fail >"$NS_TMP/fence.mode"
before=$(runs)
kill -KILL "$(pl_worker n1)" "$(pl_parent n1)"
ns_wait_for 10 eval '[ "$(runs)" -ge $((before + 3)) ]' ||
	pl_fail "n2 did not run (and retry) the fence: $(runs) runs"
ns_has_addr n2 $VIP && pl_fail "n2 took the VIP though the fence failed"
pl_role_is n2 backup || pl_fail "n2 is not backup with a failed fence"
grep -q "fence_cmd failed: exit 1 .*takeover blocked, staying backup" \
	"$NS_TMP/pulse-n2.log" || pl_fail "no 'fence_cmd failed' in n2's log"
grep -q "fence_cmd said: cannot reach the power switch of old active" \
	"$NS_TMP/pulse-n2.log" || pl_fail "the fence's words are not logged"
pl_ok "failing fence: n2 stays backup without the VIP, $(runs) runs, logged"

# a fence that hangs is killed at fence_timeout and blocks as well
echo hang >"$NS_TMP/fence.mode"
ns_wait_for 10 grep -q "fence_cmd failed: timeout" "$NS_TMP/pulse-n2.log" ||
	pl_fail "no fence timeout in n2's log"
ns_has_addr n2 $VIP && pl_fail "n2 took the VIP though the fence hung"
pl_role_is n2 backup || pl_fail "n2 is not backup with a hanging fence"
pl_ok "hanging fence: killed at fence_timeout, n2 stays backup"

# the fence succeeds: n2 takes over
echo ok >"$NS_TMP/fence.mode"
ns_wait_for 10 pl_answers c $VIP n2 || pl_fail "n2 did not take over"
pl_role_is n2 active || pl_fail "n2 is not active"
grep -q "fence_cmd succeeded" "$NS_TMP/pulse-n2.log" ||
	pl_fail "n2 took over without a successful fence"
pl_ok "succeeding fence: n2 takes the VIP"
echo "pulse_fence: all passed"
exit 0
