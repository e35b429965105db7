#!/bin/bash
# Runtime: about 610 s (scripts/test.sh starts the longest tests first)
# CPUs: 2
# Description: robustness of the user queues against hostile and
# concurrent users, on the debug kernel (KASAN, lockdep: any kernel report
# fails), four queues per controller, each with its own owner: ownership
# (second open EBUSY, second ring EXDEV), four owners at once, opens of
# owned queues and owners taking turns racing with I/O, kill -9 with I/O
# in flight, unprivileged read-only use, and 80,000 randomized commands with
# random ioctls and mmaps from two threads on a file-backed namespace with
# verified data, across 5 resets, with PRPs, and across a removal
# (tests/guest/robust-input.sh). Prints the summary line; the guest
# promises 9 faults and at least 5,000 bad inputs.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_status 0 "user queues hold against concurrent, unprivileged and hostile users" \
	lab_vm --cpus 2 --timeout 1500 --results "$tmp" \
	--nvme file,size=64M --nvme file,size=256M \
	--append "nvme.user_irq_queues=2 nvme.user_poll_queues=2" \
	-- env QBENCH_BUILD="$build" ROBUST_SEED="${ROBUST_SEED:-1}" \
	"$top/tests/guest/robust-input.sh" "$tmp/summary"
robust_summary "$tmp/summary" 9 5000
done_testing
