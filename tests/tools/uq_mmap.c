/* SPDX-License-Identifier: MIT */
/*
 * Description: checks the read-only mappings of an NVMe user_poll queue
 * (/dev/nvmeXuqN) and its backpressure. The state page and the CQ ring map
 * read-only, writable mappings and mprotect(PROT_WRITE) fail; after reads are
 * submitted on an IOPOLL ring, the user-space pending test (phase bit of the
 * CQE at the published head) turns true before the kernel is entered, and
 * the completions then reap normally. Submitting one command more than the
 * queue holds fails that command with -EBUSY and nothing else.
 * NVME_UQ_IOCTL_INFO says how data is described (sgl or prp, as expected
 * by the caller), that the binding is writable and privileged (for root),
 * and the transfer limits. Once the owner closed the queue, the next owner's
 * CQ holds none of its completions.
 *
 * usage: uq_mmap CHARDEV LBA_SIZE sgl|prp
 * Exit: 0 pass, 1 fail, 2 bad usage.
 */
#include <endian.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "passthru.h"
#include "uq_common.h"

static void prep_read(struct io_uring_sqe *sqe, int fd, int nsid, void *buf, unsigned int lbs,
		      unsigned long long lba)
{
	passthru_prep(sqe, fd, 0, NVME_CMD_READ, nsid, buf, lbs, lba, 1);
}

/*
 * The queue's next owner maps a CQ that holds none of the completions of
 * the one before (their command ids, results, SQ heads): only phase bits.
 */
