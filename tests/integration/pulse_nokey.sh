#!/bin/bash
# pulse_nokey.sh - a cluster without heartbeat_key (imported with
# --no-heartbeat-key): pulse says so at start, and one forged packet from
# a third host does no lasting harm.  Forged as the issue's attacker did:
# a genuine heartbeat captured on the wire, edited, sent with a spoofed
# source address.
#   - the maximum sequence number: counted (seq_ahead), the real sender's
#     next heartbeats still count, the backup never takes over;
#   - "priority 255, active" from the backup: the owner keeps the VIP;
#   - LEAVING with the maximum sequence from the owner: the backup may
#     take over, but the owner's next heartbeats win it back within a
#     bound (before: both active until pulse restarted).
set -u
NS_PREFIX=nk$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
HB="/usr/bin/python3 $top_srcdir/tests/integration/lib/hbtool.py"

VIP=10.233.0.100
ns_switch
ns_host c  10.233.0.10/24
ns_host n1 10.233.0.11/24
ns_host n2 10.233.0.12/24
cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
network = direct
keepalive = 0.1
deadtime = 0.5
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
}
CF
for n in n1 n2; do
	"$SHOALCTL" --db "$NS_TMP/$n.db" config import --no-heartbeat-key \
		"$NS_TMP/lvs.cf" >/dev/null 2>&1 || pl_fail "import for $n"
done
pl_start n1
pl_start n2
ns_wait_for 5 pl_role_is n1 active || pl_fail "n1 not active"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 not backup"
grep -q "no heartbeat_key: heartbeats are not authenticated" \
	"$NS_TMP/pulse-n1.log" || pl_fail "pulse does not warn without a key"
[ "$(pl_field n1 "s['authenticated']")" = False ] ||
	pl_fail "status does not say heartbeats are unauthenticated"
"$SHOALCTL" status --rundir "$NS_TMP/run-n1" | grep -q "^WARNING: heartbeats are not authenticated" ||
	pl_fail "shoalctl status does not warn"
pl_ok "pulse warns at start without a key; status and shoalctl status say so"

rej() { pl_field "$1" "s['counters']['rejected']['$2']"; }
rx() { pl_field "$1" "[p['received'] for p in s['peers'] if p['name']=='$2'][0]"; }
# stable NODE ROLE SECS: NODE keeps ROLE for SECS (3 dead times here)
stable() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt "$end" ]; do
		pl_role_is "$1" "$2" || return 1
		sleep 0.1
	done
}
send() { ns_exec c $HB send "$@" || pl_fail "hbtool send $*"; }
hb=$(ns_exec sw $HB capture p0-n2 10.233.0.11) ||
	pl_fail "could not capture a heartbeat"
[ ${#hb} = 80 ] || pl_fail "captured heartbeat is ${#hb} hex digits, not 40 bytes"

# --- one forged maximum sequence number ---
send 10.233.0.11 10.233.0.12 "$($HB edit "$hb" seq=max)"
ns_wait_for 10 eval '[ "$(rej n2 seq_ahead)" -ge 1 ]' ||
	pl_fail "the forged sequence was not counted as seq_ahead"
before=$(rx n2 n1)
stable n2 backup 2 || pl_fail "n2 took over after one forged sequence"
[ "$(rx n2 n1)" -gt $((before + 5)) ] ||
	pl_fail "n1's heartbeats no longer count at n2"
pl_ok "a forged maximum sequence does not silence the owner"

# --- a forged 'priority 255, active' from the backup ---
hb2=$(ns_exec sw $HB capture p0-n1 10.233.0.12) ||
	pl_fail "could not capture n2's heartbeat"
send 10.233.0.12 10.233.0.11 "$($HB edit "$hb2" state=2 prio=255 seq=+1000)"
stable n1 active 2 || pl_fail "n1 dropped the VIP for a forged priority"
pl_answers c $VIP n1 2>/dev/null || ns_has_addr n1 $VIP ||
	pl_fail "n1 does not hold the VIP"
pl_ok "a forged higher priority does not make the owner step down"

# --- a forged LEAVING with the maximum sequence from the owner ---
hb=$(ns_exec sw $HB capture p0-n2 10.233.0.11) || pl_fail "capture"
send 10.233.0.11 10.233.0.12 "$($HB edit "$hb" flags=1 seq=max)"
ns_wait_for 3 eval 'pl_role_is n2 backup && pl_role_is n1 active &&
	! ns_has_addr n2 $VIP' ||
	pl_fail "after a forged LEAVING the roles did not come back"
stable n2 backup 2 || pl_fail "n2 did not stay backup after a forged LEAVING"
pl_ok "a forged LEAVING costs at most a few heartbeats"
pl_role_is n1 active || pl_fail "n1 lost its role"
exit 0
