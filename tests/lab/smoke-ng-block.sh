#!/bin/bash
# Runtime: about 100 s (scripts/test.sh starts the longest tests first)
# Description: the lab's smoke test. Data written through /dev/nvme0n1 with
# O_DIRECT reads back byte-identical through /dev/ng0n1 (io_uring
# passthrough) and the other way round, on a data-keeping emulated namespace.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
expect_status 0 "block <-> ng data round trip" \
	lab_vm --nvme file,size=64M -- "$top/tests/guest/smoke-ng-block.sh"
done_testing
