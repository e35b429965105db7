#!/bin/bash
# Description: runs in a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1 on a null namespace whose commands take seconds
# (latency-ns). Reads are put in flight on both user queues, then, within
# milliseconds, the controller is made to look gone (uq_inflight -g: memory
# decoding switched off in its PCI command register, so every register
# reads all ones, as after a surprise link loss) and reset through sysfs: the driver cannot delete the queues,
# so every command still owned by the controller must complete with -EINTR,
# none may hang, and the queues must carry I/O again after the reset.
# (A plain reset does not provoke -EINTR under QEMU: deleting an SQ makes
# QEMU complete its commands itself, Abort SQ Deletion, and the driver reaps
# those completions.)
# Exit: 0 pass, 1 fail, 77 skip (no user queues).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
tools=$build/tests/tools
ctrl=${1:-nvme0}
irq=/dev/${ctrl}uq0 poll=/dev/${ctrl}uq1
if [ ! -c "$irq" ] || [ ! -c "$poll" ]; then echo "SKIP: no $irq and $poll"; exit 77; fi
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
ns=$(cd /sys/class/nvme/"$ctrl" && echo "$ctrl"n*)
lbs=$(cat "/sys/block/${ns%% *}/queue/logical_block_size")
state=/sys/class/nvme/$ctrl/state
n=8

"$tools/uq_inflight" -i "$irq" -p "$poll" -g "/sys/class/nvme/$ctrl" "$lbs" $n >/tmp/inflight.out 2>&1
rc=$?
cat /tmp/inflight.out
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
expect "every read in flight completed, none hangs (uq_inflight status $rc)" test $rc -eq 0
for d in "$irq" "$poll"; do
	line=$(grep "^INFLIGHT $d:" /tmp/inflight.out)
	if [[ $line == *": $n completions: 0 ok, $n EINTR, 0 other (0 before the command)" ]]; then
		ok "$d: all $n reads in flight completed with -EINTR"
	else
		bad "$d: expected $n -EINTR completions, got: ${line:-nothing}"
	fi
done
for _ in $(seq 1 50); do
	[ "$(cat "$state")" = live ] && break
	sleep 0.2
done
expect "controller live again ($(cat "$state"))" test "$(cat "$state")" = live
"$tools/uq_inflight" -i "$irq" -p "$poll" "$lbs" 2 >/tmp/after.out 2>&1
expect "both queues carry I/O after the reset" test "$(grep -c ": 2 completions: 2 ok" /tmp/after.out)" = 2 ||
	cat /tmp/after.out
dmesg | grep -E "nvme|enabling device" | tail -n 6
exit $fail
