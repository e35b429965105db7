#!/bin/bash
# Description: robustness of the user queues against hostile and
# concurrent users, on the debug kernel (KASAN, lockdep: any kernel report
# fails): two rings per queue, opens and closes racing with I/O, kill -9
# with I/O in flight, unprivileged read-only use, and 100,000 randomized
# commands with random ioctls and mmaps (tests/guest/robust-input.sh).
# Prints the summary line.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_status 0 "user queues hold against concurrent, unprivileged and hostile users" \
	lab_vm --cpus 2 --timeout 900 --results "$tmp" \
	--nvme file,size=64M --nvme null,size=1G \
	--append "nvme.user_irq_queues=1 nvme.user_poll_queues=1" \
	-- env QBENCH_BUILD="$build" ROBUST_SEED="${ROBUST_SEED:-1}" \
	"$top/tests/guest/robust-input.sh" "$tmp/summary"
robust_summary "$tmp/summary" 3 10000 # 3 kill -9 rounds; a floor for the bad inputs among 100,000 fuzzed commands
done_testing
