// SPDX-License-Identifier: MIT
/*
 * uq_robust: the fault, privilege and concurrency checks of the robustness
 * tests (tests/guest/robust-*.sh), against NVMe user queues /dev/nvmeXuqN.
 *
 * A queue has one owner: one open file, bound to one namespace (uq_open():
 * $UQ_NS or ng<X>n1), whose commands come from one io_uring ring. Every
 * command is one logical block; the queue's type (NVME_UQ_IOCTL_INFO)
 * decides the ring: IOPOLL for a user_poll queue.
 *
 * uq_robust load [-w] [-f] [-q DEPTH] [-T SECONDS] [-S STOPFILE] [-G GENFILE] LBS NLBAS DEV...
 *   One thread per DEV, each owning its queue with its own ring, keeps
 *   DEPTH commands in flight (default 8) at random LBAs below NLBAS until
 *   SECONDS (default 5) pass or STOPFILE exists. -w mixes writes in: thread
 *   t of T writes only LBAs with lba % T == t, each block stamped with its
 *   LBA, and every read checks that its block holds its own stamp or
 *   zeroes. Every command carries a unique tag: a completion with a tag not
 *   in flight (a second completion, a stray one) counts as unexpected. Then
 *   every command still in flight is waited for (60 s at most), and 0.3 s
 *   more for strays. -G: every 0.1 s, GENFILE gets one line "G OK..." with
 *   G the number of times every queue has been created again since the
 *   start (the smallest generation step) and each thread's successful
 *   completions, so that a script can prove each reset happened and that
 *   every queue works after it.
 *   Prints per queue "load DEV: ... generation +N" and one total line
 *   "load: threads T submitted S completed C ok O eintr E eio I ebusy B
 *   status N other X bad_data D unexpected U lost L". Without -f any
 *   result but 0 fails; with -f (resets, removal) -EINTR, -EIO and NVMe
 *   status are allowed. Lost (no completion), unexpected completions, bad
 *   data and other errors always fail.
 *
 * uq_robust hold [-r] [-x N] [-g GOFILE] [-w DONEFILE] DEV LBS N READYFILE
 *   Own DEV, map its state page and CQ, submit N reads and create READYFILE;
 *   wait (120 s at most) for the N completions, each exactly once, and no
 *   stray one for 0.5 s after, and print how they ended ("hold: N
 *   completions: ok O eintr E eio I status S other X"); errors other than
 *   -EINTR, -EIO and NVMe status fail. -g: a ring with
 *   IORING_SETUP_DEFER_TASKRUN that does not enter the kernel until GOFILE
 *   exists (a ring that never reaps). -w: wait for DONEFILE (the reset or
 *   removal has returned) before the -x or -r checks. -x N: the controller
 *   was reset N times: the generation grew by exactly N, the queue is live
 *   and a new read succeeds. -r: the controller was removed: a new command
 *   fails with -EIO, a new mmap with ENODEV, and the old mappings still
 *   read (they hold their pages) and show the queue down (not live, qid 0,
 *   same depth).
 *
 * uq_robust timeout [-m TIMEOUT_MS] DEV LBS WAIT_S
 *   One read with timeout_ms TIMEOUT_MS (default 0: nvme_core.io_timeout),
 *   on a device slower than that, waited for WAIT_S seconds. Passes when it
 *   completes (with any result: the device may finish it while its queue
 *   is deleted) and the driver, which aborts it and then resets the
 *   controller, has created the queue again (its generation moved within
 *   60 s). Prints "timeout: res R after S s".
 *
 * uq_robust eio DEV LBS r|w:LBA[:bad]...
 *   One command per argument, all submitted together; the ":bad" ones hit
 *   an injected media error and must complete with NVMe status Unrecovered
 *   Read Error (0x281) or Write Fault (0x280), every other one with 0.
 *
 * uq_robust unpriv [-b FD] DEV NG LBS [OTHER...]
 *   Run as an unprivileged user, DEV and its namespace node NG readable by
 *   it (mode o+r): O_RDWR opens of DEV and NG refused; O_RDONLY open of DEV
 *   allowed, a second open EBUSY; commands before binding fail EINVAL;
 *   binding to a non-ng file or to FD (another controller's ng node, opened
 *   for us by root) fails EINVAL; bound to NG read-only: a second bind
 *   EBUSY, reads work, writes and other commands that change data, admin,
 *   vendor and unsupported opcodes refused with -EACCES, nsids other than
 *   the namespace's refused with -EINVAL, admin ioctls refused, writable
 *   and executable mappings refused; each OTHER node (another controller's
 *   queue or namespace) cannot be opened at all.
 *
 * uq_robust owner DEV LBS
 *   The ownership rules as root: a second open (read-write or read-only)
 *   fails EBUSY, a command before binding EINVAL, a second bind EBUSY; the
 *   first ring that submits owns the queue, a second ring gets -EXDEV and
 *   IOSQE_ASYNC -EOPNOTSUPP, while the owning ring keeps working; after
 *   close the queue can be opened, bound and driven by a new ring.
 *
 * uq_robust churn DEV LBS SECONDS
 *   For SECONDS: open and bind DEV, map it, submit 1-4 reads on a new ring
 *   and then, at random, wait for them, close the file first, or tear the
 *   ring down with the reads in flight; open again (EBUSY while the torn
 *   down reads still hold the file, 30 s at most). Any result but 0 fails.
 *
 * uq_robust intrude DEV SECONDS
 *   While another process owns DEV: for SECONDS, open it read-write and
 *   read-only as fast as possible; every open must fail with EBUSY.
 *
 * uq_robust maploop [-i] [-r] [-T SECONDS] [-S STOPFILE] [-G GENFILE] DEV LBS
 *   Own DEV; one thread maps the state page and the CQ, reads them and
 *   unmaps them in a loop, while (-i) another keeps 8 reads in flight on
 *   the queue's ring (-EINTR and -EIO allowed: resets and removal run
 *   meanwhile), until SECONDS (default 30) pass or STOPFILE exists. A
 *   fresh state page must show the queue's depth. -G: GENFILE gets "G OK"
 *   (generation step and successful reads) every 0.1 s. -r: the controller
 *   is removed meanwhile: mmap must start failing with ENODEV (and then
 *   the loop ends), the mapping kept from the start still reads and shows
 *   the queue down. Without -r any mmap failure fails.
 *
 * Exit: 0 pass, 1 a check failed, 2 bad usage. Check lines start "ok:" or
 * "FAIL:".
 */
#define _GNU_SOURCE
#include <endian.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <sys/uio.h>
#include <time.h>

#include "passthru.h"
#include "uq_common.h"

#ifndef NVME_URING_CMD_ADMIN
#define NVME_URING_CMD_ADMIN _IOWR('N', 0x82, struct nvme_uring_cmd)
#endif


static double now_s(void)
{
	return uq_now();
}

static int ring_init(struct io_uring *ring, unsigned int entries, int poll, int defer)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32 };
	int ret;

	if (poll)
		p.flags |= IORING_SETUP_IOPOLL;
	if (defer)
		p.flags |= IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(entries, ring, &p);
	if (ret)
		fprintf(stderr, "uq_robust: io_uring setup: %s\n", strerror(-ret));
	return ret;
}

