/* SPDX-License-Identifier: MIT */
/*
 * Description: move bytes between a file and an NVMe namespace through an
 * NVMe char device (/dev/ngXnY) with one io_uring passthrough command
 * (IORING_OP_URING_CMD, NVME_URING_CMD_IO), so lab tests can check what the
 * block device wrote against what passthrough reads, and the other way round.
 *
 * usage: ng_io read|write CHARDEV LBA_SIZE OFFSET LENGTH FILE
 *   read:  LENGTH bytes at byte OFFSET of the namespace are written to FILE
 *   write: LENGTH bytes of FILE are written at byte OFFSET
 * OFFSET and LENGTH must be multiples of LBA_SIZE. Exit: 0 ok, 1 failure
 * (the NVMe status or errno is printed), 2 bad usage.
 */
#include "passthru.h"

int main(int argc, char **argv)
{
	return passthru_main("ng_io", "read|write CHARDEV LBA_SIZE OFFSET LENGTH FILE", argc, argv, 0, 0, 0, NULL);
}
