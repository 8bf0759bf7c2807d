# tests/integration/sync_lib.sh - sourced by the sync_*.sh tests and by
# bench/sync: real OpenSSH sshd peers on loopback addresses, one sshd per
# peer, each with its own host key, state directory and database path.
# shellcheck shell=bash
#
#   sync_init            temp dir, client key, trap (kills only our pids)
#   sync_peer_add I      host key + sshd config for peer I (1..); no start
#   sync_peer_start I    starts its sshd, waits until it accepts (bounded)
#   sync_peer_stop I     stops that sshd (by its pid)
#   sync_peer_addr I / sync_peer_port I / sync_peer_dir I
#
# Peer I listens on 127.0.0.(10+I) at a port derived from $$, so parallel
# runs do not collide.  Exits 77 (SKIP) when not root or sshd is missing.

SSHD=${SSHD:-/usr/sbin/sshd}
# sanitizer builds: a known leak inside libssh2 1.10 (see the file)
LSAN_OPTIONS="suppressions=${top_srcdir:-.}/tests/integration/sync_lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# libssh2 has no frame pointers: unwind slowly so the suppression can
# see the libssh2 function on the stack
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
export LSAN_OPTIONS ASAN_OPTIONS
declare -a SYNC_PIDS=()

sync_skip() { echo "SKIP: $*"; exit 77; }

sync_cleanup() {
	local p
	for p in "${SYNC_PIDS[@]}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null
	done
	for p in "${SYNC_PIDS[@]}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
	if [ -n "${SYNC_KEEP:-}" ]; then
		echo "kept $SYNC_DIR"
	elif [ -n "${SYNC_DIR:-}" ]; then
		rm -rf "$SYNC_DIR"
	fi
}

sync_init() {
	[ "$(id -u)" = 0 ] || sync_skip "needs root (sshd)"
	[ -x "$SSHD" ] || sync_skip "no $SSHD (apt-get install openssh-server)"
	command -v ssh-keygen >/dev/null || sync_skip "no ssh-keygen"
	SYNC_DIR=$(mktemp -d /tmp/shoal-sync.XXXXXX)
	trap sync_cleanup EXIT
	mkdir -p /run/sshd	# sshd's privilege separation directory
	chmod 755 "$SYNC_DIR"
	ssh-keygen -q -t ed25519 -N '' -C shoal-sync-test \
		-f "$SYNC_DIR/id_ed25519" || return 1
	cp "$SYNC_DIR/id_ed25519.pub" "$SYNC_DIR/authorized_keys"
	: > "$SYNC_DIR/known_hosts"
	SYNC_PORT_BASE=$((20000 + ($$ % 2000) * 16))
	SYNC_SFTP=${SYNC_SFTP:-/usr/lib/openssh/sftp-server}
}

sync_peer_addr() { echo "127.0.0.$((10 + $1))"; }
sync_peer_port() { echo $((SYNC_PORT_BASE + $1)); }
sync_peer_dir() { echo "$SYNC_DIR/peer$1"; }

sync_peer_add() {
	local i=$1 d
	d=$(sync_peer_dir "$i")
	mkdir -p "$d"
	[ -f "$d/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -C "peer$i" \
		-f "$d/hostkey" || return 1
	cat > "$d/sshd_config" <<EOF
ListenAddress $(sync_peer_addr "$i"):$(sync_peer_port "$i")
HostKey $d/hostkey
PidFile $d/sshd.pid
AuthorizedKeysFile $SYNC_DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
MaxStartups 100
LogLevel ERROR
# bash reads ~/.bashrc for commands run by sshd unless SHLVL says it is
# nested: a root .bashrc that starts slow tools (pyenv rehash takes a
# lock) made each remote command take seconds to minutes under load
SetEnv SHLVL=1
Subsystem sftp $(sync_sftp_cmd "$i")
EOF
}

# The SFTP server of peer I: a wrapper around sftp-server that, when
# $(sync_peer_dir I)/mode says "drop", passes the first 20000 bytes and
# then kills its sshd session: the connection drops mid-transfer.
sync_sftp_cmd() {
	local d
	d=$(sync_peer_dir "$1")
	if [ "$SYNC_SFTP" = internal-sftp ]; then
		echo internal-sftp
		return
	fi
	cat > "$d/sftp" <<EOF2
#!/bin/bash
if [ "\$(cat "$d/mode" 2>/dev/null)" = drop ]; then
	dd bs=1 count=20000 status=none | "$SYNC_SFTP"
	kill -9 \$PPID
	exit 1
fi
exec "$SYNC_SFTP"
EOF2
	chmod 755 "$d/sftp"
	echo "$d/sftp"
}

# Replaces peer I's host key by a new one (the "changed host key" case).
sync_peer_rekey() {
	local d
	d=$(sync_peer_dir "$1")
	rm -f "$d/hostkey" "$d/hostkey.pub"
	ssh-keygen -q -t ed25519 -N '' -C "peer$1-new" -f "$d/hostkey"
}

# Waits (at most ~10 s) until ADDR PORT accepts a TCP connection.
sync_wait_port() {
	local n
	for n in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "nothing listens on $1:$2" >&2
	return 1
}

sync_peer_start() {
	local i=$1 d
	d=$(sync_peer_dir "$i")
	"$SSHD" -D -f "$d/sshd_config" -E "$d/sshd.log" &
	eval "SYNC_PID_$i=$!"
	SYNC_PIDS+=("$!")
	sync_wait_port "$(sync_peer_addr "$i")" "$(sync_peer_port "$i")"
}

sync_peer_stop() {
	local v="SYNC_PID_$1" p
	p=${!v:-}
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	eval "SYNC_PID_$1="
}

# Adds every peer's host key to known_hosts the way OpenSSH would.
sync_trust_all() {
	local i
	for i in "$@"; do
		printf '[%s]:%s %s\n' "$(sync_peer_addr "$i")" \
			"$(sync_peer_port "$i")" \
			"$(cut -d' ' -f1,2 "$(sync_peer_dir "$i")/hostkey.pub")" \
			>> "$SYNC_DIR/known_hosts"
	done
}

# ---- a cluster to push: this node + peers 1..N ----

sync_bins() {
	top_builddir=${top_builddir:-$PWD}
	SHOALCTL=$top_builddir/shoalctl
	SHOAL_SYNC=$top_builddir/shoal-sync
	[ -x "$SHOALCTL" ] || sync_skip "no $SHOALCTL (build first)"
	[ -x "$SHOAL_SYNC" ] || sync_skip "no $SHOAL_SYNC (build first)"
}

# Each peer runs the real shoalctl through a wrapper that can misbehave on
# demand: echo MODE > $(sync_peer_dir I)/mode, MODE one of
#   truncate  cut the staged file in half before `config verify`
#   stall     sleep instead of answering (the remote command times out)
#   slow      wait 5 s, then answer (a push stays in each step long
#             enough for a poll to see it on a loaded machine)
#   garbage   print nonsense and exit 0
sync_peer_wrapper() {
	local d
	d=$(sync_peer_dir "$1")
	cat > "$d/shoalctl" <<EOF2
#!/bin/bash
mode=\$(cat "$d/mode" 2>/dev/null)
case "\$mode:\$4" in
truncate:verify)
	f=\$6; s=\$(stat -c %s "\$f"); truncate -s \$((s / 2)) "\$f" ;;
stall:*)	# until shoal-sync gives up and the session goes (at most 60 s)
	for _ in \$(seq 600); do kill -0 \$PPID 2>/dev/null || exit 0; sleep 0.1; done
	exit 0 ;;
