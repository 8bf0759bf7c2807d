#!/bin/bash
# lb_refusals.sh - what a load balancer backend cannot run is refused when
# configured, never at run time (config/lbcaps.h), through the real
# shoalctl: with lvs_backend = nftables, `config check` and `config
# import` fail naming the key (FILE:LINE:COL and the setting) and the store
# keeps its generation; with auto, a warning names the fallback and the
# import succeeds; with ipvs, nothing is said.  Needs no root.
set -u

: "${top_builddir:?run through make check}"
shoalctl=$top_builddir/shoalctl
work=$(mktemp -d /tmp/lb_refusals.XXXXXX) || exit 1
trap 'rm -rf -- "$work"' EXIT

fail() { echo "FAIL: $*"; sed 's/^/    /' "$work/err" 2>/dev/null | head; exit 1; }

cf() {	# cf BACKEND NETWORK SCHEDULER > lvs.cf
	cat <<EOF
service = lvs
primary = 10.200.0.1
network = $2
lvs_backend = $1
virtual web {
    address = 10.200.2.1 eth0:1
    active = 1
    scheduler = $3
    server a {
        address = 10.200.3.1
        active = 1
    }
}
heartbeat_key = "lb_refusals test key"
EOF
}

# a good generation first: a refused import must leave it
cf nftables nat wrr >"$work/good.cf"
"$shoalctl" --db "$work/s.db" config import "$work/good.cf" >/dev/null \
	2>"$work/err" || fail "import of a good configuration"

echo "lvs_backend = nftables: errors at the keys"
cf nftables tunnel wlc >"$work/bad.cf"
"$shoalctl" --db "$work/s.db" config check "$work/bad.cf" >"$work/out" \
	2>"$work/err" && fail "config check accepted a tunnel on nftables"
grep -q "bad.cf:3:11: error: network = tunnel (IP-in-IP) is IPVS only" \
	"$work/err" || fail "no error at network (3:11)"
grep -q "bad.cf:8:17: error: scheduler = wlc needs per-server connection counts" \
	"$work/err" || fail "no error at scheduler (8:17)"
"$shoalctl" --db "$work/s.db" config import "$work/bad.cf" >"$work/out" \
	2>"$work/err" && fail "config import accepted it"
"$shoalctl" --db "$work/s.db" config current >"$work/out" 2>/dev/null
grep -q "^current generation=1 " "$work/out" ||
	fail "the refused import changed the store: $(cat "$work/out")"

echo "lvs_backend = auto: a warning naming the fallback"
cf auto nat wlc >"$work/auto.cf"
"$shoalctl" --db "$work/s.db" config import "$work/auto.cf" >"$work/out" \
	2>"$work/err" || fail "auto with wlc refused"
grep -q "auto.cf:8:17: warning: scheduler = wlc .*lvs_backend = auto falls back to nftables, which runs it as wrr" \
	"$work/err" || fail "no warning naming the fallback"
cf auto tunnel rr >"$work/auto2.cf"
"$shoalctl" --db "$work/s.db" config check "$work/auto2.cf" >"$work/out" \
	2>"$work/err" || fail "auto with a tunnel refused"
grep -q "warning: network = tunnel .*the service is not programmed there and its VIP not taken" \
	"$work/err" || fail "no warning that the service is not programmed"

echo "lvs_backend = ipvs: nothing to say"
cf ipvs tunnel lblcr >"$work/ipvs.cf"
"$shoalctl" --db "$work/s.db" config check "$work/ipvs.cf" >"$work/out" \
	2>"$work/err" || fail "ipvs refused"
grep -q "warning\|error" "$work/err" && fail "ipvs: $(cat "$work/err")"
echo "PASS"
exit 0
