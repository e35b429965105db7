// SPDX-License-Identifier: MIT
/*
 * uq_robust: the fault, privilege and concurrency checks of the robustness
 * tests (tests/guest/robust-*.sh), against NVMe user queues /dev/nvmeXuqN.
 * Every command is one logical block; DEV's queue type decides the ring:
 * -p for a user_poll queue (IOPOLL ring).
 *
 * uq_robust load [-p] [-w] [-f] [-t THREADS] [-q DEPTH] [-T SECONDS] [-S STOPFILE] DEV LBS NLBAS
 *   THREADS threads (default 1), each with its own ring on one shared open
 *   file, keep DEPTH commands each in flight (default 8) at random LBAs
 *   below NLBAS until SECONDS (default 5) pass or STOPFILE exists. -w mixes
 *   writes in: thread t writes only LBAs with lba % THREADS == t, each block
 *   stamped with its LBA, and every read checks that its block holds its own
 *   stamp or zeroes (data returned to the wrong command or buffer shows up).
 *   Then every command still in flight is waited for (60 s at most).
 *   Prints one line "load DEV: submitted S completed C ok O eintr E eio I
 *   ebusy B status N other X bad_data D unexpected U lost L". Without -f
 *   any result but 0 fails; with -f (faults injected meanwhile: resets,
 *   removal) -EINTR, -EIO, -EBUSY and NVMe status are allowed. Lost (no
 *   completion), unexpected completions and bad data always fail.
 *
 * uq_robust hold [-p] [-r] [-g GOFILE] [-w DONEFILE] DEV LBS N READYFILE
 *   Open DEV, map its state page and CQ ring, submit N reads and create
 *   READYFILE; wait (120 s at most) for the N completions and print how they
 *   ended ("hold: N completions: ok O eintr E eio I status S other X");
 *   any other error fails.
 *   -g: a ring with IORING_SETUP_DEFER_TASKRUN that does not enter the kernel
 *   until GOFILE exists. -w: wait for DONEFILE (the removal has returned)
 *   before the -r checks. -r: the controller is being removed: after the
 *   completions, a new command must fail with a negative
 *   errno, a new mmap must fail, and reading the old mappings must raise
 *   SIGBUS or show zeroes, never stale queue memory; then everything is
 *   closed.
 *
 * uq_robust timeout [-p] [-m TIMEOUT_MS] DEV LBS WAIT_S
 *   One read with timeout_ms TIMEOUT_MS (default 0: nvme_core.io_timeout),
 *   waited for WAIT_S seconds. Passes when it completes with an error (a
 *   negative errno or an NVMe status), fails when it succeeds or never
 *   completes. Prints "timeout: res R after S s".
 *
 * uq_robust eio [-p] DEV LBS r|w:LBA[:bad]...
 *   One command per argument, all submitted together; the ":bad" ones hit
 *   an injected media error and must complete with NVMe status Unrecovered
 *   Read Error (0x281) or Write Fault (0x280), every other one with 0.
 *
 * uq_robust unpriv [-p] DEV LBS OTHER...
 *   Run as an unprivileged user, DEV readable by it (mode o+r): O_RDWR open
 *   refused, O_RDONLY open allowed, reads work, writes and other commands
 *   that change data refused with -EACCES, admin, vendor and unsupported
 *   opcodes refused, nsids other than the namespace's refused with -EINVAL,
 *   writable mappings refused, admin ioctls other than Identify refused;
 *   each OTHER node (another controller's queue or namespace) cannot be
 *   opened at all.
 *
 * uq_robust churn [-p] DEV LBS SECONDS
 *   For SECONDS: open DEV, map it, submit 1-4 reads on a new ring and then,
 *   at random, wait for them, close the file first, or tear the ring down
 *   with the reads in flight. Any result but 0 or -EBUSY fails.
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

static int failures;

static void check(int good, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int good, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", good ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!good)
		failures++;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
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

static int get_nsid(int fd)
{
	int nsid = ioctl(fd, NVME_IOCTL_ID);

	if (nsid <= 0)
		fprintf(stderr, "uq_robust: NVME_IOCTL_ID: %s\n", strerror(errno));
	return nsid;
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

/* ---------------------------------------------------------------- load */

