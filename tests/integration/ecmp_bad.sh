#!/bin/bash
# ecmp_bad.sh - scale-out when the routing daemon or the configuration is
# wrong (same topology as ecmp.sh, lib/ecmp_lib.sh):
#
#   1. d1's routing daemon is missing (routing_socket names nothing), d3's
#      session is refused (it expects the wrong AS): neither says it serves
#      nor is routed to; both stay active, their checks run, their peers
#      hear them; d2 alone carries the traffic
#   2. d2's BIRD stops: d2 says "not running" and is no longer routed to;
#      BIRD back: announced again, without restarting pulse
#   3. a corrected configuration (generation 2) reaches every director
#      with a reload: all three announce
#   4. a stale director: d3 is stopped, d1 and d2 get generation 3 (rs3
#      leaves the real-server set); d3 comes back with generation 2: it is
#      flagged as a configuration-generation mismatch (on every director)
#      and announces nothing while d1 and d2 announce generation 3; given
#      generation 3 it announces
# SKIP (77) when not root, without netns, bird, nft, python3 or the build.
set -u
NS_PREFIX=eb$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
. "$top_srcdir/tests/integration/lib/ecmp_lib.sh"
ns_require
pl_init
ec_require

ec_topology 10
ec_router
for i in 1 2 3; do
	ec_director "$i"
	ec_server "$i"
done
EC_SOCK[1]=$NS_TMP/no-bird-here/bird.ctl
EC_PEER_AS[3]=65099
ec_cf "$NS_TMP/gen1.cf"
for i in 1 2 3; do
	pl_db "d$i" "$NS_TMP/gen1.cf"
	pl_start "d$i" --node "d$i"
done

nexthops_are() { [ "$(ec_nexthops)" = "$1" ]; }
field_is() {	# NODE EXPR VALUE
	[ "$(pl_field "$1" "$2")" = "$3" ]
}
answers() {	# a few connections through the VIP all answer
	! ec_tool spread $EC_VIP 80 6 "${EC_SRCS[@]}" | grep -q ' -$'
}

# ---- 1. missing daemon, refused session ----
ns_wait_for 40 nexthops_are 10.241.0.12 || ec_skip_without_dr ||
	pl_fail "want the VIP routed to d2 alone, got '$(ec_nexthops)'"
says() {	# NODE EXPR TEXT: the field holds TEXT
	pl_field "$1" "$2" | grep -q "$3"
}
ns_wait_for 10 says d3 "s['routing']['session']['info']" "Bad peer AS" ||
	pl_fail "d3's refused session: $(pl_field d3 "s['routing']")"
for i in 1 2 3; do
	field_is "d$i" "s['role']" active || pl_fail "d$i is not active"
	field_is "d$i" "sorted(p['alive'] for p in s['peers'])" "[True, True]" ||
		pl_fail "d$i does not hear both peers"
	field_is "d$i" "all(n['running'] for n in s['nannies'])" True ||
		pl_fail "d$i's checks do not run"
done
field_is d1 "s['routing']['state']" missing ||
	pl_fail "d1 routing: $(pl_field d1 "s['routing']")"
says d1 "s['routing']['error']" "no-bird-here/bird.ctl" ||
	pl_fail "d1's status does not name the missing socket"
field_is d1 "(s['routing']['serving'], [v['announced'] for v in \
s['routing']['vips']])" "(False, [False])" || pl_fail "d1 pretends to serve"
field_is d3 "(s['routing']['serving'], s['routing']['session']['established'])" \
	"(False, False)" || pl_fail "d3: $(pl_field d3 "s['routing']")"
field_is d2 "s['routing']['serving']" True || pl_fail "d2 does not serve"
# the metrics say the same (shoalctl metrics: pulse's control socket)
metrics() { "$SHOALCTL" metrics --rundir "$NS_TMP/run-$1" 2>&1; }
metrics d1 | grep -qx 'shoal_routing_up{daemon="bird",state="missing"} 0' &&
	metrics d1 | grep -qx 'shoal_routing_serving 0' &&
	metrics d1 | grep -q '^shoal_vip_announced{address="10.242.0.100",.*} 0$' ||
	pl_fail "d1's metrics: $(metrics d1 | grep routing)"
metrics d3 | grep -qx 'shoal_routing_session_established 0' ||
	pl_fail "d3's metrics: $(metrics d3 | grep routing)"
