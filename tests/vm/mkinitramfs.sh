#!/bin/bash
# tests/vm/mkinitramfs.sh - the VM lane's initramfs, from the build tree:
#
#   mkinitramfs.sh OUT.cpio KROOT KVER BUILDDIR SRCDIR
#
# busybox (static) for the shell tools, the real iproute2/ipvsadm/nft/kmod/
# bash/jq beside it (busybox's own `ip` would shadow iproute2's), the
# kernel modules the scenarios need with their dependencies (depmod run
# inside), shoal's programs with the shared libraries ldd finds, and the
# scenario scripts.  Uncompressed: the kernel unpacks it faster than it
# would gunzip it under emulation.
set -eu
out=$1 kroot=$2 kver=$3 build=$4 src=$5
root=$(mktemp -d "${TMPDIR:-/tmp}/shoal-vm-root.XXXXXX")
trap 'rm -rf "$root"' EXIT

# modules the scenarios load, besides what these depend on
MODULES=(ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_sed
	ip_vs_nq ip_vs_mh ip_vs_dh ip_vs_lblc ip_vs_lblcr crc32c_generic
	veth bridge ipip nf_tables)
# host programs (with their libraries); busybox gives the rest
PROGS=(/usr/bin/bash /usr/sbin/ip /usr/sbin/ipvsadm /usr/sbin/nft
	/usr/bin/kmod)
SHOAL=(src/pulse/pulse src/pulse/pulse-worker nanny shoalctl tests/lbctl
	tests/vm/vmnet)

mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,var/run,lib64} \
	"$root/shoal/bin" "$root/shoal/tests" "$root/lib/modules/$kver"

# copy_libs FILE: the shared libraries FILE needs, at the same paths
copy_libs() {
	ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }' |
	while read -r lib; do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	case $a in
	ip|modprobe|insmod|rmmod|lsmod|depmod|modinfo|bash|busybox) ;;
	*) ln -sf busybox "$root/bin/$a" ;;
	esac
done
for p in "${PROGS[@]}"; do
	[ -x "$p" ] || { echo "mkinitramfs: $p missing" >&2; exit 1; }
	cp -L "$p" "$root/sbin/$(basename "$p")"
	copy_libs "$p"
done
mv "$root/sbin/bash" "$root/bin/bash"
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	ln -sf kmod "$root/sbin/$a"
done
for p in "${SHOAL[@]}"; do
	[ -x "$build/$p" ] || { echo "mkinitramfs: $build/$p not built" >&2; exit 1; }
	cp "$build/$p" "$root/shoal/bin/"
	copy_libs "$build/$p"
done

# kernel modules: the closure of MODULES over modules.dep
declare -A want=()
moddep=$kroot/lib/modules/$kver/modules.dep
add_module() {	# add_module NAME
	local line path dep
	line=$(grep -E "(^|/)$1\.ko(\.[a-z]+)?:" "$moddep" | head -1)
	[ -n "$line" ] || { echo "mkinitramfs: no module $1" >&2; exit 1; }
	path=${line%%:*}
	[ -n "${want[$path]+x}" ] && return 0
	want[$path]=1
	for dep in ${line#*:}; do
		dep=$(basename "$dep")
		add_module "${dep%%.ko*}"
	done
}
for m in "${MODULES[@]}"; do
	add_module "$m"
done
for path in "${!want[@]}"; do
	mkdir -p "$root/lib/modules/$kver/$(dirname "$path")"
	cp "$kroot/lib/modules/$kver/$path" "$root/lib/modules/$kver/$path"
done
cp "$kroot/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} \
	"$root/lib/modules/$kver/"
/sbin/depmod -b "$root" "$kver"

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
cp "$src/tests/vm/init" "$root/init"
cp "$src"/tests/vm/lib/guest.sh "$src"/tests/vm/lib/sched.sh "$root/shoal/tests/"
cp "$src"/tests/vm/scenarios/*.sh "$root/shoal/tests/"
chmod 0755 "$root/init" "$root"/shoal/tests/*.sh

(cd "$root" && find . | LC_ALL=C sort | /bin/busybox cpio -o -H newc 2>/dev/null) \
	>"$out.tmp"
mv "$out.tmp" "$out"
