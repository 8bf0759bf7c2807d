#!/bin/bash
# sync_failures.sh - what a push does when peers misbehave (real sshd
# peers on loopback): a changed host key, an unreachable peer, a corrupted
# upload, a peer with a newer generation, a stalled remote command, a
# peer that never speaks SSH, garbage from the remote command, a refused
# key.  The failing peer is named with the exact reason, the others stay
# on their generation (default) or commit (--allow-partial), nothing hangs.
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/sync_lib.sh"
sync_init
sync_cluster 3 || { echo "FAIL: cluster setup"; exit 1; }
sync_trust_all 1 2 3
no_staged() { [ -z "$(find "$SYNC_DIR" -name '.shoal-staged*')" ]; }
genno() { sync_peer_genno "$1"; }

out=$(ssync push 2>&1)
check "initial push" [ "$(genno 1)$(genno 2)$(genno 3)" = 111 ]

# --- a changed host key: refused with both fingerprints ---
sync_new_generation 0.5 3				# local: 2
old_fp=$(ssh-keygen -lf "$(sync_peer_dir 2)/hostkey.pub" | cut -d' ' -f2)
sync_peer_stop 2; sync_peer_rekey 2; sync_peer_start 2
new_fp=$(ssh-keygen -lf "$(sync_peer_dir 2)/hostkey.pub" | cut -d' ' -f2)
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "changed key: exit 1" [ "$rc" = 1 ]
check "changed key: reason" grep -q "^p2: failed: host key changed" <<<"$out"
check "changed key: old fingerprint shown" grep -q "^p2: failed: .*$old_fp" <<<"$out"
check "changed key: new fingerprint shown" grep -q "^p2: failed: .*$new_fp" <<<"$out"
check "others prepared but not committed" \
	[ "$(grep -c 'not committed: another peer failed' <<<"$out")" = 4 ]
check "everyone stays on generation 1" [ "$(genno 1)$(genno 2)$(genno 3)" = 111 ]
check "no staged file left" no_staged
out=$(ssync trust p2 --yes 2>&1); rc=$?
check "trust refuses to replace a changed key" [ "$rc" = 1 ]
check "trust says it changed" grep -q "host key changed" <<<"$out"

out=$(ssync push --allow-partial 2>&1); rc=$?
echo "$out"
check "allow-partial: exit 1 (not all committed)" [ "$rc" = 1 ]
check "allow-partial: p1, p3 commit; p2 stays" \
	[ "$(genno 1)$(genno 2)$(genno 3)" = 212 ]
ssh-keygen -q -R "[$(sync_peer_addr 2)]:$(sync_peer_port 2)" \
	-f "$SYNC_DIR/known_hosts" >/dev/null 2>&1
ssync trust p2 --yes >/dev/null 2>&1
check "re-trusted p2" grep -q "${new_fp#SHA256:}" <<<"$(ssync trust p2 --yes 2>&1)"

# --- unreachable p3 and a corrupted upload to p1 ---
sync_new_generation 0.6 3				# local: 3
sync_peer_stop 3
echo truncate > "$(sync_peer_dir 1)/mode"
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "unreachable+corrupt: exit 1" [ "$rc" = 1 ]
check "p3 unreachable" grep -q "^p3: failed: unreachable: .*Connection refused" <<<"$out"
check "p1 corrupted upload detected" \
	grep -q "^p1: failed: staged file damaged: .*checksum mismatch" <<<"$out"
check "p2 not committed" grep -q "^p2: not committed" <<<"$out"
check "nobody moved" [ "$(genno 1)$(genno 2)$(genno 3)" = 212 ]
check "no staged file left" no_staged
out=$(ssync push --allow-partial 2>&1); rc=$?
check "allow-partial: only p2 commits" [ "$(genno 1)$(genno 2)$(genno 3)" = 232 ]
rm -f "$(sync_peer_dir 1)/mode"
sync_peer_start 3

# --- a peer with a newer generation refuses an older one ---
sync_new_generation 0.7 3				# local: 4
p2db=$(sync_peer_dir 2)/shoal.db
cp "$SYNC_DIR/cluster.cf" "$SYNC_DIR/p2.cf"
echo "deadtime = 3" >> "$SYNC_DIR/p2.cf"
"$SHOALCTL" --db "$p2db" config import "$SYNC_DIR/p2.cf" >/dev/null
echo "deadtime = 4" >> "$SYNC_DIR/p2.cf"
"$SHOALCTL" --db "$p2db" config import "$SYNC_DIR/p2.cf" >/dev/null
check "p2 made itself generation 5" [ "$(genno 2)" = 5 ]
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "newer peer: exit 1" [ "$rc" = 1 ]
check "newer peer: reason" grep -q "^p2: failed: refused: .*generation 5, newer than the staged generation 4" <<<"$out"
check "newer peer: nobody moved" [ "$(genno 1)$(genno 2)$(genno 3)" = 252 ]
out=$(ssync push --allow-partial 2>&1)
check "allow-partial: p1, p3 to 4, p2 keeps 5" [ "$(genno 1)$(genno 2)$(genno 3)" = 454 ]
out=$(ssync push --force --nodes p2 2>&1); rc=$?
check "--force installs the older generation on p2" [ "$rc$(genno 2)" = 04 ]