struct load_opts {
	const char *dev, *stopfile;
	int poll, write, faults, fd, nsid;
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
	unsigned int index;
	struct load_stats st;
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

static void *load_thread(void *arg)
{
	struct load_thread *t = arg;
	const struct load_opts *o = t->o;
	struct load_stats *st = &t->st;
	unsigned int depth = o->depth, i, inflight = 0;
	double idle_since = 0;
	unsigned long long *lbas = calloc(depth, sizeof(*lbas));
	char *busy = calloc(depth, 1), *writes = calloc(depth, 1);
	unsigned char *bufs = alloc_buf((size_t)depth * o->lbs);
	unsigned int seed = 0x1234 + t->index;
	int stopping = 0, pause_ms = 0;
	struct io_uring ring;

	if (!lbas || !busy || !writes || ring_init(&ring, 2 * depth, o->poll, 0)) {
		st->lost = depth;
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
			passthru_prep(sqe, o->fd, 0, w ? NVME_CMD_WRITE : NVME_CMD_READ, o->nsid, b,
				      o->lbs, lba, 1);
			sqe->user_data = i;
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
			unsigned long long slot = cqe->user_data;
			int res = cqe->res;

			io_uring_cqe_seen(&ring, cqe);
			if (slot >= depth || !busy[slot]) {
				st->unexpected++;
				continue;
			}
			busy[slot] = 0;
			inflight--;
			st->completed++;
			if (res == 0) {
				st->ok++;
				if (o->write && !writes[slot] &&
				    !block_good((uint64_t *)(bufs + slot * o->lbs), o->lbs, lbas[slot])) {
					if (!st->bad_data)
						fprintf(stderr, "uq_robust: bad data at LBA %llu\n",
							lbas[slot]);
					st->bad_data++;
				}
			} else if (res == -EINTR) {
				st->eintr++;
			} else if (res == -EIO) {
				st->eio++;
				pause_ms = 2; /* the queue is down: do not spin */
			} else if (res == -EBUSY) {
				st->ebusy++;
			} else if (res > 0) {
				if (!st->status)
					st->first_status = res;
				st->status++;
			} else {
				if (!st->other)
					st->first_other = res;
				st->other++;
			}
		} while (io_uring_peek_cqe(&ring, &cqe) == 0);
	}
	if (!st->lost)
		io_uring_queue_exit(&ring);
	return NULL;
}

