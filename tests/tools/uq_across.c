/* SPDX-License-Identifier: MIT */
/*
 * Description: I/O on a user queue across controller resets or its
 * removal, with the queue's state page and CQ ring mapped: every read
 * completes exactly once, with the right data or with an error, never with
 * data that is not what was written, and the mapping shows the live queue
 * after a reset and the queue as it was after removal, never memory reused
 * for something else.
 *
 * usage: uq_across [-p] [-n RESETS] reset|remove CTRL QUEUE LBA_SIZE START COUNT
 *   -p         QUEUE is a user_poll queue (IOPOLL ring)
 *   -n RESETS  resets to make (default 2), one a second
 *   CTRL       the controller's sysfs directory (/sys/class/nvme/nvmeX)
 *
 * The tool binds QUEUE ($UQ_NS or namespace 1), maps it, and writes COUNT
 * LBAs from START through it, each stamped with its LBA. A child process
 * then resets the controller RESETS times (CTRL/reset_controller) or
 * removes it (CTRL/device/remove) while the parent keeps 16 reads of those
 * LBAs in flight, their buffers filled with 0xa5 before each submission.
 * Checked:
 * - every CQE belongs to a read in flight (none twice), none is missing
 *   after 60 s, every read that succeeded carries its LBA's stamp;
 *   failures are counted by result and printed;
 * - reset: the mapped state page turns live again with a generation
 *   RESETS higher and a qid; then 64 reads all succeed with their data,
 *   and the CQ entries seen through the mapping (the phase bit walked from
 *   the published head) are exactly those 64, each with status 0 and a
 *   command id (bits 11:0) below the depth, and the published head ends where the walk
 *   ended;
 * - remove: the mapped state page says the queue is down (flags 0, qid 0),
 *   the whole CQ mapping still reads (no SIGBUS), a read now fails with
 *   -EIO and a new mmap with -ENODEV.
 * Prints "ACROSS: N reads ok, N failed (RESULT xN ...), N CQ entries seen".
 * Exit: 0 pass, 1 fail, 2 bad usage.
 */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "uq_common.h"

#define INFLIGHT 16
#define MAX_RES 16

static unsigned int lbs, depth;
static unsigned long long start, count, failures;
static int fd, nsid;
static char *bufs;
static struct uq_map m;
static struct io_uring ring;
static long long busy_lba[INFLIGHT]; /* -1 when idle */
static int results[MAX_RES], result_n[MAX_RES], nresults;
static unsigned long long reads_ok, reads_failed, stale;
static int last_res;

static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

static uint64_t stamp(unsigned long long lba, unsigned int i)
{
	return 0x5155414352535300ULL ^ (lba << 16) ^ i; /* "QUACRSS" */
}

static void count_result(int res)
{
	int i;

	for (i = 0; i < nresults; i++)
		if (results[i] == res)
			break;
	if (i == nresults) {
		if (nresults == MAX_RES)
			return;
		results[nresults++] = res;
	}
	result_n[i]++;
}

static void prep(unsigned int slot, int opcode, unsigned long long lba)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	uint64_t *w = (uint64_t *)(bufs + (size_t)slot * 4096);
	unsigned int k;

	if (opcode == UQ_CMD_WRITE)
		for (k = 0; k < lbs / 8; k++)
			w[k] = stamp(lba, k);
	else
		memset(w, 0xa5, lbs);
	uq_prep(sqe, fd, nsid, opcode, w, lbs, lba, 1, slot);
	busy_lba[slot] = lba;
}

/* reap what is there (wait up to SECS for the first); returns CQEs reaped */
static unsigned int reap(int secs, int must_succeed)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	if (uq_wait(&ring, &cqe, secs))
		return 0;
	io_uring_for_each_cqe(&ring, head, cqe) {
		unsigned long long slot = cqe->user_data;
		uint64_t *w;
		unsigned int k;

		n++;
		if (slot >= INFLIGHT || busy_lba[slot] < 0) {
			fail("a CQE for slot %llu, which has no command in flight (res %d)", slot, cqe->res);
			continue;
		}
		w = (uint64_t *)(bufs + slot * 4096);
		last_res = cqe->res;
		if (cqe->res) {
			reads_failed++;
			count_result(cqe->res);
			if (must_succeed)
				fail("LBA %lld: result %d", busy_lba[slot], cqe->res);
		} else {
			reads_ok++;
			for (k = 0; k < lbs / 8; k++)
				if (w[k] != stamp(busy_lba[slot], k))
					break;
			if (k < lbs / 8) {
				if (stale++ < 5)
					fail("LBA %lld: read succeeded with word %u = %#llx, not the stamp %#llx",
					     busy_lba[slot], k, (unsigned long long)w[k],
					     (unsigned long long)stamp(busy_lba[slot], k));
				failures++;
			}
		}
		busy_lba[slot] = -1;
	}
	io_uring_cq_advance(&ring, n);
	return n;
}

