#!/bin/bash
# fos_service.sh - fail-over service monitoring: the service (not the
# node) fails and the VIP moves.
#
#   c 10.238.0.10 (also the routers' default gateway) --br0-- n1 .11, n2 .12
#   failover web: VIP 10.238.0.80 port 80, an HTTP server on n1 and n2
#
# 1. seen from the backup only: n1 drops port 80 from the network (its
#    own check over the local path still passes); n2's nanny fails.  While
#    n2 cannot reach its default gateway it does nothing (its own fault?);
#    once it can, it flags n1 in its heartbeats: n1 steps down (FAULT) and
#    n2 takes the VIP.
# 2. seen on the active itself: the HTTP server on the active node dies;
#    its own nanny reports it, the node gives up the VIP to the peer.
# SKIP (77) when not root, without netns, nft, curl or python3.
set -u
NS_PREFIX=sv$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
NANNY=$top_builddir/nanny
[ -x "$NANNY" ] || { echo "SKIP: nanny not built"; exit 77; }
export SHOAL_NANNY=$NANNY
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }

VIP=10.238.0.80
ns_switch
ns_host c  10.238.0.10/24
ns_host n1 10.238.0.11/24
ns_host n2 10.238.0.12/24
ns_exec n1 ip route add default via 10.238.0.10
ns_exec n2 ip route add default via 10.238.0.10
ns_http n1
ns_http n2

cat >"$NS_TMP/fos.cf" <<CF
service = fos
primary = 10.238.0.11
backup = 10.238.0.12
backup_active = 1
keepalive = 0.2
deadtime = 0.8
heartbeat_key = "fos_service test cluster key"
failover web {
    address = $VIP eth0:1
    vip_nmask = 255.255.255.0
    active = 1
    port = 80
    check = http
    check_interval = 0.5
    check_timeout = 0.4
    fall = 2
    rise = 1
}
CF
pl_db n1 "$NS_TMP/fos.cf"
pl_db n2 "$NS_TMP/fos.cf"
fos() { pl_field "$1" "s['failover_services'][0]['$2']"; }

pl_start n1
ns_wait_for 10 pl_answers c $VIP n1 || pl_fail "VIP does not answer from n1"
pl_start n2
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 is not backup"
ns_wait_for 10 eval '[ "$(fos n2 check)" = up ]' ||
	pl_fail "n2 does not check n1's service: $(pl_status n2)"
ns_wait_for 5 eval '[ "$(fos n1 check)" = up ]' ||
	pl_fail "n1 does not check its own service: $(pl_status n1)"
pl_ok "both nodes check the service on the VIP"

# 1. a fault only the network sees, while n2 cannot reach its gateway:
#    n2 must not blame n1 (it may be n2's own fault)
ns_exec n2 nft -f - <<'EOF' || pl_fail "nft on n2"
table inet svnogw {
	chain out { type filter hook output priority 0; icmp type echo-request drop; }
}
EOF
ns_exec n1 nft -f - <<'EOF' || pl_fail "nft on n1"
table inet svblock {
	chain in { type filter hook input priority 0; iifname "eth0" tcp dport 80 drop; }
}
EOF
ns_wait_for 12 grep -q "default gateway 10.238.0.10 does not answer" \
	"$NS_TMP/pulse-n2.log" || pl_fail "n2 did not probe its gateway"
sleep 1
pl_role_is n1 active && ns_has_addr n1 $VIP ||
	pl_fail "n1 lost the VIP although n2 cannot reach its gateway"
grep -q "fails on the active node" "$NS_TMP/pulse-n2.log" &&
	pl_fail "n2 blamed n1 without reaching its gateway"
pl_ok "gateway unreachable: the backup does not blame the active node"
#    the gateway answers again: n2's next probe (within 10 s) succeeds
ns_exec n2 nft delete table inet svnogw
ns_wait_for 20 pl_answers c $VIP n2 ||
	pl_fail "n2 did not take over: n1 $(pl_status n1) n2 $(pl_status n2)"
pl_ok "remote fault: n2 answers after ${NS_WAITED_MS} ms"
grep -q "fails on the active node" "$NS_TMP/pulse-n2.log" ||
	pl_fail "n2 did not log the active's failure"
grep -q "default gateway 10.238.0.10 answers" "$NS_TMP/pulse-n2.log" ||
	pl_fail "n2 did not probe its gateway"
grep -q "a backup reports our fail-over service failing" \
	"$NS_TMP/pulse-n1.log" || pl_fail "n1 did not log the backup's report"
pl_ok "n2 probed its gateway and flagged n1; n1 stepped down"
ns_exec n1 nft delete table inet svblock
# n1 comes back (hold, then preempt) once nothing flags it any more
ns_wait_for 30 pl_answers c $VIP n1 ||
	pl_fail "n1 did not come back: $(pl_status n1)"
pl_ok "n1 back after the hold"
ns_wait_for 10 eval '[ "$(fos n2 check)" = up ]' ||
	pl_fail "n2 does not see n1's service up again"

# 2. the service dies on the active node itself
pid=$(ip netns pids "$(ns_name n1)" | while read -r p; do
	grep -q http.server /proc/$p/cmdline 2>/dev/null && echo "$p"; done |
	head -1)
[ -n "$pid" ] || pl_fail "no HTTP server on n1"
kill -TERM "$pid"
ns_wait_for 12 pl_answers c $VIP n2 ||
	pl_fail "VIP did not move to n2: n1 $(pl_status n1)"
pl_ok "service died on n1: n2 answers after ${NS_WAITED_MS} ms"
ns_wait_for 5 eval '! ns_has_addr n1 $VIP' || pl_fail "n1 kept the VIP"
grep -q "fail-over service web FAILED on this node" "$NS_TMP/pulse-n1.log" ||
	grep -q "fail-over service web failed on this node" \
	"$NS_TMP/pulse-n1.log" || pl_fail "n1 did not log its own failure"
pl_ok "n1 saw its own service fail and gave up the VIP"
exit 0
