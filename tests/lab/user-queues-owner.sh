#!/bin/bash
# Runtime: about 450 s (scripts/test.sh starts the longest tests first)
# Description: the v2 ownership and namespace model of user queues, on the
# debug kernel. One boot with a controller of two data-keeping namespaces
# and a second controller: one owner per queue, one namespace per queue,
# one ring per owner, the rights of the ng fd the queue was bound with, the
# v1 namespace escape refused, the opcode and length rules for owners
# without CAP_SYS_ADMIN (tests/guest/user-queues-owner.sh). A second boot
# with nvme.sgl_threshold=0, the only way to get PRPs from QEMU's
# controller, which always advertises SGLs: data round trips of several
# sizes and buffer offsets through both queues, plain and registered,
# checked against the block device (tests/guest/user-queues-prp.sh).
# shellcheck source=tests/lab/lib.sh
. "$(dirname "$0")/lib.sh"
uqs="nvme.user_irq_queues=1 nvme.user_poll_queues=1"

expect_status 0 "user queues: one owner, one namespace, one ring; rights and lengths" \
	lab_vm --nvme file,size=64M,namespaces=2 --nvme null,size=1G --append "$uqs" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/user-queues-owner.sh"
expect_status 0 "user queues with PRPs (nvme.sgl_threshold=0): data round trips" \
	lab_vm --nvme file,size=64M --append "$uqs nvme.sgl_threshold=0" \
	-- env QBENCH_BUILD="$build" "$top/tests/guest/user-queues-prp.sh"
done_testing
