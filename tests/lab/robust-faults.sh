#!/bin/bash
# Runtime: about 850 s (scripts/test.sh starts the longest tests first)
# CPUs: 2
# Description: robustness of the user queues under device faults, on the
# debug kernel (KASAN, lockdep: any kernel report fails), four queues per
# controller, each with its own owner: injected media errors, 20 controller
# resets under load (each proven by the queues' generation), command
# timeouts, and a reset and a removal through sysfs with stopped owners
# and rings that never reap, bounded to 30 s each, then rescan
# (tests/guest/robust-faults.sh). Prints the fault summary line; the guest
# promises 31 faults.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_status 0 "user queues survive injected errors, resets, timeouts and removal" \
	lab_vm --cpus 2 --timeout 1500 --results "$tmp" \
	--nvme blkdebug,size=64M,inject=read:1000,inject=write:2000 \
	--nvme null,size=1G,latency-ns=5000000000 \
	--append "nvme.user_irq_queues=2 nvme.user_poll_queues=2" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/robust-faults.sh" "$tmp/summary"
robust_summary "$tmp/summary" 17 0
done_testing
