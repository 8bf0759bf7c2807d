#!/bin/bash
# impl/shoal.sh - the shoal plugin of the chaos soak (contract:
# bench/chaos/README.md).  shoal with its defaults and a key: LVS in NAT
# mode on the nftables backend, both VIPs as virtual servers over the
# three real servers (nannies check them), nat_router as the real servers'
# gateway, pushes over SSH from the admin namespace.  PULSE_KEEPALIVE and
# PULSE_DEADTIME (seconds) override the defaults.
#
# Each node keeps its database on a small tmpfs of its own (the "disk
# full" fault fills it): a holder process owns a private mount namespace
# with that tmpfs, and the node's pulse and sshd run inside it (nsenter),
# so the host's mounts are never touched.  The sshd sets SHLVL=1 so that
# bash does not read root's .bashrc for every remote command (on this
# machine it runs pyenv, which took seconds to minutes under load).
set -u
: "${CH_RUN:?}" "${CH_BUILD:?}"
B=$CH_BUILD
PULSE=$B/src/pulse/pulse
SHOALCTL=$B/shoalctl
SYNC=$B/shoal-sync
NANNY=$B/nanny
ADMIN=$CH_RUN/admin
KEY=$CH_RUN/ssh/id_ed25519

node_dir() { echo "$CH_RUN/$1"; }
holder() { cat "$(node_dir "$1")/holder.pid" 2>/dev/null; }
# in_node NODE CMD...: CMD in NODE's mount and network namespaces
in_node() {
	local n=$1 ns
	shift
	ns=$(node_var "$n" ns)
	nsenter -t "$(holder "$n")" -m -- ip netns exec "$ns" "$@"
}
# node_var NODE FIELD: from CH_NODES ("name:ns:ip:priv:prio ...")
node_var() {
	local e
	for e in $CH_NODES; do
		IFS=: read -r name ns ip priv prio <<<"$e"
		[ "$name" = "$1" ] || continue
		case $2 in
		ns) echo "$ns" ;; ip) echo "$ip" ;; priv) echo "$priv" ;;
		prio) echo "$prio" ;;
		esac
	done
}
nodes() { local e; for e in $CH_NODES; do echo "${e%%:*}"; done; }

# The cluster's lvs.cf, serial_no GEN (a push bumps it).
write_cf() {
	local gen=$1 n i=0 v
	echo "serial_no = $gen"
	echo "service = lvs"
	echo "network = nat"
	echo "lvs_backend = nftables"
	echo "nat_router = $CH_NAT_ROUTER eth1:1"
	echo "nat_nmask = 255.255.255.0"
	echo "heartbeat_key = \"$(cat "$CH_RUN/hbkey")\""
	[ -n "${PULSE_KEEPALIVE:-}" ] && echo "keepalive = $PULSE_KEEPALIVE"
	[ -n "${PULSE_DEADTIME:-}" ] && echo "deadtime = $PULSE_DEADTIME"
	for n in $(nodes); do
		cat <<-EOF
		node $n {
		    address = $(node_var "$n" ip)
		    priority = $(node_var "$n" prio)
		    ssh_user = root
		    ssh_key = $KEY
		    remote_shoalctl = $(node_dir "$n")/shoalctl
		    remote_db = $(node_dir "$n")/db/shoal.db
		}
		EOF
	done
	for v in $CH_VIPS; do
		i=$((i + 1))
		echo "virtual web$i {"
		echo "    address = $v eth0:$i"
		echo "    vip_nmask = 255.255.255.0"
		echo "    active = 1"
		echo "    port = 80"
		echo "    scheduler = wrr"
		local j=0 rs
		for rs in $CH_RS; do
			j=$((j + 1))
			echo "    server rs$j {"
			echo "        address = $rs"
			echo "        active = 1"
			echo "    }"
		done
		echo "}"
	done
}

setup_node() {	# the holder, the tmpfs, the database, sshd
	local n=$1 d ns ip
	d=$(node_dir "$n")
	ns=$(node_var "$n" ns)
	ip=$(node_var "$n" ip)
	mkdir -p "$d/db" "$d/run" "$d/sshd"
	(cd "$d" && exec unshare --mount --propagation private bash -c \
		'mount -t tmpfs -o size=4m,mode=755 chaos-db "$1" &&
		 exec sleep infinity' _ "$d/db") >/dev/null 2>&1 &
	echo $! >"$d/holder.pid"
	for _ in $(seq 100); do
		nsenter -t "$(holder "$n")" -m -- grep -q " $d/db tmpfs" \
			/proc/self/mounts 2>/dev/null && break
		sleep 0.05
	done
	in_node "$n" "$SHOALCTL" --db "$d/db/shoal.db" config import \
		"$CH_RUN/lvs.cf" >/dev/null || return 1
	# `config commit` must find this node's pulse (not /run/shoal)
	cat >"$d/shoalctl" <<-EOF
	#!/bin/sh
	case " \$* " in
	*" commit "*) exec $SHOALCTL "\$@" --rundir $d/run ;;
	esac
	exec $SHOALCTL "\$@"
	EOF
	chmod 755 "$d/shoalctl"
	ssh-keygen -q -t ed25519 -N '' -C "chaos-$n" -f "$d/sshd/hostkey" ||
		return 1
	echo "$ip $(cut -d' ' -f1-2 "$d/sshd/hostkey.pub")" \
		>>"$CH_RUN/ssh/known_hosts"
	cat >"$d/sshd/config" <<-EOF
	ListenAddress $ip:22
	HostKey $d/sshd/hostkey
	PidFile $d/sshd/pid
	AuthorizedKeysFile $CH_RUN/ssh/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	UseDNS no
	LogLevel ERROR
	Subsystem sftp internal-sftp
	SetEnv SHLVL=1
	EOF
	mkdir -p /run/sshd
	(cd "$d" && exec nsenter -t "$(holder "$n")" -m -- ip netns exec "$ns" \
		/usr/sbin/sshd -D -f "$d/sshd/config" -E "$d/sshd/log") \
		>/dev/null 2>&1 &
	echo $! >"$d/sshd.pid"
}

