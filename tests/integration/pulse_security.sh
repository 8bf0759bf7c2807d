#!/bin/bash
# pulse_security.sh - a node with the wrong key is ignored; forged,
# replayed, malformed and spoofed-source heartbeats are dropped and counted
# by reason, and change nothing.
set -u
NS_PREFIX=sp$$
. "${top_srcdir:?}/tests/integration/lib/netns.sh"
. "$top_srcdir/tests/integration/lib/pulse_lib.sh"
ns_require
pl_init

VIP=10.234.0.100
ns_switch
ns_host c  10.234.0.10/24
for i in 1 2 3; do ns_host n$i 10.234.0.1$i/24; done

config() {	# config KEY
	cat <<CF
service = lvs
network = direct
keepalive = 0.1
deadtime = 0.5
heartbeat_key = "$1"
node n1 {
    address = 10.234.0.11
    priority = 200
}
node n2 {
    address = 10.234.0.12
    priority = 100
}
node n3 {
    address = 10.234.0.13
    priority = 250
}
virtual web {
     address = $VIP eth0:1
     vip_nmask = 255.255.255.0
     active = 1
     server r1 {
         address = 10.234.0.11
         active = 1
     }
}
CF
}
config "the right key, shared by n1 and n2" >"$NS_TMP/good.cf"
config "an intruder's wrong key for node n3" >"$NS_TMP/bad.cf"
pl_db n1 "$NS_TMP/good.cf"
pl_db n2 "$NS_TMP/good.cf"
pl_db n3 "$NS_TMP/bad.cf"
pl_start n1
pl_start n2
ns_wait_for 5 pl_role_is n1 active || pl_fail "n1 not active"
ns_wait_for 5 pl_role_is n2 backup || pl_fail "n2 not backup"

# n3 outranks everybody but holds the wrong key: it must change nothing
pl_start n3
rej() {	# rej NODE REASON: that rejection counter
	pl_field "$1" "s['counters']['rejected']['$2']"
}
ns_wait_for 3 eval '[ "$(rej n1 bad_mac)" -gt 3 ]' ||
	pl_fail "n1 did not count n3's packets as bad_mac"
[ "$(rej n2 bad_mac)" -gt 0 ] || pl_fail "n2 did not count bad_mac"
sleep 0.6
pl_role_is n1 active || pl_fail "n1 stepped down for a node with a wrong key"
pl_role_is n2 backup || pl_fail "n2 changed role"
[ "$(pl_field n1 "[p['state'] for p in s['peers'] if p['name']=='n3'][0]")" = unknown ] ||
	pl_fail "n1 believes something n3 said"
pl_ok "a node with the wrong key is ignored and counted (bad_mac)"
kill -TERM "$(pl_parent n3)"

# capture one real heartbeat n1 -> n2 on the switch port of n2
cat >"$NS_TMP/cap.py" <<'PY'
import socket, sys, time
# ETH_P_ALL: frames leaving a bridge port reach only ETH_P_ALL taps
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((sys.argv[1], 0))
s.settimeout(0.2)
end = time.time() + 5
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    ip = f[14:]
    if f[12:14] != b'\x08\x00' or ip[9] != 17 or socket.inet_ntoa(ip[12:16]) != sys.argv[2]:
        continue
    ihl = (ip[0] & 15) * 4
    udp = ip[ihl:]
    # a heartbeat ("SHHB"), not a maintenance datagram of the same size
    if int.from_bytes(udp[2:4], 'big') != 539 or udp[8:12] != b'SHHB':
        continue
    sys.stdout.write(udp[8:].hex())
    sys.exit(0)
sys.exit(1)
PY
# send PAYLOAD-HEX from SRC to DST:539 with a raw socket (spoofed source,
# no address added anywhere, so nothing on the LAN is disturbed)
cat >"$NS_TMP/send.py" <<'PY'
import socket, sys
src, dst, payload = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])
udp = (40000).to_bytes(2, 'big') + (539).to_bytes(2, 'big') + \
    (8 + len(payload)).to_bytes(2, 'big') + b'\0\0' + payload
ip = bytes([0x45, 0]) + (20 + len(udp)).to_bytes(2, 'big') + \
    b'\0\0\0\0' + bytes([64, 17]) + b'\0\0' + socket.inet_aton(src) + \
    socket.inet_aton(dst)
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.sendto(ip + udp, (dst, 0))
PY
hb=$(ns_exec sw /usr/bin/python3 "$NS_TMP/cap.py" p0-n2 10.234.0.11) ||
	pl_fail "could not capture a heartbeat"
[ ${#hb} = 144 ] || pl_fail "captured heartbeat is ${#hb} hex digits, not 72 bytes"
send() { ns_exec c /usr/bin/python3 "$NS_TMP/send.py" "$@" ||
	pl_fail "send.py $*"; }
before=$(rej n2 replay)
send 10.234.0.11 10.234.0.12 "$hb"
ns_wait_for 2 eval '[ "$(rej n2 replay)" -gt "$before" ]' ||
	pl_fail "a replayed heartbeat was not counted as replay"
pl_ok "replayed heartbeat dropped (replay)"
# forged: n2's priority byte raised to 255 and the state to active
forged=${hb:0:10}02${hb:12:2}ff${hb:16}
before=$(rej n2 bad_mac)
send 10.234.0.11 10.234.0.12 "$forged"
ns_wait_for 2 eval '[ "$(rej n2 bad_mac)" -gt "$before" ]' ||
	pl_fail "a forged heartbeat was not counted as bad_mac"
pl_ok "forged heartbeat dropped (bad_mac)"
send 10.234.0.11 10.234.0.12 "0102030405"
ns_wait_for 2 eval '[ "$(rej n2 bad_size)" -gt 0 ]' ||
	pl_fail "a short packet was not counted as bad_size"
send 10.234.0.11 10.234.0.12 "$(printf '%0144d' 0)"
ns_wait_for 2 eval '[ "$(rej n2 bad_magic)" -gt 0 ]' ||
	pl_fail "a zero packet was not counted as bad_magic"
send 10.234.0.10 10.234.0.12 "$hb"
ns_wait_for 2 eval '[ "$(rej n2 unknown_sender)" -gt 0 ]' ||
	pl_fail "a heartbeat from a foreign address was not counted"
pl_ok "short, zero and foreign-source packets dropped and counted"
pl_role_is n1 active && pl_role_is n2 backup ||
	pl_fail "roles changed under attack"
"$SHOALCTL" status --rundir "$NS_TMP/run-n2" | grep -q "rejected:.*bad_mac" ||
	pl_fail "shoalctl status does not show the rejections"
pl_ok "roles unchanged; shoalctl status shows the counters"
exit 0
