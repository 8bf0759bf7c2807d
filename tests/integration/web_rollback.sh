#!/bin/bash
# web_rollback.sh - the watch after a push from shoal-web, and its
# automatic rollback, on a real cluster: two routers (pulse, nanny with
# HTTP checks, nftables NAT) taking pushes over real sshd, shoal-web on an
# admin station reading n1's pulse.
#   1. a good push (rs2's weight) is watched for push_watch seconds and
#      passes: no rollback;
#   2. a bad push (rs2 on a port nothing listens on) makes rs2 fail its
#      check on the active router: the watch sees 1 of 2 real servers up,
#      makes the previous generation current again, pushes it to both
#      nodes, and the report says why; rs2 comes back up;
#   3. the control: the same bad push with push_watch = 0 stays (so the
#      test sees a rollback only when there is one).
# SKIP (77) when not root, without netns, nft, sshd or user nobody.
set -u
NS_PREFIX=wr$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
. "$top_srcdir/tests/integration/lib/push_lib.sh"
ns_require
pl_init
NANNY=$top_builddir/nanny
SHOAL_WEB=$top_builddir/shoal-web
[ -x "$NANNY" ] && [ -x "$SHOAL_WEB" ] || {
	echo "SKIP: nanny or shoal-web not built"; exit 77; }
export SHOAL_NANNY=$NANNY
command -v nft >/dev/null || { echo "SKIP: no nft"; exit 77; }
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	{ echo "SKIP: no user nobody or group nogroup"; exit 77; }
pp_init

VIP=10.248.0.100
ns_switch
ns_host c   10.248.0.10/24
ns_host adm 10.248.0.5/24
ns_host n1  10.248.0.11/24 10.249.0.11/24
ns_host n2  10.248.0.12/24 10.249.0.12/24
ns_exec n1 nft add table ip wr_probe 2>/dev/null &&
	ns_exec n1 nft delete table ip wr_probe ||
	{ echo "SKIP: nft unavailable in a namespace"; exit 77; }
for i in 1 2; do
	ns_rs "rs$i" "10.249.0.2$i/24" 10.249.0.1 || pl_fail "netns rs$i"
done
pp_sshd n1 10.248.0.11
pp_sshd n2 10.248.0.12

write_cf() {	# write_cf FILE PUSH_WATCH RS2_WEIGHT RS2_PORT
	cat >"$1" <<CF
service = lvs
heartbeat_key = "web rollback test key"
keepalive = 0.5
deadtime = 2
preempt = 0
network = nat
nat_router = 10.249.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = nftables
push_watch = $2
node n1 {
$(pp_node_keys n1 10.248.0.11)
    priority = 200
}
node n2 {
$(pp_node_keys n2 10.248.0.12)
    priority = 100
}
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
     rise = 1
     server rs1 {
         address = 10.249.0.21
         active = 1
         weight = 1
     }
     server rs2 {
         address = 10.249.0.22
         port = $4
         active = 1
         weight = $3
     }
}
CF
}
write_cf "$NS_TMP/lvs.cf" 5 1 80
pp_db n1 "$NS_TMP/lvs.cf"
pp_db n2 "$NS_TMP/lvs.cf"

# shoal-web as nobody: its database and key in a directory of its own,
# n1's pulse socket in the group nogroup (pulse gives the socket its
# directory's group)
web=$NS_TMP/web
mkdir -p "$web" "$NS_TMP/run-n1"
chmod 0711 "$NS_TMP"
chgrp nogroup "$NS_TMP/run-n1"
chmod 0750 "$NS_TMP/run-n1"
"$SHOALCTL" --db "$web/adm.db" config import "$NS_TMP/lvs.cf" >/dev/null ||
	pl_fail "admin station import"
echo rollback-test-pw1 | "$SHOALCTL" --db "$web/adm.db" passwd admin \
	--password-stdin >/dev/null || pl_fail "admin password"
cp "$NS_TMP/id" "$web/id"
cp "$NS_TMP/known_hosts" "$web/known_hosts"
chown -R nobody:nogroup "$web"

pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 is not active"
pl_start n2
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 is not backup"
[ "$(stat -c %G "$NS_TMP/run-n1/pulse.sock")" = nogroup ] ||
	pl_fail "n1's socket is not in the group nogroup"

health() {	# health RS: rs's health in web on n1
	pl_field n1 "[r for r in s['virtual_services'][0]['servers'] if r['name'] == '$1'][0]['health']"
}
ns_wait_for 15 eval '[ "$(health rs1)" = up ] && [ "$(health rs2)" = up ]' ||
	pl_fail "real servers not up on n1: $(pl_status n1)"
pl_ok "n1 active, n2 backup, rs1 and rs2 up"

ns_spawn adm "$NS_TMP/web.log" "$SHOAL_WEB" -n -v --db "$web/adm.db" \
	--listen 127.0.0.1:3636 --rundir "$NS_TMP/run-n1" --user nobody \
	--known-hosts "$web/known_hosts" --ssh-key "$web/id" \
	--www "$top_srcdir/www"