setup() {
	local n
	for t in "$PULSE" "$SHOALCTL" "$SYNC" "$NANNY"; do
		[ -x "$t" ] || { echo "shoal.sh: no $t (build shoal)" >&2; exit 1; }
	done
	mkdir -p "$ADMIN" "$CH_RUN/ssh"
	head -c 32 /dev/urandom | base64 | tr -d '=\n' >"$CH_RUN/hbkey"
	ssh-keygen -q -t ed25519 -N '' -C chaos-push -f "$KEY" || exit 1
	cp "$KEY.pub" "$CH_RUN/ssh/authorized_keys"
	: >"$CH_RUN/ssh/known_hosts"
	echo 1 >"$CH_RUN/generation"
	write_cf 1 >"$CH_RUN/lvs.cf"
	"$SHOALCTL" --db "$ADMIN/shoal.db" config import "$CH_RUN/lvs.cf" \
		>/dev/null || exit 1
	for n in $(nodes); do
		setup_node "$n" || { echo "shoal.sh: setup of $n failed" >&2
			exit 1; }
	done
}

teardown() {
	local n d p
	for n in $(nodes); do
		d=$(node_dir "$n")
		for p in $(cat "$d/sshd.pid" "$d/holder.pid" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
	done
	return 0
}

pgid_of() { cat "$CH_STATE/pgid" 2>/dev/null; }

start() {
	local d
	d=$(node_dir "$CH_NODE")
	mkdir -p "$d/run"
	(cd "$d" && SHOAL_NANNY=$NANNY exec setsid nsenter -t \
		"$(holder "$CH_NODE")" -m -- ip netns exec "$CH_NS" "$PULSE" -n \
		--db "$d/db/shoal.db" --rundir "$d/run" --log "$d/pulse.tlog") \
		>>"$d/pulse.log" 2>&1 </dev/null &
	echo $! >"$CH_STATE/pgid"
}

# supervisor, worker, then the rest (nannies), each "ROLE PID"
procs() {
	local pg w p
	pg=$(pgid_of)
	[ -n "$pg" ] || return 0
	if [ -d "/proc/$pg" ] && [ "$(awk '{print $3}' "/proc/$pg/stat")" != Z ]
	then
		echo "supervisor $pg"
	fi
	for w in $(pgrep -P "$pg"); do
		echo "worker $w"
		for p in $(pgrep -P "$w"); do echo "other $p"; done
	done
}

kill_all() {
	local pg
	pg=$(pgid_of)
	[ -n "$pg" ] || return 0
	kill -KILL -- "-$pg" 2>/dev/null
	for _ in $(seq 100); do
		[ -z "$(pgrep -g "$pg")" ] && return 0
		sleep 0.05
	done
	return 1
}

push() {	# a new generation from the admin station to every node
	local gen
	gen=$(($(cat "$CH_RUN/generation") + 1))
	write_cf "$gen" >"$CH_RUN/lvs.cf.new"
	"$SHOALCTL" --db "$ADMIN/shoal.db" config import "$CH_RUN/lvs.cf.new" \
		>/dev/null || return 1
	echo "$gen" >"$CH_RUN/generation"
	ip netns exec "$CH_ADMIN_NS" "$SYNC" --db "$ADMIN/shoal.db" \
		--known-hosts "$CH_RUN/ssh/known_hosts" --identity "$KEY" \
		-t 30 push >>"$CH_RUN/push.log" 2>&1
}

case "${1:-}" in
setup) setup ;;
teardown) teardown ;;
start) start ;;
procs) procs ;;
stop)
	kill -TERM "$(pgid_of)" 2>/dev/null
	for _ in $(seq 200); do
		[ -z "$(pgrep -g "$(pgid_of)")" ] && exit 0
		sleep 0.05
	done
	exit 1 ;;
kill) kill_all ;;
poststop)	# the unit's ExecStopPost: pulse --cleanup
	in_node "$CH_NODE" "$PULSE" --db "$(node_dir "$CH_NODE")/db/shoal.db" \
		--cleanup >>"$(node_dir "$CH_NODE")/pulse.log" 2>&1 ;;
reload)
	"$SHOALCTL" reload --rundir "$(node_dir "$CH_NODE")/run" >/dev/null ;;
push) push ;;
generation)
	"$SHOALCTL" status --json --rundir "$(node_dir "$CH_NODE")/run" \
		2>/dev/null | /usr/bin/python3 -c \
		'import json,sys; print(json.load(sys.stdin)["generation"])' ;;
diskfull)
	d=$(node_dir "$CH_NODE")/db
	if [ "${2:-}" = on ]; then
		nsenter -t "$(holder "$CH_NODE")" -m -- \
			dd if=/dev/zero of="$d/fill" bs=64k status=none 2>/dev/null
		exit 0
	fi
	nsenter -t "$(holder "$CH_NODE")" -m -- rm -f "$d/fill" ;;
params)
	python3 - "${PULSE_KEEPALIVE:-}" "${PULSE_DEADTIME:-}" <<-'EOF'
	import sys
	ka = float(sys.argv[1] or 0.2)
	dt = float(sys.argv[2] or 0.8)
	print("keepalive_ms=%d deadtime_ms=%d" % (ka * 1000, dt * 1000))
	EOF
	;;
*) echo "usage: $0 setup|teardown|start|procs|stop|kill|poststop|reload|push|generation|diskfull on|off|params" >&2
	exit 2 ;;
esac
