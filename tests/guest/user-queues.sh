#!/bin/bash
# Description: runs in a lab guest booted with nvme.user_irq_queues=1
# nvme.user_poll_queues=1 and a data-keeping namespace. Checks the user
# queue char devices and their sysfs attributes, moves data through both
# queues (plain and registered buffers) and compares it with the block
# device, checks the data path's edge cases on SGLs (QEMU's controller
# advertises them), runs write and read jobs with uq_load on both queues,
# each checked through the other queue (uq_load also checks that the CQ
# head the state page publishes moved by exactly the commands completed);
# uq_mmap checks the read-only mappings and backpressure on the poll queue.
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
for a in qid depth; do
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
		dd if=/tmp/in of=$blk bs="$len" seek=$((off / len)) count=1 oflag=direct status=none ||
			{ bad "block write of $len bytes"; continue; }
		set -- $q
		opts=("${@:1:$#-1}") dev=${!#}
		"$uq_io" "${opts[@]}" read "$dev" "$lbs" "$off" "$len" /tmp/out || { bad "read $len via $q"; continue; }
		check "block write -> $q read, $len bytes" /tmp/in /tmp/out
		off=$((8 << 20))
		head -c "$len" /dev/urandom >/tmp/in
		"$uq_io" "${opts[@]}" write "$dev" "$lbs" "$off" "$len" /tmp/in || { bad "write $len via $q"; continue; }
		dd if=$blk of=/tmp/out bs="$len" skip=$((off / len)) count=1 iflag=direct status=none ||
			{ bad "block read of $len bytes"; continue; }
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
# check_sgl DESCRIPTION ARGS...: uq_check passes and took the SGL path
# (its vectored buffer scattered inside pages is accepted)
check_sgl() {
	local what=$1 rc
	shift
	"$build/tests/tools/uq_check" "$@" >/tmp/check.out 2>&1
	rc=$?
	cat /tmp/check.out
	if [ $rc -eq 0 ]; then ok "$what"; else bad "$what (status $rc)"; fi
	if grep -qx "sgl: yes" /tmp/check.out; then
		ok "$what: data described with SGLs"
	else
		bad "$what: the SGL path was not taken"
	fi
}
check_sgl "edge cases on $irq" $irq "$lbs" "$nlbas" "$max"
check_sgl "edge cases on $poll (IOPOLL)" -p $poll "$lbs" "$nlbas" "$max"

# INFO (SGLs, writable, privileged, limits), read-only mmap of the state
# page and CQ ring, user-space pending test, backpressure past the queue
# depth, and a next owner that sees none of the CQEs before it
expect "mmap, INFO, backpressure and the next owner" "$build/tests/tools/uq_mmap" $poll "$lbs" sgl

# write and read jobs on both queues (2000 one-LBA commands, 16 in flight),
# the data written through one queue verified through the other; uq_load
# fails on any error, lost or doubled completion or wrong data
uq_load=$build/tests/tools/uq_load
a=$(((16 << 20) / lbs)) b=$(((24 << 20) / lbs))
expect "uq_load writes on $irq" "$uq_load" -q 16 -s 31 write $irq "$lbs" "$a" 2000
expect "uq_load writes on $poll (IOPOLL)" "$uq_load" -p -q 16 -s 32 write $poll "$lbs" "$b" 2000
expect "uq_load reads on $irq of what $poll wrote" "$uq_load" -q 16 -s 32 read $irq "$lbs" "$b" 2000
expect "uq_load reads on $poll of what $irq wrote" "$uq_load" -p -q 16 -s 31 read $poll "$lbs" "$a" 2000
exit $fail
