#!/bin/bash
# Description: runs in a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1 and a small nvme.io_queue_depth (e.g. 32), with a
# data-keeping namespace on controller CTRL (default nvme0). Both queues
# under load with three times their depth submitted, and the user-space
# pending check against thousands of completions (see uq_load.c and
# uq_pending.c).
# Exit: 0 pass, 1 fail, 77 skip (no user queues).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
ctrl=${1:-nvme0}
irq=/dev/${ctrl}uq0 poll=/dev/${ctrl}uq1
cls=/sys/class/nvme-generic
if [ ! -c "$irq" ] || [ ! -c "$poll" ]; then echo "SKIP: no $irq and $poll"; exit 77; fi
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# expect DESCRIPTION COMMAND...: ok when COMMAND succeeds
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
n=$(basename "$irq")
ns=$(cd /sys/class/nvme/"$ctrl" && echo "$ctrl"n*)
ns=${ns%% *}
lbs=$(cat "/sys/block/$ns/queue/logical_block_size")
ng=/dev/ng${ns#nvme}

# Both queues under load at once with three times their depth submitted
# (boot with a small nvme.io_queue_depth): the commands the queue cannot
# hold fail with -EBUSY and are resubmitted, every command gets exactly one
# CQE, the queue counters match, and the data verifies through the other
# queue and through the ng device (an overwritten SQ slot would lose or
# corrupt a command).
uq_load=$build/tests/tools/uq_load
d=$(cat "$cls/$n/depth")
echo "queue depth $d: $((3 * d)) commands in flight"
a=$(((32 << 20) / lbs)) b=$(((40 << 20) / lbs))
# load2 IRQ-ARGS -- POLL-ARGS: two uq_load runs at once, fail if either fails
# shellcheck disable=SC2317 # called through expect
load2() {
	local i=() p=() pi ri rp
	while [ "$1" != -- ]; do i+=("$1"); shift; done
	shift
	p=("$@")
	"$uq_load" "${i[@]}" >/tmp/load-i 2>&1 &
	pi=$!
	"$uq_load" "${p[@]}" >/tmp/load-p 2>&1
	rp=$?
	wait "$pi"
	ri=$?
	cat /tmp/load-i /tmp/load-p
	[ "$ri" -eq 0 ] && [ "$rp" -eq 0 ]
}
expect "3x depth writes on both queues at once: excess refused with EBUSY, none lost" \
	load2 -b -q $((3 * d)) -s 11 write "$irq" "$lbs" "$a" 1000 -- -p -b -q $((3 * d)) -s 12 write "$poll" "$lbs" "$b" 1000
expect "3x depth reads on both queues, crossed: the data verifies" \
	load2 -b -q $((3 * d)) -s 12 read "$irq" "$lbs" "$b" 1000 -- -p -b -q $((3 * d)) -s 11 read "$poll" "$lbs" "$a" 1000
# shellcheck disable=SC2317 # called through expect
read_ng() { "$uq_load" -s 11 read "$ng" "$lbs" "$a" 1000 && "$uq_load" -s 12 read "$ng" "$lbs" "$b" 1000; }
expect "the same data through $ng" read_ng

# The user-space pending check (phase bit at the published CQ head) agrees
# with the completions reaped, over thousands of them; see uq_pending.c
expect "pending check vs completions reaped, poll queue" "$build/tests/tools/uq_pending" -p "$poll" "$lbs" 5000
expect "CQ mapping vs completions reaped, irq queue" "$build/tests/tools/uq_pending" "$irq" "$lbs" 3000
exit $fail
