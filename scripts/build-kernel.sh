#!/usr/bin/env bash
# Build the lab kernel: Debian's linux-source-6.12 with kernel-patch/series
# applied, configured from tinyconfig plus the project's fragments. The host
# flavor builds the series on a real machine's configuration instead, as
# Debian packages (make bindeb-pkg) that dpkg installs.
#
# Builds are cached by a hash of the kernel source version, the patches (in
# series order), the config fragments and the build recipe: a second build
# with nothing changed returns at once. The source tree is kept between
# builds so that a changed patch recompiles only what it touches.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/series.sh
. "$here/series.sh"
# Bump when the way a kernel is built changes, so old cache entries are unused.
recipe_version=1

usage() {
	cat <<EOF
Usage: scripts/build-kernel.sh [OPTIONS]

Build (or find in the cache) the patched lab kernel and print the path of its
bzImage on the last line of standard output (host flavor: the folder of
its Debian packages).

Options:
  --flavor lab|debug|host
                      lab: the kernel benchmarks run on (default).
                      debug: adds KASAN, lockdep, DEBUG_ATOMIC_SLEEP,
                      DEBUG_LIST, DMA-API debugging, UBSAN and kmemleak,
                      and applies kernel-patch/debug-fixes/series after
                      the series; the kernel the test suite runs on.
                      host: for a real machine: the series alone (no lab
                      workarounds) on this machine's kernel configuration
                      (or --config) with kernel-patch/config/host.config
                      and the user queues on, built as Debian packages
                      (linux-image, linux-headers, linux-libc-dev; no
                      debug-symbol package).
  --config FILE       host flavor: the configuration to start from (default:
                      /boot/config-\$(uname -r), else /proc/config.gz).
  --series FILE       patch series to apply, one file name per line, relative
                      to the file's folder (default: the series of
                      --patches).
  --patches DIR       the project's kernel-patch folder to build from: its
                      series, lab-fixes, debug-fixes and config fragments
                      (default: this checkout's kernel-patch/; scripts/bench.sh
                      --against gives another commit's).
  --cache DIR         cache folder (default: \$NVME_QBENCH_CACHE or
                      /var/cache/nvme-qbench).
  --jobs N            parallel make jobs (default: number of CPUs).
  --print             only print the bzImage path if it is cached; exit 3
                      if it is not (never builds).
  -q, --quiet         print only the bzImage path.
  -h, --help          this text.

Exit status: 0 built or cached, 1 build failed (the message names the step,
or the patch that does not apply), 2 bad usage, 3 not cached (--print).
EOF
}

die() { echo "build-kernel: $*" >&2; exit 1; }
bad_usage() { echo "build-kernel: $*; see --help" >&2; exit 2; }

flavor=lab
patch_dir=$top/kernel-patch
series=''
cache=${NVME_QBENCH_CACHE:-/var/cache/nvme-qbench}
jobs=$(nproc)
print_only=0
quiet=0
base_config=''
while [ $# -gt 0 ]; do
	case $1 in
	--flavor) [ $# -ge 2 ] || bad_usage "--flavor needs a value (lab or debug)"; flavor=$2; shift 2 ;;
	--config) [ $# -ge 2 ] || bad_usage "--config needs a file"; base_config=$2; shift 2 ;;
	--patches) [ $# -ge 2 ] || bad_usage "--patches needs a folder"; patch_dir=$2; shift 2 ;;
	--series) [ $# -ge 2 ] || bad_usage "--series needs a file"; series=$2; shift 2 ;;
	--cache) [ $# -ge 2 ] || bad_usage "--cache needs a folder"; cache=$2; shift 2 ;;
	--jobs) [ $# -ge 2 ] || bad_usage "--jobs needs a number"; jobs=$2; shift 2 ;;
	--print) print_only=1; shift ;;
	-q|--quiet) quiet=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown option '$1'" ;;
	esac
done
case $flavor in lab|debug|host) ;; *) bad_usage "unknown flavor '$flavor' (accepted: lab, debug, host)" ;; esac
[ -z "$base_config" ] || [ "$flavor" = host ] || bad_usage "--config is for --flavor host only"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || bad_usage "--jobs takes a positive whole number, not '$jobs'"
[ -f "$patch_dir/series" ] || bad_usage "--patches $patch_dir is not a kernel-patch folder (no series file)"
series=${series:-$patch_dir/series}
[ -f "$series" ] || bad_usage "series file '$series' does not exist"

