# tests/vm/lib/kernel.sh - Debian 12's stock kernel for the VM lane (bash;
# source it).  The kernel package is downloaded with `apt-get download`
# and unpacked with `dpkg-deb -x` into a cache that survives between runs;
# it is never installed on this host.
#
#   vm_kernel_get          # sets VM_KVER and VM_KROOT (the unpacked tree,
#                          # with depmod run), or returns 1 with VM_WHY
#
# SHOAL_VM_CACHE names the cache (default /var/cache/shoal-vm when
# writable, else ~/.cache/shoal-vm).  Concurrent runs serialise on a lock.

vm_cache_dir() {
	if [ -n "${SHOAL_VM_CACHE:-}" ]; then
		echo "$SHOAL_VM_CACHE"
	elif mkdir -p /var/cache/shoal-vm 2>/dev/null && [ -w /var/cache/shoal-vm ]; then
		echo /var/cache/shoal-vm
	else
		echo "${XDG_CACHE_HOME:-$HOME/.cache}/shoal-vm"
	fi
}

# The versioned package that linux-image-amd64 depends on, or nothing.
vm_kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# vm_kernel_unpack DEB KVER: unpacks DEB into the cache as KVER/ with
# modules.dep made (Debian's package ships none).
vm_kernel_unpack() {
	local deb=$1 kver=$2 tmp
	tmp=$(mktemp -d "$VM_CACHE/unpack.XXXXXX") || return 1
	if ! dpkg-deb -x "$deb" "$tmp" ||
	    ! [ -f "$tmp/boot/vmlinuz-$kver" ] ||
	    ! /sbin/depmod -b "$tmp" "$kver"; then
		rm -rf "$tmp"
		return 1
	fi
	rm -rf "${VM_CACHE:?}/$kver"
	mv "$tmp" "$VM_CACHE/$kver"
}

# The newest kernel already unpacked in the cache, or nothing.
vm_kernel_cached() {
	local d
	for d in $(ls -d "$VM_CACHE"/*/boot 2>/dev/null | sort -V -r); do
		d=${d%/boot}
		[ -f "$d/.complete" ] && { basename "$d"; return; }
	done
}

vm_kernel_fetch() {
	local pkg deb kver
	pkg=$(vm_kernel_pkg)
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
		apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1
		pkg=$(vm_kernel_pkg)
	fi
	if [ -z "$pkg" ]; then
		VM_KVER=$(vm_kernel_cached)
		[ -n "$VM_KVER" ] && return 0
		VM_WHY="apt knows no linux-image-amd64 and the cache $VM_CACHE has no kernel"
		return 1
	fi
	kver=${pkg#linux-image-}
	if [ -f "$VM_CACHE/$kver/.complete" ]; then
		VM_KVER=$kver
		return 0
	fi
	deb=$(ls "$VM_CACHE/${pkg}"_*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		(cd "$VM_CACHE" && apt-get download "$pkg" >/dev/null 2>&1)
		deb=$(ls "$VM_CACHE/${pkg}"_*.deb 2>/dev/null | head -1)
	fi
	if [ -z "$deb" ]; then
		VM_KVER=$(vm_kernel_cached)
		[ -n "$VM_KVER" ] && return 0
		VM_WHY="apt-get download $pkg failed"
		return 1
	fi
	vm_kernel_unpack "$deb" "$kver" || {
		VM_WHY="cannot unpack $deb"; return 1; }
	touch "$VM_CACHE/$kver/.complete"
	# older kernels: the new one replaces them
	for d in "$VM_CACHE"/*/; do
		d=${d%/}
		[ "$(basename "$d")" = "$kver" ] && continue
		[ -f "$d/.complete" ] && rm -rf "$d"
	done
	for deb in "$VM_CACHE"/linux-image-*.deb; do
		case $deb in *"/${pkg}_"*) ;; *) rm -f "$deb" ;; esac
	done
	VM_KVER=$kver
}

vm_kernel_get() {
	local rc=0
	VM_CACHE=$(vm_cache_dir)
	mkdir -p "$VM_CACHE" 2>/dev/null || {
		VM_WHY="cannot create the cache $VM_CACHE"; return 1; }
	command -v dpkg-deb >/dev/null && [ -x /sbin/depmod ] || {
		VM_WHY="no dpkg-deb or depmod"; return 1; }
	exec {VM_LOCKFD}>"$VM_CACHE/.lock"
	flock -w 600 "$VM_LOCKFD" || { VM_WHY="cache lock busy"; return 1; }
	vm_kernel_fetch || rc=1
	flock -u "$VM_LOCKFD"
	exec {VM_LOCKFD}>&-
	[ $rc = 0 ] || return 1
	VM_KROOT=$VM_CACHE/$VM_KVER
}