/* the next SQE; the tools never prepare more than their rings hold */
static struct io_uring_sqe *get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe) {
		fprintf(stderr, "uq_robust: no free SQE\n");
		exit(1);
	}
	return sqe;
}

/* whether the queue behind FD is a user_poll one */
static int queue_polled(int fd)
{
	return !!(uq_info(fd).flags & NVME_UQ_INFO_POLLED);
}

/*
 * Wait for one CQE for at most ms milliseconds: 0 and *cqe, or -ETIME.
 * liburing's timed wait returns -ETIME as soon as one kernel entry brings
 * nothing, which an IOPOLL ring's entry often does: keep the deadline here.
 */
static int wait_cqe_ms(struct io_uring *ring, struct io_uring_cqe **cqe, unsigned int ms)
{
	double end = now_s() + ms / 1000.0;
	int ret;

	for (;;) {
		struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 100000000L };

		ret = io_uring_wait_cqe_timeout(ring, cqe, &ts);
		if (ret != -ETIME && ret != -EINTR && ret != -EAGAIN)
			return ret;
		if (now_s() >= end)
			return -ETIME;
	}
}

static void *alloc_buf(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len)) {
		fprintf(stderr, "uq_robust: out of memory\n");
		exit(1);
	}
	memset(p, 0, len);
	return p;
}

static int parse_uint(const char *s, unsigned int *v)
{
	unsigned long long x;

	if (passthru_parse_u64(s, &x) || x > 0xffffffffULL)
		return -1;
	*v = x;
	return 0;
}

/* write LINE to PATH atomically (a new file renamed over it) */
static void write_file(const char *path, const char *line)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(line, f);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static sigjmp_buf probe_env;

static void on_sigbus(int sig)
{
	siglongjmp(probe_env, sig);
}

/*
 * Read every byte of a mapping: 1 when SIGBUS (or SIGSEGV) was raised, 0
 * when it read. Only one thread of a process may probe at a time.
 */
static int probe_mapping(const volatile unsigned char *p, size_t len)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old_bus, old_segv;
	volatile unsigned int sum = 0;
	volatile size_t i;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(probe_env, 1);
	if (!sig)
		for (i = 0; i < len; i++)
			sum += p[i];
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig != 0;
}

/*
 * After removal: a mapping made while the queue lived still reads (it
 * holds its pages) and shows the queue down.
 */
static void check_old_mappings(const char *dev, const struct uq_map *m, size_t cq_len,
			       unsigned int depth)
{
	int bad = probe_mapping((const volatile unsigned char *)m->st, 4096);

	uq_check(!bad, "%s: the state page mapped before removal still reads", dev);
	if (!bad)
		uq_check(!(m->st->flags & NVME_UQ_STATE_LIVE) && m->st->qid == 0 && m->st->depth == depth,
		      "%s: it shows the queue down (flags %#x, qid %u, depth %u of %u)", dev,
		      m->st->flags, m->st->qid, m->st->depth, depth);
	uq_check(!probe_mapping((const volatile unsigned char *)m->cq, cq_len),
	      "%s: the CQ mapped before removal still reads (%zu bytes)", dev, cq_len);
}

/* ---------------------------------------------------------------- load */

struct load_opts {
	const char *stopfile, *genfile;
	int write, faults;
	unsigned int threads, depth, lbs;
	unsigned long long nlbas;
	double end;
};

struct load_stats {
	unsigned long long submitted, completed, ok, eintr, eio, ebusy, status, other, bad_data,
		unexpected, lost;
	int first_other, first_status;
};

struct load_thread {
	const struct load_opts *o;
	const char *dev;
	unsigned int index;
	int fd, nsid, poll;
	struct uq_map m;
	uint32_t gen0;
	struct load_stats st;
	unsigned long long ok_now; /* read by the reporter */
	int done;
	pthread_t tid;
};

static uint64_t stamp(unsigned long long lba)
{
	return 0x5155000000000000ULL ^ (lba * 0x9e3779b97f4a7c15ULL);
}

static void fill_stamp(uint64_t *b, unsigned int lbs, unsigned long long lba)
{
	unsigned int i;

	for (i = 0; i < lbs / 8; i++)
		b[i] = stamp(lba) + i;
}

/* a block read back must hold its own stamp or never have been written */
static int block_good(const uint64_t *b, unsigned int lbs, unsigned long long lba)
{
	unsigned int i, zero = 1, own = 1;

	for (i = 0; i < lbs / 8; i++) {
		zero &= b[i] == 0;
		own &= b[i] == stamp(lba) + i;
	}
	return zero || own;
}

static int stop_now(const struct load_opts *o)
{
	return now_s() >= o->end || (o->stopfile && access(o->stopfile, F_OK) == 0);
}

static void count_result(struct load_stats *st, int res)
{
	if (res == 0)
		st->ok++;
	else if (res == -EINTR)
		st->eintr++;
	else if (res == -EIO)
		st->eio++;
	else if (res == -EBUSY)
		st->ebusy++;
	else if (res > 0) {
		if (!st->status)
			st->first_status = res;
		st->status++;
	} else {
		if (!st->other)
			st->first_other = res;
		st->other++;
	}
}

