#!/bin/bash
# pulse_ipv6.sh - heartbeats over IPv6 and an IPv6 VIP announced with
# unsolicited neighbour advertisements: the client follows it on SIGKILL
# of the whole active pulse and on SIGTERM.
set -u
NS_PREFIX=sp$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=fd00:237::100
ns_switch
ns_host c  fd00:237::10/64
ns_host n1 fd00:237::11/64
ns_host n2 fd00:237::12/64
ns_http n1
ns_http n2
cat >"$NS_TMP/v6.cf" <<CF
service = lvs
network = direct
keepalive = 0.1
deadtime = 0.4
arp_count = 3
arp_interval = 0.2
heartbeat_key = "ipv6 heartbeat shared key"
node n1 {
    address = fd00:237::11
    priority = 200
}
node n2 {
    address = fd00:237::12
    priority = 100
}
virtual web6 {
    address = $VIP eth0:1
    vip_nmask = 64
    active = 1
    server r1 {
        address = fd00:237::11
        active = 1
    }
}
CF
pl_db n1 "$NS_TMP/v6.cf"
pl_db n2 "$NS_TMP/v6.cf"
pl_start n1
pl_start n2
answers() { [ "$(ns_exec c curl -gs --max-time 0.5 "http://[$VIP]/")" = "$1" ]; }
ns_wait_for 10 answers n1 || pl_fail "IPv6 VIP does not answer from n1"
[ "$(pl_field n2 "s['peers'][0]['alive']")" = True ] ||
	pl_fail "n2 does not hear n1 over IPv6: $(pl_status n2)"
ns_exec n1 ip -o -6 addr show dev eth0 | grep " $VIP/64" | grep -qv tentative ||
	pl_fail "IPv6 VIP tentative (no NODAD)"
pl_ok "IPv6 heartbeats; IPv6 VIP on n1, usable at once"
kill -TERM "$(pl_parent n1)"
ns_wait_for 3 answers n2 || pl_fail "client did not follow the VIP to n2"
pl_ok "SIGTERM: the client reaches n2 after ${NS_WAITED_MS} ms (unsolicited NA)"
exit 0