# --- a stalled remote command hits the timeout ---
# The remote command never answers; every other step has 15 s, which no
# slow start on a busy machine (sshd forking sftp-server: over 5 s seen
# beside other builds) comes near, so the timeout can only be the stall's.
sync_new_generation 0.8 3				# local: 5
echo stall > "$(sync_peer_dir 3)/mode"
start=$SECONDS
out=$(ssync --timeout 15 push 2>&1); rc=$?
echo "$out"
check "stall: exit 1" [ "$rc" = 1 ]
check "stall: timeout named" grep -q "^p3: failed: timeout after 15000 ms during remote command" <<<"$out"
check "stall: done within the bound" [ $((SECONDS - start)) -le 60 ]
check "stall: nobody moved" [ "$(genno 1)$(genno 2)$(genno 3)" = 444 ]
rm -f "$(sync_peer_dir 3)/mode"

# --- a peer that accepts TCP but never speaks SSH ---
sync_peer_stop 3
python3 - "$(sync_peer_addr 3)" "$(sync_peer_port 3)" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(8)
s.settimeout(20)
try:
    c, _ = s.accept()
    time.sleep(10)
except socket.timeout:
    pass
PY
mute=$!
SYNC_PIDS+=("$mute")
sync_wait_port "$(sync_peer_addr 3)" "$(sync_peer_port 3)"
start=$SECONDS
out=$(ssync --timeout 2 push --nodes p3 2>&1); rc=$?
echo "$out"
check "mute peer: timeout in the handshake" \
	grep -q "^p3: failed: timeout after 2000 ms during SSH handshake" <<<"$out"
check "mute peer: done within the bound" [ $((SECONDS - start)) -le 10 ]
kill "$mute" 2>/dev/null; wait "$mute" 2>/dev/null
sync_peer_start 3

# --- the connection drops in the middle of the upload ---
# (a timeout far above any slow start: the failure must be the drop)
echo drop > "$(sync_peer_dir 2)/mode"
start=$SECONDS
out=$(ssync --timeout 15 push 2>&1); rc=$?
echo "$out"
check "drop: exit 1" [ "$rc" = 1 ]
check "drop: reported as a lost connection during the transfer" \
	grep -Eq "^p2: failed: connection lost during SFTP (write|fsync|close)" <<<"$out"
check "drop: done within the bound" [ $((SECONDS - start)) -le 60 ]
check "drop: nobody moved" [ "$(genno 1)$(genno 2)$(genno 3)" = 444 ]
rm -f "$(sync_peer_dir 2)/mode"

# --- garbage from the remote command ---
echo garbage > "$(sync_peer_dir 1)/mode"
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "garbage: reported" grep -q '^p1: failed: unexpected output from .*chatty login banner' <<<"$out"
check "garbage: nobody moved" [ "$(genno 1)$(genno 2)$(genno 3)" = 444 ]
rm -f "$(sync_peer_dir 1)/mode"

# --- a key the peers do not accept ---
ssh-keygen -q -t ed25519 -N '' -f "$SYNC_DIR/other_key"
out=$("$SHOAL_SYNC" --db "$LOCAL_DB" --known-hosts "$SYNC_DIR/known_hosts" \
	--identity "$SYNC_DIR/other_key" push 2>&1); rc=$?
echo "$out"
check "wrong key: authentication refused on all" \
	[ "$(grep -c '^p.: failed: authentication refused for user root' <<<"$out")" = 3 ]

# --- and after all that, a clean push still lands everywhere ---
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "final push: exit 0" [ "$rc" = 0 ]
check "final push: all on generation 5" [ "$(genno 1)$(genno 2)$(genno 3)" = 555 ]
check "final push: same hash everywhere" [ "$(sync_peer_gen 1)" = "$(sync_local_gen)" ] 
check "final push: same hash on p2" [ "$(sync_peer_gen 2)" = "$(sync_local_gen)" ]
check "final push: same hash on p3" [ "$(sync_peer_gen 3)" = "$(sync_local_gen)" ]
check "no staged file left" no_staged
sync_done