say() { [ "$quiet" -eq 1 ] || echo "build-kernel: $*" >&2; }

tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball is missing: run scripts/setup.sh (package linux-source-6.12)"
src_version=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || stat -c %s "$tarball")

# read_base_config: the host flavor's starting configuration on stdout.
read_base_config() {
	if [ -n "$base_config" ]; then
		[ -f "$base_config" ] || bad_usage "config file '$base_config' does not exist"
		cat "$base_config"
	elif [ -f "/boot/config-$(uname -r)" ]; then
		cat "/boot/config-$(uname -r)"
	elif [ -r /proc/config.gz ]; then
		zcat /proc/config.gz
	else
		bad_usage "found no configuration of the running kernel (/boot/config-$(uname -r), /proc/config.gz); pass --config FILE"
	fi
}

if [ "$flavor" = host ]; then
	config_text=$(read_base_config)
	grep -q '^CONFIG_X86_64=y' <<<"$config_text" ||
		bad_usage "the base configuration is not an x86_64 kernel .config (no CONFIG_X86_64=y line)"
	fragments=("$patch_dir/config/host.config")
else
	fragments=("$patch_dir/config/lab.config")
	[ "$flavor" = debug ] && fragments+=("$patch_dir/config/debug.config")
fi

# add_series FILE: append the patches FILE names, in order, to patches, and
# where each comes from to patch_where; blank lines and # comments skipped.
patches=() patch_where=()
add_series() {
	local file=$1 dir line names n=0
	dir=$(cd "$(dirname "$file")" && pwd)
	names=$(series_names "$file") || die "cannot read $file"
	while read -r line; do
		[ -n "$line" ] || continue  # an empty series
		[ -f "$dir/$line" ] || die "patch '$line' named in $file does not exist"
		n=$((n + 1))
		patches+=("$dir/$line")
		patch_where+=("number $n in $file")
	done <<<"$names"
}
add_series "$series"
# The lab's kernels carry workarounds for the emulated controller on top of
# the project's series (kernel-patch/lab-fixes/series says which, and why);
# another series (an unpatched kernel) and a real machine's kernel get none.
# The options the series adds are turned on for the project's series only.
if [ "$(realpath "$series")" = "$(realpath "$patch_dir/series")" ]; then
	[ "$flavor" = host ] || add_series "$patch_dir/lab-fixes/series"
	fragments+=("$patch_dir/config/series.config")
fi
# The debug kernel also carries fixes to upstream code whose lockdep or KASAN
# reports would otherwise end a lab run before it tests anything of ours
# (kernel-patch/debug-fixes/series says which, and why).
if [ "$flavor" = debug ]; then
	add_series "$patch_dir/debug-fixes/series"
fi

key=$({
	echo "recipe $recipe_version flavor $flavor source $src_version"
	gcc --version | head -n 1
	[ "$flavor" != host ] || { echo "base config"; echo "$config_text"; }
	for f in "${fragments[@]}"; do echo "fragment $(basename "$f")"; cat "$f"; done
	for p in "${patches[@]+"${patches[@]}"}"; do echo "patch $(basename "$p")"; cat "$p"; done
} | sha256sum | cut -c1-16)
out=$cache/kernels/$flavor-$key
# What a build leaves: the kernel, or the host flavor's packages.
product=$out/bzImage
[ "$flavor" != host ] || product=$out/packages

if [ -e "$product" ]; then
	say "cached: $flavor kernel $key"
	echo "$product"
	exit 0
fi
[ "$print_only" -eq 0 ] || { echo "build-kernel: $flavor kernel $key is not built" >&2; exit 3; }

mkdir -p "$cache"
# One kernel build at a time on this machine: they take every core.
exec 9>"$cache/build.lock"
if ! flock -n 9; then
	say "another kernel build is running; waiting for it"
	flock 9
fi
if [ -e "$product" ]; then
	say "cached: $flavor kernel $key (built while we waited)"
	echo "$product"
	exit 0
fi

work=$cache/work
src=$work/linux-source-6.12
applied=$work/applied # copies of the patches now applied to $src, in order

extract_source() {
	say "unpacking $tarball"
	rm -rf "$src" "$applied" "$work/source-version"
	mkdir -p "$work"
	tar xf "$tarball" -C "$work"
	mkdir -p "$applied"
	echo "$src_version" >"$work/source-version"
}

revert_applied() {
	local p
	[ -d "$applied" ] || return 0
	for p in $(find "$applied" -name '*.patch' | sort -r); do
		(cd "$src" && git apply -R "$p" 2>/dev/null) || return 1
		rm -f "$p"
	done
}