static int parse_uint(const char *s, unsigned int *v)
{
	unsigned long long x;

	if (passthru_parse_u64(s, &x) || x > 0xffffffffULL)
		return -1;
	*v = x;
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	struct load_opts o = { .threads = 1, .depth = 8 };
	struct load_stats sum = { 0 };
	struct load_thread *t;
	unsigned int secs = 5, i;
	int opt, bad;

	while ((opt = getopt(argc, argv, "pwft:q:T:S:")) != -1) {
		switch (opt) {
		case 'p': o.poll = 1; break;
		case 'w': o.write = 1; break;
		case 'f': o.faults = 1; break;
		case 't': if (parse_uint(optarg, &o.threads) || !o.threads) return 2; break;
		case 'q': if (parse_uint(optarg, &o.depth) || !o.depth) return 2; break;
		case 'T': if (parse_uint(optarg, &secs)) return 2; break;
		case 'S': o.stopfile = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 3 || parse_uint(argv[optind + 1], &o.lbs) ||
	    passthru_parse_u64(argv[optind + 2], &o.nlbas) || !o.nlbas || o.lbs < 512)
		return 2;
	o.dev = argv[optind];
	o.end = now_s() + secs;
	o.fd = open(o.dev, o.write ? O_RDWR : O_RDONLY);
	if (o.fd < 0) {
		perror(o.dev);
		return 1;
	}
	o.nsid = get_nsid(o.fd);
	if (o.nsid <= 0)
		return 1;
	t = calloc(o.threads, sizeof(*t));
	for (i = 0; i < o.threads; i++) {
		t[i].o = &o;
		t[i].index = i;
		pthread_create(&t[i].tid, NULL, load_thread, &t[i]);
	}
	for (i = 0; i < o.threads; i++) {
		struct load_stats *s = &t[i].st;

		pthread_join(t[i].tid, NULL);
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
	}
	printf("load %s: threads %u submitted %llu completed %llu ok %llu eintr %llu eio %llu "
	       "ebusy %llu status %llu other %llu bad_data %llu unexpected %llu lost %llu\n",
	       o.dev, o.threads, sum.submitted, sum.completed, sum.ok, sum.eintr, sum.eio,
	       sum.ebusy, sum.status, sum.other, sum.bad_data, sum.unexpected, sum.lost);
	if (sum.status)
		printf("load %s: first NVMe status 0x%x\n", o.dev, sum.first_status);
	if (sum.other)
		printf("load %s: first other result %d (%s)\n", o.dev, sum.first_other,
		       strerror(-sum.first_other));
	bad = sum.lost || sum.unexpected || sum.bad_data || sum.other || !sum.ok ||
	      (!o.faults && sum.ok != sum.completed);
	fflush(stdout);
	if (sum.lost)
		_exit(1); /* exiting would wait for the lost commands */
	close(o.fd);
	return bad;
}

/* ---------------------------------------------------------------- hold */

static sigjmp_buf probe_env;

static void on_sigbus(int sig)
{
	siglongjmp(probe_env, sig);
}

/*
 * Read every byte of a mapping: 1 when SIGBUS (or SIGSEGV) was raised, 0
 * when it read, with *nonzero set when any byte was not zero.
 */
static int probe_mapping(const volatile unsigned char *p, size_t len, int *nonzero)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old_bus, old_segv;
	volatile size_t i;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	*nonzero = 0;
	sig = sigsetjmp(probe_env, 1);
	if (!sig)
		for (i = 0; i < len; i++)
			*nonzero |= p[i] != 0;
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig != 0;
}

