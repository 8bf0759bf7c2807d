#!/bin/bash
# shoalctl_cli.sh - drive the real shoalctl binary: import, export, the
# canonical round trip, rejected files that change nothing, history,
# diff, rollback, passwords, and the exit codes of shoalctl(8).
# Needs no root and no network.
set -u

: "${top_builddir:?run through make check}"
: "${SHOAL_FIXTURES:?run through make check}"
shoalctl=$top_builddir/shoalctl
piranha=$SHOAL_FIXTURES/piranha
if ! command -v sqlite3 >/dev/null; then
	echo "SKIP: the sqlite3 command is needed (apt-get install sqlite3)"
	exit 77
fi
if ! ls "$piranha"/*.cf >/dev/null 2>&1; then
	echo "FAIL: no Piranha fixtures in $piranha"
	exit 1
fi

work=$(mktemp -d /tmp/shoalctl_cli.XXXXXX) || exit 1
trap 'rm -rf -- "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect CODE DESCRIPTION -- COMMAND...: runs COMMAND, output in $work/out
# and $work/err, and checks its exit code.
expect() {
	local want=$1 what=$2 rc
	shift 3
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$what: exit $rc, expected $want"
		sed 's/^/    /' "$work/err" | head -20
	fi
}

ctl() {		# ctl DB ARGS...
	local db=$1
	shift
	"$shoalctl" --db "$db" "$@"
}

dump() {	# a full textual dump of a database
	sqlite3 "$1" .dump
}

# ---- import, export, canonical round trip on every Piranha fixture ----
for f in "$piranha"/*.cf; do
	name=$(basename "$f" .cf)
	db=$work/$name.db
	expect 0 "import $name" -- ctl "$db" config import "$f"
	grep -q '^generation 1 sha256 [0-9a-f]\{64\}$' "$work/out" ||
		fail "import $name: no generation line: $(cat "$work/out")"
	hash=$(awk '{print $4}' "$work/out")
	expect 0 "export $name" -- ctl "$db" config export
	cp "$work/out" "$work/$name.export"
	[ -s "$work/$name.export" ] || fail "export $name: empty"
	# the export is canonical: its hash is the generation's hash
	[ "$(sha256sum <"$work/$name.export" | cut -d' ' -f1)" = "$hash" ] ||
		fail "export $name: hash differs from history"
	# re-importing the export into a new database gives the same hash
	expect 0 "re-import $name" -- ctl "$work/$name.2.db" config import \
		"$work/$name.export"
	[ "$(awk '{print $4}' "$work/out")" = "$hash" ] ||
		fail "re-import $name: hash changed"
	# and into the same database it is "unchanged": no new generation
	expect 0 "import $name again" -- ctl "$db" config import \
		"$work/$name.export"
	grep -q '^unchanged: generation 1 ' "$work/out" ||
		fail "import $name again: not unchanged: $(cat "$work/out")"
	# export -o writes the same bytes, mode 0600
	expect 0 "export -o $name" -- ctl "$db" config export -o "$work/$name.o"
	cmp -s "$work/$name.o" "$work/$name.export" ||
		fail "export -o $name: bytes differ from stdout"
	[ "$(stat -c %a "$work/$name.o")" = 600 ] ||
		fail "export -o $name: mode $(stat -c %a "$work/$name.o")"
	[ "$(stat -c %a "$db")" = 600 ] || fail "database mode is not 0600"
	expect 0 "check $name" -- ctl "$work/none.db" config check "$f"
	grep -q ': ok: ' "$work/out" || fail "check $name: no ok line"
done
[ -e "$work/none.db" ] && fail "config check created a database"

# ---- a broken file is rejected whole and changes nothing ----
db=$work/main.db
first=$(ls "$piranha"/*.cf | head -1)
second=$(ls "$piranha"/*.cf | tail -1)
expect 0 "import first" -- ctl "$db" config import "$first"
cat >"$work/broken.cf" <<'EOF'
service = lvs
primary = 10.0.0.1
backup_active = 1
backup = 10.0.0.300
keepalive = 2
deadtime = 10
network = nat
virtual web {
    active = 1
    address = 10.0.0.100 eth0:1
    port = 99999
    scheduler = fastest
    server r1 {
        address = 10.1.0.1
        active = 1
        weight = 1
    }
}
EOF
dump "$db" >"$work/before.dump"
expect 1 "import broken" -- ctl "$db" config import "$work/broken.cf"
dump "$db" >"$work/after.dump"
cmp -s "$work/before.dump" "$work/after.dump" ||
	fail "import broken: the database changed"
for where in 4:10 11:12 12:17; do
	grep -q "^$work/broken.cf:$where: error: " "$work/err" ||
		fail "import broken: no error at $where"
done
[ "$(grep -c ': error: ' "$work/err")" -ge 3 ] ||
	fail "import broken: not every error listed"
expect 1 "check broken" -- ctl "$db" config check "$work/broken.cf"
grep -q "^$work/broken.cf:11:12: error: " "$work/err" ||
	fail "check broken: errors not listed"
expect 2 "import unreadable" -- ctl "$db" config import "$work/no-such.cf"
dump "$db" >"$work/after.dump"
cmp -s "$work/before.dump" "$work/after.dump" ||
	fail "failed imports changed the database"

# ---- history, diff, rollback ----
expect 0 "import second" -- ctl "$db" config import -m "second one" "$second"
expect 0 "history" -- ctl "$db" config history
[ "$(grep -c '^[ *] *[0-9]' "$work/out")" -eq 2 ] ||
	fail "history: expected 2 generations: $(cat "$work/out")"
grep -q '^\* *2 .*second one$' "$work/out" ||
	fail "history: generation 2 not current or comment lost"
grep -q "cli:" "$work/out" || fail "history: no cli: user"
h1=$(sqlite3 "$db" 'SELECT sha256 FROM history WHERE generation = 1')
expect 0 "diff" -- ctl "$db" config diff 1 2
grep -q '^--- generation 1 ' "$work/out" && grep -q '^+++ generation 2 ' \
	"$work/out" && grep -q '^@@ -[0-9]' "$work/out" ||
	fail "diff: not a unified diff"
# the diff applied to generation 1's export gives generation 2's
ctl "$db" config export -g 1 >"$work/g1.cf"
ctl "$db" config export -g 2 >"$work/g2.cf"
if command -v patch >/dev/null; then
	patch -s -o "$work/g1p.cf" "$work/g1.cf" <"$work/out" &&
		cmp -s "$work/g1p.cf" "$work/g2.cf" ||
		fail "diff: patching generation 1 does not give generation 2"
fi
expect 0 "diff same" -- ctl "$db" config diff 2 2
[ -s "$work/out" ] && fail "diff 2 2: not empty"
expect 1 "diff unknown" -- ctl "$db" config diff 1 9
expect 0 "rollback" -- ctl "$db" config rollback 1
grep -q "^generation 3 sha256 $h1 (rollback to 1)$" "$work/out" ||
	fail "rollback: $(cat "$work/out")"
ctl "$db" config export >"$work/g3.cf"
cmp -s "$work/g1.cf" "$work/g3.cf" || fail "rollback: export differs"
expect 0 "rollback again" -- ctl "$db" config rollback 1
grep -q '^unchanged' "$work/out" || fail "rollback again: not unchanged"
expect 1 "rollback unknown" -- ctl "$db" config rollback 42
[ "$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE action = 'rollback'")" \
	= 1 ] || fail "rollback: no audit row"
expect 0 "show" -- ctl "$db" config show
grep -q '^generation 3 ' "$work/out" || fail "show: no generation line"
grep -q '^virtual servers: ' "$work/out" || fail "show: no virtual servers"

# ---- passwords ----
pw='correct horse battery'
printf '%s\n' "$pw" >"$work/pw"
expect 0 "passwd" -- ctl "$db" passwd admin --password-stdin <"$work/pw"
hash=$(sqlite3 "$db" "SELECT hash FROM users WHERE name = 'admin'")
case $hash in
'$y$'*) ;;
*) fail "passwd: not a yescrypt hash" ;;
esac
dump "$db" | grep -q "$pw" && fail "passwd: plaintext in the database"
printf 'short\n' >"$work/pw"
expect 1 "passwd short" -- ctl "$db" passwd admin --password-stdin <"$work/pw"
[ "$(sqlite3 "$db" "SELECT hash FROM users WHERE name = 'admin'")" = \
	"$hash" ] || fail "passwd short: the hash changed"
expect 2 "passwd without a terminal" -- ctl "$db" passwd admin </dev/null
expect 2 "passwd in argv" -- ctl "$db" passwd admin "$pw" </dev/null
expect 1 "passwd bad name" -- ctl "$db" passwd 'a b' --password-stdin \
	<"$work/pw"
# typed on a terminal: twice, without echo (a pty driven by python3)
if command -v python3 >/dev/null; then
	cat >"$work/drive_tty.py" <<'EOF'
import os, pty, select, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
def read_until(s):
    global out
    for _ in range(100):            # at most 10 s
        if s in out:
            return
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
read_until(b"New password: ")
os.write(fd, (os.environ["PW1"] + "\n").encode())
read_until(b"Retype new password: ")
os.write(fd, (os.environ["PW2"] + "\n").encode())
read_until(b"\n\n")
for _ in range(100):                # a hung shoalctl fails, within 10 s
    p, st = os.waitpid(pid, os.WNOHANG)
    if p == pid:
        break
    select.select([], [], [], 0.1)
else:
    os.kill(pid, 9)
    p, st = os.waitpid(pid, 0)
    out += b"\n(hung: killed)\n"
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 3)
EOF
	PW1="$pw" PW2="$pw" expect 0 "passwd on a tty" -- python3 "$work/drive_tty.py" \
		"$shoalctl" --db "$db" passwd ttyuser
	grep -q "$pw" "$work/out" && fail "passwd on a tty: the password echoed"
	grep -q 'password set for ttyuser' "$work/out" ||
		fail "passwd on a tty: $(cat "$work/out")"
	PW1="$pw" PW2="${pw}x" expect 1 "passwd on a tty, mismatch" -- \
		python3 "$work/drive_tty.py" "$shoalctl" --db "$db" passwd ttyuser
	grep -q 'do not match' "$work/out" ||
		fail "passwd on a tty, mismatch: $(cat "$work/out")"
fi
expect 0 "user list" -- ctl "$db" user list
grep -q '^admin  *admin ' "$work/out" || fail "user list: admin (admin) missing"
# roles: a new user has one; the last admin stays
printf '%s\n' "$pw" >"$work/pw"
expect 0 "user add" -- ctl "$db" user add op --role operator --password-stdin \
	<"$work/pw"
expect 1 "user add again" -- ctl "$db" user add op --role viewer \
	--password-stdin <"$work/pw"
expect 1 "user add bad role" -- ctl "$db" user add v --role root \
	--password-stdin <"$work/pw"
grep -q 'unknown role "root"' "$work/err" || fail "bad role: $(cat "$work/err")"
expect 2 "user add without role" -- ctl "$db" user add v --password-stdin \
	<"$work/pw"
[ "$(sqlite3 "$db" "SELECT role FROM users WHERE name = 'op'")" = operator ] ||
	fail "user add: op is not an operator"
expect 0 "user role" -- ctl "$db" user role op viewer
[ "$(sqlite3 "$db" "SELECT role FROM users WHERE name = 'op'")" = viewer ] ||
	fail "user role: op is not a viewer"
# sessions: listed by id (the hash's prefix), ended by user, id or all
sqlite3 "$db" "INSERT INTO sessions VALUES (randomblob(32), 'op', \
	'192.0.2.7', 1700000000000, 1700000000000); INSERT INTO sessions \
	VALUES (randomblob(32), 'admin', '192.0.2.8', 1, 1); INSERT INTO \
	sessions VALUES (randomblob(32), 'admin', '192.0.2.9', 1, 1)"
expect 0 "user sessions" -- ctl "$db" user sessions op
grep -q ' op  *192\.0\.2\.7  *2023-11-14 ' "$work/out" ||
	fail "user sessions: $(cat "$work/out")"
grep -q admin "$work/out" && fail "user sessions op: lists admin's"
expect 0 "user role ends sessions" -- ctl "$db" user role op operator
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions WHERE user = 'op'")" = 0 ] ||
	fail "a role change left op's sessions"
id=$(sqlite3 "$db" "SELECT lower(hex(substr(key, 1, 6))) FROM sessions \
	WHERE peer = '192.0.2.8'")
expect 0 "user revoke --session" -- ctl "$db" user revoke --session "$id"
grep -q '^1 session ended' "$work/out" || fail "revoke: $(cat "$work/out")"
expect 1 "user revoke bad id" -- ctl "$db" user revoke --session xyz
expect 0 "user revoke --all" -- ctl "$db" user revoke --all
[ "$(sqlite3 "$db" "SELECT count(*) FROM sessions")" = 0 ] ||
	fail "revoke --all left sessions"
expect 0 "user delete" -- ctl "$db" user delete admin
expect 1 "user delete again" -- ctl "$db" user delete admin
if [ -n "$(sqlite3 "$db" "SELECT name FROM users WHERE name = 'ttyuser'")" ]; then
	expect 1 "user role: the last admin" -- ctl "$db" user role ttyuser viewer
	grep -q 'last admin' "$work/err" || fail "last admin: $(cat "$work/err")"
	expect 1 "user delete: the last admin" -- ctl "$db" user delete ttyuser
fi

# ---- a file without heartbeat_key: a random key, or a loud warning ----
printf 'service = lvs\nprimary = 10.0.0.1\n' >"$work/nokey.cf"
expect 0 "check without key" -- ctl "$work/none.db" config check \
	"$work/nokey.cf"
grep -q 'warning: no heartbeat_key' "$work/err" ||
	fail "check without key: no warning: $(cat "$work/err")"
expect 0 "import without key" -- ctl "$work/key.db" config import \
	"$work/nokey.cf"
grep -q 'generated a random one' "$work/err" ||
	fail "import without key: not told: $(cat "$work/err")"
expect 0 "export generated key" -- ctl "$work/key.db" config export
key=$(sed -n 's/^heartbeat_key = \([0-9a-f]\{64\}\)$/\1/p' "$work/out")
[ -n "$key" ] || fail "import without key: no 64-digit key in the export"
expect 0 "import without key again" -- ctl "$work/key.db" config import \
	"$work/nokey.cf"
grep -q '^unchanged: ' "$work/out" ||
	fail "re-import without key: a new generation: $(cat "$work/out")"
expect 0 "import without key elsewhere" -- ctl "$work/key2.db" config \
	import "$work/nokey.cf"
expect 0 "export other key" -- ctl "$work/key2.db" config export
grep -q "^heartbeat_key = $key\$" "$work/out" &&
	fail "two imports generated the same key"
expect 0 "import --no-heartbeat-key" -- ctl "$work/nokey.db" config import \
	--no-heartbeat-key "$work/nokey.cf"
grep -q '^WARNING: no heartbeat_key' "$work/err" ||
	fail "--no-heartbeat-key: no warning: $(cat "$work/err")"
expect 0 "export without key" -- ctl "$work/nokey.db" config export
grep -q heartbeat_key "$work/out" && fail "--no-heartbeat-key: a key anyway"

# ---- usage and system errors ----
expect 2 "no command" -- "$shoalctl"
expect 2 "unknown command" -- ctl "$db" frobnicate
expect 2 "unknown config command" -- ctl "$db" config frobnicate
expect 2 "import without file" -- ctl "$db" config import
expect 2 "diff with one generation" -- ctl "$db" config diff 1
expect 2 "bad option" -- ctl "$db" config export -x
expect 2 "--db without path" -- "$shoalctl" config show --db
expect 2 "missing database" -- ctl "$work/missing.db" config export
[ -e "$work/missing.db" ] && fail "a read command created a database"
expect 1 "bad generation" -- ctl "$db" config rollback abc
expect 0 "--help" -- "$shoalctl" --help
grep -q 'config import' "$work/out" || fail "--help: no commands"
expect 0 "command --help" -- ctl "$db" config import --help
expect 0 "--version" -- "$shoalctl" --version
grep -q '^shoalctl (shoal) ' "$work/out" || fail "--version: $(cat "$work/out")"
# --db after the command works too
expect 0 "--db after command" -- "$shoalctl" config show --db "$db"
# a database from a newer shoal is refused
cp "$db" "$work/newer.db"
sqlite3 "$work/newer.db" 'PRAGMA user_version = 999'
expect 2 "newer schema" -- ctl "$work/newer.db" config show
grep -q 'newer' "$work/err" || fail "newer schema: no reason given"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "ok"
exit 0
