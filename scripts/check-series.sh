#!/usr/bin/env bash
# Check that the series, exported as one mbox (scripts/export-series.sh),
# applies with git am to a clean git repository of linux-source-6.12, and
# that every prefix of it builds: after each patch git am applies, build,
# with W=1, the
# folders the series touches (io_uring/ and drivers/nvme/ of a small
# configuration with the series' options on), one prefix after another; a
# warning fails the prefix. Ends with one line "series prefixes: N built,
# N failed" and exits 1 if any failed. Takes the kernel build lock of the
# build cache (as scripts/build-kernel.sh), so that it never runs beside a
# kernel build.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/series.sh
. "$here/series.sh"

usage() {
	cat <<'EOF2'
Usage: scripts/check-series.sh [--work DIR] [--jobs N] [--cache DIR]

  --work DIR   where to unpack the source and build (default: a new
               temporary folder, removed at the end)
  --jobs N     parallel make jobs (default: number of CPUs)
  --cache DIR  the kernel build cache whose lock to take (default:
               $NVME_QBENCH_CACHE or /var/cache/nvme-qbench)
EOF2
}

work='' jobs=$(nproc) cache=${NVME_QBENCH_CACHE:-/var/cache/nvme-qbench}
while [ $# -gt 0 ]; do
	case $1 in
	--work) work=${2:?--work needs a folder}; shift 2 ;;
	--jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
	--cache) cache=${2:?--cache needs a folder}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "check-series: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "check-series: --jobs takes a positive whole number, not '$jobs'" >&2; exit 2; }
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || { echo "check-series: $tarball is missing: run scripts/setup.sh" >&2; exit 1; }
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/qbench-series.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
mapfile -t patches < <(series_names "$top/kernel-patch/series")
[ ${#patches[@]} -gt 0 ] || { echo "check-series: kernel-patch/series is empty" >&2; exit 1; }

mkdir -p "$cache" || { echo "check-series: cannot create $cache" >&2; exit 1; }
exec 9>"$cache/build.lock"
if ! flock -n 9; then
	echo "check-series: a kernel build is running; waiting for it" >&2
	flock 9
fi

src=$work/linux-source-6.12 obj=$work/obj
rm -rf "$src" "$obj"
tar xf "$tarball" -C "$work" || { echo "check-series: cannot unpack $tarball" >&2; exit 1; }
mkdir -p "$obj"
# The tree as a reviewer's: a git repository of the clean source, and the
# series as the mbox they would apply. Debian's source ignores its whole top
# level in .gitignore (its packaging repository holds only debian/): add
# with --force.
export GIT_AUTHOR_NAME=check-series GIT_AUTHOR_EMAIL=check-series@localhost
export GIT_COMMITTER_NAME=check-series GIT_COMMITTER_EMAIL=check-series@localhost
{
	git -C "$src" init -q &&
		git -C "$src" add -A --force &&
		git -C "$src" commit -q -m "linux-source-6.12"
} >"$work/git.log" 2>&1 || { echo "check-series: cannot make a git repository of the source; see $work/git.log" >&2; exit 1; }
"$here/export-series.sh" -o "$work/series.mbox" || exit 1
mkdir -p "$work/mails"
n_mails=$(git mailsplit -o"$work/mails" "$work/series.mbox") ||
	{ echo "check-series: git mailsplit cannot read the exported mbox" >&2; exit 1; }
[ "$n_mails" -eq "${#patches[@]}" ] ||
	{ echo "check-series: the mbox holds $n_mails messages, the series ${#patches[@]} patches" >&2; exit 1; }
# The lab's configuration without debug information and BTF: they change
# no compiler diagnostics, and building their tools and sections would
# take most of the time.
lean=$work/lean.config
printf '%s\n' 'CONFIG_DEBUG_INFO_NONE=y' '# CONFIG_DEBUG_INFO_DWARF4 is not set' \
	'# CONFIG_DEBUG_INFO_BTF is not set' >"$lean"
fragments=("$top/kernel-patch/config/lab.config" "$top/kernel-patch/config/series.config" "$lean")
{
	make -C "$src" O="$obj" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}"
	make -C "$src" O="$obj" olddefconfig
	make -C "$src" O="$obj" -j"$jobs" prepare
} >"$work/prepare.log" 2>&1 || { echo "check-series: configuring failed; see $work/prepare.log" >&2; exit 1; }

built=0 failed=0 i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	if ! git -C "$src" am -q "$(printf '%s/mails/%04d' "$work" "$i")" >"$work/am-$i.log" 2>&1; then
		echo "prefix $i ($p): git am does not apply it"
		sed 's/^/  /' "$work/am-$i.log" | head -n 10
		failed=$((failed + 1))
		break
	fi
	# the fragment again: an option a patch adds (user queues) is on from there
	{
		"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${fragments[@]}"
		make -C "$src" O="$obj" olddefconfig
	} >"$work/config-$i.log" 2>&1 || { echo "prefix $i ($p): configuring failed"; failed=$((failed + 1)); break; }
	log=$work/prefix-$i.log
	if make -C "$src" O="$obj" -j"$jobs" W=1 io_uring/ drivers/nvme/ >"$log" 2>&1 &&
		! grep -E '(warning|error):' "$log" >/dev/null; then
		echo "prefix $i ($p): builds"
		built=$((built + 1))
	else
		echo "prefix $i ($p): FAILS"
		grep -E '(warning|error):' "$log" | head -n 10
		failed=$((failed + 1))
	fi
done
echo "series prefixes: $built built, $failed failed"
[ "$failed" -eq 0 ]
