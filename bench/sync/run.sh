#!/bin/bash
# bench/sync/run.sh - wall time of `shoal-sync push` of a configuration
# with 200 virtual servers to 1, 5 and 10 peers (real OpenSSH sshd on
# loopback ports, one per peer), next to a sequential `scp` of the same
# database file to the same peers, in the same run.  Median of RUNS runs.
#
#   sudo bench/sync/run.sh [BUILDDIR]      (RUNS=5 by default)
#
# Target: pushing to 10 peers takes at most twice as long as to 1 peer.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
top_builddir=$(cd "${1:-${top_builddir:-$PWD}}" && pwd)
RUNS=${RUNS:-5}
VIRTUALS=${VIRTUALS:-200}
export top_srcdir top_builddir
. "$top_srcdir/tests/integration/sync_lib.sh"
sync_init
sync_bins
PEERS=10

for i in $(seq 1 $PEERS); do
	sync_peer_add "$i"
	sync_peer_start "$i" || exit 1
done
SYNC_REMOTE_SHOALCTL=$SHOALCTL	# the real one, no test wrapper
sync_trust_all $(seq 1 $PEERS)

# the configuration: this node, 10 peers, 200 virtual servers x 4 servers
LOCAL_DB=$SYNC_DIR/local.db
sync_write_cf "$SYNC_DIR/cluster.cf" $PEERS
for v in $(seq 1 "$VIRTUALS"); do
	printf 'virtual vs%d {\n    address = 10.201.%d.%d eth0:1\n' \
		"$v" $((v / 250)) $((v % 250 + 1))
	printf '    active = 1\n    port = 80\n    scheduler = wrr\n'
	for r in 1 2 3 4; do
		printf '    server r%d {\n        address = 10.202.%d.%d\n' \
			"$r" $((v / 250)) $((v % 250 + 1))
		printf '        port = %d\n        weight = %d\n    }\n' \
			$((8000 + r)) "$r"
	done
	printf '}\n'
done >> "$SYNC_DIR/cluster.cf"
"$SHOALCTL" --db "$LOCAL_DB" config import "$SYNC_DIR/cluster.cf" >/dev/null ||
	{ echo "import failed" >&2; exit 1; }
size=$(stat -c %s "$LOCAL_DB")

ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$1" '{print $c}'; }

# CPU ms used so far by the peers' sshd (children reaped by the listeners)
sshd_cpu() {
	local t=0 p f
	for p in "${SYNC_PIDS[@]}"; do
		read -r -a f < "/proc/$p/stat"
		t=$((t + f[13] + f[14] + f[15] + f[16]))
	done
	echo $((t * 1000 / $(getconf CLK_TCK)))
}

push_once() {	# push_once N: "wall-ms shoal-sync-cpu-ms sshd-cpu-ms"
	local nodes t0 t1 c0 c1 u s
	nodes=$(seq -s, -f 'p%g' 1 "$1")
	c0=$(sshd_cpu)
	t0=$(ms)
	/usr/bin/time -f '%U %S' -o "$SYNC_DIR/time.out" \
		"$SHOAL_SYNC" --db "$LOCAL_DB" --known-hosts "$SYNC_DIR/known_hosts" \
		--identity "$SYNC_DIR/id_ed25519" push --nodes "$nodes" \
		>"$SYNC_DIR/push.out" 2>&1 ||
		{ cat "$SYNC_DIR/push.out" >&2; echo "push failed" >&2; exit 1; }
	t1=$(ms)
	sleep 0.2	# let the listeners reap their session children
	c1=$(sshd_cpu)
	read -r u s < "$SYNC_DIR/time.out"
	echo "$((t1 - t0)) $(awk -v u="$u" -v s="$s" 'BEGIN { print int((u + s) * 1000) }') $((c1 - c0))"
}

scp_once() {	# scp_once N: ms for a sequential scp to p1..pN
	local i t0 t1
	t0=$(ms)
	for i in $(seq 1 "$1"); do
		scp -q -P "$(sync_peer_port "$i")" -i "$SYNC_DIR/id_ed25519" \
			-o BatchMode=yes -o StrictHostKeyChecking=yes \
			-o UserKnownHostsFile="$SYNC_DIR/known_hosts" \
			"$LOCAL_DB" "root@$(sync_peer_addr "$i"):$(sync_peer_dir "$i")/scp-copy.db" ||
			{ echo "scp failed" >&2; exit 1; }
	done
	t1=$(ms)
	echo $((t1 - t0))
}

# The floor this machine sets: N OpenSSH sessions (`ssh true`) in parallel.
# All peers share this machine's CPUs, so N sshd key exchanges and process
# starts compete for them; on real nodes each peer has its own.
ssh_par_once() {
	local i t0 t1 pids=""
	t0=$(ms)
	for i in $(seq 1 "$1"); do
		ssh -q -p "$(sync_peer_port "$i")" -i "$SYNC_DIR/id_ed25519" \
			-o BatchMode=yes -o StrictHostKeyChecking=yes \
			-o UserKnownHostsFile="$SYNC_DIR/known_hosts" \
			"root@$(sync_peer_addr "$i")" true &
		pids="$pids $!"
	done
	wait $pids
	t1=$(ms)
	echo $((t1 - t0))
}

echo "shoal-sync push: $VIRTUALS virtual servers, database $size bytes," \
	"median of $RUNS runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-5s %10s %18s %16s %12s %14s\n' peers "push ms" "shoal-sync CPU ms" \
	"peer sshd CPU ms" "scp seq ms" "ssh true par ms"
declare -A PUSH SSHP
for n in 1 5 10; do
	for r in $(seq 1 "$RUNS"); do push_once "$n"; done > "$SYNC_DIR/runs"
	p=$(col 1 < "$SYNC_DIR/runs" | median)
	pc=$(col 2 < "$SYNC_DIR/runs" | median)
	sc=$(col 3 < "$SYNC_DIR/runs" | median)
	s=$(for r in $(seq 1 "$RUNS"); do scp_once "$n"; done | median)
	t=$(for r in $(seq 1 "$RUNS"); do ssh_par_once "$n"; done | median)
	PUSH[$n]=$p
	SSHP[$n]=$t
	printf '%-5s %10s %18s %16s %12s %14s\n' "$n" "$p" "$pc" "$sc" "$s" "$t"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "push: 10 peers / 1 peer = $(ratio "${PUSH[10]}" "${PUSH[1]}") (target <= 2.00)"
echo "floor on this machine (ssh true): 10 / 1 = $(ratio "${SSHP[10]}" "${SSHP[1]}")"
echo "(every peer's sshd runs on this machine's $(nproc) CPUs: the peer-side"
echo " CPU of a push competes with the others; shoal-sync's own CPU is the"
echo " column that would stay on this node in a real cluster)"
