# tests/integration/lib/push_lib.sh - nodes that take configuration pushes
# over SSH, in network namespaces (bash; source after lib/netns.sh and
# lib/pulse_lib.sh).
#
#   pp_init                  # a push key and an empty known_hosts
#   pp_sshd NODE ADDR        # sshd on ADDR:2222 in NODE's namespace, its
#                            # host key trusted, and NS_TMP/shoalctl-NODE:
#                            # `config commit` reloads NODE's pulse
#   pp_node_keys NODE ADDR   # lvs.cf lines of NODE's push settings
#   pp_db NODE FILE          # NODE's database in a directory of its own,
#                            # as on real nodes (NS_TMP/NODE.db links it)

pp_init() {
	[ -x /usr/sbin/sshd ] || { echo "SKIP: no sshd"; exit 77; }
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$NS_TMP/id" -C shoal-test-push
	: >"$NS_TMP/known_hosts"
}

pp_sshd() {
	local n=$1 addr=$2
	ssh-keygen -q -t ed25519 -N '' -f "$NS_TMP/hostkey-$n" -C "$n"
	cat >"$NS_TMP/sshd-$n.conf" <<EOF
ListenAddress $addr:2222
HostKey $NS_TMP/hostkey-$n
PidFile $NS_TMP/sshd-$n.pid
AuthorizedKeysFile $NS_TMP/id.pub
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
	printf '[%s]:2222 %s\n' "$addr" \
		"$(cut -d' ' -f1,2 "$NS_TMP/hostkey-$n.pub")" >>"$NS_TMP/known_hosts"
	# (a remote command starts root's shell, which is slow on a loaded
	# machine: pushes get a generous timeout)
	cat >"$NS_TMP/shoalctl-$n" <<EOF
#!/bin/bash
case " \$* " in
*" config commit "*) exec "$SHOALCTL" "\$@" --rundir "$NS_TMP/run-$n" ;;
esac
exec "$SHOALCTL" "\$@"
EOF
	chmod 755 "$NS_TMP/shoalctl-$n"
	ns_spawn "$n" "$NS_TMP/sshd-$n.log" /usr/sbin/sshd -D \
		-f "$NS_TMP/sshd-$n.conf" -E "$NS_TMP/sshd-$n.err"
}

pp_node_keys() {
	cat <<CF
    address = $2
    ssh_port = 2222
    remote_db = "$NS_TMP/$1/shoal.db"
    remote_shoalctl = "$NS_TMP/shoalctl-$1"
CF
}

# (a commit removes the staged files it finds beside the database)
pp_db() {
	mkdir -p "$NS_TMP/$1"
	"$SHOALCTL" --db "$NS_TMP/$1/shoal.db" config import "$2" \
		>/dev/null || pl_fail "import for $1"
	ln -sf "$1/shoal.db" "$NS_TMP/$1.db"
}
