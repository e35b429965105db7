#!/bin/bash
# Description: runs in a lab guest with a data-keeping NVMe namespace.
# Data written to /dev/nvme0n1 with O_DIRECT reads back byte-identical
# through /dev/ng0n1 with an io_uring passthrough read, and data written
# through /dev/ng0n1 reads back identical through /dev/nvme0n1.
# Exit: 0 pass, 1 fail, 77 skip (no namespace).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
ng_io=$build/tests/tools/ng_io
blk=/dev/nvme0n1 ng=/dev/ng0n1

[ -b $blk ] || { echo "SKIP: no $blk"; exit 77; }
[ -c $ng ] || { echo "FAIL: $blk exists but $ng does not"; exit 1; }
[ -x "$ng_io" ] || { echo "FAIL: $ng_io is not built"; exit 1; }
lbs=$(cat /sys/block/nvme0n1/queue/logical_block_size)
fail=0

check() { # name expected actual
	if cmp -s "$2" "$3"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: data differs: $(cmp "$2" "$3" 2>&1 | head -n 1)"
		fail=1
	fi
}

# Sizes: one LBA, a page, and a transfer that needs a PRP list.
for len in "$lbs" 4096 262144; do
	off=$((1 << 20))
	head -c "$len" /dev/urandom >/tmp/in
	dd if=/tmp/in of=$blk bs="$len" seek=$((off / len)) count=1 oflag=direct status=none ||
		{ echo "FAIL: O_DIRECT write of $len bytes to $blk"; exit 1; }
	"$ng_io" read $ng "$lbs" "$off" "$len" /tmp/out || { echo "FAIL: passthrough read of $len bytes"; exit 1; }
	check "block write -> ng read, $len bytes" /tmp/in /tmp/out

	off=$((8 << 20))
	head -c "$len" /dev/urandom >/tmp/in
	"$ng_io" write $ng "$lbs" "$off" "$len" /tmp/in || { echo "FAIL: passthrough write of $len bytes"; exit 1; }
	dd if=$blk of=/tmp/out bs="$len" skip=$((off / len)) count=1 iflag=direct status=none ||
		{ echo "FAIL: O_DIRECT read of $len bytes from $blk"; exit 1; }
	check "ng write -> block read, $len bytes" /tmp/in /tmp/out
done
exit $fail
