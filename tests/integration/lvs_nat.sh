#!/bin/bash
# lvs_nat.sh - LVS mode end to end through pulse and nanny, nftables NAT:
#
#   client c 10.236.0.10 --br0-- r1 10.236.0.11 / r2 10.236.0.12
#                                (VIP 10.236.0.100, floats)
#   rs1..rs3 10.237.0.21-23 --br1-- r1 .11 / r2 .12 (eth1)
#                                (nat_router 10.237.0.1, floats: the real
#                                 servers' gateway)
#
# Checks: wrr 1:2:3 shares within 10 % through pulse; a stopped real
# server gets no new connection within fall x interval + 1 s and returns
# after rise good checks; `shoalctl server drain` / `disable` / `enable`
# without a reload (every server disabled: the sorry server answers);
# status shows health; a reload changes the scheduler, removes a server,
# changes a weight and restarts the nanny; SIGKILL of the active pulse:
# the backup programs the service (with the admin state of its database)
# and takes the VIP and nat_router; SIGTERM removes only shoal's rules and
# the nannies die with pulse; after a SIGKILL of the whole pulse, `pulse
# --cleanup` removes its VIPs and rules.  SKIP (77) when not root, without
# netns, nft, curl or python3.
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

VIP=10.236.0.100
ns_switch
ns_host c  10.236.0.10/24
ns_host n1 10.236.0.11/24 10.237.0.11/24
ns_host n2 10.236.0.12/24 10.237.0.12/24
ns_exec n1 nft add table ip sv_probe 2>/dev/null &&
	ns_exec n1 nft delete table ip sv_probe ||
	{ echo "SKIP: nft unavailable in a namespace"; exit 77; }

# real servers on br1, default route via the floating nat_router
for i in 1 2 3; do
	ns_rs "rs$i" "10.237.0.2$i/24" 10.237.0.1 || pl_fail "netns rs$i"
done
# the sorry server: rs3 port 8080 answers "sorry"
mkdir -p "$NS_TMP/www-sorry"
echo sorry >"$NS_TMP/www-sorry/index.html"
ns_spawn rs3 "$NS_TMP/http-sorry.log" /usr/bin/python3 -m http.server 8080 \
	--directory "$NS_TMP/www-sorry"

cat >"$NS_TMP/lvs.cf" <<CF
service = lvs
primary = 10.236.0.11
backup = 10.236.0.12
backup_active = 1
keepalive = 0.2
deadtime = 0.8
preempt = 0
heartbeat_key = "lvs_nat test cluster key"
network = nat
nat_router = 10.237.0.1 eth1:1
nat_nmask = 255.255.255.0
lvs_backend = nftables
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     port = 80
     scheduler = wrr
     sorry_server = 10.237.0.23
     sorry_port = 8080
     check = http
     check_interval = 0.5
     check_timeout = 0.4
     fall = 2
     rise = 2
     server rs1 {
         address = 10.237.0.21
         active = 1
         weight = 1
     }
     server rs2 {
         address = 10.237.0.22
         active = 1
         weight = 2
     }
     server rs3 {
         address = 10.237.0.23
         active = 1
         weight = 3
     }
}
CF
pl_db n1 "$NS_TMP/lvs.cf"
pl_db n2 "$NS_TMP/lvs.cf"

# the client: N requests on new connections, "name count" per server
cat >"$NS_TMP/count.py" <<'EOF'
import sys, http.client, collections
seen, errors = collections.Counter(), 0
for _ in range(int(sys.argv[2])):
    try:
        c = http.client.HTTPConnection(sys.argv[1], 80, timeout=2)
        c.request("GET", "/")
        seen[c.getresponse().read().decode().strip()] += 1
        c.close()
    except Exception:
        errors += 1
for k in ("rs1", "rs2", "rs3", "sorry"):
    print(k, seen[k])
print("errors", errors)
EOF
count() {	# count N: requests through the VIP -> $NS_TMP/count.out
	ns_exec c /usr/bin/python3 "$NS_TMP/count.py" $VIP "$1" \
		>"$NS_TMP/count.out" 2>&1
}
share() { awk -v k="$1" '$1 == k { print $2 }' "$NS_TMP/count.out"; }
# health NODE RS: the health pulse reports for RS of web
health() {
	pl_field "$1" "[r for r in s['virtual_services'][0]['servers'] if r['name'] == '$2'][0]['$3']"
}
all_up() {
	[ "$(health "$1" rs1 health)" = up ] &&
	[ "$(health "$1" rs2 health)" = up ] &&
	[ "$(health "$1" rs3 health)" = up ]
}

pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 is not active"
pl_start n2
ns_wait_for 10 pl_role_is n2 backup || pl_fail "n2 is not backup"
ns_wait_for 10 all_up n1 || pl_fail "real servers not up on n1: $(pl_status n1)"
ns_has_addr n1 10.237.0.1 || pl_fail "n1 does not hold nat_router"
ns_has_addr n2 10.237.0.1 && pl_fail "n2 holds nat_router too"
[ "$(ns_exec n1 cat /proc/sys/net/ipv4/ip_forward)" = 1 ] ||
	pl_fail "ip_forward not enabled on the active NAT router"
ns_exec n2 nft list table inet shoal 2>/dev/null | grep -q 10.236.0.100 &&
	pl_fail "the backup programmed the load balancer"
pl_ok "active: VIP, nat_router, ip_forward, 3 real servers up; backup idle"

# 1. wrr 1:2:3 over 600 connections
count 600 || pl_fail "client failed: $(cat "$NS_TMP/count.out")"
for k in "rs1 100" "rs2 200" "rs3 300"; do
	set -- $k
	got=$(share "$1")
	[ "$got" -ge $(($2 * 90 / 100)) ] && [ "$got" -le $(($2 * 110 / 100)) ] ||
		pl_fail "wrr share of $1: $got, want $2 +-10 %: $(cat "$NS_TMP/count.out")"
done
[ "$(share errors)" = 0 ] || pl_fail "errors: $(cat "$NS_TMP/count.out")"
pl_ok "wrr 1:2:3: $(tr '\n' ' ' <"$NS_TMP/count.out")"

# 2. a stopped real server: out within fall x interval + 1 s (+ slack)
rs2pid=$(ip netns pids "$(ns_name rs2)" | head -1)
[ -n "$rs2pid" ] || pl_fail "no responder pid in rs2"
kill -TERM "$rs2pid"
ns_wait_for 4 eval '[ "$(health n1 rs2 health)" = down ]' ||
	pl_fail "rs2 not reported down: $(pl_status n1)"
# fall x interval + 1 s = 2 s (the status poll adds a little)
[ "$NS_WAITED_MS" -le 2500 ] ||
	pl_fail "rs2 down only after $NS_WAITED_MS ms (bound 2 s)"
pl_ok "rs2 down after ${NS_WAITED_MS} ms (fall 2 x 0.5 s + 1 s)"
[ "$(health n1 rs2 in_lb)" = False ] || pl_fail "rs2 still in the LB"
count 60 || pl_fail "client failed after rs2 stopped"
[ "$(share rs2)" = 0 ] && [ "$(share errors)" = 0 ] ||
	pl_fail "rs2 still served or errors: $(cat "$NS_TMP/count.out")"
pl_ok "no connection to rs2 and no error: $(tr '\n' ' ' <"$NS_TMP/count.out")"
ns_http rs2
ns_wait_for 6 eval '[ "$(health n1 rs2 health)" = up ]' ||
	pl_fail "rs2 did not come back: $(pl_status n1)"
pl_ok "rs2 back after ${NS_WAITED_MS} ms (rise 2)"

# 3. drain through shoalctl, no reload
gen=$(pl_field n1 "s['generation']")
"$SHOALCTL" --db "$NS_TMP/n1.db" server drain web rs3 \
	--rundir "$NS_TMP/run-n1" >"$NS_TMP/drain.out" 2>&1 ||
	pl_fail "shoalctl server drain: $(cat "$NS_TMP/drain.out")"
grep -q "pulse applied it" "$NS_TMP/drain.out" ||
	pl_fail "drain not applied: $(cat "$NS_TMP/drain.out")"
[ "$(health n1 rs3 admin)" = drain ] || pl_fail "rs3 admin not drain"
[ "$(health n1 rs3 weight)" = 0 ] || pl_fail "rs3 weight not 0"
count 60 || pl_fail "client failed after drain"
[ "$(share rs3)" = 0 ] && [ "$(share errors)" = 0 ] ||
	pl_fail "drained rs3 still got connections: $(cat "$NS_TMP/count.out")"
[ "$(pl_field n1 "s['generation']")" = "$gen" ] || pl_fail "drain reloaded"
"$SHOALCTL" --db "$NS_TMP/n1.db" server list | grep -q "^web rs3 drain$" ||
	pl_fail "drain not persisted"