static void *load_thread(void *arg)
{
	struct load_thread *t = arg;
	const struct load_opts *o = t->o;
	struct load_stats *st = &t->st;
	unsigned int depth = o->depth, i, inflight = 0;
	double idle_since = 0;
	unsigned long long *lbas = calloc(depth, sizeof(*lbas)), *tags = calloc(depth, sizeof(*tags));
	unsigned long long seq = 0;
	char *busy = calloc(depth, 1), *writes = calloc(depth, 1);
	unsigned char *bufs = alloc_buf((size_t)depth * o->lbs);
	unsigned int seed = 0x1234 + t->index;
	int stopping = 0, pause_ms = 0;
	struct io_uring ring;

	if (!lbas || !tags || !busy || !writes || ring_init(&ring, 2 * depth, t->poll, 0)) {
		st->lost = depth;
		__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (;;) {
		struct io_uring_cqe *cqe;
		int ret, n = 0;

		if (!stopping && stop_now(o))
			stopping = 1;
		if (stopping && !inflight)
			break;
		if (pause_ms) {
			usleep(pause_ms * 1000);
			pause_ms = 0;
		}
		for (i = 0; !stopping && i < depth; i++) {
			struct io_uring_sqe *sqe;
			unsigned long long lba;
			void *b = bufs + (size_t)i * o->lbs;
			int w;

			if (busy[i])
				continue;
			sqe = io_uring_get_sqe(&ring);
			if (!sqe)
				break;
			lba = (unsigned long long)rand_r(&seed) % o->nlbas;
			w = o->write && (rand_r(&seed) & 1);
			if (w) {
				lba -= lba % o->threads;
				lba += t->index;
				if (lba >= o->nlbas)
					lba = t->index;
				fill_stamp(b, o->lbs, lba);
			} else {
				memset(b, 0xa5, o->lbs);
			}
			passthru_prep(sqe, t->fd, 0, w ? NVME_CMD_WRITE : NVME_CMD_READ, t->nsid, b,
				      o->lbs, lba, 1);
			tags[i] = ++seq << 16 | i;
			sqe->user_data = tags[i];
			busy[i] = 1;
			writes[i] = w;
			lbas[i] = lba;
			inflight++;
			st->submitted++;
			n++;
		}
		if (n) {
			ret = io_uring_submit(&ring);
			if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
				fprintf(stderr, "uq_robust: submit: %s\n", strerror(-ret));
				stopping = 1;
			}
		}
		ret = wait_cqe_ms(&ring, &cqe, 100);
		if (ret == -ETIME) {
			if (!idle_since)
				idle_since = now_s();
			if (stopping && now_s() - idle_since >= 60) {
				st->lost = inflight;
				break;
			}
			continue;
		}
		if (ret) {
			fprintf(stderr, "uq_robust: wait: %s\n", strerror(-ret));
			st->lost = inflight;
			break;
		}
		idle_since = 0;
		do {
			unsigned long long tag = cqe->user_data, slot = tag & 0xffff;
			int res = cqe->res;

			io_uring_cqe_seen(&ring, cqe);
			if (slot >= depth || !busy[slot] || tags[slot] != tag) {
				if (!st->unexpected)
					fprintf(stderr, "uq_robust: %s: unexpected completion, tag %#llx res %d\n",
						t->dev, tag, res);
				st->unexpected++;
				continue;
			}
			busy[slot] = 0;
			inflight--;
			st->completed++;
			count_result(st, res);
			if (res == 0) {
				__atomic_store_n(&t->ok_now, st->ok, __ATOMIC_RELAXED);
				if (o->write && !writes[slot] &&
				    !block_good((uint64_t *)(bufs + slot * o->lbs), o->lbs, lbas[slot])) {
					if (!st->bad_data)
						fprintf(stderr, "uq_robust: %s: bad data at LBA %llu\n",
							t->dev, lbas[slot]);
					st->bad_data++;
				}
			} else if (res == -EIO) {
				pause_ms = 2; /* the queue is down: do not spin */
			}
		} while (io_uring_peek_cqe(&ring, &cqe) == 0);
	}
	if (!st->lost) {
		/* a completion now would be a second one, or a stray */
		struct io_uring_cqe *cqe;

		if (wait_cqe_ms(&ring, &cqe, 300) == 0) {
			fprintf(stderr, "uq_robust: %s: completion after the last one, tag %#llx res %d\n",
				t->dev, (unsigned long long)cqe->user_data, cqe->res);
			st->unexpected++;
			io_uring_cqe_seen(&ring, cqe);
		}
		io_uring_queue_exit(&ring);
	}
	__atomic_store_n(&t->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void load_report(struct load_thread *t, unsigned int n, const char *genfile)
{
	char line[4096];
	uint32_t step = ~0u;
	size_t len;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint32_t s = uq_generation(&t[i].m) - t[i].gen0;

		if (s < step)
			step = s;
	}
	len = snprintf(line, sizeof(line), "%u", step);
	for (i = 0; i < n && len < sizeof(line) - 32; i++)
		len += snprintf(line + len, sizeof(line) - len, " %llu",
				__atomic_load_n(&t[i].ok_now, __ATOMIC_RELAXED));
	snprintf(line + len, sizeof(line) - len, "\n");
	write_file(genfile, line);
}

static int cmd_load(int argc, char **argv)
{
	struct load_opts o = { .depth = 8 };
	struct load_stats sum = { 0 };
	struct load_thread *t;
	unsigned int secs = 5, i, never_ok = 0;
	int opt, bad;

	while ((opt = getopt(argc, argv, "wfq:T:S:G:")) != -1) {
		switch (opt) {
		case 'w': o.write = 1; break;
		case 'f': o.faults = 1; break;
		case 'q': if (parse_uint(optarg, &o.depth) || !o.depth || o.depth > 0xffff) return 2; break;
		case 'T': if (parse_uint(optarg, &secs)) return 2; break;
		case 'S': o.stopfile = optarg; break;
		case 'G': o.genfile = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind < 3 || parse_uint(argv[optind], &o.lbs) ||
	    passthru_parse_u64(argv[optind + 1], &o.nlbas) || !o.nlbas || o.lbs < 512)
		return 2;
	o.threads = argc - optind - 2;
	o.end = now_s() + secs;
	t = calloc(o.threads, sizeof(*t));
	for (i = 0; i < o.threads; i++) {
		t[i].o = &o;
		t[i].index = i;
		t[i].dev = argv[optind + 2 + i];
		t[i].fd = uq_open(t[i].dev, &t[i].nsid);
		t[i].poll = queue_polled(t[i].fd);
		uq_map(t[i].fd, &t[i].m);
		t[i].gen0 = uq_generation(&t[i].m);
	}
	for (i = 0; i < o.threads; i++)
		pthread_create(&t[i].tid, NULL, load_thread, &t[i]);
	if (o.genfile) {
		for (;;) {
			unsigned int running = 0;

			for (i = 0; i < o.threads; i++)
				running += !__atomic_load_n(&t[i].done, __ATOMIC_ACQUIRE);
			load_report(t, o.threads, o.genfile);
			if (!running)
				break;
			usleep(100000);
		}
	}
	for (i = 0; i < o.threads; i++) {
		struct load_stats *s = &t[i].st;

		pthread_join(t[i].tid, NULL);
		printf("load %s: %s queue, submitted %llu completed %llu ok %llu eintr %llu eio %llu "
		       "status %llu other %llu unexpected %llu, generation +%u\n",
		       t[i].dev, t[i].poll ? "poll" : "irq", s->submitted, s->completed, s->ok,
		       s->eintr, s->eio, s->status, s->other, s->unexpected,
		       uq_generation(&t[i].m) - t[i].gen0);
		if (!s->ok)
			printf("load %s: no command succeeded\n", t[i].dev);
		sum.submitted += s->submitted;
		sum.completed += s->completed;
		sum.ok += s->ok;
		sum.eintr += s->eintr;
		sum.eio += s->eio;
		sum.ebusy += s->ebusy;
		sum.status += s->status;
		sum.other += s->other;
		sum.bad_data += s->bad_data;
		sum.unexpected += s->unexpected;
		sum.lost += s->lost;
		if (s->status && !sum.first_status)
			sum.first_status = s->first_status;
		if (s->other && !sum.first_other)
			sum.first_other = s->first_other;
		never_ok += !s->ok;
	}
	printf("load: threads %u submitted %llu completed %llu ok %llu eintr %llu eio %llu "
	       "ebusy %llu status %llu other %llu bad_data %llu unexpected %llu lost %llu\n",
	       o.threads, sum.submitted, sum.completed, sum.ok, sum.eintr, sum.eio,
	       sum.ebusy, sum.status, sum.other, sum.bad_data, sum.unexpected, sum.lost);
	if (sum.status)
		printf("load: first NVMe status 0x%x\n", sum.first_status);
	if (sum.first_other)
		printf("load: first other result %d (%s)\n", sum.first_other,
		       strerror(-sum.first_other));
	bad = sum.lost || sum.unexpected || sum.bad_data || sum.other || sum.ebusy || never_ok ||
	      sum.submitted != sum.completed || (!o.faults && sum.ok != sum.completed);
	fflush(stdout);
	if (sum.lost)
		_exit(1); /* exiting would wait for the lost commands */
	for (i = 0; i < o.threads; i++)
		close(t[i].fd);
	return bad;
}

/* ---------------------------------------------------------------- hold */

/* one read on RING, its result, or -ETIME after SECS */
static int one_read(struct io_uring *ring, int fd, int nsid, void *buf, unsigned int lbs,
		    unsigned int secs)
{
	struct io_uring_cqe *cqe;
	int ret;

	passthru_prep(get_sqe(ring), fd, 0, NVME_CMD_READ, nsid, buf, lbs, 0, 1)->timeout_ms = 0;
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EAGAIN;
	ret = wait_cqe_ms(ring, &cqe, secs * 1000);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

static int cmd_hold(int argc, char **argv)
{
	unsigned int lbs, n, i, got = 0, ok = 0, eintr = 0, eio = 0, status = 0, other = 0, dup = 0,
		resets = 0;
	const char *gofile = NULL, *donefile = NULL, *dev, *ready;
	int poll, removed = 0, reset = 0, fd, nsid, ret, opt;
	struct nvme_uq_info info;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	struct uq_map m;
	unsigned char *bufs;
	char *seen;
	uint32_t gen0;
	void *w;
	double t0;

	while ((opt = getopt(argc, argv, "rx:g:w:")) != -1) {
		switch (opt) {
		case 'r': removed = 1; break;
		case 'x': reset = 1; if (parse_uint(optarg, &resets)) return 2; break;
		case 'g': gofile = optarg; break;
		case 'w': donefile = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 4 || parse_uint(argv[optind + 1], &lbs) ||
	    parse_uint(argv[optind + 2], &n) || !n || removed + reset > 1)
		return 2;
	dev = argv[optind];
	ready = argv[optind + 3];
	fd = uq_open(dev, &nsid);
	info = uq_info(fd);
	poll = !!(info.flags & NVME_UQ_INFO_POLLED);
	uq_map(fd, &m);
	gen0 = uq_generation(&m);
	if (n >= info.depth)
		n = info.depth - 1;
	if (ring_init(&ring, 2 * n + 2, poll, !!gofile))
		return 1;
	bufs = alloc_buf((size_t)n * 4096);
	seen = calloc(n, 1);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = get_sqe(&ring);

		passthru_prep(sqe, fd, 0, NVME_CMD_READ, nsid, bufs + (size_t)i * 4096, lbs, i * 8,
			      1);
		sqe->user_data = i;
	}
	/* submit only: an IOPOLL ring would otherwise poll once */
	ret = uq_submit_nopoll(&ring);
	printf("hold %s: %s queue, submitted %d (qid %u, generation %u)\n", dev,
	       poll ? "poll" : "irq", ret, m.st->qid, gen0);
	fflush(stdout);
	if (ret != (int)n) {
		uq_check(0, "%s: %u reads submitted (%d)", dev, n, ret);
		return 1;
	}
	close(open(ready, O_WRONLY | O_CREAT, 0644));
	if (gofile)
		while (access(gofile, F_OK))
			usleep(100000);
	t0 = now_s();
	while (got < n && now_s() - t0 < 120) {
		ret = wait_cqe_ms(&ring, &cqe, 500);
		if (ret == -ETIME)
			continue;
		if (ret)
			break;
		if (cqe->user_data >= n || seen[cqe->user_data]) {
			dup++;
			io_uring_cqe_seen(&ring, cqe);
			continue;
		}
		seen[cqe->user_data] = 1;
		got++;
		if (cqe->res == 0)
			ok++;
		else if (cqe->res == -EINTR)
			eintr++;
		else if (cqe->res == -EIO)
			eio++;
		else if (cqe->res > 0)
			status++;
		else
			other++;
		io_uring_cqe_seen(&ring, cqe);
	}
	/* anything more would be a second completion */
	while (got == n && wait_cqe_ms(&ring, &cqe, 500) == 0) {
		dup++;
		io_uring_cqe_seen(&ring, cqe);
	}
	printf("hold %s: %u completions: ok %u eintr %u eio %u status %u other %u, after %.1f s\n",
	       dev, got, ok, eintr, eio, status, other, now_s() - t0);
	uq_check(got == n, "%s: every command in flight completed (%u of %u)", dev, got, n);
	if (got < n) {
		fflush(stdout);
		_exit(1);
	}
	uq_check(!dup, "%s: no command completed twice, no stray completion (%u seen)", dev, dup);
	uq_check(!other, "%s: no command ended with an error other than -EINTR, -EIO or an NVMe status (%u did)",
	      dev, other);
	for (i = 0; donefile && access(donefile, F_OK) && i < 1200; i++)
		usleep(100000);
	if (reset) {
		uint32_t gen = uq_generation(&m);
		double t1 = now_s();

		/* the reset has returned: the queue is live again */
		uq_check(gen - gen0 == resets, "%s: generation %u -> %u: %u reset(s) recreated the queue",
		      dev, gen0, gen, resets);
		while (!(m.st->flags & NVME_UQ_STATE_LIVE) && now_s() - t1 < 30)
			usleep(100000);
		ret = one_read(&ring, fd, nsid, bufs, lbs, 30);
		uq_check(ret == 0, "%s: a read after the reset succeeds (%d)", dev, ret);
	}
	if (removed) {
		ret = one_read(&ring, fd, nsid, bufs, lbs, 10);
		uq_check(ret == -EIO, "%s: a command after removal fails with -EIO (%d, %s)", dev, ret,
		      ret < 0 ? strerror(-ret) : "no error");
		ret = ioctl(fd, NVME_IOCTL_ID);
		printf("hold %s: NVME_IOCTL_ID after removal: %d (%s)\n", dev, ret,
		       ret < 0 ? strerror(errno) : "ok");
		w = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, info.state_offset);
		uq_check(w == MAP_FAILED && errno == ENODEV, "%s: a new mapping after removal fails with ENODEV (%s)",
		      dev, w == MAP_FAILED ? strerror(errno) : "mapped");
		check_old_mappings(dev, &m, info.cq_size, info.depth);
	}
	munmap((void *)m.st, info.state_size);
	munmap((void *)m.cq, info.cq_size);
	io_uring_queue_exit(&ring);
	uq_check(close(fd) == 0, "%s: close", dev);
	return uq_failures ? 1 : 0;
}

/* ------------------------------------------------------------- timeout */

static int cmd_timeout(int argc, char **argv)
{
	unsigned int lbs, wait_s, tmo = 0;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int fd, nsid, ret, opt, res;
	struct nvme_uring_cmd *cmd;
	struct uq_map m;
	uint32_t gen0;
	void *buf;
	double t0;

	while ((opt = getopt(argc, argv, "m:")) != -1) {
		switch (opt) {
		case 'm': if (parse_uint(optarg, &tmo)) return 2; break;
		default: return 2;
		}
	}
	if (argc - optind != 3 || parse_uint(argv[optind + 1], &lbs) ||
	    parse_uint(argv[optind + 2], &wait_s))
		return 2;
	fd = uq_open(argv[optind], &nsid);
	if (ring_init(&ring, 4, queue_polled(fd), 0))
		return 1;
	uq_map(fd, &m);
	gen0 = uq_generation(&m);
	buf = alloc_buf(4096);
	cmd = passthru_prep(get_sqe(&ring), fd, 0, NVME_CMD_READ, nsid, buf, lbs, 0, 1);
	cmd->timeout_ms = tmo;
	t0 = now_s();
	ret = io_uring_submit(&ring);
	if (ret != 1) {
		fprintf(stderr, "uq_robust: submit: %s\n", strerror(-ret));
		return 1;
	}
	ret = wait_cqe_ms(&ring, &cqe, wait_s * 1000);
	if (ret) {
		printf("timeout %s: no completion after %.1f s\n", argv[optind], now_s() - t0);
		uq_check(0, "the command that outlived its timeout completed");
		fflush(stdout);
		_exit(1);
	}
	res = cqe->res;
	printf("timeout %s: res %d (%s) after %.1f s\n", argv[optind], res,
	       res < 0 ? strerror(-res) : res ? "NVMe status" : "success", now_s() - t0);
	io_uring_cqe_seen(&ring, cqe);
	/*
	 * The driver aborts an expired command and resets the controller when
	 * it expires again; the device may still finish it with its data
	 * while its queue is deleted, so the result is not judged: the reset
	 * is, through the queue's generation.
	 */
	t0 = now_s();
	while (uq_generation(&m) == gen0 && now_s() - t0 < 60)
		usleep(100000);
	uq_check(uq_generation(&m) != gen0,
	      "the command that outlived its timeout (timeout_ms %u) was aborted, then the controller reset (generation %u -> %u)",
	      tmo, gen0, uq_generation(&m));
	io_uring_queue_exit(&ring);
	close(fd);
	return uq_failures ? 1 : 0;
}

/* ----------------------------------------------------------------- eio */

static int cmd_eio(int argc, char **argv)
{
	unsigned int lbs, n, i, got;
	struct io_uring ring;
	int fd, nsid, ret;
	unsigned char *bufs;
	char *want_bad;
	int *res;

	optind = 1;
	if (argc - optind < 3 || parse_uint(argv[optind + 1], &lbs))
		return 2;
	n = argc - optind - 2;
	fd = uq_open(argv[optind], &nsid);
	if (ring_init(&ring, 2 * n, queue_polled(fd), 0))
		return 1;
	bufs = alloc_buf((size_t)n * 4096);
	want_bad = calloc(n, 1);
	res = calloc(n, sizeof(*res));
	for (i = 0; i < n; i++) {
		const char *a = argv[optind + 2 + i];
		struct io_uring_sqe *sqe;
		unsigned long long lba;
		char op, *end;

		op = a[0];
		if ((op != 'r' && op != 'w') || a[1] != ':')
			return 2;
		lba = strtoull(a + 2, &end, 0);
		if (*end && strcmp(end, ":bad"))
			return 2;
		want_bad[i] = *end != 0;
		if (op == 'w')
			fill_stamp((uint64_t *)(bufs + (size_t)i * 4096), lbs, lba);
		sqe = get_sqe(&ring);
		passthru_prep(sqe, fd, 0, op == 'w' ? NVME_CMD_WRITE : NVME_CMD_READ, nsid,
			      bufs + (size_t)i * 4096, lbs, lba, 1);
		sqe->user_data = i;
		res[i] = 0x7fffffff;
	}
	ret = io_uring_submit(&ring);
	if (ret != (int)n) {
		fprintf(stderr, "uq_robust: submit: %d\n", ret);
		return 1;
	}
	for (got = 0; got < n; got++) {
		struct io_uring_cqe *cqe;

		if (wait_cqe_ms(&ring, &cqe, 30000))
			break;
		if (cqe->user_data < n)
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	uq_check(got == n, "%u commands, %u completions", n, got);
	for (i = 0; i < n; i++) {
		const char *a = argv[optind + 2 + i];
		int want = a[0] == 'r' ? 0x281 : 0x280;

		if (want_bad[i])
			uq_check(res[i] > 0 && (res[i] & 0x7ff) == want,
			      "%s: NVMe status 0x%x (want 0x%x, %s)", a, res[i] > 0 ? res[i] : 0, want,
			      res[i] < 0 ? strerror(-res[i]) : "status in the CQE");
		else
			uq_check(res[i] == 0, "%s: status %d (want 0)", a, res[i]);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	return uq_failures ? 1 : 0;
}

/* -------------------------------------------------------------- unpriv */

/* submit one command on ring and return its res (or a negative errno) */
static int one_cmd_flags(struct io_uring *ring, int fd, unsigned int cmd_op, unsigned int opcode,
			 unsigned int nsid, void *buf, unsigned int len, unsigned int nlb,
			 unsigned int sqe_flags)
{
	struct io_uring_sqe *sqe = get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	passthru_prep(sqe, fd, 0, opcode, nsid, buf, len, 0, nlb);
	sqe->cmd_op = cmd_op;
	sqe->flags |= sqe_flags;
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EAGAIN;
	if (wait_cqe_ms(ring, &cqe, 30000))
		return -ETIME;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

static int one_cmd(struct io_uring *ring, int fd, unsigned int cmd_op, unsigned int opcode,
		   unsigned int nsid, void *buf, unsigned int len, unsigned int nlb)
{
	return one_cmd_flags(ring, fd, cmd_op, opcode, nsid, buf, len, nlb, 0);
}

static int admin_ioctl(int fd, unsigned char opcode, unsigned int cdw10, void *buf, unsigned int len)
{
	struct nvme_admin_cmd c = { .opcode = opcode, .addr = (uintptr_t)buf, .data_len = len,
				    .cdw10 = cdw10 };

	return ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c) < 0 ? -errno : 0;
}

static const char *err_or(int r, const char *what)
{
	return r < 0 ? strerror(-r) : what;
}

static int cmd_unpriv(int argc, char **argv)
{
	static const struct { unsigned char op; const char *name; } refused[] = {
		{ 0x01, "Write" }, { 0x08, "Write Zeroes" }, { 0x09, "Dataset Management" },
		{ 0x04, "Write Uncorrectable" }, { 0x00, "Flush" }, { 0x06, "admin opcode Identify" },
		{ 0x80, "admin opcode Format NVM as I/O" }, { 0x81, "vendor specific 0x81" },
		{ 0x82, "vendor specific 0x82" }, { 0x7f, "unsupported 0x7f" },
	};
	static const struct { unsigned char op; unsigned int cdw10; const char *name; } admin[] = {
		{ 0x02, 0x00ff0002, "Get Log Page" }, { 0x09, 0x07, "Set Features (queues)" },
		{ 0x80, 0, "Format NVM" }, { 0x00, 1, "Delete I/O SQ" }, { 0x0a, 0x07, "Get Features" },
		{ 0x06, 1, "Identify" },
	};
	unsigned int lbs, i, nsids[] = { 0, 2, 0xffffffff };
	int other_ng = -1, fd, fd2, nsid, opt, r, j, pipefd[2];
	const char *dev, *ng;
	struct nvme_uq_info info;
	struct io_uring ring;
	void *buf, *m;

	while ((opt = getopt(argc, argv, "b:")) != -1) {
		if (opt != 'b')
			return 2;
		other_ng = atoi(optarg);
	}
	if (argc - optind < 3 || parse_uint(argv[optind + 2], &lbs))
		return 2;
	dev = argv[optind];
	ng = argv[optind + 1];
	printf("unpriv: uid %u euid %u\n", getuid(), geteuid());
	uq_check(geteuid() != 0, "running without root");
	fd = open(ng, O_RDWR);
	uq_check(fd < 0 && errno == EACCES, "read-write open of its namespace %s refused (%s)", ng,
	      fd < 0 ? strerror(errno) : "opened");
	if (fd >= 0)
		close(fd);
	for (j = optind + 3; j < argc; j++) {
		fd = open(argv[j], O_RDONLY);
		uq_check(fd < 0 && errno == EACCES, "%s out of reach: open refused (%s)", argv[j],
		      fd < 0 ? strerror(errno) : "opened");
		if (fd >= 0)
			close(fd);
	}
	fd = open(dev, O_RDWR);
	uq_check(fd >= 0, "read-write open of %s allowed", dev);
	if (fd < 0)
		return 1;
	fd2 = open(dev, O_RDWR);
	uq_check(fd2 < 0 && errno == EBUSY, "a second open of the owned queue refused (%s)",
	      fd2 < 0 ? strerror(errno) : "opened");
	if (fd2 >= 0)
		close(fd2);
	info = uq_info(fd);
	if (ring_init(&ring, 8, !!(info.flags & NVME_UQ_INFO_POLLED), 0))
		return 1;
	buf = alloc_buf(1 << 16);
	r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, 1, buf, lbs, 1);
	uq_check(r == -EINVAL, "a read before binding refused (%d, %s)", r, err_or(r, "accepted"));
	if (pipe(pipefd))
		return 1;
	r = uq_bind_fd(fd, pipefd[0]);
	uq_check(r == -EINVAL, "binding to a pipe refused (%s)", err_or(r, "bound"));
	r = uq_bind_fd(fd, -1);
	uq_check(r == -EBADF, "binding to fd -1 refused (%s)", err_or(r, "bound"));
	if (other_ng >= 0) {
		r = uq_bind_fd(fd, other_ng);
		uq_check(r == -EINVAL, "binding to fd %d, another controller's namespace, refused (%s)",
		      other_ng, err_or(r, "bound"));
	}
	r = uq_bind(fd, ng, O_RDONLY);
	uq_check(r == 0, "binding to %s opened read-only works (%s)", ng, err_or(r, "ok"));
	if (r)
		return 1;
	r = uq_bind(fd, ng, O_RDONLY);
	uq_check(r == -EBUSY, "a second bind refused (%s)", err_or(r, "bound"));
	nsid = ioctl(fd, NVME_IOCTL_ID);
	info = uq_info(fd);
	uq_check(nsid > 0 && (unsigned int)nsid == info.nsid, "NVME_IOCTL_ID gives nsid %d, INFO %u",
	      nsid, info.nsid);
	if (nsid <= 0)
		return 1;

	r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	uq_check(r == 0, "read through the read-only binding works (%d)", r);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		unsigned int len = refused[i].op == 0x01 ? lbs : 0;

		r = one_cmd(&ring, fd, NVME_URING_CMD_IO, refused[i].op, nsid, len ? buf : NULL, len,
			    len ? 1 : 0);
		/* a bidirectional opcode has no direction to map: EINVAL first */
		uq_check(r == ((refused[i].op & 3) == 3 ? -EINVAL : -EACCES), "%s (opcode 0x%02x) refused (%d, %s)",
		      refused[i].name, refused[i].op, r, err_or(r, "NVMe status"));
	}
	r = one_cmd(&ring, fd, NVME_URING_CMD_ADMIN, 0x06, 0, buf, 4096, 0);
	uq_check(r < 0, "NVME_URING_CMD_ADMIN on the queue refused (%d, %s)", r, err_or(r, "accepted"));
	for (i = 0; i < sizeof(nsids) / sizeof(nsids[0]); i++) {
		r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsids[i], buf, lbs, 1);
		uq_check(r == -EINVAL, "read of nsid %#x (not the bound namespace) refused (%d)",
		      nsids[i], r);
	}
	for (i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
		r = admin_ioctl(fd, admin[i].op, admin[i].cdw10, buf, admin[i].op == 0x02 ? 4096 : 0);
		uq_check(r < 0, "admin ioctl %s refused (%s)", admin[i].name, err_or(r, "accepted"));
	}

	m = mmap(NULL, info.state_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.state_offset);
	uq_check(m == MAP_FAILED, "writable shared mapping refused (%s)",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	m = mmap(NULL, info.state_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, info.state_offset);
	uq_check(m == MAP_FAILED, "writable private mapping refused (%s)",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	m = mmap(NULL, info.cq_size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, info.cq_offset);
	uq_check(m == MAP_FAILED, "executable mapping refused (%s)",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	m = mmap(NULL, info.state_size, PROT_READ, MAP_SHARED, fd, info.state_offset);
	uq_check(m != MAP_FAILED, "read-only mapping of the state page allowed");
	if (m != MAP_FAILED) {
		uq_check(mprotect(m, info.state_size, PROT_READ | PROT_WRITE) != 0,
		      "mprotect(PROT_WRITE) of it refused (%s)", strerror(errno));
		munmap(m, info.state_size);
	}
	r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	uq_check(r == 0, "the queue still reads after all that (%d)", r);
	io_uring_queue_exit(&ring);
	close(fd);
	return uq_failures ? 1 : 0;
}

/* --------------------------------------------------------------- owner */

static int cmd_owner(int argc, char **argv)
{
	const char *dev;
	struct io_uring a, b;
	unsigned int lbs;
	int fd, fd2, nsid, poll, r;
	void *buf;

	if (argc != 3 || parse_uint(argv[2], &lbs))
		return 2;
	dev = argv[1];
	buf = alloc_buf(4096);
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	fd2 = open(dev, O_RDWR);
	uq_check(fd2 < 0 && errno == EBUSY, "%s: a second read-write open refused (%s)", dev,
	      fd2 < 0 ? strerror(errno) : "opened");
	if (fd2 >= 0)
		close(fd2);
	/* owning takes a read-write open: a read-only one is refused as such */
	fd2 = open(dev, O_RDONLY);
	uq_check(fd2 < 0 && errno == EACCES, "%s: a read-only open refused with EACCES (%s)", dev,
	      fd2 < 0 ? strerror(errno) : "opened");
	if (fd2 >= 0)
		close(fd2);
	poll = queue_polled(fd);
	if (ring_init(&a, 8, poll, 0) || ring_init(&b, 8, poll, 0))
		return 1;
	r = one_cmd(&a, fd, NVME_URING_CMD_IO, NVME_CMD_READ, 1, buf, lbs, 1);
	uq_check(r == -EINVAL, "%s: a command before binding refused (%d, %s)", dev, r,
	      err_or(r, "accepted"));
	{
		char nsbuf[64];
		const char *ns = uq_default_ns(dev, nsbuf, sizeof(nsbuf));

		r = uq_bind(fd, ns, O_RDWR);
		uq_check(r == 0, "%s: bound to %s (%s)", dev, ns, err_or(r, "ok"));
		if (r)
			return 1;
		r = uq_bind(fd, ns, O_RDWR);
		uq_check(r == -EBUSY, "%s: a second bind refused (%s)", dev, err_or(r, "bound"));
	}
	nsid = ioctl(fd, NVME_IOCTL_ID);
	r = one_cmd(&a, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	uq_check(r == 0, "%s: the first ring's read works (%d)", dev, r);
	r = one_cmd(&b, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	uq_check(r == -EXDEV, "%s: a read from a second ring refused (%d, %s)", dev, r,
	      err_or(r, "accepted"));
	r = one_cmd_flags(&a, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1, IOSQE_ASYNC);
	uq_check(r == -EOPNOTSUPP, "%s: IOSQE_ASYNC refused (%d, %s)", dev, r, err_or(r, "accepted"));
	r = one_cmd(&a, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	uq_check(r == 0, "%s: the owning ring still reads (%d)", dev, r);
	io_uring_queue_exit(&a);
	close(fd);
	/* ownership ends with the file: a new owner, a new ring */
	fd = uq_try_open(dev, O_RDWR, NULL, O_RDWR);
	uq_check(fd >= 0, "%s: open and bind again after close (%s)", dev, err_or(fd, "ok"));
	if (fd < 0)
		return 1;
	r = one_cmd(&b, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	uq_check(r == 0, "%s: the new owner's ring reads (%d)", dev, r);
	io_uring_queue_exit(&b);
	close(fd);
	return uq_failures ? 1 : 0;
}

/* --------------------------------------------------------------- churn */

static int cmd_churn(int argc, char **argv)
{
	unsigned int lbs, secs, seed = 7, iters = 0, cmds = 0, early_close = 0, torn = 0,
		busy_opens = 0;
	int opt, bad = 0;
	unsigned char *buf;
	double end;

	while ((opt = getopt(argc, argv, "")) != -1)
		return 2;
	if (argc - optind != 3 || parse_uint(argv[optind + 1], &lbs) ||
	    parse_uint(argv[optind + 2], &secs))
		return 2;
	end = now_s() + secs;
	while (now_s() < end) {
		int fd, nsid, n, i, how;
		struct nvme_uq_info info;
		struct io_uring ring;
		double t0 = now_s();
		void *st;

		/* the reads of a ring torn down in flight hold the file until they end */
		while ((fd = uq_try_open(argv[optind], O_RDWR, NULL, O_RDWR)) == -EBUSY &&
		       now_s() - t0 < 30) {
			busy_opens++;
			usleep(1000);
		}
		if (fd < 0) {
			uq_check(0, "churn: open %u of %s: %s after %.1f s", iters + 1, argv[optind],
			      strerror(-fd), now_s() - t0);
			fflush(stdout);
			_exit(1);
		}
		nsid = ioctl(fd, NVME_IOCTL_ID);
		info = uq_info(fd);
		st = mmap(NULL, info.state_size, PROT_READ, MAP_SHARED, fd, info.state_offset);
		if (nsid <= 0 || st == MAP_FAILED ||
		    ring_init(&ring, 8, !!(info.flags & NVME_UQ_INFO_POLLED), 0)) {
			uq_check(0, "churn: nsid %d, state page %s", nsid,
			      st == MAP_FAILED ? strerror(errno) : "mapped");
			return 1;
		}
		/*
		 * Fresh buffers: reads of a ring torn down in flight may still be
		 * writing the old ones, which are then never freed.
		 */
		buf = alloc_buf(4 * 4096);
		n = 1 + rand_r(&seed) % 4;
		for (i = 0; i < n; i++)
			passthru_prep(get_sqe(&ring), fd, 0, NVME_CMD_READ, nsid,
				      buf + i * 4096, lbs, rand_r(&seed) % 1024, 1);
		n = io_uring_submit(&ring);
		cmds += n > 0 ? n : 0;
		how = rand_r(&seed) % 3;
		if (how == 1) {
			close(fd); /* the ring's requests hold the file */
			early_close++;
		}
		if (rand_r(&seed) & 1)
			munmap(st, info.state_size), st = MAP_FAILED;
		if (how != 2) {
			for (i = 0; i < n; i++) {
				struct io_uring_cqe *cqe;

				int r = wait_cqe_ms(&ring, &cqe, 30000);

				if (r) {
					uq_check(0, "churn: read %d of %d (file %s) did not complete in 30 s (%s)",
					      i, n, how == 1 ? "closed early" : "open", strerror(-r));
					fflush(stdout);
					_exit(1);
				}
				if (cqe->res && !bad++)
					printf("churn: unexpected result %d\n", cqe->res);
				io_uring_cqe_seen(&ring, cqe);
			}
			free(buf);
		} else {
			torn++; /* tear the ring down with the reads in flight */
		}
		io_uring_queue_exit(&ring);
		if (st != MAP_FAILED)
			munmap(st, info.state_size);
		if (how != 1)
			close(fd);
		iters++;
	}
	printf("churn %s: %u opens (%u EBUSY while torn down reads held the file), %u reads, "
	       "%u closed early, %u rings torn down in flight\n",
	       argv[optind], iters, busy_opens, cmds, early_close, torn);
	uq_check(iters > 0, "churn: %u owners in turn", iters);
	uq_check(!bad, "churn: every reaped read succeeded (%d did not)", bad);
	return uq_failures ? 1 : 0;
}

/* ------------------------------------------------------------- intrude */

static int cmd_intrude(int argc, char **argv)
{
	unsigned int secs, tries = 0, refused = 0;
	double end;

	if (argc != 3 || parse_uint(argv[2], &secs))
		return 2;
	end = now_s() + secs;
	while (now_s() < end) {
		/* owning takes a read-write open: a read-only one is refused as such */
		int rdonly = tries & 1, fd = open(argv[1], rdonly ? O_RDONLY : O_RDWR);

		tries++;
		if (fd >= 0) {
			uq_check(0, "intrude: open %u of %s, owned by another process, succeeded", tries,
			      argv[1]);
			close(fd);
			return 1;
		}
		if (errno == (rdonly ? EACCES : EBUSY))
			refused++;
		else
			printf("intrude: open %u (%s): %s\n", tries, rdonly ? "read-only" : "read-write",
			       strerror(errno));
	}
	printf("intrude %s: %u opens while another process owned it, %u refused as expected\n", argv[1], tries,
	       refused);
	uq_check(tries > 0 && refused == tries,
	      "intrude: every open of an owned queue refused: EBUSY, or EACCES read-only (%u of %u)", refused, tries);
	return uq_failures ? 1 : 0;
}

/* ------------------------------------------------------------- maploop */

struct maploop {
	const char *dev, *stopfile, *genfile;
	int fd, nsid, poll, removal;
	unsigned int lbs;
	struct nvme_uq_info info;
	struct uq_map m;
	uint32_t gen0;
	double end;
	int stop;
	unsigned long long ok, eintr, eio, other, unexpected, lost;
};

static int maploop_stop(struct maploop *l)
{
	return __atomic_load_n(&l->stop, __ATOMIC_ACQUIRE) || now_s() >= l->end ||
	       (l->stopfile && access(l->stopfile, F_OK) == 0);
}

/* keep 8 reads in flight on the queue until the mapper stops */
static void *maploop_io(void *arg)
{
	struct maploop *l = arg;
	unsigned long long tags[8] = { 0 }, seq = 0;
	unsigned char *bufs = alloc_buf(8 * 4096);
	unsigned int inflight = 0, i;
	struct io_uring ring;
	double idle = 0;

	if (ring_init(&ring, 16, l->poll, 0)) {
		l->lost = 1;
		return NULL;
	}
	for (;;) {
		struct io_uring_cqe *cqe;
		int stopping = maploop_stop(l), ret;

		if (stopping && !inflight)
			break;
		for (i = 0; !stopping && i < 8; i++) {
			if (tags[i])
				continue;
			struct io_uring_sqe *sqe = get_sqe(&ring);

			passthru_prep(sqe, l->fd, 0, NVME_CMD_READ, l->nsid, bufs + i * 4096, l->lbs,
				      i * 8, 1);
			tags[i] = ++seq << 8 | i;
			sqe->user_data = tags[i];
			inflight++;
		}
		io_uring_submit(&ring);
		ret = wait_cqe_ms(&ring, &cqe, 100);
		if (ret == -ETIME) {
			if (!idle)
				idle = now_s();
			if (stopping && now_s() - idle > 60) {
				l->lost = inflight;
				break;
			}
			continue;
		}
		idle = 0;
		if (ret) {
			l->lost = inflight;
			break;
		}
		do {
			unsigned long long tag = cqe->user_data;

			if ((tag & 0xff) >= 8 || tags[tag & 0xff] != tag) {
				l->unexpected++;
			} else {
				tags[tag & 0xff] = 0;
				inflight--;
				if (cqe->res == 0)
					__atomic_add_fetch(&l->ok, 1, __ATOMIC_RELAXED);
				else if (cqe->res == -EINTR)
					l->eintr++;
				else if (cqe->res == -EIO)
					l->eio++, usleep(2000);
				else
					l->other++;
			}
			io_uring_cqe_seen(&ring, cqe);
		} while (io_uring_peek_cqe(&ring, &cqe) == 0);
	}
	if (!l->lost)
		io_uring_queue_exit(&ring);
	return NULL;
}

static int cmd_maploop(int argc, char **argv)
{
	struct maploop l = { 0 };
	unsigned long long maps = 0, enodev = 0, other_fail = 0, bad_state = 0;
	unsigned int secs = 30;
	int io = 0, opt;
	double last_report = 0;
	pthread_t tid;

	while ((opt = getopt(argc, argv, "irT:S:G:")) != -1) {
		switch (opt) {
		case 'i': io = 1; break;
		case 'r': l.removal = 1; break;
		case 'T': if (parse_uint(optarg, &secs)) return 2; break;
		case 'S': l.stopfile = optarg; break;
		case 'G': l.genfile = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || parse_uint(argv[optind + 1], &l.lbs))
		return 2;
	l.dev = argv[optind];
	l.end = now_s() + secs;
	l.fd = uq_open(l.dev, &l.nsid);
	l.info = uq_info(l.fd);
	l.poll = !!(l.info.flags & NVME_UQ_INFO_POLLED);
	uq_map(l.fd, &l.m); /* kept for the whole run */
	l.gen0 = uq_generation(&l.m);
	if (io)
		pthread_create(&tid, NULL, maploop_io, &l);
	while (!maploop_stop(&l)) {
		volatile struct nvme_uq_state *st;
		void *cq;

		st = mmap(NULL, l.info.state_size, PROT_READ, MAP_SHARED, l.fd, l.info.state_offset);
		cq = mmap(NULL, l.info.cq_size, PROT_READ, MAP_SHARED, l.fd, l.info.cq_offset);
		if (st == MAP_FAILED || cq == MAP_FAILED) {
			int e = errno;

			if (e == ENODEV)
				enodev++;
			else if (other_fail++ < 5)
				printf("maploop %s: mmap: %s\n", l.dev, strerror(e));
			if (st != MAP_FAILED)
				munmap((void *)st, l.info.state_size);
			if (cq != MAP_FAILED)
				munmap(cq, l.info.cq_size);
			/* after removal every mmap fails: a few more tries, then stop */
			if (l.removal && e == ENODEV && enodev >= 20)
				break;
			continue;
		}
		maps++;
		if (probe_mapping((const volatile unsigned char *)st, l.info.state_size) ||
		    probe_mapping(cq, l.info.cq_size) || st->depth != l.info.depth) {
			if (bad_state++ < 5)
				printf("maploop %s: a fresh mapping faulted or shows depth %u, not %u\n",
				       l.dev, st->depth, l.info.depth);
		}
		munmap((void *)st, l.info.state_size);
		munmap(cq, l.info.cq_size);
		if (l.genfile && now_s() - last_report >= 0.1) {
			char line[64];

			snprintf(line, sizeof(line), "%u %llu\n", uq_generation(&l.m) - l.gen0,
				 __atomic_load_n(&l.ok, __ATOMIC_RELAXED));
			write_file(l.genfile, line);
			last_report = now_s();
		}
	}
	__atomic_store_n(&l.stop, 1, __ATOMIC_RELEASE);
	if (io)
		pthread_join(tid, NULL);
	printf("maploop %s: %s queue, %llu map/read/unmap rounds, %llu ENODEV, %llu other failures, "
	       "%llu bad; reads ok %llu eintr %llu eio %llu other %llu unexpected %llu lost %llu; "
	       "generation +%u\n",
	       l.dev, l.poll ? "poll" : "irq", maps, enodev, other_fail, bad_state, l.ok, l.eintr,
	       l.eio, l.other, l.unexpected, l.lost, uq_generation(&l.m) - l.gen0);
	uq_check(maps > 0 && !bad_state && !other_fail,
	      "%s: every mapping of the state page and CQ read, with the queue's depth", l.dev);
	if (l.removal) {
		uq_check(enodev > 0, "%s: after removal, mmap fails with ENODEV", l.dev);
		check_old_mappings(l.dev, &l.m, l.info.cq_size, l.info.depth);
	} else {
		uq_check(!enodev, "%s: no mmap failed (%llu ENODEV)", l.dev, enodev);
	}
	if (io) {
		uq_check(!l.lost && !l.unexpected && !l.other,
		      "%s: every read completed once, with 0, -EINTR or -EIO", l.dev);
		uq_check(l.ok > 0, "%s: reads succeeded meanwhile (%llu)", l.dev, l.ok);
	}
	if (l.genfile) {
		char line[64];

		snprintf(line, sizeof(line), "%u %llu\n", uq_generation(&l.m) - l.gen0, l.ok);
		write_file(l.genfile, line);
	}
	fflush(stdout);
	if (l.lost)
		_exit(1);
	close(l.fd);
	return uq_failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "load", cmd_load }, { "hold", cmd_hold }, { "timeout", cmd_timeout },
		{ "eio", cmd_eio }, { "unpriv", cmd_unpriv }, { "owner", cmd_owner },
		{ "churn", cmd_churn }, { "intrude", cmd_intrude }, { "maploop", cmd_maploop },
	};
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[1], cmds[i].name)) {
			int ret = cmds[i].fn(argc - 1, argv + 1);

			if (ret == 2)
				fprintf(stderr, "uq_robust %s: bad usage; see the comment at the top of uq_robust.c\n",
					argv[1]);
			return ret;
		}
	}
	fprintf(stderr, "usage: uq_robust load|hold|timeout|eio|unpriv|owner|churn|intrude|maploop ...\n");
	return 2;
}
