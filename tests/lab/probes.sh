#!/bin/bash
# Description: the BPF probes in the lab. In a guest with a polled null
# namespace, compare --probes reports useless polls, block-layer calls per
# I/O (on the block path, not on ng), top kernel symbols and the probe cost;
# an unprivileged run says so in one line and completes (see
# tests/guest/probes.sh).
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
expect_status 0 "probes: polls, block-layer calls, profile, no privilege" \
	lab_vm --append "nvme.poll_queues=1" --nvme null,qpairs=16 -- "$top/tests/guest/probes.sh"
done_testing
