#!/bin/bash
# Description: runs in a lab guest booted with nvme.sgl_threshold=0
# nvme.user_irq_queues=1 nvme.user_poll_queues=1 and a data-keeping
# namespace. QEMU always advertises SGLs, so sgl_threshold=0 is what makes
# user queues describe data with PRPs; uq_check's vectored read scattered
# inside pages, which only an SGL can describe, must then be refused
# ("sgl: no"), proving the PRP path is the one tested. Then data round
# trips through both queues, plain and registered buffers, buffers
# starting on a page and inside one (2048 and 4092 bytes in: with 4092 a
# first PRP entry of 4 bytes), sizes from one LBA to 256 KiB (PRP1 only,
# PRP1+PRP2, PRP lists): written through the queue and read back through
# the block device, and the other way round, compared byte for byte.
# Exit: 0 pass, 1 fail, 77 skip (no user queues).
set -u
build=${QBENCH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
uq_io=$build/tests/tools/uq_io
blk=/dev/nvme0n1 irq=/dev/nvme0uq0 poll=/dev/nvme0uq1
if [ ! -c $irq ] || [ ! -c $poll ]; then echo "SKIP: no $irq and $poll"; exit 77; fi
[ -x "$uq_io" ] || { echo "FAIL: $uq_io is not built"; exit 1; }
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

thr=$(cat /sys/module/nvme/parameters/sgl_threshold)
if [ "$thr" = 0 ]; then ok "nvme.sgl_threshold is 0"; else bad "nvme.sgl_threshold is $thr, not 0"; fi
lbs=$(cat /sys/block/nvme0n1/queue/logical_block_size)
nlbas=$(($(cat /sys/block/nvme0n1/size) * 512 / lbs))
max=$(($(cat /sys/block/nvme0n1/queue/max_hw_sectors_kb) * 1024))
[ "$max" -le 1048576 ] || max=1048576
"$build/tests/tools/uq_check" $irq "$lbs" "$nlbas" "$max" >/tmp/check.out 2>&1
rc=$?
cat /tmp/check.out
if [ $rc -eq 0 ]; then ok "uq_check edge cases with PRPs"; else bad "uq_check edge cases with PRPs (status $rc)"; fi
if grep -qx "sgl: no" /tmp/check.out; then
	ok "a vectored buffer scattered inside pages is refused: the queue uses PRPs"
else
	bad "the queue did not refuse what only an SGL can describe: not on the PRP path"
fi

# NVME_UQ_IOCTL_INFO tells the owner the queue describes data with PRPs
if "$build/tests/tools/uq_mmap" $poll "$lbs" prp; then
	ok "uq_mmap: INFO says PRPs, mappings and backpressure as with SGLs"
else
	bad "uq_mmap with PRPs (status $?)"
fi

# round trips; every run uses fresh random data at its own offset
slot=0
for q in "$irq" "-p $poll"; do
	for fixed in "" "-f"; do
		# buffer offset:length; one LBA (PRP1 only), two pages (PRP2 a
		# page, or with +4092 a 4-byte PRP1 then PRP2), 64 KiB from
		# mid-page and 256 KiB (PRP lists)
		for case in 0:512 0:8192 0:262144 4092:512 4092:8192 4092:262144 2048:65536; do
			boff=${case%%:*} len=${case#*:}
			[ $((len % lbs)) -eq 0 ] || continue
			opts=(-o "$boff") dev=${q##* }
			[ "$dev" = "$q" ] || opts+=(-p)
			[ -z "$fixed" ] || opts+=(-f)
			what="$dev${fixed:+ registered} buffer at +$boff, $len bytes"
			off=$(((1 << 20) + slot * 262144))
			slot=$((slot + 1))
			head -c "$len" /dev/urandom >/tmp/in
			if ! "$uq_io" "${opts[@]}" write "$dev" "$lbs" "$off" "$len" /tmp/in; then
				bad "queue write: $what"
			elif ! dd if=$blk of=/tmp/out bs="$len" skip="$off" count="$len" iflag=direct,skip_bytes,count_bytes status=none; then
				bad "block read after queue write: $what"
			elif cmp -s /tmp/in /tmp/out; then
				ok "queue write -> block read: $what"
			else
				bad "queue write -> block read: $what: data differs"
			fi
			head -c "$len" /dev/urandom >/tmp/in
			if ! dd if=/tmp/in of=$blk bs="$len" seek="$off" count=1 oflag=direct,seek_bytes status=none; then
				bad "block write: $what"
			elif ! "$uq_io" "${opts[@]}" read "$dev" "$lbs" "$off" "$len" /tmp/out; then
				bad "queue read: $what"
			elif cmp -s /tmp/in /tmp/out; then
				ok "block write -> queue read: $what"
			else
				bad "block write -> queue read: $what: data differs"
			fi
		done
	done
done
exit $fail
