#!/bin/bash
# bench/config/run.sh - import and export of a large lvs.cf.
#
#   bench/config/run.sh [BUILDDIR] [RUNS]
#
# Generates an lvs.cf with 200 virtual servers x 20 real servers (4000
# real servers), then times `shoalctl config import` into a fresh
# database and `shoalctl config export` of it, RUNS times each (default
# 7), and prints the median wall time and the peak RSS (ru_maxrss, from
# GNU time) of each.  Not part of make check.
set -eu
build=${1:-.}
runs=${2:-7}
shoalctl=$build/shoalctl
nvs=200
nrs=20
[ -x "$shoalctl" ] || { echo "no shoalctl in $build (give the build dir)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time needed: apt-get install time" >&2; exit 2; }
work=$(mktemp -d /tmp/bench-config.XXXXXX)
trap 'rm -rf -- "$work"' EXIT

gen() {		# the lvs.cf; addresses are only text here, nothing is sent
	echo "serial_no = 1"
	echo "primary = 10.255.0.1"
	echo "backup_active = 1"
	echo "backup = 10.255.0.2"
	echo "service = lvs"
	echo "network = direct"
	echo "keepalive = 0.2"
	echo "deadtime = 1"
	for ((v = 0; v < nvs; v++)); do
		echo "virtual vs$v {"
		echo "    active = 1"
		echo "    address = 10.200.$((v / 250)).$((v % 250 + 1)) eth0:$v"
		echo "    vip_nmask = 255.255.255.0"
		echo "    port = 80"
		echo "    send = \"GET / HTTP/1.0\\r\\n\\r\\n\""
		echo "    expect = \"HTTP\""
		echo "    scheduler = wlc"
		echo "    protocol = tcp"
		echo "    timeout = 6"
		echo "    reentry = 15"
		for ((r = 0; r < nrs; r++)); do
			echo "    server rs$r {"
			echo "        address = 10.201.$v.$((r + 1))"
			echo "        active = 1"
			echo "        weight = $((r % 5 + 1))"
			echo "    }"
		done
		echo "}"
	done
}

median() {	# median of the numbers on stdin
	sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
		else printf "%.6g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# measure NAME CMD...: one run; appends "seconds kib" to $work/NAME
measure() {
	local name=$1 t0 t1
	shift
	t0=$EPOCHREALTIME
	/usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" -v m="$(cat "$work/rss")" \
	    'BEGIN { printf "%.6f %d\n", b - a, m }' >>"$work/$name"
}

gen >"$work/big.cf"
echo "input: $nvs virtual servers x $nrs real servers," \
	"$(wc -l <"$work/big.cf") lines, $(wc -c <"$work/big.cf") bytes"
for ((i = 0; i < runs; i++)); do
	rm -f "$work"/db*
	measure import "$shoalctl" --db "$work/db" config import "$work/big.cf"
	measure export "$shoalctl" --db "$work/db" config export
done
# the export is canonical: importing it again is "unchanged"
"$shoalctl" --db "$work/db" config export >"$work/out.cf"
"$shoalctl" --db "$work/db" config import "$work/out.cf" | grep -q ^unchanged ||
	{ echo "export did not round-trip" >&2; exit 1; }
for op in import export; do
	printf '%-7s median %8.3f s   peak RSS median %6d KiB   (%d runs)\n' \
		"$op" "$(cut -d' ' -f1 "$work/$op" | median)" \
		"$(cut -d' ' -f2 "$work/$op" | median)" "$runs"
done
