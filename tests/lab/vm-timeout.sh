#!/bin/bash
# Description: a guest that runs past --timeout is killed and reported
# (status 124), and no QEMU process is left behind.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
out=$(lab_vm --timeout 60 --run-dir "$tmp/run" -- sleep 100000 2>&1)
status=$?
took=$(($(date +%s) - start))
if [ $status -eq 124 ] && grep -q "did not finish within 60 s" <<<"$out" && [ $took -lt 90 ]; then
	pass "a hung guest is killed after the limit and reported ($took s)"
else
	fail "timeout: status $status after $took s, output: $out"
fi
if pgrep -f "qemu-system-x86_64.*$tmp/run" >/dev/null; then
	fail "QEMU is still running"
else
	pass "no QEMU left running"
fi
done_testing