static unsigned int outstanding(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < INFLIGHT; i++)
		n += busy_lba[i] >= 0;
	return n;
}

/* wait for every command in flight; fail if one does not complete in 60 s */
static void drain(int must_succeed)
{
	while (outstanding())
		if (!reap(60, must_succeed)) {
			fail("%u commands did not complete within 60 s", outstanding());
			exit(1);
		}
}

static int submit(void)
{
	int ret = io_uring_submit(&ring);

	if (ret < 0) {
		fprintf(stderr, "uq_across: submit: %s\n", strerror(-ret));
		exit(1);
	}
	return ret;
}

static int write_sysfs(const char *path)
{
	int f = open(path, O_WRONLY), ret = 0;

	if (f < 0 || write(f, "1", 1) != 1)
		ret = -errno;
	if (f >= 0)
		close(f);
	return ret;
}

/* the shadow CQ head and phase, walked over the mapping */
static unsigned int sh, sp;

static unsigned int walk(void)
{
	unsigned int n = 0;

	while ((le16toh(m.cq[sh].status) & 1) == sp) {
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		/* the driver may keep a generation count above bit 11 of the id */
		if (le16toh(m.cq[sh].status) >> 1 || (le16toh(m.cq[sh].command_id) & 0xfff) >= depth)
			fail("CQ entry %u: status %#x, command id %u", sh, le16toh(m.cq[sh].status) >> 1,
			     m.cq[sh].command_id);
		n++;
		if (++sh == depth) {
			sh = 0;
			sp ^= 1;
		}
	}
	return n;
}

