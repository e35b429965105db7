/* SPDX-License-Identifier: MIT */
/*
 * Description: helpers shared by uq_load, uq_pending and uq_inflight: open
 * a passthrough char device (a user queue /dev/nvmeXuqN or /dev/ngXnY) with
 * an SQE128/CQE32 ring, fill a one-command NVME_URING_CMD_IO read or write,
 * submit without asking an IOPOLL ring to poll, map a user queue's
 * read-only state page and CQ ring and test "is a completion pending" the
 * way an application does, and read a queue's sysfs counters.
 *
 * uq_mmap and uq_robust map the queue themselves, to check how the mappings
 * fail, and take only its layout from here: the mmap offsets and the state
 * page, for building against kernel headers without the user queue patches.
 */
#ifndef QB_TOOLS_UQ_COMMON_H
#define QB_TOOLS_UQ_COMMON_H

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define UQ_CMD_WRITE 0x01
#define UQ_CMD_READ 0x02

#ifndef NVME_UQ_OFF_CQ
#define NVME_UQ_OFF_STATE 0x0ULL
#define NVME_UQ_OFF_CQ 0x100000ULL
struct nvme_uq_state {
	__u32 version;
	__u32 qid;
	__u32 depth;
	__u32 cq_head_phase; /* bits 15:0 CQ head, bit 16 expected phase */
	__u32 generation;
	__u32 flags;
};
#endif

struct uq_cqe {
	uint32_t result;
	uint32_t rsvd;
	uint16_t sq_head;
	uint16_t sq_id;
	uint16_t command_id;
	uint16_t status; /* bit 0: phase */
};

/* a user queue's mappings */
struct uq_map {
	volatile struct nvme_uq_state *st;
	volatile struct uq_cqe *cq;
	unsigned int depth;
};

static inline double uq_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* open DEV read-write and return its fd; *nsid gets the namespace id */
static inline int uq_open(const char *dev, int *nsid)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		perror(dev);
		exit(1);
	}
	*nsid = ioctl(fd, NVME_IOCTL_ID);
	if (*nsid <= 0) {
		fprintf(stderr, "%s: NVME_IOCTL_ID failed: %s\n", dev, strerror(errno));
		exit(1);
	}
	return fd;
}

/* an SQE128/CQE32 ring of at least ENTRIES, IOPOLL when poll is set */
static inline void uq_ring(struct io_uring *ring, unsigned int entries, int poll)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	int ret;

	if (poll)
		p.flags |= IORING_SETUP_IOPOLL;
	p.flags |= IORING_SETUP_CQSIZE;
	p.cq_entries = 2 * entries;
	ret = io_uring_queue_init_params(entries, ring, &p);
	if (ret) {
		fprintf(stderr, "io_uring setup (%u entries): %s\n", entries, strerror(-ret));
		exit(1);
	}
}

/* fill SQE (an SQE128 slot) with one read or write of NLB blocks at LBA */
static inline void uq_prep(struct io_uring_sqe *sqe, int fd, int nsid, int opcode, void *buf,
			   unsigned int len, unsigned long long lba, unsigned int nlb,
			   unsigned long long tag)
{
	struct nvme_uring_cmd *cmd;

	if (!sqe) {
		fprintf(stderr, "no free SQE\n");
		exit(1);
	}
	memset(sqe, 0, 2 * sizeof(*sqe)); /* an SQE128 slot is two SQEs long */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = NVME_URING_CMD_IO;
	sqe->user_data = tag;
	cmd = (struct nvme_uring_cmd *)sqe->cmd;
	cmd->opcode = opcode;
	cmd->nsid = nsid;
	cmd->addr = (uintptr_t)buf;
	cmd->data_len = len;
	cmd->cdw10 = lba & 0xffffffff;
	cmd->cdw11 = lba >> 32;
	cmd->cdw12 = nlb - 1; /* zero-based */
}

/*
 * Submit what is prepared without GETEVENTS: io_uring_submit() on an IOPOLL
 * ring also polls once, which may reap completions in the kernel.
 */
static inline int uq_submit_nopoll(struct io_uring *ring)
{
	unsigned int n = ring->sq.sqe_tail - ring->sq.sqe_head;
	int ret;

	io_uring_smp_store_release(ring->sq.ktail, ring->sq.sqe_tail);
	ring->sq.sqe_head = ring->sq.sqe_tail;
	if (!n)
		return 0;
	ret = syscall(__NR_io_uring_enter, ring->ring_fd, n, 0, 0, NULL, 0);
	return ret < 0 ? -errno : ret;
}

/*
 * Wait up to SECS seconds for a CQE. One wait with a timeout is not enough
 * on an IOPOLL ring: the kernel may return from polling with nothing
 * (need_resched) and liburing then reports -ETIME at once.
 */
static inline int uq_wait(struct io_uring *ring, struct io_uring_cqe **cqe, int secs)
{
	double end = uq_now() + secs;
	int ret;

	do {
		struct __kernel_timespec ts = { .tv_sec = 1 };

		ret = io_uring_wait_cqe_timeout(ring, cqe, &ts);
	} while ((ret == -ETIME || ret == -EINTR) && uq_now() < end);
	return ret;
}

/* map the state page and CQ ring of a user queue read-only */
static inline void uq_map(int fd, struct uq_map *m)
{
	size_t len;

	m->st = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
	if (m->st == MAP_FAILED) {
		perror("mmap state page");
		exit(1);
	}
	m->depth = m->st->depth;
	len = ((size_t)m->depth * 16 + 4095) & ~4095UL;
	m->cq = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_CQ);
	if (m->cq == MAP_FAILED) {
		perror("mmap CQ ring");
		exit(1);
	}
}

static inline uint32_t uq_head_phase(const struct uq_map *m)
{
	return __atomic_load_n(&m->st->cq_head_phase, __ATOMIC_ACQUIRE);
}

/* the user-space pending test: the CQE at the published head has the phase */
static inline int uq_pending(const struct uq_map *m)
{
	uint32_t hp = uq_head_phase(m);

	return (le16toh(m->cq[hp & 0xffff].status) & 1) == ((hp >> 16) & 1);
}

/* sysfs counter NAME of the queue behind DEV (/dev/nvme0uq1), -1 if none */
static inline long long uq_counter(const char *dev, const char *name)
{
	char path[256];
	long long v = -1;
	const char *base = strrchr(dev, '/');
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/nvme-generic/%s/%s", base ? base + 1 : dev, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

#endif /* QB_TOOLS_UQ_COMMON_H */
