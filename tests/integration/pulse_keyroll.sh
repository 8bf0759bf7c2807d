#!/bin/bash
# pulse_keyroll.sh - changing heartbeat_key without downtime, one node at
# a time, with heartbeat_key_accept (a second key accepted, never sent):
#   1. both nodes on key A, then A + accept B;
#   2. n1 alone switches to B + accept A: n2 (A + B) still hears it, n1
#      hears n2's A; a drain made on n1 (a maintenance message under B)
#      reaches n2;
#   3. n2 switches to B + accept A; 4. both on B alone.
# At every step the roles stay (n1 active, n2 backup: no fail-over) and
# no heartbeat is dropped for its MAC.  Then the control: n1 on a key C
# that n2 does not accept: n2 drops n1's heartbeats for their MAC and
# takes over, so a roll that went wrong would show.
set -u
NS_PREFIX=kr$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

KEY_A="key roll test: the first key"
KEY_B="key roll test: the second key"
KEY_C="key roll test: a key n2 never heard of"
VIP=10.234.0.100
ns_switch
ns_host c  10.234.0.10/24
ns_host n1 10.234.0.11/24
ns_host n2 10.234.0.12/24

# conf FILE KEY [ACCEPT]
conf() {
	local accept=
	[ -n "${3:-}" ] && accept="heartbeat_key_accept = \"$3\""
	cat >"$1" <<CF
service = lvs
network = direct
keepalive = 0.2
deadtime = 2
heartbeat_key = "$2"
$accept
node n1 {
    address = 10.234.0.11
    priority = 200
}
node n2 {
    address = 10.234.0.12
    priority = 100
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     scheduler = wrr
     server rs1 {
         address = 10.234.0.10
         active = 1
     }
}
CF
}

# use NODE KEY [ACCEPT]: a new generation on NODE, reloaded and applied
use() {
	local n=$1 gen
	shift
	conf "$NS_TMP/$n-next.cf" "$@"
	"$SHOALCTL" --db "$NS_TMP/$n.db" config import "$NS_TMP/$n-next.cf" \
		>"$NS_TMP/import.out" 2>&1 ||
		pl_fail "import on $n: $(cat "$NS_TMP/import.out")"
	gen=$(sed -n 's/^generation \([0-9]*\) .*/\1/p' "$NS_TMP/import.out")
	[ -n "$gen" ] || pl_fail "import on $n: no generation: $(cat "$NS_TMP/import.out")"
	"$SHOALCTL" reload --rundir "$NS_TMP/run-$n" >/dev/null ||
		pl_fail "reload of $n"
	ns_wait_for 5 eval '[ "$(pl_field $n "s[\"generation\"]")" = "$gen" ]' ||
		pl_fail "$n did not apply generation $gen ($*)"
	[ "$(pl_field "$n" "s['second_key']")" = "$([ $# -gt 1 ] && echo True || echo False)" ] ||
		pl_fail "$n: status second_key is not what generation $gen says"
}

badmac() { pl_field "$1" "s['counters']['rejected']['bad_mac']"; }
rx() { pl_field "$1" "[p['received'] for p in s['peers'] if p['name']=='$2'][0]"; }
# steady SECS: for SECS (many dead times) n1 stays active and n2 backup,
# no MAC is refused, and each keeps hearing the other
steady() {
	local end=$((SECONDS + $1)) r1 r2
	r1=$(rx n2 n1)
	r2=$(rx n1 n2)
	while [ $SECONDS -lt "$end" ]; do
		pl_role_is n1 active || pl_fail "$2: n1 lost its role"
		pl_role_is n2 backup || pl_fail "$2: n2 left backup"
		sleep 0.1
	done
	[ "$(badmac n1)" = 0 ] && [ "$(badmac n2)" = 0 ] ||
		pl_fail "$2: heartbeats dropped for their MAC (n1 $(badmac n1), n2 $(badmac n2))"
	[ "$(rx n2 n1)" -gt $((r1 + 5)) ] && [ "$(rx n1 n2)" -gt $((r2 + 5)) ] ||
		pl_fail "$2: the nodes no longer hear each other"
}

for n in n1 n2; do
	conf "$NS_TMP/$n.cf" "$KEY_A"
	pl_db "$n" "$NS_TMP/$n.cf"
done
pl_start n1
pl_start n2
ns_wait_for 5 pl_role_is n1 active || pl_fail "n1 not active"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 not backup"
steady 3 "key A"
pl_ok "n1 active, n2 backup on key A"

use n1 "$KEY_A" "$KEY_B"
use n2 "$KEY_A" "$KEY_B"
"$SHOALCTL" status --rundir "$NS_TMP/run-n1" | grep -q "a second key" ||
	pl_fail "shoalctl status does not show the second key"
steady 3 "A + accept B"
pl_ok "step 1: both on A, accepting B; shoalctl status says so"

use n1 "$KEY_B" "$KEY_A"
steady 3 "n1 on B, n2 on A"
"$SHOALCTL" --db "$NS_TMP/n1.db" server drain web rs1 \
	--rundir "$NS_TMP/run-n1" >"$NS_TMP/drain.out" 2>&1 ||
	pl_fail "drain: $(cat "$NS_TMP/drain.out")"
n2_has_drain() {
	"$SHOALCTL" maint --json --rundir "$NS_TMP/run-n2" 2>/dev/null |
		/usr/bin/python3 -c "import json,sys; m=json.load(sys.stdin)
sys.exit(0 if any(e.get('server') == 'rs1' and e['state'] == 'drain' for e in m['entries']) else 1)"
}
ns_wait_for 5 n2_has_drain ||
	pl_fail "a drain sent under key B did not reach n2 (on A + B)"
pl_ok "step 2: n1 sends B, n2 sends A: no fail-over, a drain crossed"

use n2 "$KEY_B" "$KEY_A"
steady 3 "both on B, accepting A"
use n1 "$KEY_B"
use n2 "$KEY_B"
steady 3 "key B"
pl_ok "steps 3-4: both on B alone, roles kept throughout"

# the control: a key the other does not accept is a fail-over
use n1 "$KEY_C"
ns_wait_for 15 eval '[ "$(badmac n2)" -gt 0 ] && pl_role_is n2 active' ||
	pl_fail "control: n2 neither refused n1's key C nor took over"
pl_ok "control: a key n2 does not accept -> bad_mac $(badmac n2) and n2 takes over"
exit 0
