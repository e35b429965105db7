// SPDX-License-Identifier: GPL-2.0
/*
 * uq_check: edge cases of the user queue data path, on one queue device.
 *
 * usage: uq_check [-p] CHARDEV LBA_SIZE NLBAS MAX_BYTES
 *   -p         the queue is a user_poll queue (IOPOLL ring)
 *   NLBAS      namespace capacity in logical blocks
 *   MAX_BYTES  largest transfer the controller takes (MDTS)
 *
 * Checks, each printed as "ok: ..." or "FAIL: ...":
 * - write then read back every size from one LBA to MAX_BYTES, doubling,
 *   with the read buffer starting inside a page so that it crosses pages
 *   (PRP lists or multi-entry SGLs); the data must match;
 * - MAX_BYTES plus one LBA fails with -EINVAL;
 * - a buffer not on a 4-byte boundary fails with -EINVAL;
 * - three reads submitted together, the middle one beyond the capacity:
 *   the middle CQE carries NVMe status LBA Out of Range (0x80), the others
 *   succeed;
 * - a vectored read whose segments start and end inside pages: accepted
 *   with the same data where the controller takes SGLs, -EINVAL with PRPs;
 *   the outcome is printed as "sgl: yes" or "sgl: no".
 * Exit: 0 all ok, 1 a check failed, 2 bad usage.
 */
#include <sys/uio.h>

#include "passthru.h"
#include "uq_common.h"

#define NVME_SC_LBA_RANGE 0x80

static struct io_uring ring;
static int fd, nsid, failed;
static unsigned long long lbs;

static void ok(const char *what, int good)
{
	printf("%s: %s\n", good ? "ok" : "FAIL", what);
	if (!good)
		failed = 1;
}

static void prep(int op, void *addr, unsigned long long len, unsigned long long lba,
		 unsigned int nlb, int vec, unsigned long long tag)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

	if (!sqe) {
		fprintf(stderr, "uq_check: no SQE\n");
		exit(1);
	}
	passthru_prep(sqe, fd, vec, op, nsid, addr, len, lba, nlb);
	sqe->user_data = tag;
}

/* submit what is prepared and reap n completions; res[tag] gets cqe->res */
static int run(int n, int *res)
{
	struct io_uring_cqe *cqe;
	int i, ret;

	ret = io_uring_submit(&ring);
	if (ret < 0) {
		fprintf(stderr, "uq_check: submit: %s\n", strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++) {
		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret) {
			fprintf(stderr, "uq_check: wait: %s\n", strerror(-ret));
			return ret;
		}
		res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	return 0;
}

static int one(int op, void *addr, unsigned long long len, unsigned long long lba, int vec)
{
	int res[1] = { 0 };

	prep(op, addr, len, lba, vec ? 8 : len / lbs, vec, 0);
	if (run(1, res))
		return -1000;
	return res[0];
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	unsigned long long nlbas, max, len;
	unsigned char *wbuf, *rbuf;
	struct iovec iov[8];
	char what[160];
	int res[3], i, r;

	if (argc > 1 && !strcmp(argv[1], "-p")) {
		p.flags |= IORING_SETUP_IOPOLL;
		argv++;
		argc--;
	}
	if (argc != 5 || passthru_parse_u64(argv[2], &lbs) || (lbs != 512 && lbs != 4096) ||
	    passthru_parse_u64(argv[3], &nlbas) || passthru_parse_u64(argv[4], &max) || max < lbs || max > (1u << 20)) {
		fprintf(stderr, "usage: uq_check [-p] CHARDEV LBA_SIZE NLBAS MAX_BYTES\n");
		return 2;
	}
	fd = uq_open(argv[1], &nsid);
	r = io_uring_queue_init_params(8, &ring, &p);
	if (r) {
		fprintf(stderr, "uq_check: io_uring setup: %s\n", strerror(-r));
		return 1;
	}
	/* room for max + one LBA, plus the in-page start of the read buffer */
	if (posix_memalign((void **)&wbuf, 4096, max + 8192) ||
	    posix_memalign((void **)&rbuf, 4096, max + 8192))
		return 1;

	for (len = lbs; len <= max; len *= 2) {
		unsigned char *rb = rbuf + 512;

		for (i = 0; i < (int)len; i++)
			wbuf[i] = rand();
		memset(rbuf, 0, max + 8192);
		r = one(NVME_CMD_WRITE, wbuf, len, 0, 0);
		snprintf(what, sizeof(what), "write %llu bytes (status %d)", len, r);
		ok(what, r == 0);
		r = one(NVME_CMD_READ, rb, len, 0, 0);
		snprintf(what, sizeof(what), "read %llu bytes into a buffer crossing pages (status %d)",
			 len, r);
		ok(what, r == 0 && !memcmp(wbuf, rb, len));
	}
	len = (max / lbs + 1) * lbs;
	r = one(NVME_CMD_READ, rbuf, len, 0, 0);
	snprintf(what, sizeof(what), "read of MDTS + one LBA (%llu bytes) fails with -EINVAL (%d)",
		 len, r);
	ok(what, r == -EINVAL);
	r = one(NVME_CMD_READ, rbuf + 1, lbs, 0, 0);
	snprintf(what, sizeof(what), "buffer off a 4-byte boundary fails with -EINVAL (%d)", r);
	ok(what, r == -EINVAL);

	/* LBA Out of Range on the middle command only */
	prep(NVME_CMD_READ, rbuf, lbs, 0, 1, 0, 0);
	prep(NVME_CMD_READ, rbuf + 4096, lbs, nlbas, 1, 0, 1);
	prep(NVME_CMD_READ, rbuf + 8192, lbs, 8, 1, 0, 2);
	memset(res, 0xff, sizeof(res));
	if (run(3, res))
		return 1;
	snprintf(what, sizeof(what),
		 "read beyond capacity: status 0x%x in its own CQE, neighbours %d and %d",
		 res[1], res[0], res[2]);
	ok(what, res[0] == 0 && res[2] == 0 && res[1] > 0 && (res[1] & 0xff) == NVME_SC_LBA_RANGE);

	/*
	 * Vectored: 8 LBAs, each segment at a 512-byte offset inside its own
	 * page. Only an SGL can describe it.
	 */
	for (i = 0; i < 8; i++) {
		iov[i].iov_base = rbuf + i * 4096 + 512;
		iov[i].iov_len = lbs;
	}
	if (lbs == 512) {
		memset(rbuf, 0, max + 8192);
		r = one(NVME_CMD_READ, iov, 8, 0, 1);
		if (r == 0) {
			int same = 1;

			for (i = 0; i < 8; i++)
				same &= !memcmp(iov[i].iov_base, wbuf + i * lbs, lbs);
			printf("sgl: yes\n");
			ok("vectored read scattered inside pages returns the data", same);
		} else {
			printf("sgl: no\n");
			snprintf(what, sizeof(what),
				 "vectored read scattered inside pages refused with -EINVAL (%d)", r);
			ok(what, r == -EINVAL);
		}
	}
	io_uring_queue_exit(&ring);
	close(fd);
	return failed;
}
