# scripts/deps.sh - sourced by test-all and demo: installs the Debian 12
# packages shoal needs to build and test, when any is missing.
# shellcheck shell=bash

SHOAL_DEBS=(
	# build
	build-essential autoconf automake libtool pkg-config
	libsqlite3-dev libmicrohttpd-dev libssh2-1-dev libcmocka-dev
	libjansson-dev libevent-dev libmnl-dev nettle-dev libssl-dev libcrypt-dev
	libnftables-dev libc-ares-dev
	# sanitizer and fuzzing builds
	clang libclang-rt-14-dev
	# test-all --stress (busy CPUs beside the suite); the chaos soak's
	# side-by-side comparison (bench/chaos, bench/failover)
	stress-ng keepalived
	# tests: namespaces, nftables, sshd, conntrackd (connection sync), tools
	iproute2 nftables sqlite3 openssh-server openssh-client python3 curl
	procps psmisc kmod conntrackd conntrack
	# `promtool check metrics` on pulse's and shoal-web's /metrics
	prometheus
	# real servers for nanny's protocol checks (tests/integration/nanny_proto.sh)
	dnsmasq-base exim4-daemon-light dovecot-imapd dovecot-pop3d vsftpd slapd
	# scale-out (director_mode = ecmp): the routing daemon pulse drives
	bird2
	# the VM lane (tests/vm): Debian's stock kernel under qemu, busybox
	# and ipvsadm in its initramfs (the kernel package itself is fetched
	# with apt-get download into a cache, never installed)
	qemu-system-x86 busybox-static ipvsadm
	# browser tests (shoal-web) and its benchmark; Node.js and npm are
	# checked apart (the machine may carry its own Node.js build)
	chromium wrk
	# man page checks and the package tests (.deb with lintian, .rpm)
	man-db debhelper dpkg-dev lintian fakeroot rpm
)

# What scripts/demo needs: build and run shoal, no test or browser tools.
# shellcheck disable=SC2034
SHOAL_DEMO_DEBS=(
	build-essential autoconf automake libtool pkg-config
	libsqlite3-dev libmicrohttpd-dev libssh2-1-dev
	libjansson-dev libevent-dev libmnl-dev nettle-dev libssl-dev libcrypt-dev
	libnftables-dev libcmocka-dev libc-ares-dev
	iproute2 nftables openssh-server openssh-client python3 curl
	procps kmod passwd bird2
)

# Installs every package of SHOAL_DEBS (the whole test suite) and "$@".
shoal_install_deps() {
	local extra=()
	# Debian's npm conflicts with Node.js builds that bundle npm: ask for
	# the packages only when the commands are missing.
	command -v node >/dev/null 2>&1 || extra+=(nodejs)
	command -v npm >/dev/null 2>&1 || extra+=(npm)
	shoal_install_debs "${SHOAL_DEBS[@]}" "${extra[@]}" "$@"
}

# Installs the packages named that are missing; 0, or 1 with the reason.
shoal_install_debs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages: ${missing[*]}" >&2
		echo "run as root, or: apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq || return 1
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null || return 1
}