static void check_next_owner(const char *dev, unsigned int depth)
{
	struct uq_map next;
	unsigned int i, stale = 0;
	int fd, nsid;

	fd = uq_open(dev, &nsid);
	uq_map(fd, &next);
	for (i = 0; i < depth; i++) {
		volatile struct uq_cqe *e = &next.cq[i];

		if (e->result || e->rsvd || e->sq_head || e->sq_id || e->command_id ||
		    (le16toh(e->status) & ~1))
			stale++;
	}
	uq_check(!stale, "the next owner's CQ holds no earlier completion (%u of %u entries do)",
		 stale, depth);
	uq_check(!uq_pending(&next), "and shows nothing pending");
	close(fd);
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
					      IORING_SETUP_IOPOLL };
	volatile struct nvme_uq_state *st;
	unsigned int lbs, depth, i, n, busy = 0, good = 0, other = 0;
	volatile struct uq_cqe *cq;
	struct uq_map m;
	struct io_uring ring;
	struct nvme_uq_info info;
	size_t cq_len;
	int fd, nsid, ret, spins, want_sgl;
	char *bufs;
	void *w;

	if (argc != 4 || (strcmp(argv[3], "sgl") && strcmp(argv[3], "prp")))
		return fprintf(stderr, "usage: uq_mmap CHARDEV LBA_SIZE sgl|prp\n"), 2;
	lbs = atoi(argv[2]);
	want_sgl = !strcmp(argv[3], "sgl");
	fd = uq_open(argv[1], &nsid);
	info = uq_info(fd);
	uq_check(info.size == sizeof(info) && info.state_size == 4096 &&
		 info.cq_size >= (size_t)info.depth * 16 && info.nsid == (unsigned)nsid,
		 "NVME_UQ_IOCTL_INFO gives the layout and the bound namespace");
	printf("info: flags %#x max_data_bytes %u max_segments %u\n", info.flags,
	       info.max_data_bytes, info.max_segments);
	uq_check(!!(info.flags & NVME_UQ_INFO_SGL) == want_sgl,
		 "INFO: data is described by %s, as expected", want_sgl ? "SGLs" : "PRPs");
	uq_check(info.flags & NVME_UQ_INFO_WRITABLE, "INFO: bound with a writable ng fd");
	uq_check(!!(info.flags & NVME_UQ_INFO_PRIVILEGED) == (geteuid() == 0),
		 "INFO: the binding is privileged exactly when the owner is root");
	uq_check(info.max_data_bytes >= 4096 && info.max_data_bytes % lbs == 0 &&
			 info.max_segments >= 2 && info.max_segments <= 4096,
		 "INFO: a transfer limit (%u bytes) and a segment limit (%u)", info.max_data_bytes,
		 info.max_segments);

	st = mmap(NULL, info.state_size, PROT_READ, MAP_SHARED, fd, info.state_offset);
	if (st == MAP_FAILED)
		return perror("mmap state"), 1;
	printf("state: size %u qid %u depth %u head %u phase %u generation %u flags %#x\n",
	       st->size, st->qid, st->depth, st->cq_head_phase & 0xffff,
	       (st->cq_head_phase >> 16) & 1, st->generation, st->flags);
	/* the kernel fills at least up to generation, never past the page */
	uq_check(st->size >= 24 && st->size <= 4096 && st->qid > 0 && st->qid == info.qid && st->depth == info.depth &&
		      st->depth >= 2 && (st->flags & NVME_UQ_STATE_LIVE) && st->generation >= 1,
	      "state page: sized, live, created, qid and depth as NVME_UQ_IOCTL_INFO says");
	depth = st->depth;
	cq_len = info.cq_size;
	cq = mmap(NULL, cq_len, PROT_READ, MAP_SHARED, fd, info.cq_offset);
	uq_check(cq != MAP_FAILED, "CQ ring maps read-only");
	if (cq == MAP_FAILED)
		return 1;
	m = (struct uq_map){ .st = st, .cq = cq, .depth = depth };
	w = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.cq_offset);
	uq_check(w == MAP_FAILED && errno == EPERM, "writable CQ mapping fails with EPERM");
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.state_offset);
	uq_check(w == MAP_FAILED && errno == EPERM, "writable state mapping fails with EPERM");
	uq_check(mprotect((void *)cq, cq_len, PROT_READ | PROT_WRITE) != 0,
	      "mprotect(PROT_WRITE) on the CQ ring fails");
	w = mmap(NULL, cq_len + 4096, PROT_READ, MAP_SHARED, fd, info.cq_offset);
	uq_check(w == MAP_FAILED, "a CQ mapping longer than the ring fails");
	uq_check(!uq_pending(&m), "nothing pending on an idle queue");

	ret = io_uring_queue_init_params(2 * depth, &ring, &p);
	if (ret)
		return fprintf(stderr, "io_uring setup: %s\n", strerror(-ret)), 1;
	if (posix_memalign((void **)&bufs, 4096, (size_t)depth * 4096))
		return 1;

	/* one read, then watch the CQ from user space until it is pending */
	prep_read(io_uring_get_sqe(&ring), fd, nsid, bufs, lbs, 0);
	/*
	 * io_uring_submit() asks an IOPOLL ring for events, which polls once
	 * and may reap the completion in the kernel: submit without that.
	 */
	io_uring_smp_store_release(ring.sq.ktail, ring.sq.sqe_tail);
	ring.sq.sqe_head = ring.sq.sqe_tail;
	ret = syscall(__NR_io_uring_enter, ring.ring_fd, 1, 0, 0, NULL, 0);
	uq_check(ret == 1, "submit one read without polling");
	for (spins = 0; !uq_pending(&m) && spins < 200000000; spins++)
		;
	uq_check(uq_pending(&m), "the completion shows as pending in user space");
	{
		struct io_uring_cqe *c;

		ret = io_uring_wait_cqe(&ring, &c);
		uq_check(!ret && c->res == 0, "and then reaps with status 0");
		if (!ret)
			io_uring_cqe_seen(&ring, c);
	}
	uq_check(!uq_pending(&m), "nothing pending after reaping");

	/* depth commands: the queue holds depth - 1, the last gets -EBUSY */
	for (i = 0; i < depth; i++)
		prep_read(io_uring_get_sqe(&ring), fd, nsid, bufs + (size_t)i * 4096, lbs, i);
	n = io_uring_submit(&ring);
	uq_check(n == depth, "submit depth reads at once");
	for (i = 0; i < n; i++) {
		struct io_uring_cqe *c;

		ret = io_uring_wait_cqe(&ring, &c);
		if (ret)
			break;
		if (c->res == -EBUSY)
			busy++;
		else if (c->res == 0)
			good++;
		else
			other++;
		io_uring_cqe_seen(&ring, c);
	}
	printf("%u completed, %u EBUSY, %u other\n", good, busy, other);
	uq_check(busy >= 1 && good + busy == depth && !other,
	      "more commands than the queue holds: the excess fails with EBUSY, the rest complete");
	io_uring_queue_exit(&ring);
	/* the mappings hold the file: the queue is free once all are gone */
	munmap((void *)st, info.state_size);
	munmap((void *)cq, cq_len);
	close(fd);
	check_next_owner(argv[1], depth);
	return uq_failures ? 1 : 0;
}
