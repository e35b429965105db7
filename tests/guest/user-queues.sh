#!/bin/bash
# Description: runs in a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1 and a data-keeping namespace. Checks the user
# queue char devices and their sysfs attributes, moves data through both
# queues (plain and registered buffers) and compares it with the block
# device, then runs fio's io_uring_cmd engine (read and write jobs) on both
# queues and checks the counters moved; uq_mmap checks the read-only
# mappings and backpressure on the poll queue.
# Exit: 0 pass, 1 fail, 77 skip (no namespace).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
uq_io=$build/tests/tools/uq_io
blk=/dev/nvme0n1 irq=/dev/nvme0uq0 poll=/dev/nvme0uq1
cls=/sys/class/nvme-generic

[ -b $blk ] || { echo "SKIP: no $blk"; exit 77; }
[ -x "$uq_io" ] || { echo "FAIL: $uq_io is not built"; exit 1; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# expect DESCRIPTION COMMAND...: ok when COMMAND succeeds
expect() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

for d in $irq $poll; do
	[ -c "$d" ] || { echo "FAIL: $d missing"; ls -l /dev/nvme*; exit 1; }
	expect "$d is root only (mode 600)" test "$(stat -c %a "$d")" = 600
done
n=$(basename $irq) m=$(basename $poll)
expect "$n type irq" test "$(cat "$cls/$n/type")" = irq
expect "$m type poll" test "$(cat "$cls/$m/type")" = poll
for a in qid depth submitted completed polls empty_polls; do
	echo "$n/$a=$(cat "$cls/$n/$a") $m/$a=$(cat "$cls/$m/$a")"
done
qn=$(cat "$cls/$n/qid") qm=$(cat "$cls/$m/qid")
expect "hardware qids $qn and $qm" test "$qn" -gt 0 -a "$qm" -gt 0 -a "$qn" != "$qm"
expect "user_irq queue has its own vector" grep -q nvme0uq0 /proc/interrupts

lbs=$(cat /sys/block/nvme0n1/queue/logical_block_size)
check() { # name expected actual
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1: data differs"; fi
}
for q in "$irq" "-p $poll" "-f $irq" "-p -f $poll"; do
	# shellcheck disable=SC2086
	for len in "$lbs" 4096 262144; do
		off=$((1 << 20))
		head -c "$len" /dev/urandom >/tmp/in
		dd if=/tmp/in of=$blk bs="$len" seek=$((off / len)) count=1 oflag=direct status=none
		set -- $q
		opts=("${@:1:$#-1}") dev=${!#}
		"$uq_io" "${opts[@]}" read "$dev" "$lbs" "$off" "$len" /tmp/out || { bad "read $len via $q"; continue; }
		check "block write -> $q read, $len bytes" /tmp/in /tmp/out
		off=$((8 << 20))
		head -c "$len" /dev/urandom >/tmp/in
		"$uq_io" "${opts[@]}" write "$dev" "$lbs" "$off" "$len" /tmp/in || { bad "write $len via $q"; continue; }
		dd if=$blk of=/tmp/out bs="$len" skip=$((off / len)) count=1 iflag=direct status=none
		check "$q write -> block read, $len bytes" /tmp/in /tmp/out
	done
done

# every size from one LBA to MDTS in buffers crossing pages, MDTS + one LBA
# and misaligned buffers refused, LBA Out of Range in its own CQE only,
# vectored buffers scattered inside pages (SGL where the controller has them)
nlbas=$(($(cat /sys/block/nvme0n1/size) * 512 / lbs))
max=$(($(cat /sys/block/nvme0n1/queue/max_hw_sectors_kb) * 1024))
[ "$max" -le 1048576 ] || max=1048576
echo "capacity $nlbas LBAs, largest transfer $max bytes"
expect "edge cases on $irq" "$build/tests/tools/uq_check" $irq "$lbs" "$nlbas" "$max"
expect "edge cases on $poll (IOPOLL)" "$build/tests/tools/uq_check" -p $poll "$lbs" "$nlbas" "$max"

# read-only mmap of the state page and CQ ring, user-space pending test,
# backpressure past the queue depth
expect "mmap and backpressure" "$build/tests/tools/uq_mmap" $poll "$lbs"

if command -v fio >/dev/null; then
	for rw in randread randwrite; do
		fio --name=uq --filename=$irq --ioengine=io_uring_cmd --cmd_type=nvme \
			--rw=$rw --bs=4k --size=8M --iodepth=16 --number_ios=2000 \
			--output-format=terse >/tmp/fio.out 2>&1 || cat /tmp/fio.out
		expect "fio $rw on $irq" grep -q '^3;' /tmp/fio.out
		fio --name=uq --filename=$poll --ioengine=io_uring_cmd --cmd_type=nvme \
			--hipri=1 --rw=$rw --bs=4k --size=8M --iodepth=16 --number_ios=2000 \
			--output-format=terse >/tmp/fio.out 2>&1 || cat /tmp/fio.out
		expect "fio $rw on $poll (hipri)" grep -q '^3;' /tmp/fio.out
	done
else
	bad "fio is not installed"
fi
for a in submitted completed polls empty_polls; do
	echo "after: $n/$a=$(cat "$cls/$n/$a") $m/$a=$(cat "$cls/$m/$a")"
done
expect "poll calls counted" test "$(cat "$cls/$m/polls")" -gt 0
expect "irq queue: every submitted command completed" test "$(cat "$cls/$n/submitted")" = "$(cat "$cls/$n/completed")"
exit $fail