pl_ok "drain: rs3 at weight 0 without a reload, persisted"
"$SHOALCTL" --db "$NS_TMP/n1.db" server disable web nosuch \
	--rundir "$NS_TMP/run-n1" >/dev/null 2>&1 &&
	pl_fail "disable of an unknown server accepted"
"$SHOALCTL" --db "$NS_TMP/n1.db" server enable web rs3 \
	--rundir "$NS_TMP/run-n1" >/dev/null 2>&1 || pl_fail "enable failed"
[ "$(health n1 rs3 weight)" = 3 ] || pl_fail "rs3 weight not back to 3"
pl_ok "enable: rs3 back at weight 3"
# every server disabled: the sorry server answers; enabled: back
for r in rs1 rs2 rs3; do
	"$SHOALCTL" --db "$NS_TMP/n1.db" server disable web $r \
		--rundir "$NS_TMP/run-n1" >/dev/null 2>&1 || pl_fail "disable $r"
done
[ "$(health n1 rs2 in_lb)" = False ] || pl_fail "disabled rs2 still in the LB"
count 20 || pl_fail "client failed with every server disabled"
[ "$(share sorry)" = 20 ] ||
	pl_fail "sorry server did not answer: $(cat "$NS_TMP/count.out")"
for r in rs1 rs2 rs3; do
	"$SHOALCTL" --db "$NS_TMP/n1.db" server enable web $r \
		--rundir "$NS_TMP/run-n1" >/dev/null 2>&1 || pl_fail "enable $r"
done
count 60 || pl_fail "client failed after enable"
[ "$(share sorry)" = 0 ] && [ "$(share rs1)" -gt 0 ] ||
	pl_fail "servers not back after enable: $(cat "$NS_TMP/count.out")"
pl_ok "all disabled: the sorry server answers; enabled: the servers again"
"$SHOALCTL" status --rundir "$NS_TMP/run-n1" >"$NS_TMP/st.txt" ||
	pl_fail "shoalctl status"
grep -q "rs1 .*10.237.0.21:80 *up *weight 1/1" "$NS_TMP/st.txt" ||
	pl_fail "status text: $(cat "$NS_TMP/st.txt")"
pl_ok "shoalctl status lists real server health"

# 4. reload: scheduler rr, rs1 removed, rs3's weight changed
sed -e 's/scheduler = wrr/scheduler = rr/' -e '/server rs1 {/,/}/d' \
	-e 's/weight = 3/weight = 5/' "$NS_TMP/lvs.cf" >"$NS_TMP/lvs2.cf"
grep -q "rs1" "$NS_TMP/lvs2.cf" && pl_fail "sed did not remove rs1"
starts=$(pl_field n1 "s['nannies'][0]['starts']")
for n in n1 n2; do
	"$SHOALCTL" --db "$NS_TMP/$n.db" config import "$NS_TMP/lvs2.cf" \
		>/dev/null || pl_fail "import on $n"
	"$SHOALCTL" reload --rundir "$NS_TMP/run-$n" >/dev/null ||
		pl_fail "reload $n"
done
ns_wait_for 5 eval '[ "$(pl_field n1 "s['"'"'nannies'"'"'][0]['"'"'starts'"'"']")" -gt "$starts" ]' ||
	pl_fail "the nanny of web was not restarted on the settings change"
[ "$(pl_field n1 "s['virtual_services'][0]['scheduler']")" = rr ] ||
	pl_fail "scheduler not rr after reload"
ns_wait_for 5 eval '[ "$(health n1 rs3 weight)" = 5 ]' ||
	pl_fail "rs3 weight not 5 after reload: $(pl_status n1)"
count 200 || pl_fail "client failed after reload"
for k in rs2 rs3; do
	got=$(share $k)
	[ "$got" -ge 90 ] && [ "$got" -le 110 ] ||
		pl_fail "rr share of $k: $got: $(cat "$NS_TMP/count.out")"
done
[ "$(share rs1)" = 0 ] && [ "$(share errors)" = 0 ] ||
	pl_fail "removed rs1 served or errors: $(cat "$NS_TMP/count.out")"
pl_ok "reload: rr, rs1 removed, new weight, nanny restarted: $(tr '\n' ' ' <"$NS_TMP/count.out")"

# 5. the drain is read from the database at start: the backup gets it too
"$SHOALCTL" --db "$NS_TMP/n2.db" server drain web rs2 \
	--rundir "$NS_TMP/run-n2" >/dev/null 2>&1 || pl_fail "drain on n2"
