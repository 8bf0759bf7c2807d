#!/bin/bash
# sync_diskfull.sh - a peer whose database directory is full: the upload
# fails with "disk full", the partial file is removed, the peer keeps its
# generation, and once there is room the same push lands.  The peer's sshd
# runs in its own mount namespace with a 32 KiB tmpfs as the database
# directory (the host's mounts are not touched).
set -u
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/sync_lib.sh"
sync_init
command -v unshare >/dev/null || sync_skip "no unshare"
command -v nsenter >/dev/null || sync_skip "no nsenter"
unshare --mount --propagation private true 2>/dev/null ||
	sync_skip "cannot create a mount namespace"
sync_bins
SYNC_DBSUB=small/
sync_peer_add 1
sync_peer_wrapper 1
d=$(sync_peer_dir 1)
mkdir -p "$d/small"
# unshare and bash exec: the pid we keep is sshd's
unshare --mount --propagation private bash -c \
	'mount -t tmpfs -o size=32k,mode=755 tmpfs "$1" && exec "$2" -D -f "$3" -E "$4"' \
	_ "$d/small" "$SSHD" "$d/sshd_config" "$d/sshd.log" &
SYNC_PID_1=$!
SYNC_PIDS+=("$SYNC_PID_1")
sync_wait_port "$(sync_peer_addr 1)" "$(sync_peer_port 1)" ||
	{ echo "FAIL: sshd in its namespace"; exit 1; }
in_ns() { nsenter -t "$SYNC_PID_1" -m -- "$@"; }
check "the peer sees a small tmpfs" \
	grep -q "tmpfs" <<<"$(in_ns df -P "$d/small" 2>&1)"

LOCAL_DB=$SYNC_DIR/local.db
sync_write_cf "$SYNC_DIR/cluster.cf" 1
"$SHOALCTL" --db "$LOCAL_DB" config import "$SYNC_DIR/cluster.cf" >/dev/null
sync_trust_all 1
size=$(stat -c %s "$LOCAL_DB")
echo "local database: $size bytes, peer has 32 KiB"

out=$(ssync push 2>&1); rc=$?
echo "$out"
check "disk full: exit 1" [ "$rc" = 1 ]
check "disk full: reason" grep -q "^p1: failed: disk full: " <<<"$out"
check "disk full: partial file removed" \
	[ -z "$(in_ns find "$d/small" -name '.shoal-staged*')" ]
check "disk full: peer has no database" [ -z "$(in_ns ls "$d/small")" ]

# make room: remount bigger inside the peer's namespace
in_ns mount -o remount,size=16m "$d/small"
out=$(ssync push 2>&1); rc=$?
echo "$out"
check "with room: push lands" [ "$rc" = 0 ]
check "with room: same generation and hash" \
	[ "$(in_ns "$SHOALCTL" --db "$d/small/shoal.db" config current)" = \
	  "$("$SHOALCTL" --db "$LOCAL_DB" config current)" ]
sync_done
