#!/bin/bash
# sync_push.sh - shoal-sync against three real OpenSSH sshd peers on
# loopback: unknown host keys are refused, trust stores the right
# fingerprint, a push lands the same generation and hash everywhere,
# status reads it back, a dry run changes nothing.
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/sync_lib.sh"
sync_init
sync_cluster 3 || { echo "FAIL: cluster setup"; exit 1; }
: > "$SYNC_DIR/known_hosts"

# 1. unknown host keys: refused, fingerprints shown, nothing changes
out=$(ssync --timeout 10 push 2>&1); rc=$?
echo "$out"
check "push to unknown hosts fails" [ "$rc" = 1 ]
for i in 1 2 3; do
	fp=$(ssh-keygen -lf "$(sync_peer_dir $i)/hostkey.pub" | cut -d' ' -f2)
	check "p$i: host key unknown, with its fingerprint" \
		grep -q "p$i: failed: host key unknown .*$fp" <<<"$out"
	check "p$i: no database yet" [ "$(sync_peer_genno $i)" = 0 ]
done

# 2. trust: refused without a terminal or --yes, stored with --yes
out=$(ssync trust p1 </dev/null 2>&1); rc=$?
echo "$out"
check "trust without confirmation stores nothing" [ "$rc" = 1 ]
check "known_hosts still empty" [ ! -s "$SYNC_DIR/known_hosts" ]
for i in 1 2 3; do
	fp=$(ssh-keygen -lf "$(sync_peer_dir $i)/hostkey.pub" | cut -d' ' -f2)
	out=$(ssync trust p$i --yes 2>&1); rc=$?
	echo "$out"
	check "trust p$i --yes" [ "$rc" = 0 ]
	check "trust p$i shows $fp" grep -q "$fp" <<<"$out"
done
check "known_hosts has 3 keys" [ "$(wc -l < "$SYNC_DIR/known_hosts")" = 3 ]
# OpenSSH agrees with what we wrote
check "ssh-keygen finds p2 in known_hosts" ssh-keygen -F \
	"[$(sync_peer_addr 2)]:$(sync_peer_port 2)" -f "$SYNC_DIR/known_hosts"
out=$(ssync trust p1 --yes 2>&1)
check "trust again: already trusted" grep -q "already trusted" <<<"$out"

# 3. dry run: prepared everywhere, committed nowhere, no staged file left
out=$(ssync push --dry-run 2>&1); rc=$?
echo "$out"
check "dry run exits 0" [ "$rc" = 0 ]
check "dry run: 3 prepared" [ "$(grep -c ': prepared$' <<<"$out")" = 3 ]
for i in 1 2 3; do
	check "p$i: still no database after the dry run" \
		[ "$(sync_peer_genno $i)" = 0 ]
done
check "no staged file left" [ -z "$(find "$SYNC_DIR" -name '.shoal-staged*')" ]

# 4. the push: every peer on the local generation and hash
local_gen=$(sync_local_gen)
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "push exits 0" [ "$rc" = 0 ]
for i in 1 2 3; do
	check "p$i committed" grep -q "^p$i: committed generation" <<<"$out"
	check "p$i has generation+hash $local_gen" \
		[ "$(sync_peer_gen $i)" = "$local_gen" ]
done
check "no staged file left" [ -z "$(find "$SYNC_DIR" -name '.shoal-staged*')" ]

# 5. a second generation, pushed to two nodes only; status shows who has what
sync_new_generation 0.5 3
new_gen=$(sync_local_gen)
out=$(ssync push --nodes p1,p3 2>&1); rc=$?
echo "$out"
check "push --nodes p1,p3 exits 0" [ "$rc" = 0 ]
check "p1 on the new generation" [ "$(sync_peer_gen 1)" = "$new_gen" ]
check "p2 untouched" [ "$(sync_peer_gen 2)" = "$local_gen" ]
check "p3 on the new generation" [ "$(sync_peer_gen 3)" = "$new_gen" ]
out=$(ssync status 2>&1); rc=$?
echo "$out"
check "status exits 0" [ "$rc" = 0 ]
lh=${local_gen#* }
check "status shows p2's generation and hash" \
	grep -Eq "^p2 +.* ok +${local_gen%% *} +${lh:0:12}" <<<"$out"
check "status shows p1's generation" grep -Eq "^p1 +.* ok +${new_gen%% *} " <<<"$out"
check "status marks p2 stale" grep -Eq "^p2 .*stale: differs from this node" <<<"$out"
# 6. the key from an ssh-agent (no usable key file)
if command -v ssh-agent >/dev/null && command -v ssh-add >/dev/null; then
	ssh-agent -D -a "$SYNC_DIR/agent.sock" >/dev/null 2>&1 &
	agent=$!
	SYNC_PIDS+=("$agent")
	for n in $(seq 1 50); do
		[ -S "$SYNC_DIR/agent.sock" ] && break
		sleep 0.1
	done
	SSH_AUTH_SOCK=$SYNC_DIR/agent.sock ssh-add -q "$SYNC_DIR/id_ed25519" \
		2>/dev/null
	out=$(SSH_AUTH_SOCK=$SYNC_DIR/agent.sock "$SHOAL_SYNC" --db "$LOCAL_DB" \
		--known-hosts "$SYNC_DIR/known_hosts" \
		--identity "$SYNC_DIR/no-such-key" push --nodes p2 2>&1); rc=$?
	echo "$out"
	check "push with the agent's key" [ "$rc" = 0 ]
	check "p2 on the new generation (agent)" [ "$(sync_peer_gen 2)" = "$new_gen" ]
	out=$("$SHOAL_SYNC" --db "$LOCAL_DB" --known-hosts "$SYNC_DIR/known_hosts" \
		--identity "$SYNC_DIR/no-such-key" status 2>&1); rc=$?
	check "without key or agent: authentication refused" \
		grep -q "authentication refused" <<<"$(env -u SSH_AUTH_SOCK \
		"$SHOAL_SYNC" --db "$LOCAL_DB" --known-hosts \
		"$SYNC_DIR/known_hosts" --identity "$SYNC_DIR/no-such-key" \
		push --nodes p1 2>&1)"
	kill "$agent" 2>/dev/null
fi

out=$(ssync status 2>&1)
echo "$out"
check "status: nobody stale after the agent push" \
	[ "$(grep -c 'stale' <<<"$out")" = 0 ]
check "status: this node's generation shown" \
	grep -q "^this node: generation ${new_gen%% *}" <<<"$out"
check "pushes are in the local audit trail" \
	[ "$(sqlite3 "$LOCAL_DB" "SELECT count(*) FROM audit WHERE action = 'push'" 2>/dev/null)" -ge 3 ]

out=$(ssync push --nodes nosuch 2>&1); rc=$?
check "push --nodes nosuch: usage error" [ "$rc" = 2 ]
check "push --nodes nosuch names it" grep -q '"nosuch"' <<<"$out"
sync_done
