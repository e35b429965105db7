/* SPDX-License-Identifier: MIT */
/*
 * Description: move bytes between a file and an NVMe namespace through an
 * NVMe user queue char device (/dev/nvmeXuqN) with one io_uring passthrough
 * command (IORING_OP_URING_CMD, NVME_URING_CMD_IO), on an IOPOLL ring for
 * user_poll queues (-p), from a registered buffer (-f) and from a buffer
 * starting BUF_OFF bytes into a page (-o BUF_OFF, a multiple of 4 below
 * 4096) if asked, so lab tests can check user queue I/O against the block
 * device.
 *
 * usage: uq_io [-p] [-f] [-o BUF_OFF] read|write CHARDEV LBA_SIZE OFFSET LENGTH FILE
 *   read:  LENGTH bytes at byte OFFSET of the namespace are written to FILE
 *   write: LENGTH bytes of FILE are written at byte OFFSET
 * The queue is bound to $UQ_NS, or namespace 1 of its controller, opened
 * read-write for write and read-only for read.
 * OFFSET and LENGTH must be multiples of LBA_SIZE. Exit: 0 ok, 1 failure
 * (the NVMe status or errno is printed), 2 bad usage.
 */
#include "passthru.h"
#include "uq_common.h"

/* open a user queue and bind it to its namespace, opened with FLAGS */
static int open_bound(const char *dev, int flags)
{
	char buf[64];
	int fd = open(dev, O_RDWR), ret;

	if (fd < 0)
		return -1;
	ret = uq_bind(fd, uq_default_ns(dev, buf, sizeof(buf)), flags);
	if (ret) {
		fprintf(stderr, "uq_io: binding %s to %s: %s\n", dev, buf, strerror(-ret));
		close(fd);
		errno = -ret;
		return -1;
	}
	return fd;
}

#define USAGE "[-p] [-f] [-o BUF_OFF] read|write CHARDEV LBA_SIZE OFFSET LENGTH FILE"

int main(int argc, char **argv)
{
	unsigned long long buf_off = 0;
	int poll = 0, fixed = 0;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-p")) {
			poll = 1;
		} else if (!strcmp(argv[1], "-f")) {
			fixed = 1;
		} else if (!strcmp(argv[1], "-o") && argc > 2) {
			if (passthru_parse_u64(argv[2], &buf_off) || buf_off >= 4096 || buf_off % 4)
				return passthru_usage("uq_io", USAGE, "BUF_OFF must be a multiple of 4 below 4096");
			argv++;
			argc--;
		} else
			return passthru_usage("uq_io", USAGE, "unknown option");
		argv++;
		argc--;
	}
	return passthru_main("uq_io", USAGE, argc, argv, poll, fixed, buf_off, open_bound);
}
