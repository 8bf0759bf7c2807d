#!/bin/bash
# pulse_checks.sh - a protocol check chosen and set only in lvs.cf, run by
# pulse's nanny against a real DNS server (dnsmasq) in a namespace:
#
#   n1 10.238.0.11 (pulse, nanny) --br0-- srv 10.238.0.21 (dnsmasq)
#
# virtual dns: protocol udp, port 53, check = dns, dns_name, dns_type A,
# dns_answer 10.9.9.9.  The real server is up while dnsmasq answers that
# record; it goes down with the check's reason when dnsmasq answers
# another address (so dns_name, dns_type and dns_answer reached nanny:
# a default SOA query would still pass) and when dnsmasq stops (ICMP port
# unreachable), and comes back each time dnsmasq answers right again.
# dnsmasq re-reads its hosts file on SIGHUP, so the wrong answer comes
# without a moment of ICMP port unreachable.
# SKIP (77) when not root, without netns, nft, dnsmasq, curl or python3.
set -u
NS_PREFIX=pk$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
NANNY=$top_builddir/nanny
[ -x "$NANNY" ] || { echo "SKIP: nanny not built"; exit 77; }
export SHOAL_NANNY=$NANNY
export PATH=$PATH:/usr/sbin
command -v dnsmasq >/dev/null || { echo "SKIP: no dnsmasq (scripts/deps.sh)"; exit 77; }
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }

SRV=10.238.0.21
VIP=10.238.0.100
ns_switch
ns_host n1 10.238.0.11/24
ns_host srv $SRV/24
ns_exec n1 nft add table ip pk_probe 2>/dev/null &&
	ns_exec n1 nft delete table ip pk_probe ||
	{ echo "SKIP: nft unavailable in a namespace"; exit 77; }

DNS_PID=
# dns ADDRESS: dnsmasq answers www.shoal.test A ADDRESS (started, or told
# to re-read its hosts file with SIGHUP: no moment without a server)
dns() {
	echo "$1 www.shoal.test" >"$NS_TMP/hosts.new"
	mv "$NS_TMP/hosts.new" "$NS_TMP/hosts"
	if [ -n "$DNS_PID" ]; then
		kill -HUP "$DNS_PID" || pl_fail "dnsmasq $DNS_PID is gone"
		return
	fi
	ns_spawn srv "$NS_TMP/dnsmasq.log" dnsmasq --keep-in-foreground \
	    --no-resolv --no-hosts --addn-hosts="$NS_TMP/hosts" \
	    --conf-file=/dev/null --listen-address=$SRV --bind-interfaces \
	    --port=53 --user=root --group=root --pid-file= --log-facility=-
	DNS_PID=$NS_LAST_PID
}
dns_stop() {
	kill "$DNS_PID" 2>/dev/null
	ns_wait_for 5 eval '! kill -0 '"$DNS_PID"' 2>/dev/null' ||
		pl_fail "dnsmasq $DNS_PID did not stop"
	DNS_PID=
}

cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.238.0.11
network = direct
lvs_backend = nftables
virtual dns {
     address = $VIP eth0:1
     active = 1
     port = 53
     protocol = udp
     scheduler = wrr
     check = dns
     dns_name = www.shoal.test
     dns_type = A
     dns_answer = 10.9.9.9
     check_interval = 0.2
     check_timeout = 1
     fall = 1
     rise = 1
     server ns1 {
         address = $SRV
         active = 1
     }
}
CF
"$SHOALCTL" config check "$NS_TMP/lvs.cf" >"$NS_TMP/check.out" 2>&1 ||
	pl_fail "config check: $(cat "$NS_TMP/check.out")"
pl_db n1 "$NS_TMP/lvs.cf"

field() {	# field NAME: the real server's NAME in n1's status
	pl_field n1 "s['virtual_services'][0]['servers'][0]['$1']"
}
health_is() {	# health_is up|down [REASON-REGEX]
	[ "$(field health)" = "$1" ] || return 1
	[ $# -lt 2 ] || field reason | grep -Eq -- "$2"
}

dns 10.9.9.9
pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 is not active"
ns_wait_for 10 health_is up || pl_fail "ns1 not up: $(pl_status n1)"
pl_ok "check = dns from lvs.cf: ns1 up while dnsmasq answers 10.9.9.9"

dns 10.9.9.8
ns_wait_for 10 health_is down "no answer 10\.9\.9\.9" ||
	pl_fail "ns1 not down on a wrong answer: $(pl_status n1)"
pl_ok "a wrong answer takes ns1 down: $(field reason)"

dns 10.9.9.9
ns_wait_for 10 health_is up || pl_fail "ns1 did not recover: $(pl_status n1)"
pl_ok "ns1 recovers when the answer is right again"

dns_stop
ns_wait_for 10 health_is down "unreachable|refused" ||
	pl_fail "ns1 not down with dnsmasq stopped: $(pl_status n1)"
pl_ok "dnsmasq stopped: ns1 down: $(field reason)"

dns 10.9.9.9
ns_wait_for 10 health_is up || pl_fail "ns1 did not recover: $(pl_status n1)"
pl_ok "ns1 recovers when dnsmasq is back"
echo "pulse_checks: all passed"
exit 0
