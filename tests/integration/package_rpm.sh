#!/bin/bash
# package_rpm.sh - `make dist`, then rpmbuild -tb from that tarball with
# packaging/shoal.spec inside it (Debian's rpm: dependency checks off),
# and checks the binary package's file list.
# Slow: runs only with SHOAL_PACKAGE_TESTS=1.
set -u
build=${top_builddir:?run from make check}

[ "${SHOAL_SKIP_SLOW:-0}" = 1 ] && { echo "SKIP: SHOAL_SKIP_SLOW=1"; exit 77; }
[ "${SHOAL_PACKAGE_TESTS:-0}" = 1 ] ||
    { echo "SKIP: set SHOAL_PACKAGE_TESTS=1 to build the RPM"; exit 77; }
command -v rpmbuild >/dev/null || { echo "SKIP: rpmbuild is not installed"; exit 77; }

tmp=$(mktemp -d /tmp/shoal-pkgrpm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

version=$(sed -n 's/^PACKAGE_VERSION = //p' "$build/Makefile")
[ -n "$version" ] || fail "no PACKAGE_VERSION in $build/Makefile"
echo "# make dist"
make -C "$build" dist >"$tmp/dist.log" 2>&1 ||
    { tail -20 "$tmp/dist.log"; fail "make dist"; }
tarball=$tmp/shoal-$version.tar.gz
mv "$build/shoal-$version.tar.gz" "$tarball" || fail "no shoal-$version.tar.gz"
tar -tzf "$tarball" | grep -q "^shoal-$version/packaging/shoal.spec$" ||
    fail "packaging/shoal.spec is not in the tarball"

echo "# rpmbuild -tb (log: $tmp/rpmbuild.log)"
rpmbuild -tb --nodeps --nocheck --define "_topdir $tmp/rpm" \
    --define "_smp_mflags -j2" "$tarball" >"$tmp/rpmbuild.log" 2>&1 ||
    { tail -40 "$tmp/rpmbuild.log"; fail "rpmbuild"; }
rpmfile=
for f in "$tmp"/rpm/RPMS/*/shoal-"$version"-*.rpm; do
	case $f in *debuginfo* | *debugsource*) ;; *) rpmfile=$f ;; esac
done
[ -f "$rpmfile" ] || fail "no binary RPM built"
echo "ok: built ${rpmfile##*/}"
files=$(rpm -qlp "$rpmfile" 2>/dev/null)
rc=0
for f in /usr/sbin/pulse /usr/sbin/nanny /usr/sbin/shoal-web /usr/sbin/shoal-sync \
    /usr/sbin/shoalctl /etc/shoal/lvs.cf.sample /usr/share/shoal/www/index.html \
    /usr/lib/systemd/system/shoal-pulse.service \
    /usr/lib/systemd/system/shoal-web.service /usr/lib/sysusers.d/shoal.conf \
    /usr/lib/tmpfiles.d/shoal.conf /etc/logrotate.d/shoal \
    /usr/share/man/man5/lvs.cf.5 /usr/share/man/man8/pulse.8 \
    /usr/share/man/man8/nanny.8 /usr/share/man/man8/shoal-web.8 \
    /usr/share/man/man8/shoal-sync.8 /usr/share/man/man8/shoalctl.8; do
	# man pages compressed or not, as the distribution's rpm macros do
	grep -Eqx "$f(\.gz|\.bz2|\.xz|\.zst)?" <<<"$files" ||
	    { echo "FAIL: $f is not in the RPM"; rc=1; }
done
grep -Eq '/libexec/shoal/pulse-worker$' <<<"$files" ||
	{ echo "FAIL: pulse-worker is not in the RPM (libexec/shoal)"; rc=1; }
[ $rc = 0 ] && echo "ok: the RPM holds every program, unit, page and sample"
exit $rc
