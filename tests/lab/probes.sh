#!/bin/bash
# Runtime: about 450 s (scripts/test.sh starts the longest tests first)
# Description: the BPF probes in the lab. In a guest with a polled null
# namespace and one user queue of each type, compare --probes reports
# useless polls, block-layer calls per I/O (on the block path, not on ng,
# none at all on the user queue paths), top kernel symbols and the probe
# cost; probes/nvme_poll.bt runs live under bpftrace; an unprivileged run
# says so in one line and completes (see tests/guest/probes.sh).
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
expect_status 0 "probes: polls, block-layer calls, uq paths, bpftrace live, profile, no privilege" \
	lab_vm --timeout 900 --append "nvme.poll_queues=1 nvme.user_irq_queues=1 nvme.user_poll_queues=1" --nvme null,qpairs=16 \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/probes.sh"
done_testing
