#!/bin/bash
# lb_preview.sh - the change preview against a real pulse (issue 15 item
# 4), nftables NAT in namespaces:
#
#   c 10.238.0.10 --br0-- n1 10.238.0.11 (VIP 10.238.0.100)
#   rs1, rs2 10.239.0.21-22 --br1-- n1 eth1 10.239.0.11 (nat_router .1)
#
# `shoalctl config diff --apply-preview` of a candidate (rs1's weight 1 ->
# 4, a new rs3, rs2 drained by weight 0) prints the lvs.cf diff with the
# heartbeat key redacted, the nft batch pulse would load, and the shares
# (rs1 100 %, rs2 0 %, rs3 new: not yet checked); the kernel's ruleset is
# byte for byte the same after it.  Committing the candidate (import +
# reload) then changes the ruleset, and the same preview answers "no
# operation": the kernel holds what the preview announced.  shoal-web's
# ?preview=1 gets pulse's batch and shares through the real socket (as
# nobody, in the socket's group) and commits nothing.  A candidate
# that does not parse gets its errors with FILE:LINE:COL; without pulse,
# the diff and a clear line.  SKIP (77) when not root, without netns, nft,
# curl, python3, shoal-web or user nobody.
set -u
NS_PREFIX=pv$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init
NANNY=$top_builddir/nanny
[ -x "$NANNY" ] || { echo "SKIP: nanny not built"; exit 77; }
export SHOAL_NANNY=$NANNY
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }
[ -x "$top_builddir/shoal-web" ] || { echo "SKIP: shoal-web not built"; exit 77; }
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	{ echo "SKIP: no user nobody or group nogroup"; exit 77; }

VIP=10.238.0.100
ns_switch
ns_host c  10.238.0.10/24
ns_host n1 10.238.0.11/24 10.239.0.11/24
ns_exec n1 nft add table ip pv_probe 2>/dev/null &&
	ns_exec n1 nft delete table ip pv_probe ||
	{ echo "SKIP: nft unavailable in a namespace"; exit 77; }
for i in 1 2; do
	ns_rs "rs$i" "10.239.0.2$i/24" 10.239.0.1 || pl_fail "netns rs$i"
done

config() {	# config W1 W2: the cluster with rs1, rs2 weights; rs3 with $3
	cat <<CF
service = lvs
primary = 10.238.0.11
keepalive = 0.2
deadtime = 0.8
heartbeat_key = "lb_preview secret key value"
network = nat
nat_router = 10.239.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = nftables
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     scheduler = wrr
     check = http
     check_interval = 0.5
     check_timeout = 0.4
     fall = 2
     rise = 2
     server rs1 {
         address = 10.239.0.21
         active = 1
         weight = $1
     }
     server rs2 {
         address = 10.239.0.22
         active = 1
         weight = $2
     }
$3
}
CF
}
RS3='     server rs3 {
         address = 10.239.0.23
         active = 1
         weight = 5
     }'
config 1 2 "" >"$NS_TMP/cur.cf"
config 4 0 "$RS3" | sed 's/lb_preview secret key value/another secret key value/' \
	>"$NS_TMP/cand.cf"
pl_db n1 "$NS_TMP/cur.cf"
ctl() { "$SHOALCTL" --db "$NS_TMP/n1.db" "$@"; }
preview() {	# preview FILE: into $NS_TMP/preview.out
	ctl config diff --apply-preview --rundir "$NS_TMP/run-n1" "$1" \
		>"$NS_TMP/preview.out" 2>&1
}
ruleset() { ns_exec n1 nft list ruleset; }
health() {
	pl_field n1 "[r for r in s['virtual_services'][0]['servers'] if r['name'] == '$1'][0]['health']"
}

# 0. without pulse: the diff, and a line that says why no LB preview
preview "$NS_TMP/cand.cf" || pl_fail "preview without pulse failed: $(cat "$NS_TMP/preview.out")"
grep -q '^+ *weight = 4$' "$NS_TMP/preview.out" &&
	grep -q 'load balancer: no preview: pulse not running' "$NS_TMP/preview.out" ||
	pl_fail "no diff or no 'pulse not running': $(cat "$NS_TMP/preview.out")"
