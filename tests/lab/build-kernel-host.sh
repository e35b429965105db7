#!/bin/bash
# Runtime: about 300 s (scripts/test.sh starts the longest tests first)
# Description: scripts/build-kernel.sh --flavor host, the real machine's
# kernel, on a small configuration (the lab kernel's, with modules, NVMe as
# a module, no debug information, and the user-queue option taken out so
# that the flavor must turn it on): it builds Debian packages; dpkg
# installs the image package into a scratch root; the root then holds the
# kernel, its configuration with the user queues on, and an nvme module
# with the user-queue parameters. Bad --config uses are refused with one
# message. A distribution kernel build takes hours: CI builds the small one.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$top/scripts/build-kernel.sh" --flavor lab --config /dev/null 2>&1)
status=$?
if [ $status -eq 2 ] && grep -qx "build-kernel: --config is for --flavor host only; see --help" <<<"$out"; then
	pass "--config without --flavor host is refused"
else
	fail "--config with the lab flavor: status $status, output: $out"
fi
printf 'CONFIG_ARM64=y\n' >"$tmp/arm.config"
out=$("$top/scripts/build-kernel.sh" --flavor host --config "$tmp/arm.config" 2>&1)
status=$?
if [ $status -eq 2 ] && grep -q "not an x86_64 kernel .config" <<<"$out"; then
	pass "a configuration for another architecture is refused"
else
	fail "arm64 configuration: status $status, output: $out"
fi
out=$("$top/scripts/build-kernel.sh" --flavor host --config "$tmp/none.config" 2>&1)
status=$?
if [ $status -eq 2 ] && grep -q "config file '$tmp/none.config' does not exist" <<<"$out"; then
	pass "a missing configuration file is named"
else
	fail "missing configuration: status $status, output: $out"
fi

lab=$("$top/scripts/build-kernel.sh" --flavor lab -q | tail -n 1) || { fail "no lab kernel to take a configuration from"; done_testing; }
small=$tmp/small.config
grep -vE '^CONFIG_(MODULES|BLK_DEV_NVME|NVME_PCI_USER_QUEUES|DEBUG_INFO[A-Z0-9_]*|LOCALVERSION)=' "$(dirname "$lab")/.config" >"$small"
printf '%s\n' CONFIG_MODULES=y CONFIG_MODULE_UNLOAD=y CONFIG_BLK_DEV_NVME=m CONFIG_DEBUG_INFO_NONE=y >>"$small"

packages=$("$top/scripts/build-kernel.sh" --flavor host --config "$small" | tail -n 1)
status=$?
if [ $status -eq 0 ] && [ -d "$packages" ]; then
	pass "host flavor built packages in $packages"
else
	fail "host flavor build: status $status"
	done_testing
fi
release=$(cat "$(dirname "$packages")/release")
image=$(find "$packages" -name "linux-image-${release}_*.deb")
headers=$(find "$packages" -name "linux-headers-${release}_*.deb")
if [ -n "$image" ] && [ -n "$headers" ] && [ -z "$(find "$packages" -name '*-dbg_*.deb')" ]; then
	pass "image and headers packages for $release, no debug-symbol package"
else
	fail "packages for $release: $(ls "$packages")"
fi
case $release in
*-qbench) pass "kernel release $release carries the flavor's -qbench" ;;
*) fail "kernel release $release does not end in -qbench" ;;
esac

# dpkg installs into a scratch root: it runs the package's maintainer
# scripts inside that root, which need a shell and run-parts there (the
# package's hook folders are empty; a real system's hooks make the
# initramfs and the boot entry).
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/bin" "$root/usr/bin" "$root/tmp"
: >"$root/var/lib/dpkg/status"
for prog in /bin/sh /bin/dash /usr/bin/run-parts; do
	cp -L "$prog" "$root$prog" || fail "cannot copy $prog into the scratch root"
	for lib in $(ldd "$prog" | grep -oE '/[^ ]+'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
if [ "$(id -u)" -ne 0 ]; then
	skip "installing with dpkg --root needs root (it runs the maintainer scripts in a chroot)"
fi
if dpkg --root="$root" --force-depends --force-not-root -i "$image" >"$tmp/dpkg.log" 2>&1; then
	pass "dpkg installed $(basename "$image") into a scratch root"
else
	fail "dpkg --root -i failed: $(tail -n 5 "$tmp/dpkg.log")"
fi
status_line=$(dpkg --root="$root" -s "linux-image-$release" 2>/dev/null | grep '^Status:')
if [ "$status_line" = "Status: install ok installed" ]; then
	pass "dpkg records linux-image-$release as installed"
else
	fail "dpkg status of linux-image-$release: '$status_line'"
fi
if [ -f "$root/boot/vmlinuz-$release" ] && grep -qx CONFIG_NVME_PCI_USER_QUEUES=y "$root/boot/config-$release"; then
	pass "the root holds /boot/vmlinuz-$release and a configuration with the user queues on"
else
	fail "missing /boot/vmlinuz-$release or CONFIG_NVME_PCI_USER_QUEUES=y in $(ls "$root/boot" 2>&1)"
fi
nvme_ko=$(find "$root/lib/modules/$release" -name nvme.ko 2>/dev/null | head -n 1)
if [ -n "$nvme_ko" ] && modinfo -F parm "$nvme_ko" | grep -q '^user_irq_queues:' &&
	modinfo -F parm "$nvme_ko" | grep -q '^user_poll_queues:'; then
	pass "the nvme module has the user_irq_queues and user_poll_queues parameters"
else
	fail "nvme.ko in lib/modules/$release: '${nvme_ko:-none}', parameters: $( [ -n "$nvme_ko" ] && modinfo -F parm "$nvme_ko" | cut -d: -f1 | tr '\n' ' ')"
fi
done_testing