same_as_applied() {
	local i=0 p
	local have
	have=$(find "$applied" -name '*.patch' 2>/dev/null | wc -l)
	[ "$have" -eq "${#patches[@]}" ] || return 1
	for p in "${patches[@]+"${patches[@]}"}"; do
		i=$((i + 1))
		cmp -s "$p" "$(printf '%s/%04d.patch' "$applied" "$i")" || return 1
	done
}

if [ ! -d "$src" ] || [ "$(cat "$work/source-version" 2>/dev/null)" != "$src_version" ]; then
	extract_source
fi

if ! same_as_applied; then
	if ! revert_applied; then
		say "the source tree does not match the recorded patches; unpacking it again"
		extract_source
	fi
	i=0
	for p in "${patches[@]+"${patches[@]}"}"; do
		i=$((i + 1))
		if ! msg=$(cd "$src" && git apply --check "$p" 2>&1); then
			revert_applied || extract_source
			die "patch $(basename "$p") (${patch_where[$((i - 1))]}) does not apply to linux-source-6.12 $src_version:
$msg"
		fi
		(cd "$src" && git apply "$p")
		cp "$p" "$(printf '%s/%04d.patch' "$applied" "$i")"
	done
	say "applied ${#patches[@]} patch(es)"
fi

obj=$work/obj-$flavor
# bindeb-pkg leaves its packages in the parent of the build folder: one of
# their own keeps them apart.
[ "$flavor" != host ] || obj=$work/host/obj
mkdir -p "$obj"
log=$work/build-$flavor.log
if [ "$flavor" = host ]; then
	say "configuring ($flavor): ${base_config:-the running kernel configuration} + ${fragments[*]##*/}"
else
	say "configuring ($flavor): tinyconfig + ${fragments[*]##*/}"
fi
{
	if [ "$flavor" = host ]; then
		# Distribution configurations name certificate files of their own
		# source package, which an upstream tree does not have.
		sed -E 's/^(CONFIG_SYSTEM_(TRUSTED|REVOCATION)_KEYS)=.*/\1=""/' <<<"$config_text" >"$obj/.config"
	else
		make -C "$src" O="$obj" tinyconfig
	fi
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}"
	make -C "$src" O="$obj" olddefconfig
} >"$log" 2>&1 || die "configuring failed; see $log"

# A fragment line that did not survive olddefconfig means a dependency is
# missing: fail now rather than boot a kernel without what we asked for. A
# later fragment may override an earlier one (LOCALVERSION): the last wins.
missing=''
while read -r want; do
	last=$(grep -hE "^${want%%=*}=" "${fragments[@]}" | tail -n 1)
	if [ "$last" = "$want" ] && ! grep -qxF "$want" "$obj/.config"; then
		missing+=" $want"
	fi
done < <(grep -hE '^CONFIG_[A-Z0-9_]+=' "${fragments[@]}" | sort -u)
[ -z "$missing" ] || die "config options not set after olddefconfig (missing dependency?):$missing"

say "building $flavor kernel $key with $jobs jobs (log: $log)"
start=$(date +%s)
tmp=$out.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
if [ "$flavor" = host ]; then
	# The debug-symbol package would take most of the time and the space.
	rm -f "$work"/host/*.deb "$work"/host/*.buildinfo "$work"/host/*.changes
	# A distribution configuration builds thousands of modules: hours on
	# a few cores.
	timeout 12h make -C "$src" O="$obj" -j"$jobs" bindeb-pkg \
		DEB_BUILD_PROFILES=pkg.linux-upstream.nokerneldbg >>"$log" 2>&1 ||
		die "kernel package build failed; last lines of $log:
$(tail -n 25 "$log")"
	mkdir -p "$tmp/packages"
	mv "$work"/host/*.deb "$tmp/packages/"
else
	timeout 90m make -C "$src" O="$obj" -j"$jobs" bzImage >>"$log" 2>&1 ||
		die "kernel build failed; last lines of $log:
$(tail -n 25 "$log")"
	cp "$obj/arch/x86/boot/bzImage" "$obj/System.map" "$tmp/"
fi
cp "$obj/.config" "$tmp/"
cp "$obj/include/config/kernel.release" "$tmp/release"
rm -rf "$out"
mv "$tmp" "$out"
say "built in $(($(date +%s) - start)) s: $(cat "$out/release")"
echo "$product"
