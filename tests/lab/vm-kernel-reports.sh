#!/bin/bash
# Description: a guest command that makes the kernel WARN fails the VM run
# (status 126, the report quoted), while a command that merely prints
# "WARNING:" itself does not.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ "$flavor" = debug ] || skip "needs the debug kernel (LKDTM provokes the WARNING)"

out=$(lab_vm -- sh -c 'echo WARNING >/sys/kernel/debug/provoke-crash/DIRECT' 2>&1)
status=$?
if [ $status -eq 126 ] && grep -q "WARNING:" <<<"$out"; then
	pass "a kernel WARNING fails the run and is quoted"
else
	fail "kernel WARNING: status $status, output: $out"
fi
expect_status 0 "a command printing WARNING: itself is not a kernel report" \
	lab_vm -- sh -c 'echo "WARNING: not from the kernel"; echo "BUG: nor this"'
done_testing
