#!/bin/bash
# Runtime: about 60 s (scripts/test.sh starts the longest tests first)
# Description: scripts/build-kernel.sh stops with a message naming the patch
# when a patch in the series does not apply, names a missing patch file,
# and rejects bad options. Uses a scratch cache so the real tree is untouched.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/0001-broken.patch" <<'PATCH'
From: Lab Test <lab@example.org>
Subject: [PATCH] a patch whose context is not in the tree

--- a/drivers/nvme/host/pci.c
+++ b/drivers/nvme/host/pci.c
@@ -1,3 +1,3 @@
-this line is not in pci.c
+nor is this one
 and neither is this
PATCH
printf '# test series\n0001-broken.patch\n' >"$tmp/series"
out=$("$top/scripts/build-kernel.sh" --flavor lab --series "$tmp/series" --cache "$tmp/cache" 2>&1)
status=$?
if [ $status -eq 1 ] && grep -q "patch 0001-broken.patch (number 1 in .*) does not apply" <<<"$out"; then
	pass "a patch that does not apply stops the build and is named"
else
	fail "broken patch: status $status, output: $out"
fi
if [ ! -d "$tmp/cache/kernels" ] || [ -z "$(ls "$tmp/cache/kernels")" ]; then
	pass "nothing was cached for the failed build"
else
	fail "a failed build left a cached kernel"
fi

printf '0002-missing.patch\n' >"$tmp/series"
out=$("$top/scripts/build-kernel.sh" --series "$tmp/series" --cache "$tmp/cache" 2>&1)
status=$?
if [ $status -eq 1 ] && grep -q "patch '0002-missing.patch' named in .* does not exist" <<<"$out"; then
	pass "a missing patch file is named"
else
	fail "missing patch: status $status, output: $out"
fi

out=$("$top/scripts/build-kernel.sh" --flavor fast 2>&1)
if [ $? -eq 2 ] && grep -q "unknown flavor 'fast' (accepted: lab, debug, host)" <<<"$out"; then
	pass "an unknown flavor is rejected with the accepted values"
else
	fail "bad flavor: $out"
fi
done_testing