static int cmd_hold(int argc, char **argv)
{
	unsigned int lbs, n, i, got = 0, ok = 0, eintr = 0, eio = 0, status = 0, other = 0;
	const char *gofile = NULL, *donefile = NULL, *dev, *ready;
	int poll = 0, removed = 0, fd, nsid, ret, opt;
	volatile struct nvme_uq_state *st;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	size_t cq_len;
	unsigned char *bufs;
	void *cq, *w;
	double t0;

	while ((opt = getopt(argc, argv, "prg:w:")) != -1) {
		switch (opt) {
		case 'p': poll = 1; break;
		case 'r': removed = 1; break;
		case 'g': gofile = optarg; break;
		case 'w': donefile = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 4 || parse_uint(argv[optind + 1], &lbs) ||
	    parse_uint(argv[optind + 2], &n) || !n)
		return 2;
	dev = argv[optind];
	ready = argv[optind + 3];
	fd = open(dev, O_RDWR);
	if (fd < 0) {
		perror(dev);
		return 1;
	}
	nsid = get_nsid(fd);
	st = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
	if (nsid <= 0 || st == MAP_FAILED) {
		perror("mmap state");
		return 1;
	}
	cq_len = ((size_t)st->depth * 16 + 4095) & ~4095UL;
	cq = mmap(NULL, cq_len, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_CQ);
	if (cq == MAP_FAILED) {
		perror("mmap CQ");
		return 1;
	}
	if (n >= st->depth)
		n = st->depth - 1;
	if (ring_init(&ring, 2 * n + 2, poll, !!gofile))
		return 1;
	bufs = alloc_buf((size_t)n * 4096);
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = get_sqe(&ring);

		passthru_prep(sqe, fd, 0, NVME_CMD_READ, nsid, bufs + (size_t)i * 4096, lbs, i * 8,
			      1);
		sqe->user_data = i;
	}
	/* submit only: an IOPOLL ring would otherwise poll once */
	ret = io_uring_submit(&ring);
	printf("hold %s: submitted %d (qid %u, generation %u)\n", dev, ret, st->qid,
	       st->generation);
	fflush(stdout);
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
	printf("hold %s: %u completions: ok %u eintr %u eio %u status %u other %u, after %.1f s\n",
	       dev, got, ok, eintr, eio, status, other, now_s() - t0);
	check(got == n, "every command in flight completed (%u of %u)", got, n);
	if (got < n) {
		fflush(stdout);
		_exit(1);
	}
	check(!other, "no command ended with an error other than -EINTR, -EIO or an NVMe status (%u did)",
	      other);
	if (removed) {
		int sigbus, nonzero, res = 1;

		for (i = 0; donefile && access(donefile, F_OK) && i < 1200; i++)
			usleep(100000);
		passthru_prep(get_sqe(&ring), fd, 0, NVME_CMD_READ, nsid, bufs, lbs, 0, 1);
		ret = io_uring_submit(&ring);
		if (ret == 1 && wait_cqe_ms(&ring, &cqe, 10000) == 0) {
			res = cqe->res;
			io_uring_cqe_seen(&ring, cqe);
		} else {
			res = ret < 0 ? ret : 1;
		}
		check(res < 0, "a command after removal fails (%d, %s)", res,
		      res < 0 ? strerror(-res) : "no error");
		ret = ioctl(fd, NVME_IOCTL_ID);
		printf("hold %s: NVME_IOCTL_ID after removal: %d (%s)\n", dev, ret,
		       ret < 0 ? strerror(errno) : "ok");
		w = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
		check(w == MAP_FAILED, "a new mapping after removal fails (%s)",
		      w == MAP_FAILED ? strerror(errno) : "mapped");
		sigbus = probe_mapping((const volatile unsigned char *)st, 4096, &nonzero);
		check(sigbus || !nonzero, "the old state page after removal: %s",
		      sigbus ? "SIGBUS" : nonzero ? "stale data" : "zeroes");
		sigbus = probe_mapping(cq, cq_len, &nonzero);
		check(sigbus || !nonzero, "the old CQ ring mapping after removal: %s",
		      sigbus ? "SIGBUS" : nonzero ? "stale data" : "zeroes");
	}
	munmap((void *)st, 4096);
	munmap(cq, cq_len);
	io_uring_queue_exit(&ring);
	check(close(fd) == 0, "close");
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------- timeout */

static int cmd_timeout(int argc, char **argv)
{
	unsigned int lbs, wait_s, tmo = 0;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int poll = 0, fd, nsid, ret, opt, res;
	struct nvme_uring_cmd *cmd;
	void *buf;
	double t0;

	while ((opt = getopt(argc, argv, "pm:")) != -1) {
		switch (opt) {
		case 'p': poll = 1; break;
		case 'm': if (parse_uint(optarg, &tmo)) return 2; break;
		default: return 2;
		}
	}
	if (argc - optind != 3 || parse_uint(argv[optind + 1], &lbs) ||
	    parse_uint(argv[optind + 2], &wait_s))
		return 2;
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	nsid = get_nsid(fd);
	if (nsid <= 0 || ring_init(&ring, 4, poll, 0))
		return 1;
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
		check(0, "the command that outlived its timeout completed");
		fflush(stdout);
		_exit(1);
	}
	res = cqe->res;
	printf("timeout %s: res %d (%s) after %.1f s\n", argv[optind], res,
	       res < 0 ? strerror(-res) : res ? "NVMe status" : "success", now_s() - t0);
	check(res != 0, "the command that outlived its timeout (timeout_ms %u) completed with an error",
	      tmo);
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	close(fd);
	return failures ? 1 : 0;
}

/* ----------------------------------------------------------------- eio */

static int cmd_eio(int argc, char **argv)
{
	unsigned int lbs, n, i, got;
	struct io_uring ring;
	int poll = 0, fd, nsid, opt, ret;
	unsigned char *bufs;
	char *want_bad;
	int *res;

	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p')
			return 2;
		poll = 1;
	}
	if (argc - optind < 3 || parse_uint(argv[optind + 1], &lbs))
		return 2;
	n = argc - optind - 2;
	fd = open(argv[optind], O_RDWR);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	nsid = get_nsid(fd);
	if (nsid <= 0 || ring_init(&ring, 2 * n, poll, 0))
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
	check(got == n, "%u commands, %u completions", n, got);
	for (i = 0; i < n; i++) {
		const char *a = argv[optind + 2 + i];
		int want = a[0] == 'r' ? 0x281 : 0x280;

		if (want_bad[i])
			check(res[i] > 0 && (res[i] & 0x7ff) == want,
			      "%s: NVMe status 0x%x (want 0x%x, %s)", a, res[i] > 0 ? res[i] : 0, want,
			      res[i] < 0 ? strerror(-res[i]) : "status in the CQE");
		else
			check(res[i] == 0, "%s: status %d (want 0)", a, res[i]);
	}
	io_uring_queue_exit(&ring);
	close(fd);
	return failures ? 1 : 0;
}

