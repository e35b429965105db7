#!/bin/bash
# Runtime: about 700 s (scripts/test.sh starts the longest tests first)
# Description: the series exported as an mbox (scripts/export-series.sh)
# applies with git am to a clean git repository of linux-source-6.12, and
# every prefix of kernel-patch/series builds on its own, as a
# series posted upstream must (bisection lands on any patch):
# scripts/check-series.sh applies the first 1, 2, ... N patches and builds
# io_uring/ and drivers/nvme/ with W=1 after each; any error or warning
# fails that prefix.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=scripts/series.sh
. "$top/scripts/series.sh"
n=$(series_names "$top/kernel-patch/series" | grep -c .)
out=$(nice "$top/scripts/check-series.sh" 2>&1)
status=$?
echo "$out"
if [ "$status" -eq 0 ]; then
	pass "check-series.sh: every prefix builds (status 0)"
else
	fail "check-series.sh failed (status $status)"
fi
# the script's own count must cover the whole series, not stop early
if [ "$(tail -n 1 <<<"$out")" = "series prefixes: $n built, 0 failed" ]; then
	pass "all $n prefixes were built"
else
	fail "expected 'series prefixes: $n built, 0 failed', got '$(tail -n 1 <<<"$out")'"
fi
done_testing
