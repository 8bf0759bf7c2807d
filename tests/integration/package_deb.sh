#!/bin/bash
# package_deb.sh - builds the Debian package from this source tree with
# dpkg-buildpackage, checks it with lintian (no errors), installs it with
# dpkg, runs shoalctl --version, pulse -t on the installed sample
# configuration (in a network namespace with the sample's interfaces) and
# shoal-web from the installed paths (a page from its default www), then
# purges it.
#
# Slow (a full package build): runs only with SHOAL_PACKAGE_TESTS=1, as
# root, on a machine where the shoal package is not installed.
set -u
src=${top_srcdir:?run from make check}

[ "${SHOAL_SKIP_SLOW:-0}" = 1 ] && { echo "SKIP: SHOAL_SKIP_SLOW=1"; exit 77; }
[ "${SHOAL_PACKAGE_TESTS:-0}" = 1 ] ||
    { echo "SKIP: set SHOAL_PACKAGE_TESTS=1 to build and install the .deb"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (dpkg -i)"; exit 77; }
for t in dpkg-buildpackage lintian curl ip; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
if dpkg-query -W -f='${Status}' shoal 2>/dev/null | grep -q installed; then
	echo "SKIP: a shoal package is installed here already; not touching it"
	exit 77
fi
ip netns list >/dev/null 2>&1 || { echo "SKIP: ip netns unavailable"; exit 77; }

tmp=$(mktemp -d /tmp/shoal-pkgdeb.XXXXXX)
ns=sd$$
webpid=
had_user=0
getent passwd shoal >/dev/null && had_user=1
# shellcheck disable=SC2317
cleanup() {
	[ -n "$webpid" ] && kill "$webpid" 2>/dev/null && wait "$webpid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	if dpkg-query -W -f='${Status}' shoal 2>/dev/null | grep -q 'ok'; then
		dpkg --purge shoal >/dev/null 2>&1
	fi
	if [ "$had_user" = 0 ] && getent passwd shoal >/dev/null; then
		userdel shoal 2>/dev/null
		getent group shoal >/dev/null && groupdel shoal 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# A problem that does not stop the rest of the test.
rc=0
problem() { echo "FAIL: $*"; rc=1; }

# A clean copy of the sources: the files git knows (committed or not), or
# everything but build products when this is not a git checkout.
tree=$tmp/shoal
mkdir -p "$tree"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z -c -o --exclude-standard |
	    xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$tree" ||
	    fail "copying the sources"
else
	tar -C "$src" --exclude=./_build --exclude='./build*' \
	    --exclude=autom4te.cache -cf - . | tar -xf - -C "$tree" ||
	    fail "copying the sources"
fi

echo "# dpkg-buildpackage -b -us -uc (log: $tmp/build.log)"
if ! (cd "$tree" && DEB_BUILD_OPTIONS="parallel=2 nocheck" \
    dpkg-buildpackage -b -us -uc) >"$tmp/build.log" 2>&1; then
	tail -40 "$tmp/build.log"
	fail "dpkg-buildpackage"
fi
deb=
for f in "$tmp"/shoal_*.deb; do deb=$f; done
[ -f "$deb" ] || fail "no .deb built"
echo "ok: built ${deb##*/}"

echo "# lintian"
lintian --fail-on error --no-tag-display-limit "$tmp"/shoal_*.changes \
    >"$tmp/lintian.log" 2>&1
lrc=$?
cat "$tmp/lintian.log"
[ $lrc = 0 ] || fail "lintian reports errors"
grep -q '^E: ' "$tmp/lintian.log" && fail "lintian reports errors"
echo "ok: lintian has no errors"

echo "# dpkg -i"
dpkg -i "$deb" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "dpkg -i"; }
cat "$tmp/install.log"
if [ ! -d /run/systemd/system ]; then
	grep -q 'shoalctl passwd' "$tmp/install.log" ||
	    problem "without systemd the install does not say what to run"
fi
for f in /usr/sbin/shoalctl /usr/sbin/pulse /usr/sbin/nanny /usr/sbin/shoal-web \
    /usr/sbin/shoal-sync /etc/shoal/lvs.cf.sample /usr/share/shoal/www/index.html \
    /lib/systemd/system/shoal-pulse.service /lib/systemd/system/shoal-web.service \
    /usr/lib/sysusers.d/shoal.conf /usr/lib/tmpfiles.d/shoal.conf \
    /etc/logrotate.d/shoal; do
	[ -e "$f" ] || problem "$f is not installed"
done
# pulse's worker lives out of PATH; `pulse -t` below finds it there
dpkg -L shoal | grep -q '/libexec/shoal/pulse-worker$' ||
	problem "pulse-worker is not installed under libexec/shoal"
for m in man8/pulse.8 man8/nanny.8 man8/shoal-web.8 man8/shoal-sync.8 \
    man8/shoalctl.8 man5/lvs.cf.5; do
	[ -e "/usr/share/man/$m.gz" ] || problem "man page ${m#*/} is not installed"
done
getent passwd shoal >/dev/null || fail "the shoal user was not created"
echo "ok: installed"
if command -v systemd-analyze >/dev/null; then
	out=$(systemd-analyze verify /lib/systemd/system/shoal-pulse.service \
	    /lib/systemd/system/shoal-web.service 2>&1)
	if [ -n "$out" ]; then
		problem "systemd-analyze verify: $out"
	else
		echo "ok: systemd-analyze verify has nothing to say about the units"
	fi
fi

v=$(/usr/sbin/shoalctl --version) || fail "shoalctl --version"
echo "ok: shoalctl --version: $v"

# pulse -t on the sample: in a namespace that has the sample's interfaces
# and lvs1's addresses, so the node is found by address.
db=$tmp/test.db
/usr/sbin/shoalctl --db "$db" config import /etc/shoal/lvs.cf.sample ||
    fail "import of /etc/shoal/lvs.cf.sample"
ip netns add "$ns" || fail "ip netns add"
ip -n "$ns" link add eth0 type veth peer name peer0 &&
ip -n "$ns" link add eth1 type veth peer name peer1 &&
ip -n "$ns" addr add 192.0.2.1/24 dev eth0 &&
ip -n "$ns" addr add 198.51.100.1/24 dev eth1 &&
ip -n "$ns" link set eth0 up && ip -n "$ns" link set eth1 up &&
ip -n "$ns" link set peer0 up && ip -n "$ns" link set peer1 up ||
    fail "namespace set-up"
ip netns exec "$ns" /usr/sbin/pulse -t --db "$db" || fail "pulse -t"
echo "ok: pulse -t"

# shoal-web as installed: default www, drops to user shoal
webdir=$tmp/web
chmod 0755 "$tmp"	# shoal-web runs as shoal: it must reach $webdir
install -d -o shoal -g shoal "$webdir"
cp "$db" "$webdir/shoal.db" && chown shoal:shoal "$webdir/shoal.db"
port=$((20000 + $$ % 20000))
/usr/sbin/shoal-web -n --db "$webdir/shoal.db" --listen "127.0.0.1:$port" \
    --rundir "$webdir" >"$tmp/web.log" 2>&1 &
webpid=$!
page=
for ((i = 0; i < 50; i++)); do
	page=$(curl -s -m 2 "http://127.0.0.1:$port/") && [ -n "$page" ] && break
	kill -0 "$webpid" 2>/dev/null || break
	sleep 0.2
done
grep -qi '<html' <<<"$page" || { cat "$tmp/web.log"; fail "no page from shoal-web"; }
code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 "http://127.0.0.1:$port/api/v1/status")
[ "$code" = 401 ] || fail "/api/v1/status without a session answered $code, not 401"
echo "ok: shoal-web serves its installed pages"
kill "$webpid"; wait "$webpid" 2>/dev/null; webpid=

dpkg --purge shoal >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; fail "dpkg --purge"; }
for f in /usr/sbin/pulse /usr/share/shoal /etc/shoal /var/lib/shoal; do
	[ -e "$f" ] && fail "$f is still there after purge"
done
echo "ok: purged"
exit $rc