/* -------------------------------------------------------------- unpriv */

/* submit one command on ring and return its res (or a negative errno) */
static int one_cmd(struct io_uring *ring, int fd, unsigned int cmd_op, unsigned int opcode,
		   unsigned int nsid, void *buf, unsigned int len, unsigned int nlb)
{
	struct io_uring_sqe *sqe = get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	passthru_prep(sqe, fd, 0, opcode, nsid, buf, len, 0, nlb);
	sqe->cmd_op = cmd_op;
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EAGAIN;
	if (wait_cqe_ms(ring, &cqe, 30000))
		return -ETIME;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

static int admin_ioctl(int fd, unsigned char opcode, unsigned int cdw10, void *buf, unsigned int len)
{
	struct nvme_admin_cmd c = { .opcode = opcode, .addr = (uintptr_t)buf, .data_len = len,
				    .cdw10 = cdw10 };

	return ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c) < 0 ? -errno : 0;
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
	};
	unsigned int lbs, i, nsids[] = { 0, 2, 0xffffffff };
	int poll = 0, fd, nsid, opt, r, j;
	struct io_uring ring;
	void *buf, *m;

	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p')
			return 2;
		poll = 1;
	}
	if (argc - optind < 2 || parse_uint(argv[optind + 1], &lbs))
		return 2;
	printf("unpriv: uid %u euid %u\n", getuid(), geteuid());
	check(geteuid() != 0, "running without root");
	fd = open(argv[optind], O_RDWR);
	check(fd < 0 && errno == EACCES, "read-write open refused (%s)",
	      fd < 0 ? strerror(errno) : "opened");
	if (fd >= 0)
		close(fd);
	for (j = optind + 2; j < argc; j++) {
		fd = open(argv[j], O_RDONLY);
		check(fd < 0 && errno == EACCES, "%s out of reach: open refused (%s)", argv[j],
		      fd < 0 ? strerror(errno) : "opened");
		if (fd >= 0)
			close(fd);
	}
	fd = open(argv[optind], O_RDONLY);
	check(fd >= 0, "read-only open of %s allowed", argv[optind]);
	if (fd < 0)
		return 1;
	nsid = ioctl(fd, NVME_IOCTL_ID);
	check(nsid > 0, "NVME_IOCTL_ID gives nsid %d", nsid);
	if (nsid <= 0 || ring_init(&ring, 8, poll, 0))
		return 1;
	buf = alloc_buf(1 << 16);

	r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	check(r == 0, "read through the read-only file works (%d)", r);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		unsigned int len = refused[i].op == 0x01 ? lbs : 0;

		r = one_cmd(&ring, fd, NVME_URING_CMD_IO, refused[i].op, nsid, len ? buf : NULL, len,
			    len ? 1 : 0);
		check(r == -EACCES || r == -EBADF, "%s (opcode 0x%02x) refused (%d, %s)",
		      refused[i].name, refused[i].op, r, r < 0 ? strerror(-r) : "NVMe status");
	}
	r = one_cmd(&ring, fd, NVME_URING_CMD_ADMIN, 0x06, 0, buf, 4096, 0);
	check(r < 0, "NVME_URING_CMD_ADMIN on the queue refused (%d, %s)", r,
	      r < 0 ? strerror(-r) : "accepted");
	for (i = 0; i < sizeof(nsids) / sizeof(nsids[0]); i++) {
		r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsids[i], buf, lbs, 1);
		check(r == -EINVAL, "read of nsid %#x (not a namespace of this controller) refused (%d)",
		      nsids[i], r);
	}
	for (i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
		r = admin_ioctl(fd, admin[i].op, admin[i].cdw10, buf, admin[i].op == 0x02 ? 4096 : 0);
		check(r == -EACCES || r == -EPERM, "admin ioctl %s refused (%s)", admin[i].name,
		      r ? strerror(-r) : "accepted");
	}
	r = admin_ioctl(fd, 0x06, 1, buf, 4096);
	printf("unpriv: admin ioctl Identify Controller: %s (allowed unprivileged as on /dev/nvmeX)\n",
	       r ? strerror(-r) : "ok");

	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
	check(m == MAP_FAILED, "writable shared mapping refused (%s)",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, NVME_UQ_OFF_STATE);
	check(m == MAP_FAILED, "writable private mapping refused (%s)",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
	check(m == MAP_FAILED, "executable mapping refused (%s)",
	      m == MAP_FAILED ? strerror(errno) : "mapped");
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
	check(m != MAP_FAILED, "read-only mapping of the state page allowed");
	if (m != MAP_FAILED) {
		check(mprotect(m, 4096, PROT_READ | PROT_WRITE) != 0,
		      "mprotect(PROT_WRITE) of it refused (%s)", strerror(errno));
		munmap(m, 4096);
	}
	r = one_cmd(&ring, fd, NVME_URING_CMD_IO, NVME_CMD_READ, nsid, buf, lbs, 1);
	check(r == 0, "the queue still reads after all that (%d)", r);
	io_uring_queue_exit(&ring);
	close(fd);
	return failures ? 1 : 0;
}

