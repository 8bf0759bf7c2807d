#!/bin/bash
# bench/maglev/run.sh [BUILDDIR] [RUNS] - medians over RUNS client sets
# (seeds 1..RUNS) of bench/maglev/maglev_bench: the fraction of 10,000
# clients that change real server when one of five leaves, for shoal's
# Maglev table (mh) and for a mod-N hash; also "extra", the fraction of the
# other servers' clients that moved, the largest share deviation and the
# time to build one table.
set -eu
build=${1:-_build/dev}
runs=${2:-7}
bin=$build/bench/maglev/maglev_bench
[ -x "$bin" ] || { echo "no $bin: build first (make)" >&2; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for seed in $(seq "$runs"); do
	"$bin" 10000 "$seed" >>"$out"
done
median() {	# median of the numbers on stdin
	sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
field() {	# field LABEL NAME: every value of NAME on lines of LABEL
	grep "^$1 " "$out" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
echo "table size $(sed -n 's/^table_size=\([0-9]*\).*/\1/p' "$out" | head -1)," \
	"10000 clients, $runs client sets, each of the 5 servers leaving in turn"
for w in equal weighted; do
	printf '%-9s maglev moved %.1f %%  (other servers'"'"' clients moved %.2f %%)  mod-N moved %.1f %%\n' \
		"$w" "$(field $w maglev_moved | median | awk '{print $1 * 100}')" \
		"$(field $w maglev_extra | median | awk '{print $1 * 100}')" \
		"$(field $w modn_moved | median | awk '{print $1 * 100}')"
done
printf 'largest share deviation: equal %.2f %%, weighted 1:2:3:4:5 %.2f %%\n' \
	"$(field equal share_max_deviation | median | awk '{print $1 * 100}')" \
	"$(field weighted share_max_deviation | median | awk '{print $1 * 100}')"
printf 'build one table: %s us (median)\n' \
	"$(sed -n 's/^build_us=//p' "$out" | median)"
