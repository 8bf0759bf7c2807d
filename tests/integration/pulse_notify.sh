#!/bin/bash
# pulse_notify.sh - notify hooks configured only in lvs.cf (notify_role,
# notify, notify_timeout): the role hook runs when n1 becomes active with
# its own arguments, then the event's kind and fields in order, and
# SHOAL_EVENT; a hook for every kind that never ends is killed at
# notify_timeout (counted in `shoalctl metrics`) while heartbeats go on:
# n2 stays backup and sees n1 alive.
set -u
NS_PREFIX=sn$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

ns_switch
ns_host n1 10.233.0.11/24
ns_host n2 10.233.0.12/24
# without node blocks the nodes are "primary" (n1) and "backup" (n2):
# SHOAL_NODE names the output files

# the hooks: absolute paths, run without a shell by pulse
cat >"$NS_TMP/role-hook" <<SH
#!/bin/sh
# one line per run: SHOAL_EVENT, then every argument, '|'-separated
printf '%s|' "\$SHOAL_EVENT" "\$@" >>"$NS_TMP/role-\$SHOAL_NODE.out"
echo >>"$NS_TMP/role-\$SHOAL_NODE.out"
SH
cat >"$NS_TMP/hang-hook" <<SH
#!/bin/sh
echo started >>"$NS_TMP/hang-\$SHOAL_NODE.out"
exec /bin/sleep 3600
SH
chmod 755 "$NS_TMP/role-hook" "$NS_TMP/hang-hook"

cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.233.0.11
backup = 10.233.0.12
backup_active = 1
keepalive = 0.2
deadtime = 1
network = direct
notify = "$NS_TMP/hang-hook"
notify_role = "$NS_TMP/role-hook 'first arg' second"
notify_timeout = 0.3
virtual web {
     address = 10.233.0.100 eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     server r1 {
         address = 10.233.0.11
         active = 1
     }
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"
pl_start n1
pl_start n2
ns_wait_for 15 pl_role_is n1 active || pl_fail "n1 did not become active"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 is not backup"

# 1. the role hook ran for n1's change to active, arguments in order
has_active_line() {
	grep -Eq '^role\|first arg\|second\|role\|[a-z]+\|active\|' \
		"$NS_TMP/role-primary.out" 2>/dev/null
}
ns_wait_for 10 has_active_line ||
	pl_fail "no role hook run for n1 becoming active: $(cat \
		"$NS_TMP/role-primary.out" 2>/dev/null)"
pl_ok "role hook: $(grep -E '\|active\|' "$NS_TMP/role-primary.out" | head -1)"

# 2. the hook for every kind never ends: killed at notify_timeout,
#    counted, and pulse keeps heartbeating (no fail-over)
timeouts() {
	"$SHOALCTL" metrics --rundir "$NS_TMP/run-$1" 2>/dev/null |
		sed -n 's/^shoal_hook_runs_total{outcome="timeout"} //p'
}
two_timeouts() { [ "$(timeouts n1)" -ge 2 ] 2>/dev/null; }
ns_wait_for 15 two_timeouts ||
	pl_fail "hanging hook not counted as timed out on n1: $(timeouts n1)"
[ "$(grep -c started "$NS_TMP/hang-primary.out")" -ge 2 ] ||
	pl_fail "the hanging hook did not run twice"
pl_ok "hanging hook killed at its timeout: $(timeouts n1) timeouts"
pl_role_is n1 active || pl_fail "n1 lost the active role"
pl_role_is n2 backup || pl_fail "n2 left backup while n1's hook hung"
tr=$(pl_field n2 "[t['to'] for t in s['transitions']]")
case $tr in *active*) pl_fail "n2 took over: transitions $tr" ;; esac
[ "$(pl_field n2 "s['peers'][0]['state']")" = active ] ||
	pl_fail "n2 does not see n1 alive and active"
pl_ok "no fail-over while hooks hung (n2 transitions: $tr)"
# no hook left behind: the killed hooks' sleeps are gone
n=$(ns_exec n1 pgrep -cf "^/bin/sleep 3600" || true)
[ "${n:-0}" -le 1 ] || pl_fail "$n hanging hooks still running"
pl_ok "killed hooks do not pile up ($n running)"
exit 0
