#!/bin/bash
# Runtime: about 100 s (scripts/test.sh starts the longest tests first)
# Description: the blkdebug backend fails exactly the injected sector: a read
# there returns EIO, its neighbours read fine.
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
expect_status 0 "injected read error hits only its sector" \
	lab_vm --nvme blkdebug,size=64M,inject=read:2048 -- sh -c '
	dd if=/dev/nvme0n1 of=/dev/null bs=512 skip=2047 count=1 iflag=direct status=none || exit 1
	dd if=/dev/nvme0n1 of=/dev/null bs=512 skip=2049 count=1 iflag=direct status=none || exit 1
	if dd if=/dev/nvme0n1 of=/dev/null bs=512 skip=2048 count=1 iflag=direct status=none; then
		echo "read of the injected sector succeeded"; exit 1
	fi
	exit 0'
done_testing
