#!/bin/bash
# Runtime: about 250 s (scripts/test.sh starts the longest tests first)
# Description: the kernel-report detector of scripts/vm. On the debug
# kernel, LKDTM (/sys/kernel/debug/provoke-crash) provokes the kinds of
# report the lab relies on, and each must fail the VM run (status 126) with
# the report quoted:
# - a WARNING, on the console;
# - a KASAN out-of-bounds write, a hung task and kmemleak's "suspected
#   memory leaks" line, in one boot with the console's log level at 1, so
#   that they reach only the kernel log and must be found in the dmesg the
#   guest saves (not on the console); the leak line is written through
#   /dev/kmsg, as kmemleak has no trigger from user space;
# - a lockdep report (a spinlock held on the return to user space), alone:
#   a KASAN report turns lockdep off, and the held lock leaves the guest
#   in no state for more.
# A plain run ends with a kmemleak scan that finds nothing, and a command
# that merely prints "WARNING:" itself does not fail.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ "$flavor" = debug ] || skip "needs the debug kernel (LKDTM, KASAN, lockdep, kmemleak)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lkdtm=/sys/kernel/debug/provoke-crash/DIRECT

# kernel_reports WHAT RUN_DIR GUEST_COMMAND PATTERN...: the run fails with
# 126 and the quoted reports match every PATTERN (grep -E)
kernel_reports() {
	local what=$1 run=$2 cmd=$3 out status want missing=
	shift 3
	out=$(lab_vm --timeout 300 --run-dir "$run" -- sh -c "$cmd" 2>&1)
	status=$?
	for want in "$@"; do
		if grep -qE -- "$want" <<<"$out"; then
			pass "$what: quoted: $(grep -m 1 -oE -- "$want.*" <<<"$out")"
		else
			missing+=" '$want'"
		fi
	done
	if [ $status -eq 126 ] && [ -z "$missing" ]; then
		pass "$what fails the run (status 126)"
	else
		fail "$what: status $status (expected 126), reports not quoted:${missing:- none}; output: $out"
	fi
}

kernel_reports "a kernel WARNING" "$tmp/warning" "echo WARNING >$lkdtm" "WARNING:.*lkdtm"

# The writer of HUNG_TASK blocks in D state for good; khungtaskd, woken by
# the new 2 s timeout, reports it within about two periods.
kasan='KASAN: slab-out-of-bounds' hung='INFO: task .* blocked for more than [0-9]+ seconds'
leak='kmemleak: 1 new suspected memory leaks'
kernel_reports "KASAN, a hung task and a leak, in the kernel log only" "$tmp/dmesg" "dmesg -n 1 &&
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs && { echo HUNG_TASK >$lkdtm & } &&
	echo SLAB_LINEAR_OVERFLOW >$lkdtm &&
	echo '<6>kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)' >/dev/kmsg &&
	sleep 10" "$kasan" "$hung" "$leak"
if grep -qE -- "$kasan|$hung|$leak" "$tmp/dmesg/console.log"; then
	fail "the reports reached the console too: this run did not show the dmesg path"
elif grep -qE -- "$kasan" "$tmp/dmesg/dmesg" && grep -qE -- "$hung" "$tmp/dmesg/dmesg" &&
	grep -qE -- "$leak" "$tmp/dmesg/dmesg"; then
	pass "the three reports were found in the guest's dmesg, not on the console"
else
	fail "the reports are not all in the guest's dmesg ($tmp/dmesg/dmesg)"
fi

kernel_reports "a lockdep report" "$tmp/lockdep" "echo SPINLOCKUP >$lkdtm" \
	"WARNING: lock held when returning to user space"

# A plain run: status 0, and its kmemleak scan at the end found nothing.
expect_status 0 "a command printing WARNING: itself is not a kernel report" \
	lab_vm --run-dir "$tmp/plain" -- sh -c 'echo "WARNING: not from the kernel"; echo "BUG: nor this"'
if [ -e "$tmp/plain/kmemleak" ] && [ ! -s "$tmp/plain/kmemleak" ]; then
	pass "the guest ran a kmemleak scan at the end, and it found no leak"
elif [ -e "$tmp/plain/kmemleak" ]; then
	fail "the kmemleak scan of a plain run found leaks: $(head -n 20 "$tmp/plain/kmemleak")"
else
	fail "no kmemleak scan at the end of the run (kmemleak missing or disabled)"
fi
done_testing
