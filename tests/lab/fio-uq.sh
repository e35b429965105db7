#!/bin/bash
# Runtime: about 360 s (scripts/test.sh starts the longest tests first)
# CPUs: 1
# Description: fio (io_uring_cmd engine) on the user queues of
# kernel-patch/ through libnvme-qbench-uqbind.so, in a guest with a poll
# queue and one user queue of each type: 512 B randread at iodepth 32 with
# fixed buffers on the user_irq queue and, with hipri, on the user_poll
# queue; a randwrite verified with crc32c through the user_irq queue; and
# fio refused on a queue without the library (tests/guest/fio-uq.sh).
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
[ -f "$build/bench/uqbind/libnvme-qbench-uqbind.so" ] || skip "$build/bench/uqbind/libnvme-qbench-uqbind.so is not built"
command -v fio >/dev/null || skip "no fio (apt-get install fio)"
out=$(mktemp -d "${TMPDIR:-/tmp}/fio-uq.XXXXXX")
trap 'rm -rf "$out"' EXIT
expect_status 0 "fio on the user queues in the guest" \
	lab_vm --results "$out" --append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	--nvme file,size=256M -- "$top/tests/guest/fio-uq.sh" "$out" "$build"
done_testing
