#!/bin/bash
# Runtime: about 30 s (scripts/test.sh starts the longest tests first)
# Description: every patch named in kernel-patch/series passes the kernel's
# scripts/checkpatch.pl --strict with 0 errors, 0 warnings and 0 checks.
# The patch is fed on standard input: inside this git repository checkpatch
# would otherwise take a tracked .patch file for a source file.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar xf /usr/src/linux-source-6.12.tar.xz -C "$tmp" linux-source-6.12/scripts ||
	{ fail "cannot unpack checkpatch from linux-source-6.12"; done_testing; }
checkpatch=$tmp/linux-source-6.12/scripts/checkpatch.pl
# shellcheck source=scripts/series.sh
. "$top/scripts/series.sh"
names=$(series_names "$top/kernel-patch/series") || { fail "cannot read kernel-patch/series"; done_testing; }
n=0
while read -r p; do
	[ -n "$p" ] || continue  # an empty series
	n=$((n + 1))
	total=$("$checkpatch" --strict --no-tree - <"$top/kernel-patch/$p" 2>&1 | grep -E '^total:')
	if [ "$total" = "${total/total: 0 errors, 0 warnings, 0 checks/}" ]; then
		fail "$p: $total"
	else
		pass "$p: checkpatch --strict clean"
	fi
done <<<"$names"
[ "$n" -gt 0 ] || pass "the series is empty"
done_testing