static int usage(void)
{
	fprintf(stderr, "usage: uq_across [-p] [-n RESETS] reset|remove CTRL QUEUE LBA_SIZE START COUNT\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned int resets = 2, i, gen0, seen = 0;
	char path[512];
	const char *ctrl;
	int poll = 0, opt, remove, st, ret;
	unsigned long long next = 0, before;
	pid_t child;
	double t_end;

	while ((opt = getopt(argc, argv, "pn:")) != -1) {
		switch (opt) {
		case 'p': poll = 1; break;
		case 'n': resets = strtoul(optarg, NULL, 0); break;
		default: return usage();
		}
	}
	if (argc - optind != 6 || !resets)
		return usage();
	if (strcmp(argv[optind], "reset") && strcmp(argv[optind], "remove"))
		return usage();
	remove = !strcmp(argv[optind], "remove");
	ctrl = argv[optind + 1];
	lbs = strtoul(argv[optind + 3], NULL, 0);
	start = strtoull(argv[optind + 4], NULL, 0);
	count = strtoull(argv[optind + 5], NULL, 0);
	if ((lbs != 512 && lbs != 4096) || count < INFLIGHT)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	fd = uq_open(argv[optind + 2], &nsid);
	uq_map(fd, &m);
	depth = m.depth;
	uq_ring(&ring, 2 * INFLIGHT, poll);
	if (posix_memalign((void **)&bufs, 4096, (size_t)INFLIGHT * 4096))
		return 1;
	for (i = 0; i < INFLIGHT; i++)
		busy_lba[i] = -1;

	/* stamp the LBAs */
	while (next < count) {
		for (i = 0; i < INFLIGHT && next < count; i++)
			prep(i, UQ_CMD_WRITE, start + next++);
		submit();
		drain(1);
	}
	if (failures)
		return printf("FAIL: writing the stamps\n"), 1;
	reads_ok = 0;
	gen0 = m.st->generation;
	printf("queue qid %u depth %u generation %u: %llu LBAs stamped\n", m.st->qid, depth, gen0, count);

	child = fork();
	if (child == 0) {
		sleep(1);
		for (i = 0; i < (remove ? 1 : resets); i++) {
			snprintf(path, sizeof(path), remove ? "%s/device/remove" : "%s/reset_controller", ctrl);
			ret = write_sysfs(path);
			if (ret) {
				fprintf(stderr, "uq_across: writing %s: %s\n", path, strerror(-ret));
				_exit(1);
			}
			printf("%s %u done\n", remove ? "removal" : "reset", i + 1);
			sleep(1);
		}
		_exit(0);
	}
	if (child < 0)
		return perror("fork"), 1;

	/* reads in flight until the child is done and one second more */
	t_end = 0;
	srand(7);
	for (;;) {
		for (i = 0; i < INFLIGHT; i++)
			if (busy_lba[i] < 0)
				prep(i, UQ_CMD_READ, start + rand() % count);
		submit();
		before = reads_ok;
		reap(1, 0);
		/* commands failing at once must not starve the reset on one CPU */
		if (reads_ok == before)
			usleep(2000);
		if (!t_end && waitpid(child, &st, WNOHANG) == child) {
			t_end = uq_now() + 1;
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				fail("the %s did not happen", remove ? "removal" : "reset");
		}
		if (t_end && uq_now() > t_end)
			break;
	}
	drain(0);
	printf("during the %s: %llu reads ok, %llu failed\n", remove ? "removal" : "resets", reads_ok, reads_failed);

	if (!remove) {
		double until = uq_now() + 30;
		unsigned int hp;

		while (!(m.st->flags & NVME_UQ_STATE_LIVE) && uq_now() < until)
			usleep(100000);
		printf("state page: flags %#x qid %u generation %u\n", m.st->flags, m.st->qid, m.st->generation);
		if (!(m.st->flags & NVME_UQ_STATE_LIVE) || !m.st->qid)
			fail("the mapped state page does not show the queue live again");
		if (m.st->generation != gen0 + resets)
			fail("generation %u, expected %u after %u resets", m.st->generation, gen0 + resets, resets);
		hp = uq_head_phase(&m);
		sh = hp & 0xffff;
		sp = (hp >> 16) & 1;
		if (walk())
			fail("CQ entries pending on an idle queue after the resets");
		/* 64 reads, 8 at a time, all must succeed, seen through the mapping */
		reads_ok = 0;
		for (i = 0; i < 8; i++) {
			unsigned int k;

			for (k = 0; k < 8; k++)
				prep(k, UQ_CMD_READ, start + rand() % count);
			submit();
			drain(1);
			seen += walk();
		}
		hp = uq_head_phase(&m);
		printf("after the resets: %llu of 64 reads ok, %u CQ entries seen in the mapping, head %u/%u, walk %u/%u\n",
		       reads_ok, seen, hp & 0xffff, (hp >> 16) & 1, sh, sp);
		if (reads_ok != 64 || seen != 64)
			fail("the mapped CQ does not show the 64 completions of the live queue");
		if ((hp & 0xffff) != sh || ((hp >> 16) & 1) != sp)
			fail("the published head is not where the CQ entries end");
	} else {
		volatile const char *p = (volatile const char *)m.cq;
		unsigned long long sum = 0;
		struct nvme_uq_info info = { .size = sizeof(info) };
		void *w;
		size_t off;

		printf("state page: flags %#x qid %u generation %u\n", m.st->flags, m.st->qid, m.st->generation);
		if (m.st->flags || m.st->qid)
			fail("the mapped state page does not show the queue down");
		for (off = 0; off < (size_t)depth * 16; off += 64)
			sum += p[off];
		printf("the CQ mapping still reads (%zu bytes)\n", (size_t)depth * 16);
		prep(0, UQ_CMD_READ, start);
		submit();
		last_res = 1;
		reap(30, 0);
		if (busy_lba[0] >= 0 || last_res != -EIO)
			fail("a read after removal: result %d, expected -EIO (%d)", last_res, -EIO);
		w = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		if (w != MAP_FAILED || errno != ENODEV)
			fail("a new mmap after removal: %s, expected ENODEV", w == MAP_FAILED ? strerror(errno) : "mapped");
		ret = ioctl(fd, NVME_UQ_IOCTL_INFO, &info);
		printf("NVME_UQ_IOCTL_INFO after removal: %s\n", ret ? strerror(errno) : "0");
		(void)sum;
	}
	printf("ACROSS: %llu reads ok, %llu failed (", reads_ok, reads_failed);
	for (i = 0; i < (unsigned int)nresults; i++)
		printf("%s%d x%d", i ? ", " : "", results[i], result_n[i]);
	printf("), %u CQ entries seen, %llu with wrong data\n", seen, stale);
	io_uring_queue_exit(&ring);
	return failures ? 1 : 0;
}
