// SPDX-License-Identifier: MIT
/*
 * uq_pending: the user-space pending check of a user queue's read-only CQ
 * mapping agrees with the completions actually reaped, over many of them.
 *
 * usage: uq_pending [-p] DEV LBA_SIZE IOS
 *   -p   DEV is a user_poll queue (IOPOLL ring; the kernel is entered only
 *        when the mapped CQ shows a completion pending)
 *
 * Reads are submitted in batches of random size (1 to depth - 1, at most
 * 32). Beside the kernel, the tool follows the CQ ring itself: a shadow head
 * and phase that advance over every entry whose phase bit says it is new.
 * Checked for every batch, until IOS reads have completed:
 * - poll queue: after submitting (without polling), the pending test turns
 *   true; each time it is true, one kernel entry reaps at least one
 *   completion; the tool enters the kernel only then;
 * - the CQ entries seen in the mapping equal the io_uring completions reaped
 *   (exactly the batch), all with status 0;
 * - once the batch is reaped, the head the kernel publishes equals the
 *   shadow head and nothing is pending.
 * At the end the state page's submitted and completed counters must have
 * moved by IOS, and polls too on a poll queue.
 * Prints "PENDING: N completions, N seen in the CQ mapping, N pending
 * checks true, N kernel entries, N disagreements".
 * Exit: 0 pass, 1 fail, 2 bad usage.
 */
#include "uq_common.h"

static unsigned int sh, sp; /* shadow CQ head and phase */
static unsigned int kh;     /* the kernel's head when last looked at */

/* how far the kernel's published head moved since last looked at */
static unsigned int advance(const struct uq_map *m)
{
	unsigned int h = uq_head_phase(m) & 0xffff, d = (h + m->depth - kh) % m->depth;

	kh = h;
	return d;
}

