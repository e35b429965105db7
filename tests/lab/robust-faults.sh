#!/bin/bash
# Description: robustness of the user queues under device faults, on the
# debug kernel (KASAN, lockdep: any kernel report fails): injected media
# errors, 20 controller resets under load, command timeouts and removal
# through sysfs with commands in flight, then rescan
# (tests/guest/robust-faults.sh). Prints the fault summary line.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_status 0 "user queues survive injected errors, resets, timeouts and removal" \
	lab_vm --cpus 2 --timeout 1500 --results "$tmp" \
	--nvme blkdebug,size=64M,inject=read:1000,inject=write:2000 \
	--nvme null,size=1G,latency-ns=5000000000 \
	--append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/robust-faults.sh" "$tmp/summary"
robust_summary "$tmp/summary" 28 0 # 2 x 2 injected errors, 20 resets, 3 timeouts, 1 removal
done_testing