/* --------------------------------------------------------------- churn */

static int cmd_churn(int argc, char **argv)
{
	unsigned int lbs, secs, seed = 7, iters = 0, cmds = 0, early_close = 0, torn = 0;
	int poll = 0, opt, bad = 0;
	unsigned char *buf;
	double end;

	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p')
			return 2;
		poll = 1;
	}
	if (argc - optind != 3 || parse_uint(argv[optind + 1], &lbs) ||
	    parse_uint(argv[optind + 2], &secs))
		return 2;
	end = now_s() + secs;
	while (now_s() < end) {
		int fd = open(argv[optind], O_RDWR), nsid, n, i, how;
		struct io_uring ring;
		void *st;

		if (fd < 0) {
			perror(argv[optind]);
			return 1;
		}
		nsid = get_nsid(fd);
		st = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, NVME_UQ_OFF_STATE);
		if (nsid <= 0 || ring_init(&ring, 8, poll, 0))
			return 1;
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
		if (st != MAP_FAILED && (rand_r(&seed) & 1))
			munmap(st, 4096), st = MAP_FAILED;
		if (how != 2) {
			for (i = 0; i < n; i++) {
				struct io_uring_cqe *cqe;

				int r = wait_cqe_ms(&ring, &cqe, 30000);

				if (r) {
					check(0, "churn: read %d of %d (ring %s) did not complete in 30 s (%s)",
					      i, n, how == 1 ? "closed early" : "open", strerror(-r));
					fflush(stdout);
					_exit(1);
				}
				if (cqe->res && cqe->res != -EBUSY && !bad++)
					printf("churn: unexpected result %d\n", cqe->res);
				io_uring_cqe_seen(&ring, cqe);
			}
			free(buf);
		} else {
			torn++; /* tear the ring down with the reads in flight */
		}
		io_uring_queue_exit(&ring);
		if (st != MAP_FAILED)
			munmap(st, 4096);
		if (how != 1)
			close(fd);
		iters++;
	}
	printf("churn %s: %u opens, %u reads, %u closed early, %u rings torn down in flight\n",
	       argv[optind], iters, cmds, early_close, torn);
	check(!bad, "churn: every reaped read succeeded (%d did not)", bad);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "load", cmd_load }, { "hold", cmd_hold }, { "timeout", cmd_timeout },
		{ "eio", cmd_eio }, { "unpriv", cmd_unpriv }, { "churn", cmd_churn },
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
	fprintf(stderr, "usage: uq_robust load|hold|timeout|eio|unpriv|churn ...\n");
	return 2;
}
