#!/usr/bin/env bash
# Install every build and run dependency of nvme-qbench from Debian's
# packages. Idempotent: a second run installs nothing and returns quickly.
set -euo pipefail

packages=(
	# C++ tool
	build-essential cmake pkg-config
	liburing-dev libfmt-dev nlohmann-json3-dev libcli11-dev libblkid-dev
	libgtest-dev libgmock-dev libbenchmark-dev
	# BPF probes
	libbpf-dev bpftool clang llvm bpftrace libelf-dev zlib1g-dev
	# kernel build
	linux-source-6.12 flex bison bc libssl-dev dwarves cpio xz-utils kmod
	python3 python3-jsonschema
	# lab
	qemu-system-x86 fio nvme-cli util-linux procps
	# checks
	shellcheck
	# test images for the destructive-write guard (sfdisk)
	fdisk e2fsprogs
	# reports: charts inlined into HTML, headless rendering test
	libjs-chart.js chromium python3-pil
)

cache=${NVME_QBENCH_CACHE:-/var/cache/nvme-qbench}

install_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "setup: all ${#packages[@]} packages present"
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing packages: ${missing[*]}; run as root (or install them yourself)" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# A third-party source that cannot be reached must not stop us: only
	# Debian's archive is needed.
	apt-get update -q || echo "setup: apt-get update reported errors; continuing with the lists it fetched" >&2
	apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The instruction-counting TCG plugin needs QEMU's plugin API header, which
# no Debian binary package ships: take it from the source package of the
# installed QEMU (the header is self-contained).
install_qemu_plugin_header() {
	local dest=$cache/qemu/include version work
	version=$(dpkg-query -W -f='${source:Version}' qemu-system-x86)
	if [ -f "$dest/qemu-plugin.h" ] && [ "$(cat "$dest/version" 2>/dev/null)" = "$version" ]; then
		echo "setup: QEMU plugin header present ($version)"
		return 0
	fi
	if ! apt-cache showsrc "qemu=$version" 2>/dev/null | grep -q '^Package: qemu'; then
		echo "setup: adding Debian source entries to fetch QEMU's plugin header"
		cat >/etc/apt/sources.list.d/nvme-qbench-src.sources <<'SOURCES'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
		apt-get update -q || echo "setup: apt-get update reported errors" >&2
	fi
	work=$(mktemp -d)
	(cd "$work" && apt-get source --download-only -q "qemu=$version" >/dev/null 2>&1) ||
		{ rm -rf "$work"; echo "setup: cannot fetch Debian's qemu $version source" >&2; exit 1; }
	mkdir -p "$dest"
	tar xf "$work"/qemu_*.orig.tar.* -C "$work" --wildcards '*/include/qemu/qemu-plugin.h'
	cp "$work"/*/include/qemu/qemu-plugin.h "$dest/"
	echo "$version" >"$dest/version"
	rm -rf "$work"
	echo "setup: QEMU plugin header installed from qemu $version"
}

install_packages
install_qemu_plugin_header
echo "setup: done"
