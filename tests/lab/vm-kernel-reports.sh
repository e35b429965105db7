#!/bin/bash
# Description: the kernel-report detector of scripts/vm. On the debug
# kernel, LKDTM (/sys/kernel/debug/provoke-crash) provokes each kind of
# report the lab relies on, one boot each, and each must fail the VM run
# (status 126) with the report quoted: a WARNING, a KASAN out-of-bounds
# write, a lockdep report (a spinlock held on return to user space) and a
# hung task. A WARNING that reaches only the kernel log, not the console,
# is found in the guest's dmesg. Every guest run ends with a kmemleak scan
# whose findings are kept in the run folder, and a "suspected memory leaks"
# line in the kernel log fails the run. A command that merely prints
# "WARNING:" itself does not fail.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ "$flavor" = debug ] || skip "needs the debug kernel (LKDTM, KASAN, lockdep, kmemleak)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lkdtm=/sys/kernel/debug/provoke-crash/DIRECT

# kernel_report WHAT PATTERN RUN_DIR GUEST_COMMAND: the run fails with 126
# and the quoted reports match PATTERN (grep -E)
kernel_report() {
	local what=$1 want=$2 out status
	out=$(lab_vm --timeout 300 --run-dir "$3" -- sh -c "$4" 2>&1)
	status=$?
	if [ $status -eq 126 ] && grep -qE -- "$want" <<<"$out"; then
		pass "$what fails the run (status 126) and is quoted: $(grep -m 1 -oE -- "$want.*" <<<"$out")"
	else
		fail "$what: status $status, expected 126 and a report matching '$want'; output: $out"
	fi
}

kernel_report "a kernel WARNING" "WARNING:.*lkdtm" "$tmp/warning" "echo WARNING >$lkdtm"
kernel_report "a KASAN report" "KASAN: slab-out-of-bounds" "$tmp/kasan" "echo SLAB_LINEAR_OVERFLOW >$lkdtm"
kernel_report "a lockdep report" "WARNING: lock held when returning to user space" "$tmp/lockdep" \
	"echo SPINLOCKUP >$lkdtm"
# the writer blocks in D state for good; khungtaskd, woken by the new
# timeout, reports it within about two periods
kernel_report "a hung task" "INFO: task .* blocked for more than [0-9]+ seconds" "$tmp/hung" \
	"echo 2 >/proc/sys/kernel/hung_task_timeout_secs && { echo HUNG_TASK >$lkdtm & sleep 10; }"

# The guest's dmesg: with the console's log level at 1, the WARNING goes to
# the kernel log only.
kernel_report "a WARNING kept off the console" "WARNING:.*lkdtm" "$tmp/dmesg" "dmesg -n 1 && echo WARNING >$lkdtm"
if grep -q "WARNING:" "$tmp/dmesg/console.log"; then
	fail "the WARNING reached the console too: this run did not show the dmesg path"
elif grep -q "WARNING:.*lkdtm" "$tmp/dmesg/dmesg"; then
	pass "the WARNING was found in the guest's dmesg only, not on the console"
else
	fail "no WARNING in the guest's dmesg ($tmp/dmesg/dmesg)"
fi

# kmemleak: a plain run ends with a scan that finds nothing; a "suspected
# memory leaks" line in the kernel log (here written through /dev/kmsg, as
# kmemleak itself has no trigger from user space) fails the run.
expect_status 0 "a plain run on the debug kernel" lab_vm --run-dir "$tmp/plain" -- true
if [ -e "$tmp/plain/kmemleak" ] && [ ! -s "$tmp/plain/kmemleak" ]; then
	pass "the guest ran a kmemleak scan at the end, and it found no leak"
else
	fail "kmemleak scan at the end of the run: $( [ -e "$tmp/plain/kmemleak" ] && head -n 20 "$tmp/plain/kmemleak" || echo "no scan (kmemleak missing or disabled)")"
fi
kernel_report "a kmemleak finding" "kmemleak: 1 new suspected memory leaks" "$tmp/leak" \
	"echo '<6>kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)' >/dev/kmsg"

expect_status 0 "a command printing WARNING: itself is not a kernel report" \
	lab_vm -- sh -c 'echo "WARNING: not from the kernel"; echo "BUG: nor this"'
done_testing
