/* SPDX-License-Identifier: MIT */
/*
 * Description: the part ng_io and uq_io share: check the arguments
 * read|write CHARDEV LBA_SIZE OFFSET LENGTH FILE, then move LENGTH bytes
 * between FILE and byte OFFSET of the namespace behind CHARDEV with one
 * io_uring passthrough command (IORING_OP_URING_CMD, NVME_URING_CMD_IO),
 * on an IOPOLL ring when poll is set and from a registered buffer when
 * fixed is set, the buffer starting buf_off bytes into a page. Returns the tool's exit status: 0 ok, 1 failure (the NVMe
 * status or errno is printed), 2 bad usage.
 *
 * passthru_prep() fills one SQE128 slot with such a command; every tool that
 * builds passthrough commands by hand uses it.
 */
#ifndef QB_TOOLS_PASSTHRU_H
#define QB_TOOLS_PASSTHRU_H

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define NVME_CMD_WRITE 0x01
#define NVME_CMD_READ 0x02

static inline int passthru_usage(const char *prog, const char *usage, const char *why)
{
	fprintf(stderr, "%s: %s\nusage: %s %s\n", prog, why, prog, usage);
	return 2;
}

static inline int passthru_parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end || end == s) ? -1 : 0;
}

/*
 * Fill the SQE128 slot sqe (both halves zeroed first) with one passthrough
 * command on fd: IORING_OP_URING_CMD, cmd_op NVME_URING_CMD_IO or, when vec
 * is set, NVME_URING_CMD_IO_VEC (addr is then an iovec array and len its
 * count), NVMe opcode and nsid, the data buffer, and the starting LBA and
 * number of LBAs in cdw10-12 (nlb 0 leaves them zero). Returns the command
 * so that callers can set more fields; user_data and flags are theirs.
 */
static inline struct nvme_uring_cmd *passthru_prep(struct io_uring_sqe *sqe, int fd, int vec,
						    unsigned int opcode, unsigned int nsid,
						    const void *addr, unsigned int len,
						    unsigned long long lba, unsigned int nlb)
{
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe->cmd;

	/* an SQE128 slot is two struct io_uring_sqe long */
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = vec ? NVME_URING_CMD_IO_VEC : NVME_URING_CMD_IO;
	cmd->opcode = opcode;
	cmd->nsid = nsid;
	cmd->addr = (uintptr_t)addr;
	cmd->data_len = len;
	if (nlb) {
		cmd->cdw10 = lba & 0xffffffff;
		cmd->cdw11 = lba >> 32;
		cmd->cdw12 = nlb - 1; /* NLB is zero-based */
	}
	return cmd;
}

/*
 * argv[1..6]: read|write CHARDEV LBA_SIZE OFFSET LENGTH FILE. OPEN_DEV
 * opens CHARDEV with FLAGS and returns the fd (a user queue is bound to its
 * namespace there); NULL opens it plainly.
 */
static inline int passthru_main(const char *prog, const char *usage, int argc, char **argv, int poll, int fixed,
				unsigned int buf_off, int (*open_dev)(const char *dev, int flags))
{
	unsigned long long lba_size, offset, length;
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring ring;
	int write, fd, file_fd, nsid, ret;
	void *mem, *buf;

	if (poll)
		p.flags |= IORING_SETUP_IOPOLL;
	if (argc != 7)
		return passthru_usage(prog, usage, "wrong number of arguments");
	if (strcmp(argv[1], "read") && strcmp(argv[1], "write"))
		return passthru_usage(prog, usage, "the first argument must be read or write");
	write = !strcmp(argv[1], "write");
	if (passthru_parse_u64(argv[3], &lba_size) || (lba_size != 512 && lba_size != 4096))
		return passthru_usage(prog, usage, "LBA_SIZE must be 512 or 4096");
	if (passthru_parse_u64(argv[4], &offset) || offset % lba_size)
		return passthru_usage(prog, usage, "OFFSET must be a multiple of LBA_SIZE");
	if (passthru_parse_u64(argv[5], &length) || !length || length % lba_size || length > (1u << 20))
		return passthru_usage(prog, usage, "LENGTH must be a non-zero multiple of LBA_SIZE, at most 1 MiB");

	fd = open_dev ? open_dev(argv[2], write ? O_RDWR : O_RDONLY) : open(argv[2], write ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	nsid = ioctl(fd, NVME_IOCTL_ID);
	if (nsid <= 0) {
		fprintf(stderr, "%s: %s: NVME_IOCTL_ID failed: %s\n", prog, argv[2], strerror(errno));
		return 1;
	}
	file_fd = write ? open(argv[6], O_RDONLY) : open(argv[6], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (file_fd < 0) {
		perror(argv[6]);
		return 1;
	}
	if (buf_off >= 4096 || posix_memalign(&mem, 4096, length + buf_off))
		return 1;
	buf = (char *)mem + buf_off;
	memset(buf, 0, length);
	if (write && pread(file_fd, buf, length, 0) != (ssize_t)length) {
		fprintf(stderr, "%s: %s is shorter than %llu bytes\n", prog, argv[6], length);
		return 1;
	}

	ret = io_uring_queue_init_params(4, &ring, &p);
	if (ret) {
		fprintf(stderr, "%s: io_uring setup with SQE128|CQE32 failed: %s\n", prog, strerror(-ret));
		return 1;
	}
	if (fixed) {
		struct iovec iov = { .iov_base = buf, .iov_len = length };

		ret = io_uring_register_buffers(&ring, &iov, 1);
		if (ret) {
			fprintf(stderr, "%s: registering the buffer failed: %s\n", prog, strerror(-ret));
			return 1;
		}
	}
	sqe = io_uring_get_sqe(&ring);
	if (!sqe)
		return 1;
	passthru_prep(sqe, fd, 0, write ? NVME_CMD_WRITE : NVME_CMD_READ, nsid, buf, length,
		      offset / lba_size, length / lba_size);
	if (fixed) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = 0;
	}

	ret = io_uring_submit(&ring);
	if (ret != 1) {
		fprintf(stderr, "%s: submit failed: %s\n", prog, strerror(-ret));
		return 1;
	}
	ret = io_uring_wait_cqe(&ring, &cqe);
	if (ret) {
		fprintf(stderr, "%s: wait failed: %s\n", prog, strerror(-ret));
		return 1;
	}
	if (cqe->res) {
		if (cqe->res < 0)
			fprintf(stderr, "%s: command failed: %s\n", prog, strerror(-cqe->res));
		else
			fprintf(stderr, "%s: NVMe status 0x%x\n", prog, cqe->res);
		return 1;
	}
	io_uring_cqe_seen(&ring, cqe);
	if (!write && pwrite(file_fd, buf, length, 0) != (ssize_t)length) {
		perror(argv[6]);
		return 1;
	}
	io_uring_queue_exit(&ring);
	close(file_fd);
	close(fd);
	free(mem);
	return 0;
}

#endif /* QB_TOOLS_PASSTHRU_H */
