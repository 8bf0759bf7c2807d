#!/bin/bash
# layers.sh - the layer check (scripts/check-layers): the source tree has
# no forbidden include; the script's table is doc/architecture.md's
# ("Layers"); and the script does fail, naming file and line, on a copy of
# the tree where one file got a forbidden include (a kernel header in the
# CLI, sqlite3.h outside the store, another program's private header).
set -u
: "${top_srcdir:?}"
check=$top_srcdir/scripts/check-layers
tmp=$(mktemp -d /tmp/layers.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$check" "$top_srcdir/src" 2>&1) || fail "the tree has violations: $out"
[ -z "$out" ] || fail "check-layers printed: $out"
echo "ok: no forbidden include in src/"

# the table in doc/architecture.md, as "layer: deps" lines
sed -n 's/^| `src\/\([a-z]*\)\/` |.*| \([^|]*\) |$/\1: \2/p' \
	"$top_srcdir/doc/architecture.md" | sed 's/—//; s/,//g; s/ *$//' |
	sort >"$tmp/doc.txt"
"$check" --table | sed 's/ *$//' >"$tmp/script.txt"
[ -s "$tmp/doc.txt" ] || fail "no layer table in doc/architecture.md"
diff -u "$tmp/doc.txt" "$tmp/script.txt" >"$tmp/diff.txt" ||
	fail "scripts/check-layers and doc/architecture.md differ:
$(cat "$tmp/diff.txt")"
echo "ok: the script's table is doc/architecture.md's"

# violate FILE WHAT WANT: FILE (in a copy of src/) gets the line WHAT;
# the check must exit 1 with one complaint, "src/FILE" then WANT (@ is
# the number of the added line)
violate() {
	local file=$1 what=$2 want=$3 rc line
	rm -rf "$tmp/src"
	cp -r "$top_srcdir/src" "$tmp/src"
	chmod -R u+w "$tmp/src"
	# after the first line that is an include, so line numbers are known
	line=$(grep -n '^#include' "$tmp/src/$file" | head -1 | cut -d: -f1)
	sed -i "${line}a $what" "$tmp/src/$file"
	want=${want//@/$((line + 1))}
	out=$("$check" "$tmp/src" 2>&1)
	rc=$?
	[ $rc = 1 ] || fail "$file with $what: exit $rc, not 1: $out"
	[ "$out" = "$tmp/src/$file$want" ] ||
		fail "$file with $what: \"$out\" is not one line ending \"$want\""
	echo "ok: $file with $what: exit 1, $out"
}
violate shoalctl/cmd_pulse.c '#include "net/rtnl.h"' \
	":@: shoalctl may not include net/rtnl.h"
violate webui/api_status.c '#include <sqlite3.h>' \
	": only src/store may include sqlite3.h"
violate nanny/nanny.c '#include "worker.h"' \
	":@: worker.h is not a header of nanny"
exit 0