slow:*)
	sleep 5 ;;
garbage:*)
	echo "Welcome to a very chatty login banner"; exit 0 ;;
esac
exec "$SHOALCTL" "\$@"
EOF2
	chmod 755 "$d/shoalctl"
}

# Writes the lvs.cf of this node (127.0.0.1) and peers 1..N to $1; extra
# global lines from $SYNC_EXTRA (to make a new generation).
sync_write_cf() {
	local out=$1 n=$2 i
	{
		echo "service = lvs"
		echo "primary = 127.0.0.1"
		[ -n "${SYNC_EXTRA:-}" ] && echo "$SYNC_EXTRA"
		echo "node self {"
		echo "    address = 127.0.0.1"
		echo "    priority = 250"
		echo "}"
		for i in $(seq 1 "$n"); do
			echo "node p$i {"
			echo "    address = $(sync_peer_addr "$i")"
			echo "    priority = $((100 + i))"
			echo "    ssh_port = $(sync_peer_port "$i")"
			echo "    remote_shoalctl = \"${SYNC_REMOTE_SHOALCTL:-$(sync_peer_dir "$i")/shoalctl}\""
			echo "    remote_db = \"$(sync_peer_dir "$i")/${SYNC_DBSUB:-}shoal.db\""
			echo "}"
		done
		echo "virtual web {"
		echo "    address = 10.200.0.100 eth0:1"
		echo "    active = 1"
		echo "    port = 80"
		echo "    server r1 {"
		echo "        address = 10.200.1.1"
		echo "        active = 1"
		echo "    }"
		echo "}"
	} > "$out"
}

# Sets up N peers (started, wrapped, trusted in known_hosts) and a local
# database with generation 1.
sync_cluster() {
	local n=$1 i
	sync_bins
	for i in $(seq 1 "$n"); do
		sync_peer_add "$i"
		sync_peer_wrapper "$i"
		sync_peer_start "$i" || return 1
	done
	LOCAL_DB=$SYNC_DIR/local.db
	sync_write_cf "$SYNC_DIR/cluster.cf" "$n"
	"$SHOALCTL" --db "$LOCAL_DB" config import "$SYNC_DIR/cluster.cf" \
		>/dev/null || return 1
}

# A new local generation (a changed global value).
sync_new_generation() {
	SYNC_EXTRA="keepalive = $1"
	sync_write_cf "$SYNC_DIR/cluster.cf" "$2"
	"$SHOALCTL" --db "$LOCAL_DB" config import "$SYNC_DIR/cluster.cf" \
		>/dev/null
}

ssync() {
	"$SHOAL_SYNC" --db "$LOCAL_DB" --known-hosts "$SYNC_DIR/known_hosts" \
		--identity "$SYNC_DIR/id_ed25519" "$@"
}

# "GEN HASH" of a database (the local one, or peer I's).
sync_gen_of() { "$SHOALCTL" --db "$1" config current 2>/dev/null |
	sed -n 's/^current generation=\([0-9]*\) hash=\([0-9a-f]*\)$/\1 \2/p'; }
sync_local_gen() { sync_gen_of "$LOCAL_DB"; }
sync_peer_gen() { sync_gen_of "$(sync_peer_dir "$1")/shoal.db"; }
sync_peer_genno() { local g; g=$(sync_peer_gen "$1"); echo "${g%% *}"; }

FAILS=0
check() {	# check DESCRIPTION COMMAND...: one expectation
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		FAILS=$((FAILS + 1))
	fi
}
sync_done() {
	if [ "$FAILS" -ne 0 ]; then
		echo "$FAILS check(s) failed"
		exit 1
	fi
	exit 0
}