pl_ok "no pulse: the diff and 'pulse not running'"

# shoal-web as nobody on a copy of n1's database, n1's pulse socket in
# the group nogroup (pulse gives the socket its directory's group)
SHOAL_WEB=$top_builddir/shoal-web
web=$NS_TMP/web
mkdir -p "$web" "$NS_TMP/run-n1"
chmod 0711 "$NS_TMP"
chgrp nogroup "$NS_TMP/run-n1"
chmod 0750 "$NS_TMP/run-n1"
cp "$NS_TMP/n1.db" "$web/web.db"
echo preview-test-pw1 | "$SHOALCTL" --db "$web/web.db" passwd admin \
	--password-stdin >/dev/null || pl_fail "admin password"
chown -R nobody:nogroup "$web"

pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 is not active"
ns_wait_for 10 eval '[ "$(health rs1)" = up ] && [ "$(health rs2)" = up ]' ||
	pl_fail "rs1, rs2 not up: $(pl_status n1)"
ns_wait_for 5 eval 'ruleset | grep -q 10.239.0.22' ||
	pl_fail "rs2 not programmed: $(ruleset)"
ruleset >"$NS_TMP/before.nft"

# 1. the preview: diff (secrets redacted), nft batch, shares
preview "$NS_TMP/cand.cf" || pl_fail "preview failed: $(cat "$NS_TMP/preview.out")"
out=$NS_TMP/preview.out
grep -q 'secret' "$out" && pl_fail "a heartbeat key is shown: $(cat "$out")"
grep -q '^-heartbeat_key = (redacted, old value)$' "$out" &&
	grep -q '^+heartbeat_key = (redacted, new value)$' "$out" ||
	pl_fail "the key change is not shown redacted: $(cat "$out")"
grep -q '^-  *weight = 1$' "$out" && grep -q '^+  *weight = 4$' "$out" &&
	grep -q '^+  *server rs3 {$' "$out" ||
	pl_fail "lvs.cf diff missing: $(cat "$out")"
grep -q '^--- load balancer: nftables backend, this node is the active router ---$' "$out" ||
	pl_fail "no backend/role line: $(cat "$out")"
sed -n '/^--- load balancer/,/^--- expected/p' "$out" | grep -v '^---' \
	>"$NS_TMP/batch.nft"
[ -s "$NS_TMP/batch.nft" ] && ! grep -q '(no operation)' "$NS_TMP/batch.nft" ||
	pl_fail "no nft batch in the preview: $(cat "$out")"
grep -q 'rs1 .*10.239.0.21:80 weight 4  up .* 100.0 %' "$out" &&
	grep -q 'rs2 .*10.239.0.22:80 weight 0  up .*  0.0 %' "$out" &&
	grep -q 'rs3 .*10.239.0.23:80 weight 0  new: not yet checked .*  0.0 %  (not in the load balancer)' "$out" &&
	grep -q '^virtual web: wrr, shares weight$' "$out" ||
	pl_fail "shares wrong: $(cat "$out")"
ruleset >"$NS_TMP/after-preview.nft"
cmp -s "$NS_TMP/before.nft" "$NS_TMP/after-preview.nft" ||
	pl_fail "the preview changed the kernel: $(diff "$NS_TMP/before.nft" "$NS_TMP/after-preview.nft")"
[ "$(ctl config history | grep -c '^[ *] *[0-9]')" = 1 ] ||
	pl_fail "the preview made a generation"
pl_ok "preview: diff (key redacted), $(wc -l <"$NS_TMP/batch.nft") nft batch lines, shares 100/0/new; ruleset unchanged"

