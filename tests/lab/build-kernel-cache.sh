#!/bin/bash
# Runtime: about 30 s (scripts/test.sh starts the longest tests first)
# Description: a second kernel build with nothing changed is answered from
# the cache at once, with the same bzImage; --print never builds.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
first=$("$top/scripts/build-kernel.sh" --flavor "$flavor" -q | tail -n 1) || { fail "build failed"; done_testing; }
start=$(date +%s%N)
second=$("$top/scripts/build-kernel.sh" --flavor "$flavor" 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$(tail -n 1 <<<"$second")" = "$first" ]; then
	pass "same bzImage from the cache"
else
	fail "second build gave '$second', first '$first'"
fi
# A build takes minutes; the cache's answer (hashing the source and the
# patches) takes seconds, more on a loaded host: 60 s tells them apart.
if grep -q "cached:" <<<"$second" && [ $ms -lt 60000 ]; then
	pass "cached build answered in $ms ms"
else
	fail "second build was not a cache hit or took $ms ms"
fi
printed=$("$top/scripts/build-kernel.sh" --flavor "$flavor" --print)
if [ "$printed" = "$first" ]; then
	pass "--print names the cached kernel"
else
	fail "--print gave '$printed'"
fi
tmp=$(mktemp -d)
"$top/scripts/build-kernel.sh" --flavor "$flavor" --print --cache "$tmp" >/dev/null 2>&1
status=$?
rm -rf "$tmp"
if [ $status -eq 3 ]; then
	pass "--print on an empty cache exits 3 without building"
else
	fail "--print on an empty cache: status $status"
fi
done_testing
