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

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run as root (or install them yourself)" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A third-party source that cannot be reached must not stop us: only Debian's
# archive is needed.
apt-get update -q || echo "setup: apt-get update reported errors; continuing with the lists it fetched" >&2
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "setup: done"
