#!/usr/bin/env bash
# Install every build and run dependency of nvme-qbench from Debian's
# packages. Idempotent: a second run installs nothing and returns quickly.
# Runs as root, or as a user with sudo (used only for what needs root).
#
#   scripts/setup.sh                  install what is missing
#   scripts/setup.sh --print-sources  print the deb-src entries it would add
#                                     (derived from APT's configured sources)
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
	# kernel packages for a real machine (build-kernel.sh --flavor host)
	debhelper rsync
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
apt_dir=${NVME_QBENCH_APT_DIR:-/etc/apt}	# tests point this at sample sources

# as_root COMMAND...: run COMMAND as root: directly when we are root, else
# through sudo; without either, say what to do.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "setup: '$*' needs root: run scripts/setup.sh as root, or install sudo" >&2
		exit 1
	fi
}

# The deb-src twin of every enabled deb entry APT is configured with, so
# that a machine behind a mirror or a proxy fetches sources where it fetches
# packages: deb822 stanzas of sources.list.d/*.sources, then the one-line
# entries of sources.list and sources.list.d/*.list. Prints deb822.
derive_source_entries() {
	local f
	for f in "$apt_dir"/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# a stanza is a paragraph; keep those whose Types has "deb" and
		# that are not "Enabled: no"; comments dropped
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			types = ""; enabled = 1; out = ""
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^#/) continue
				if ($i ~ /^Types:/) { types = $i; continue }
				if ($i ~ /^Enabled:[ \t]*[Nn][Oo]/) enabled = 0
				out = out $i "\n"
			}
			if (enabled && types ~ /[ \t]deb([ \t]|$)/) printf "Types: deb-src\n%s\n", out
		}' "$f"
	done
	for f in "$apt_dir"/sources.list "$apt_dir"/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [OPTIONS] URI SUITE COMPONENT...
		awk '$1 == "deb" {
			opts = ""; i = 2
			if ($2 ~ /^\[/) {
				while (i <= NF) { opts = opts (opts == "" ? "" : " ") $i; if ($i ~ /\]$/) { i++; break } i++ }
				gsub(/^\[|\]$/, "", opts)
			}
			uri = $i; suite = $(i + 1); comps = ""
			for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps (comps == "" ? "" : " ") $j
			printf "Types: deb-src\nURIs: %s\nSuites: %s\nComponents: %s\n", uri, suite, comps
			n = split(opts, o, " ")
			for (k = 1; k <= n; k++) if (o[k] ~ /^signed-by=/) printf "Signed-By: %s\n", substr(o[k], 11)
			printf "\n"
		}' "$f"
	done
}

if [ "${1:-}" = --print-sources ]; then
	derive_source_entries
	exit 0
elif [ $# -gt 0 ]; then
	echo "setup: unknown argument '$1' (accepted: --print-sources)" >&2
	exit 2
fi

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
	echo "setup: installing ${missing[*]}"
	# A third-party source that cannot be reached must not stop us: only
	# Debian's archive is needed.
	as_root apt-get update -q || echo "setup: apt-get update reported errors; continuing with the lists it fetched" >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# The kernel and header cache belongs to whoever runs the lab.
make_cache() {
	if [ ! -d "$cache" ] || [ ! -w "$cache" ]; then
		as_root install -d -o "$(id -u)" -g "$(id -g)" "$cache"
		echo "setup: $cache is $(id -un)'s"
	fi
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
		local entries
		entries=$(derive_source_entries)
		if [ -z "$entries" ]; then
			echo "setup: APT has no enabled deb entry in $apt_dir to derive a deb-src entry from;" \
				"add deb-src entries for Debian's archive and run again" >&2
			exit 1
		fi
		echo "setup: adding deb-src entries, from APT's own sources, to fetch QEMU's plugin header"
		as_root tee /etc/apt/sources.list.d/nvme-qbench-src.sources >/dev/null <<<"$entries"
		as_root apt-get update -q || echo "setup: apt-get update reported errors" >&2
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
make_cache
install_qemu_plugin_header
echo "setup: done"