/* count the CQ entries that are new since the shadow head, advancing it */
static unsigned int walk(const struct uq_map *m)
{
	unsigned int n = 0;

	while ((le16toh(m->cq[sh].status) & 1) == sp) {
		n++;
		if (++sh == m->depth) {
			sh = 0;
			sp ^= 1;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return n;
}

int main(int argc, char **argv)
{
	long long sub0, comp0, polls0;
	unsigned long long ios, reaped = 0, seen = 0, checks = 0, entries = 0, collects = 0, consumed = 0, bad = 0;
	unsigned int lbs, cap, i, outstanding;
	int poll = 0, fd, nsid, ret, opt;
	struct io_uring ring;
	struct uq_map m;
	const char *dev;
	uint32_t hp;
	char *bufs;

	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p')
			return 2;
		poll = 1;
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: uq_pending [-p] DEV LBA_SIZE IOS\n");
		return 2;
	}
	dev = argv[optind];
	lbs = strtoul(argv[optind + 1], NULL, 0);
	ios = strtoull(argv[optind + 2], NULL, 0);
	fd = uq_open(dev, &nsid);
	uq_map(fd, &m);
	cap = m.depth - 1 < 32 ? m.depth - 1 : 32;
	hp = uq_head_phase(&m);
	sh = hp & 0xffff;
	sp = (hp >> 16) & 1;
	kh = sh;
	printf("queue %s: depth %u, head %u, phase %u, batches up to %u\n", dev, m.depth, sh, sp, cap);
	if (uq_pending(&m) || walk(&m)) {
		printf("FAIL: a completion shows as pending on an idle queue\n");
		return 1;
	}
	uq_ring(&ring, cap, poll);
	if (posix_memalign((void **)&bufs, 4096, (size_t)cap * 4096))
		return 1;
	sub0 = uq_counter(&m, "submitted");
	comp0 = uq_counter(&m, "completed");
	polls0 = uq_counter(&m, "polls");
	srand(42);

	while (reaped < ios) {
		unsigned int k = 1 + rand() % cap, got = 0, vis = 0;

		if (k > ios - reaped)
			k = ios - reaped;
		for (i = 0; i < k; i++)
			uq_prep(io_uring_get_sqe(&ring), fd, nsid, UQ_CMD_READ, bufs + (size_t)i * 4096, lbs,
				rand() % 4096, 1, i);
		ret = poll ? uq_submit_nopoll(&ring) : io_uring_submit(&ring);
		if (ret != (int)k) {
			printf("FAIL: submitting %u reads returned %d\n", k, ret);
			return 1;
		}
		outstanding = k;
		while (outstanding) {
			struct io_uring_cqe *cqe;
			unsigned int head, n = 0;

			if (poll) {
				double t0 = uq_now();
				unsigned long long owed;
				uint32_t h0;
				int pend;

				/*
				 * Stay out of the kernel until the mapping shows a completion
				 * pending, or shows that the kernel consumed more CQ entries
				 * than it has delivered: the driver completes through task
				 * work, so a completion it reaped can reach the io_uring CQ
				 * one kernel entry later, when the CQ mapping no longer
				 * shows it.
				 */
				for (;;) {
					/*
					 * The kernel head first: the timeout work may reap
					 * for the owner at any time, and an entry it
					 * consumes after the pending check must not count
					 * as consumed before it.
					 */
					consumed += advance(&m);
					pend = uq_pending(&m);
					if (pend || consumed > reaped + got)
						break;
					if (uq_now() - t0 > 30) {
						printf("FAIL: nothing pending after 30 s with %u reads outstanding\n",
						       outstanding);
						return 1;
					}
				}
				h0 = kh;
				owed = consumed - (reaped + got);
				if (pend) {
					checks++;
					vis += walk(&m);
					/* an entry the kernel has not consumed must exist */
					if ((seen + vis <= consumed || vis > k) && bad++ < 5)
						printf("FAIL: pending, but %llu CQ entries seen and %llu consumed (%u of %u in this batch)\n",
						       seen + vis, consumed, vis, k);
				} else {
					collects++;
				}
				entries++;
				ret = io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL);
				if (ret < 0) {
					printf("FAIL: io_uring_enter: %s\n", strerror(-ret));
					return 1;
				}
				/* a poll with nothing owed must consume the pending entry */
				consumed += advance(&m);
				if (pend && !owed && kh == h0 && bad++ < 5)
					printf("FAIL: a completion was pending, but the kernel consumed none\n");
			} else {
				ret = io_uring_wait_cqe_nr(&ring, &cqe, outstanding);
				if (ret) {
					printf("FAIL: waiting: %s\n", strerror(-ret));
					return 1;
				}
			}
			io_uring_for_each_cqe(&ring, head, cqe) {
				n++;
				if (cqe->res != 0 && bad++ < 5)
					printf("FAIL: read %llu: status %d\n", (unsigned long long)cqe->user_data,
					       cqe->res);
			}
			io_uring_cq_advance(&ring, n);
			got += n;
			outstanding -= n < outstanding ? n : outstanding;
		}
		/* the whole batch is reaped: every entry was seen, the head caught up */
		vis += walk(&m);
		seen += vis;
		reaped += got;
		hp = uq_head_phase(&m);
		if ((vis != k || got != k || (hp & 0xffff) != sh || ((hp >> 16) & 1) != sp ||
		     uq_pending(&m)) && bad++ < 5)
			printf("FAIL: batch of %u: %u reaped, %u seen in the CQ, kernel head %u/%u, shadow %u/%u, pending %d\n",
			       k, got, vis, hp & 0xffff, (hp >> 16) & 1, sh, sp, uq_pending(&m));
	}
	printf("PENDING: %llu completions, %llu seen in the CQ mapping, %llu pending checks true, %llu kernel entries (%llu to collect consumed entries), %llu disagreements\n",
	       reaped, seen, checks, entries, collects, bad);
	{
		long long sub = uq_counter(&m, "submitted") - sub0, comp = uq_counter(&m, "completed") - comp0;
		long long polls = uq_counter(&m, "polls") - polls0;

		printf("state page counters: submitted +%lld, completed +%lld, polls +%lld\n", sub, comp, polls);
		if (sub != (long long)ios || comp != (long long)ios) {
			printf("FAIL: the queue counters moved by %lld/%lld, not %llu\n", sub, comp, ios);
			bad++;
		}
		if (poll && polls <= 0) {
			printf("FAIL: no poll of the user_poll queue was counted\n");
			bad++;
		}
	}
	io_uring_queue_exit(&ring);
	return bad || seen != reaped || reaped != ios ? 1 : 0;
}
