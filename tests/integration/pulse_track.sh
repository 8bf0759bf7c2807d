#!/bin/bash
# pulse_track.sh - tracked checks move the VIP, two routers: n1 (priority
# 200) and n2 (priority 100), a gateway gw and a real server r1 of
# virtual web.  Each router tracks its default gateway (weight 150), at
# least one real server of web up (weight 150) and a program (fault).
#   - n1 loses its default route: its priority falls to 50, its
#     heartbeats say so, n2 takes over; the route is back: n1 preempts;
#     the gateway's address goes: the echo times out on both, the
#     heartbeats carry 50 and 1, n1 stays active;
#   - r1 becomes unreachable from n1 only: n1 yields to n2, and takes the
#     VIP back when r1 is reachable again;
#   - n2's program fails: n2 is in FAULT; n1 dies and n2 does not take
#     over; the program succeeds again: n2 takes over.
set -u
NS_PREFIX=tk$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
NANNY=$top_builddir/nanny
[ -x "$NANNY" ] || { echo "SKIP: nanny not built"; exit 77; }
export SHOAL_NANNY=$NANNY

VIP=10.238.0.100
ns_switch
ns_host gw 10.238.0.1/24
ns_host n1 10.238.0.11/24
ns_host n2 10.238.0.12/24
ns_host r1 10.238.0.21/24
ns_http r1
for n in n1 n2; do
	ns_exec $n ip route add default via 10.238.0.1
	# ICMP echo from a ping socket (Debian's systemd opens this range
	# on the host; a new namespace starts closed)
	ns_exec $n sysctl -qw net.ipv4.ping_group_range="0 2147483647"
done

# the program: healthy unless $NS_TMP/fail-NODE exists
cat >"$NS_TMP/health.sh" <<'SH'
#!/bin/sh
dir=$(dirname "$0")
node=n1
ip -o addr show dev eth0 | grep -q ' 10\.238\.0\.12/' && node=n2
[ ! -e "$dir/fail-$node" ]
SH
chmod 755 "$NS_TMP/health.sh"

cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.238.0.11
keepalive = 0.2
deadtime = 0.8
heartbeat_key = "pulse_track test cluster key"
network = direct
node n1 {
    address = 10.238.0.11
    priority = 200
}
node n2 {
    address = 10.238.0.12
    priority = 100
}
virtual web {
    address = $VIP eth0:1
    vip_nmask = 255.255.255.0
    active = 1
    port = 80
    check = tcp
    check_interval = 0.2
    check_timeout = 0.2
    rise = 2
    server r1 {
        address = 10.238.0.21
        active = 1
    }
}
track gw {
    kind = gateway
    interval = 0.2
    timeout = 0.2
    weight = 150
}
track pool {
    kind = virtual
    virtual = web
    min_up = 1
    weight = 150
}
track health {
    kind = program
    command = "$NS_TMP/health.sh"
    interval = 0.2
    timeout = 1
    fault = 1
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"
peer_prio() {	# peer_prio NODE PEER: PEER's priority as NODE hears it
	pl_field "$1" "[p['priority'] for p in s['peers'] if p['name'] == '$2'][0]"
}
active_on() {	# active_on NODE: NODE active with the VIP, the other not
	local other=n1
	[ "$1" = n1 ] && other=n2
	pl_role_is "$1" active && ns_has_addr "$1" $VIP &&
		! ns_has_addr $other $VIP
}

pl_start n1
pl_start n2
ns_wait_for 15 active_on n1 || pl_fail "n1 is not active"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 is not backup"
ns_wait_for 5 eval '[ "$(peer_prio n2 n1)" = 200 ]' ||
	pl_fail "n2 hears n1 at priority $(peer_prio n2 n1), not 200"
[ "$(pl_field n1 "[t['failed'] for t in s['tracks']]")" = \
	"[False, False, False]" ] || pl_fail "n1's tracks: $(pl_field n1 "s['tracks']")"
pl_ok "n1 active at priority 200 with its three tracks healthy, n2 backup"

# 1. n1 loses its gateway
ns_exec n1 ip route del default
ns_wait_for 10 active_on n2 || pl_fail "n2 did not take over from n1 without its gateway"
ns_wait_for 5 pl_role_is n1 backup || pl_fail "n1 is not backup"
[ "$(peer_prio n2 n1)" = 50 ] ||
	pl_fail "n2 hears n1 at priority $(peer_prio n2 n1), not 50"
grep -q "track gw failed: no default route" "$NS_TMP/pulse-n1.log" ||
	pl_fail "no 'track gw failed' in n1's log"
pl_ok "n1 without a default route: priority 50 on the wire, n2 active"
ns_exec n1 ip route add default via 10.238.0.1
ns_wait_for 10 active_on n1 || pl_fail "n1 did not preempt once its gateway was back"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 is not backup again"
pl_ok "gateway back: n1 preempts, n2 backup"
# the gateway itself goes (its address): both lose it, ICMP echo times
# out; n1 stays active (50 against n2's 1, a priority never below 1)
ns_exec gw ip addr del 10.238.0.1/24 dev eth0
ns_wait_for 10 eval '[ "$(peer_prio n2 n1)" = 50 ] && [ "$(peer_prio n1 n2)" = 1 ]' ||
	pl_fail "priorities heard: n1 $(peer_prio n2 n1), n2 $(peer_prio n1 n2); want 50, 1"
grep -q "track gw failed: timeout" "$NS_TMP/pulse-n2.log" ||
	pl_fail "no 'track gw failed: timeout' in n2's log"
active_on n1 || pl_fail "n1 is not active any more"
ns_exec gw ip addr add 10.238.0.1/24 dev eth0
ns_wait_for 10 eval '[ "$(peer_prio n2 n1)" = 200 ] && [ "$(peer_prio n1 n2)" = 100 ]' ||
	pl_fail "priorities not back: n1 $(peer_prio n2 n1), n2 $(peer_prio n1 n2)"
pl_ok "gateway unreachable for both: echo times out, 50 and 1 on the wire, n1 stays"

# 2. r1 unreachable from n1 only: fewer than min_up real servers up
ns_exec n1 ip route add unreachable 10.238.0.21/32
ns_wait_for 10 active_on n2 || pl_fail "n2 did not take over from n1 without real servers"
[ "$(peer_prio n2 n1)" = 50 ] ||
	pl_fail "n2 hears n1 at priority $(peer_prio n2 n1), not 50"
grep -q "track pool failed: 0 of at least 1 real servers up" \
	"$NS_TMP/pulse-n1.log" || pl_fail "no 'track pool failed' in n1's log"
pl_ok "n1 sees no real server of web up: n2 active"
ns_exec n1 ip route del unreachable 10.238.0.21/32
ns_wait_for 10 active_on n1 || pl_fail "n1 did not preempt once r1 was back"
pl_ok "r1 back in n1's view: n1 active again"

# 3. a failing fault program keeps n2 out of the election
touch "$NS_TMP/fail-n2"
ns_wait_for 10 pl_role_is n2 fault || pl_fail "n2 is not in fault"
grep -q "track health failed: .*fault: not a candidate" \
	"$NS_TMP/pulse-n2.log" || pl_fail "no 'track health failed' in n2's log"
kill -KILL "$(pl_worker n1)" "$(pl_parent n1)"
ns_wait_for 5 eval '[ "$(pl_field n2 "[p['"'"'alive'"'"'] for p in s['"'"'peers'"'"']][0]")" = False ]' ||
	pl_fail "n2 still hears n1"
# n2 had three deadtimes to take over, had it been a candidate
ns_wait_for 3 ns_has_addr n2 $VIP && pl_fail "n2 took the VIP in fault"
pl_role_is n2 fault || pl_fail "n2 left fault with its program failing"
pl_ok "n2 in fault (program failing) does not take over from a dead n1"
rm -f "$NS_TMP/fail-n2"
ns_wait_for 10 active_on n2 || pl_fail "n2 did not take over once its program succeeded"
pl_ok "program healthy again: n2 takes over"
echo "pulse_track: all passed"
exit 0
