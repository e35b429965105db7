# shellcheck shell=bash
# Reading a patch series file (kernel-patch/series and
# kernel-patch/debug-fixes/series), sourced by scripts/build-kernel.sh and
# tests/lab/kernel-checkpatch.sh so that both read it the same way.

# series_names FILE: prints the patch file names FILE lists, in order, one a
# line: # comments and blank lines are skipped, surrounding blanks trimmed.
series_names() {
	local line
	while read -r line; do
		line=${line%%#*}
		line=$(echo "$line" | xargs)
		[ -z "$line" ] || printf '%s\n' "$line"
	done <"$1"
}
