#!/usr/bin/env bash
# Write kernel-patch/series as one mbox, in series order, for `git am` on a
# Linux 6.12 tree (or, with --cover, with the cover letter first, as a list
# archive has it). The patches are git format-patch output already; the
# lab's own fixes (lab-fixes/, debug-fixes/) are not part of the series and
# are never exported.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
# shellcheck source=scripts/series.sh
. "$here/series.sh"

usage() {
	cat <<'EOF2'
Usage: scripts/export-series.sh [--cover] [-o FILE]

  --cover   put the cover letter (kernel-patch/0000-cover-letter.patch)
            first; git am stops at it (it has no diff), so leave it out
            for git am, or use git am --empty=drop
  -o FILE   write here (default: standard output)

Apply with: cd linux-6.12 && git am /path/to/series.mbox
EOF2
}

cover=0 output=''
while [ $# -gt 0 ]; do
	case $1 in
	--cover) cover=1; shift ;;
	-o) output=${2:?-o needs a file}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "export-series: unknown option '$1'; see --help" >&2; exit 2 ;;
	esac
done

dir=$top/kernel-patch
files=()
[ "$cover" -eq 0 ] || files+=("$dir/0000-cover-letter.patch")
names=$(series_names "$dir/series") || { echo "export-series: cannot read $dir/series" >&2; exit 1; }
while read -r name; do
	[ -n "$name" ] || continue
	files+=("$dir/$name")
done <<<"$names"
[ "${#files[@]}" -gt "$cover" ] || { echo "export-series: $dir/series names no patch" >&2; exit 1; }
for f in "${files[@]}"; do
	[ -f "$f" ] || { echo "export-series: $f is missing" >&2; exit 1; }
	# Each message of an mbox opens with a "From <sha> <date>" line.
	head -n 1 "$f" | grep -qE '^From [0-9a-f]{40} ' ||
		{ echo "export-series: $(basename "$f") is not git format-patch output (no 'From <sha>' first line)" >&2; exit 1; }
done
if [ -z "$output" ]; then
	cat "${files[@]}"
else
	# Never a half-written mbox: write beside it, then rename.
	trap 'rm -f "$output.tmp.$$"' EXIT
	cat "${files[@]}" >"$output.tmp.$$"
	mv "$output.tmp.$$" "$output"
fi
