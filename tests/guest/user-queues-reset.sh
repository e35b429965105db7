#!/bin/bash
# Description: runs in a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1 and a data-keeping namespace. Controller resets
# while reads keep each user queue busy, its state page and CQ mapped
# (uq_across): every read completes once, with its data or an error, the
# mapping shows the queue live again with a new generation and exactly the
# completions of the reads after the reset, never stale memory; the queues
# carry I/O again. Then the controller is removed while the poll queue is
# busy and mapped (and the irq queue held open): the reads complete with
# their data or errors, later reads fail with -EIO and new mmaps with
# -ENODEV, the old mappings still read and show the queue down, the device
# nodes go away, and the kernel reports nothing.
# Exit: 0 pass, 1 fail, 77 skip (no user queues).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
tools=$build/tests/tools
irq=/dev/nvme0uq0 poll=/dev/nvme0uq1 ctrl=/sys/class/nvme/nvme0
if [ ! -c $irq ] || [ ! -c $poll ]; then echo "SKIP: no $irq and $poll"; exit 77; fi
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# expect DESCRIPTION COMMAND...: ok when COMMAND exits 0
expect() {
	local what=$1 rc
	shift
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$what"; else bad "$what (status $rc)"; fi
}
lbs=$(cat /sys/block/nvme0n1/queue/logical_block_size)
# shellcheck disable=SC2317 # called through expect
live() {
	local _
	for _ in $(seq 1 50); do
		[ "$(cat "$ctrl/state")" = live ] && return 0
		sleep 0.2
	done
	return 1
}

expect "2 resets with $irq busy and mapped" "$tools/uq_across" -n 2 reset $ctrl $irq "$lbs" 4096 512
expect "controller live after the resets" live
expect "2 resets with $poll busy and mapped" "$tools/uq_across" -p -n 2 reset $ctrl $poll "$lbs" 8192 512
expect "controller live after the resets" live
expect "irq queue works after the resets" "$tools/uq_io" read $irq "$lbs" 0 4096 /tmp/out
expect "poll queue works after the resets" "$tools/uq_io" -p read $poll "$lbs" 0 4096 /tmp/out

# removal with the poll queue busy and mapped, the irq queue held open
exec 5<$irq
expect "removal with $poll busy and mapped" "$tools/uq_across" -p remove $ctrl $poll "$lbs" 8192 512
exec 5<&-
expect "device nodes gone" test ! -e $irq -a ! -e $poll
dmesg | grep -E "nvme|user queue" | tail -n 8
exit $fail