metrics d2 | grep -qx 'shoal_routing_serving 1' &&
	metrics d2 | grep -qx 'shoal_routing_session_established 1' ||
	pl_fail "d2's metrics: $(metrics d2 | grep routing)"
grep -q "routing daemon bird: missing: no control socket" \
	"$NS_TMP/pulse-d1.log" || pl_fail "d1 does not log the missing daemon"
answers || pl_fail "the VIP does not answer through d2"
pl_ok "missing daemon and refused session: said so, not routed to, still active"

# ---- 2. d2's BIRD stops and returns ----
kill -TERM "${EC_BIRD_PID[2]}"
ns_wait_for 10 nexthops_are "" || pl_fail "d2 still routed to: $(ec_nexthops)"
down_state() {
	case $(pl_field d2 "s['routing']['state']") in
	"not running"|missing) [ "$(pl_field d2 "s['routing']['serving']")" = \
		False ] ;;
	*) return 1 ;;
	esac
}
ns_wait_for 10 down_state || pl_fail "d2: $(pl_field d2 "s['routing']")"
field_is d2 "s['role']" active || pl_fail "d2 left the active role"
ec_director 2
ns_wait_for 30 nexthops_are 10.241.0.12 || pl_fail "d2 not announced again"
ns_wait_for 10 field_is d2 "s['routing']['serving']" True ||
	pl_fail "d2 does not say it serves again"
pl_ok "the routing daemon stopped: said so; back: announced again"

# ---- 3. the corrected configuration ----
EC_SOCK=()
EC_PEER_AS=()
ec_cf "$NS_TMP/gen2.cf"
reload_with() {	# NODE FILE
	"$SHOALCTL" --db "$NS_TMP/$1.db" config import "$2" >/dev/null 2>&1 ||
		pl_fail "import of $2 on $1"
	"$SHOALCTL" reload --rundir "$NS_TMP/run-$1" >/dev/null ||
		pl_fail "reload of $1"
}
for i in 1 2 3; do
	reload_with "d$i" "$NS_TMP/gen2.cf"
done
ALL="10.241.0.11 10.241.0.12 10.241.0.13"
ns_wait_for 40 nexthops_are "$ALL" ||
	pl_fail "after the fix the VIP is routed to '$(ec_nexthops)'"
pl_ok "fixed by a reload: every director announces"

# ---- 4. a stale director ----
kill -TERM "$(pl_parent d3)"
ns_wait_for 10 nexthops_are "10.241.0.11 10.241.0.12" ||
	pl_fail "d3 not withdrawn: $(ec_nexthops)"
EC_SERVERS="1 2" ec_cf "$NS_TMP/gen3.cf"
reload_with d1 "$NS_TMP/gen3.cf"
reload_with d2 "$NS_TMP/gen3.cf"
ns_wait_for 10 field_is d1 "s['generation']" 3 || pl_fail "d1 not on 3"
pl_start d3 --node d3
ns_wait_for 20 field_is d3 "s['routing']['holding_back']" True ||
	pl_fail "stale d3 does not hold back: $(pl_field d3 "s['routing']")"
says d3 "s['routing']['config_mismatch']" "node d1 runs generation 3" ||
	pl_fail "d3 does not name the mismatch"
ns_wait_for 10 says d1 "s['routing']['config_mismatch']" \
	"node d3 runs generation 2" || pl_fail "d1 does not flag stale d3"
grep -q "configuration-generation mismatch" "$NS_TMP/pulse-d3.log" ||
	pl_fail "d3 does not log the mismatch"
# d3 would serve (its checks pass) but must not: stays off the router
field_is d3 "[r['health'] for v in s['virtual_services'] for r in \
v['servers'] if v['name'] == 'web']" "['up', 'up', 'up']" ||
	ns_wait_for 10 field_is d3 "[r['health'] for v in s['virtual_services'] \
for r in v['servers'] if v['name'] == 'web']" "['up', 'up', 'up']" ||
	pl_fail "d3's checks do not pass"
nexthops_are "10.241.0.11 10.241.0.12" ||
	pl_fail "stale d3 is routed to: $(ec_nexthops)"
reload_with d3 "$NS_TMP/gen3.cf"
ns_wait_for 30 nexthops_are "$ALL" || pl_fail "d3 on 3 not announced"
ns_wait_for 10 field_is d1 "s['routing']['config_mismatch']" "" ||
	pl_fail "the mismatch stays flagged on d1"
pl_ok "a stale director is flagged and stays off until it runs the new generation"
exit 0