url=http://127.0.0.1:3636
ns_wait_for 10 ns_exec adm curl -s -o /dev/null "$url/" ||
	pl_fail "shoal-web does not answer: $(cat "$NS_TMP/web.log")"
ns_exec adm curl -s -D "$NS_TMP/login.h" -o "$NS_TMP/login.json" \
	-H 'Content-Type: application/json' \
	-d '{"user":"admin","password":"rollback-test-pw1"}' "$url/api/v1/login"
cookie=$(sed -n 's/^Set-Cookie: \(shoal_session=[0-9a-f]*\).*/\1/p' "$NS_TMP/login.h")
csrf=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["csrf"])' "$NS_TMP/login.json")
[ -n "$cookie" ] && [ -n "$csrf" ] || pl_fail "login: $(cat "$NS_TMP/login.json")"

gen_of() { pl_field "$1" "s['generation']"; }
# push: starts a push of adm.db's current generation; prints its id
push() {
	ns_exec adm curl -s -b "$cookie" -H "X-CSRF-Token: $csrf" \
		-H 'Content-Type: application/json' -d '{}' "$url/api/v1/push" |
		/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
job() { ns_exec adm curl -s -b "$cookie" "$url/api/v1/push/$1"; }
# watch_is ID STATE...: the watch of push ID is in one of the STATEs
watch_is() {
	local id=$1
	shift
	job "$id" | /usr/bin/python3 -c 'import json, sys
j = json.load(sys.stdin)
sys.exit(0 if j["watch"]["state"] in sys.argv[1:] else 1)' "$@"
}
commit() {	# commit PUSH_WATCH RS2_WEIGHT RS2_PORT: a new generation on adm
	write_cf "$NS_TMP/next.cf" "$@"
	"$SHOALCTL" --db "$web/adm.db" config import "$NS_TMP/next.cf" \
		>/dev/null || pl_fail "admin station import"
	"$SHOALCTL" --db "$web/adm.db" config current |
		sed -n 's/^current generation=\([0-9]*\) .*/\1/p'
}

# ---- 1. a good push: watched, passes ----
g2=$(commit 5 2 80)
id=$(push) || pl_fail "push did not start"
ns_wait_for 120 watch_is "$id" passed rolled_back rollback_failed unwatched ||
	pl_fail "push $id: no verdict: $(job "$id")"
watch_is "$id" passed || pl_fail "a good push was not passed: $(job "$id")"
[ "$(gen_of n1)" = "$g2" ] && [ "$(gen_of n2)" = "$g2" ] ||
	pl_fail "nodes not on generation $g2 after a good push"
pl_ok "good push $id (generation $g2): watched 5 s, passed"

# ---- 2. a bad push: rolled back ----
g3=$(commit 5 2 8081)
id=$(push) || pl_fail "push did not start"
ns_wait_for 120 watch_is "$id" passed rolled_back rollback_failed unwatched ||
	pl_fail "push $id: no verdict: $(job "$id")"
job "$id" >"$NS_TMP/bad.json"
watch_is "$id" rolled_back || pl_fail "the bad push was not rolled back: $(cat "$NS_TMP/bad.json")"
grep -q 'virtual server web: 1 of 2 real servers up' "$NS_TMP/bad.json" ||
	pl_fail "the verdict does not say why: $(cat "$NS_TMP/bad.json")"
g4=$("$SHOALCTL" --db "$web/adm.db" config current |
	sed -n 's/^current generation=\([0-9]*\) .*/\1/p')
[ "$g4" -gt "$g3" ] || pl_fail "no new generation for the rollback"
"$SHOALCTL" --db "$web/adm.db" config export >"$NS_TMP/now.cf"
grep -q 'port = 8081' "$NS_TMP/now.cf" &&
	pl_fail "the current generation still has the bad port"
for n in n1 n2; do
	ns_wait_for 10 eval '[ "$(gen_of $n)" = "$g4" ]' ||
		pl_fail "$n is not on the rollback generation $g4"
done
ns_wait_for 15 eval '[ "$(health rs2)" = up ]' ||
	pl_fail "rs2 is not up again after the rollback"
pl_ok "bad push $id (generation $g3): rolled back as generation $g4 on n1 and n2; rs2 up again"
/usr/bin/python3 -c 'import json, sys; print("   verdict:", json.load(open(sys.argv[1]))["watch"]["reason"])' "$NS_TMP/bad.json"

# ---- 3. the control: push_watch = 0 keeps the bad push ----
g5=$(commit 0 2 8081)
id=$(push) || pl_fail "push did not start"
ns_wait_for 120 eval '[ "$(gen_of n1)" = "$g5" ] && [ "$(gen_of n2)" = "$g5" ]' ||
	pl_fail "the control push did not reach the nodes: $(job "$id")"
watch_is "$id" off || pl_fail "push_watch = 0 is not off: $(job "$id")"
ns_wait_for 10 eval '[ "$(health rs2)" = down ]' ||
	pl_fail "control: rs2 did not go down on port 8081"
[ "$(gen_of n1)" = "$g5" ] || pl_fail "control: generation $g5 was rolled back"
pl_ok "control: with push_watch = 0 the bad generation $g5 stays (rs2 down)"
exit 0