# 1b. the same through shoal-web: ?preview=1 answers pulse's batch and
# shares, commits nothing, changes nothing in the kernel
ns_spawn n1 "$NS_TMP/web.log" "$SHOAL_WEB" -n -v --db "$web/web.db" \
	--listen 127.0.0.1:3637 --rundir "$NS_TMP/run-n1" --user nobody \
	--www "$top_srcdir/www"
url=http://127.0.0.1:3637
ns_wait_for 10 ns_exec n1 curl -s -o /dev/null "$url/" ||
	pl_fail "shoal-web does not answer: $(cat "$NS_TMP/web.log")"
ns_exec n1 curl -s -D "$NS_TMP/login.h" -o "$NS_TMP/login.json" \
	-H 'Content-Type: application/json' \
	-d '{"user":"admin","password":"preview-test-pw1"}' "$url/api/v1/login"
cookie=$(sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p' "$NS_TMP/login.h")
csrf=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf"])' "$NS_TMP/login.json")
[ -n "$cookie" ] && [ -n "$csrf" ] || pl_fail "login: $(cat "$NS_TMP/login.json")"
ns_exec n1 curl -s -b "$cookie" -H "X-CSRF-Token: $csrf" -X PUT \
	-H 'Content-Type: application/json' -d '{"weight":4}' \
	"$url/api/v1/virtual-servers/web/real-servers/rs1?preview=1" \
	>"$NS_TMP/web-preview.json"
/usr/bin/python3 - "$NS_TMP/web-preview.json" <<'PY' || pl_fail "web preview: $(cat "$NS_TMP/web-preview.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["preview"] is True, "not a preview"
assert "+        weight = 4" in p["diff"], "no diff"
lb = p["lb"]
assert "error" not in lb, lb.get("error")
assert lb["backend"] == "nftables" and lb["active"] is True, lb
assert "10.239.0.21 . 80" in lb["operations"], lb["operations"]
rs = {r["name"]: r for r in lb["virtuals"][0]["servers"]}
assert abs(rs["rs1"]["share"] - 4 / 6) < 1e-6 and abs(rs["rs2"]["share"] - 2 / 6) < 1e-6, rs
PY
ruleset | cmp -s - "$NS_TMP/before.nft" ||
	pl_fail "the web preview changed the kernel"
[ "$("$SHOALCTL" --db "$web/web.db" config history | grep -c '^[ *] *[0-9]')" = 1 ] ||
	pl_fail "the web preview made a generation"
pl_ok "shoal-web ?preview=1: pulse's batch and shares 4:2 through the real socket, nothing changed"

# 2. commit: the kernel changes as announced; the same preview: nothing
ctl config import "$NS_TMP/cand.cf" >/dev/null || pl_fail "import failed"
ctl reload --rundir "$NS_TMP/run-n1" >/dev/null || pl_fail "reload failed"
ns_wait_for 5 eval '! ruleset | cmp -s - "$NS_TMP/before.nft"' ||
	pl_fail "commit changed nothing in the kernel"
ns_wait_for 5 eval 'preview "$NS_TMP/cand.cf" && grep -q "(no operation)" "$NS_TMP/preview.out"' ||
	pl_fail "after the commit the preview still has operations: $(cat "$NS_TMP/preview.out")"
grep -q '^lvs.cf: no change$' "$NS_TMP/preview.out" ||
	pl_fail "after the commit the lvs.cf still differs: $(cat "$NS_TMP/preview.out")"
pl_ok "commit: ruleset changed, the same preview now has no operation"

# 3. a candidate that does not parse: FILE:LINE:COL, nothing else
printf 'service = lvs\nvirtual web {\n  port = 99999\n}\n' >"$NS_TMP/bad.cf"
preview "$NS_TMP/bad.cf" && pl_fail "a bad candidate was previewed"
grep -q "bad.cf:3:" "$NS_TMP/preview.out" ||
	pl_fail "no FILE:LINE in the error: $(cat "$NS_TMP/preview.out")"
pl_ok "bad candidate: $(head -1 "$NS_TMP/preview.out")"
echo "PASS"
