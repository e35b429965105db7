/* SPDX-License-Identifier: MIT */
/*
 * Description: helpers shared by uq_load, uq_pending and uq_inflight: open
 * a passthrough char device (a user queue /dev/nvmeXuqN or /dev/ngXnY) with
 * an SQE128/CQE32 ring, fill a one-command NVME_URING_CMD_IO read or write,
 * submit without asking an IOPOLL ring to poll, map a user queue's
 * read-only state page and CQ ring and test "is a completion pending" the
 * way an application does, and read a queue's sysfs counters.
 *
 * A queue has one owner: the file that opened it, bound to one namespace
 * (uq_open() binds to $UQ_NS, or ng<X>n1 of the queue's controller). The
 * user queue ABI comes from common/linux_nvme_uq.h, for building against
 * kernel headers without the user queue patches.
 */
#ifndef QB_TOOLS_UQ_COMMON_H
#define QB_TOOLS_UQ_COMMON_H

#include <endian.h>
#include <stdarg.h>
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

#include "linux_nvme_uq.h"
#include "passthru.h"

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

/* failed checks so far; a tool exits 1 if any */
static int uq_failures;

/* print "ok: WHAT" or "FAIL: WHAT" and count a failure; any thread */
static inline void uq_check(int good, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void uq_check(int good, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", good ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!good)
		__atomic_add_fetch(&uq_failures, 1, __ATOMIC_RELAXED);
}

static inline double uq_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The ng node a user queue binds to: $UQ_NS if set, else namespace 1 of
 * the queue's controller (/dev/nvme0uq1 -> /dev/ng0n1).
 */
static inline const char *uq_default_ns(const char *dev, char *buf, size_t len)
{
	const char *env = getenv("UQ_NS");
	const char *base = strrchr(dev, '/');
	int ctrl;

	if (env && *env)
		return env;
	if (sscanf(base ? base + 1 : dev, "nvme%duq", &ctrl) != 1)
		ctrl = 0;
	snprintf(buf, len, "/dev/ng%dn1", ctrl);
	return buf;
}

/* bind the open queue FD to the namespace of NS_FD; 0 or -errno */
static inline int uq_bind_fd(int fd, int ns_fd)
{
	struct nvme_uq_bind b = { .size = sizeof(b), .ns_fd = ns_fd };

	return ioctl(fd, NVME_UQ_IOCTL_BIND, &b) ? -errno : 0;
}

/* bind FD to the ng node NS opened with NS_FLAGS; 0 or -errno */
static inline int uq_bind(int fd, const char *ns, int ns_flags)
{
	int ns_fd = open(ns, ns_flags), ret;

	if (ns_fd < 0)
		return -errno;
	ret = uq_bind_fd(fd, ns_fd);
	close(ns_fd);
	return ret;
}

/*
 * Open DEV read-write, bind it to its namespace (uq_default_ns(), opened
 * read-write) and return its fd; *nsid gets the namespace id. Exits on
 * failure.
 */
static inline int uq_open(const char *dev, int *nsid)
{
	char buf[64];
	const char *ns = uq_default_ns(dev, buf, sizeof(buf));
	int fd = open(dev, O_RDWR), ret;

	if (fd < 0) {
		perror(dev);
		exit(1);
	}
	ret = uq_bind(fd, ns, O_RDWR);
	if (ret) {
		fprintf(stderr, "%s: binding to %s failed: %s\n", dev, ns, strerror(-ret));
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

/*
 * fill SQE (an SQE128 slot) with one read or write of NLB (at least one)
 * blocks at LBA, tagged TAG; exits when the ring had no free SQE
 */
static inline void uq_prep(struct io_uring_sqe *sqe, int fd, int nsid, int opcode, void *buf,
			   unsigned int len, unsigned long long lba, unsigned int nlb,
			   unsigned long long tag)
{
	if (!sqe) {
		fprintf(stderr, "no free SQE\n");
		exit(1);
	}
	passthru_prep(sqe, fd, 0, opcode, nsid, buf, len, lba, nlb);
	sqe->user_data = tag;
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

/* the queue's identity and mmap layout; exits on failure */
static inline struct nvme_uq_info uq_info(int fd)
{
	struct nvme_uq_info info = { .size = sizeof(info) };

	if (ioctl(fd, NVME_UQ_IOCTL_INFO, &info)) {
		perror("NVME_UQ_IOCTL_INFO");
		exit(1);
	}
	return info;
}

/* map the state page and CQ ring of a user queue read-only */
static inline void uq_map(int fd, struct uq_map *m)
{
	struct nvme_uq_info info = uq_info(fd);

	m->st = mmap(NULL, info.state_size, PROT_READ, MAP_SHARED, fd, info.state_offset);
	if (m->st == MAP_FAILED) {
		perror("mmap state page");
		exit(1);
	}
	m->depth = m->st->depth;
	m->cq = mmap(NULL, info.cq_size, PROT_READ, MAP_SHARED, fd, info.cq_offset);
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

/* counter NAME of a mapped queue's state page, -1 if there is none */
static inline long long uq_counter(const struct uq_map *m, const char *name)
{
	if (!strcmp(name, "submitted"))
		return m->st->submitted;
	if (!strcmp(name, "completed"))
		return m->st->completed;
	if (!strcmp(name, "polls"))
		return m->st->polls;
	if (!strcmp(name, "empty_polls"))
		return m->st->empty_polls;
	return -1;
}

/*
 * Open DEV with FLAGS and bind it to NS (uq_default_ns() when NULL) opened
 * with NS_FLAGS, without exiting: the fd, or -errno of the open (EBUSY: the
 * queue has an owner) or of the bind.
 */
static inline int uq_try_open(const char *dev, int flags, const char *ns, int ns_flags)
{
	char buf[64];
	int fd = open(dev, flags), ret;

	if (fd < 0)
		return -errno;
	ret = uq_bind(fd, ns ? ns : uq_default_ns(dev, buf, sizeof(buf)), ns_flags);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* the state page's generation: incremented each time the queue is created */
static inline uint32_t uq_generation(const struct uq_map *m)
{
	return __atomic_load_n(&m->st->generation, __ATOMIC_ACQUIRE);
}

#endif /* QB_TOOLS_UQ_COMMON_H */