# SIGKILL the whole active pulse (supervisor and worker)
w=$(pl_worker n1)
[ -n "$w" ] || pl_fail "no worker on n1"
# stopped first, so that neither can react (the worker would get SIGTERM
# from PR_SET_PDEATHSIG and clean up) before both are gone
kill -STOP "$w" "$(pl_parent n1)"
kill -KILL "$w" "$(pl_parent n1)"
ns_wait_for 5 pl_role_is n2 active || pl_fail "n2 did not become active"
ns_wait_for 10 eval '[ "$(health n2 rs2 health)" = up ] &&
	[ "$(health n2 rs3 health)" = up ]' ||
	pl_fail "n2 did not check the real servers: $(pl_status n2)"
ns_wait_for 5 ns_has_addr n2 10.237.0.1 || pl_fail "nat_router not on n2"
# n1's stale rules (it was killed) must not answer for the VIP: its VIP
# lifetime runs out; wait until the VIP answers from n2
ok=0
for _ in $(seq 40); do
	count 30 && [ "$(share errors)" = 0 ] && [ "$(share rs2)" = 0 ] &&
		[ "$(share rs3)" = 30 ] && { ok=1; break; }
	sleep 0.5
done
[ $ok = 1 ] || pl_fail "service not reachable through n2: $(cat "$NS_TMP/count.out")"
pl_ok "fail-over: served through n2 with rs2 drained: $(tr '\n' ' ' <"$NS_TMP/count.out")"

# n1 was killed outright: its rules stay until a pulse starts there again
ns_exec n1 nft list table inet shoal 2>/dev/null | grep -q 10.236.0.100 ||
	pl_fail "no stale rules on the killed n1 (test premise)"
pl_start n1
ns_wait_for 5 pl_role_is n1 backup || pl_fail "restarted n1 is not backup"
ns_exec n1 nft list table inet shoal 2>/dev/null | grep -q 10.236.0.100 &&
	pl_fail "restarted n1 kept the stale rules of the killed pulse"
pl_ok "a restarted pulse removes what the killed one left"
kill -TERM "$(pl_parent n1)"
ns_wait_for 10 eval '! kill -0 $(pl_parent n1) 2>/dev/null' ||
	pl_fail "pulse on n1 did not exit"

# 6. SIGTERM: the active removes what it programmed (never a flush)
ns_exec n2 nft add table ip keep
kill -TERM "$(pl_parent n2)"
ns_wait_for 10 eval '! kill -0 $(pl_parent n2) 2>/dev/null' ||
	pl_fail "pulse on n2 did not exit"
ns_exec n2 nft list table inet shoal 2>/dev/null | grep -q 10.236.0.100 &&
	pl_fail "n2 left its service behind"
ns_exec n2 nft list table ip keep >/dev/null 2>&1 ||
	pl_fail "n2 removed a table that is not shoal's"
pgrep -f "nanny --db $NS_TMP/n2.db" >/dev/null &&
	pl_fail "nanny outlived pulse on n2"
pl_ok "SIGTERM: services removed, other tables kept, nannies gone"

# 7. `pulse --cleanup` (systemd's ExecStopPost) after the whole pulse was
# killed: this node's VIPs and the rules it made go, other tables stay
pl_start n1
ns_wait_for 10 pl_role_is n1 active || pl_fail "n1 alone is not active"
ns_wait_for 5 eval 'ns_exec n1 nft list table inet shoal 2>/dev/null |
	grep -q $VIP' || pl_fail "n1 did not program the service"
w=$(pl_worker n1)
kill -STOP "$w" "$(pl_parent n1)"
kill -KILL "$w" "$(pl_parent n1)"
ns_exec n1 nft add table ip keep
ns_has_addr n1 $VIP || pl_fail "no VIP left on the killed n1 (test premise)"
out=$(ns_exec n1 "$PULSE" --db "$NS_TMP/n1.db" --cleanup 2>&1) ||
	pl_fail "pulse --cleanup failed: $out"
ns_exec n1 nft list table inet shoal 2>/dev/null | grep -q $VIP &&
	pl_fail "pulse --cleanup left the rules: $out"
ns_has_addr n1 $VIP && pl_fail "pulse --cleanup left the VIP: $out"
echo "$out" | grep -q "removed [1-9][0-9]* virtual" ||
	pl_fail "pulse --cleanup removed no VIP: $out"
ns_has_addr n1 10.237.0.1 && pl_fail "pulse --cleanup left nat_router: $out"
ns_exec n1 nft list table ip keep >/dev/null 2>&1 ||
	pl_fail "pulse --cleanup removed a table that is not shoal's"
pl_ok "pulse --cleanup: $(echo $out)"
exit 0
