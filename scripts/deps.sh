# scripts/deps.sh - sourced by test-all and demo: installs the Debian 12
# packages shoal needs to build and test, when any is missing.
# shellcheck shell=bash

SHOAL_DEBS=(
	# build
	build-essential autoconf automake libtool pkg-config
	libsqlite3-dev libmicrohttpd-dev libssh2-1-dev libcmocka-dev
	libjansson-dev libevent-dev libmnl-dev libssl-dev libcrypt-dev
	libnftables-dev libsystemd-dev
	# sanitizer and fuzzing builds
	clang libclang-rt-14-dev
	# tests: namespaces, nftables, sshd, tools
	iproute2 nftables sqlite3 openssh-server openssh-client python3 curl
	procps psmisc kmod
	# browser tests (shoal-web) and its benchmark
	chromium nodejs npm wrk
)

shoal_install_deps() {
	local missing=() p
	for p in "${SHOAL_DEBS[@]}" "$@"; do
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
	apt-get update -qq || return 1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}
