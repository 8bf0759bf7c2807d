#!/bin/bash
# run.sh FD LOGFD - runs the scenarios inside the VM (from /init) and
# writes TAP to FD: "ok N - NAME (S s)" or "not ok", each scenario's
# figures (its "ok: ..." lines) as comments, and its FAIL line and the
# tail of its log when it fails; every scenario's whole log to LOGFD.
# Each scenario gets shoal.timeout seconds (default 600), then is
# killed; whatever it left (namespaces, processes) is removed before the
# next one.
out=$1 logs=$2
only=$(sed -n 's/.*shoal\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
bound=$(sed -n 's/.*shoal\.timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
bound=${bound:-600}
for kv in $(cat /proc/cmdline); do
	case $kv in shoal.env.*=*) kv=${kv#shoal.env.}; export "${kv?}" ;; esac
done
list=()
for f in /shoal/tests/[0-9][0-9]-*.sh; do
	name=$(basename "$f" .sh)
	name=${name#[0-9][0-9]-}
	if [ -n "$only" ]; then
		case ",$only," in *",$name,"*) ;; *) continue ;; esac
	fi
	list+=("$f")
done
echo "1..${#list[@]}" >&"$out"
# leftovers: every process but us and the kernel's, every namespace
tidy() {
	local p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = 1 ] || [ "$p" = $$ ] && continue
		[ -r "/proc/$p/exe" ] || continue	# kernel threads
		kill -KILL "$p" 2>/dev/null
	done
	for ns in $(ip netns list | awk '{print $1}'); do
		ip netns del "$ns"
	done
}
i=0
for f in "${list[@]}"; do
	i=$((i + 1))
	name=$(basename "$f" .sh)
	name=${name#[0-9][0-9]-}
	log=/tmp/$name.log
	t0=$EPOCHREALTIME
	timeout -s KILL "$bound" /bin/bash "$f" >"$log" 2>&1
	rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if [ $rc = 0 ]; then
		echo "ok $i - $name (${secs} s)" >&"$out"
	elif [ $rc = 77 ]; then
		echo "ok $i - $name # SKIP $(tail -n 1 "$log")" >&"$out"
	else
		[ $rc = 137 ] && echo "killed after $bound s" >>"$log"
		echo "not ok $i - $name (${secs} s, exit $rc)" >&"$out"
		grep '^FAIL' "$log" | sed 's/^/#   /' >&"$out"
		tail -n 60 "$log" | sed 's/^/#   | /' >&"$out"
	fi
	grep '^ok: ' "$log" | sed 's/^ok: /#   /' >&"$out"
	{ echo "===== $name (exit $rc)"; cat "$log"; } >&"$logs"
	tidy
done
echo "# vm: done" >&"$out"
