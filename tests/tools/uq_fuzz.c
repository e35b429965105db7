// SPDX-License-Identifier: MIT
/*
 * uq_fuzz: hostile input against NVMe user queues (/dev/nvmeXuqN).
 *
 * usage: uq_fuzz [-s SEED] [-n COMMANDS] [-t THREADS] [-V] [-f] [-D DONE -W GO] DEV...
 *   SEED      random seed (default 1); the same seed replays the same input
 *             (thread t uses SEED + t)
 *   COMMANDS  uring_cmd submissions (default 100000), spread over the threads
 *   THREADS   threads (default 1); the DEVs are dealt to them in turn, and
 *             each thread owns its queues: it opens and binds them (to
 *             $UQ_NS or ng<X>n1) and drives each from its own ring, which
 *             claims the queue with a first read
 *   -V        verified data, for a namespace that keeps it (file-backed):
 *             the upper half of the namespace is split between the threads
 *             and only ever written by verified commands: known patterns
 *             written and read back through plain, vectored and registered
 *             buffers laid out to make many PRP or SGL entries (PRP rules
 *             when nvme.sgl_threshold is 0), with canary bytes around every
 *             read, so that a wrong PRP or SGL shows as corruption; the
 *             other commands' LBAs stay below it
 *   -f        resets and removals happen meanwhile: a verified command may
 *             fail with -EINTR, -EIO or an NVMe status only around one (the
 *             queue's generation moved at most 10 s before, or moves after,
 *             or the queue is not live), and a queue that is removed (its
 *             node gone) ends its fuzzing
 *   -D DONE -W GO
 *             once the threads are done, create the file DONE and wait (600 s
 *             at most) for the file GO before the final checks: a script
 *             can finish the resets it started meanwhile, so that each
 *             queue's generation shows exactly how many there were
 *   DEV       user queue nodes; each one's type (irq or poll) comes from
 *             NVME_UQ_IOCTL_INFO
 *
 * Submits randomized struct nvme_uring_cmd: random opcodes (read, write,
 * compare, the other NVM commands, admin opcodes, vendor specific, bidirec-
 * tional ones), nsids, flags, metadata fields, cdws and timeouts of 0 or over
 * a minute; data addresses in a scratch buffer (between guard pages), in
 * read-only memory, in PROT_NONE memory, unmapped, in the queue's own
 * mappings, in the kernel's half or non-canonical, with lengths of zero,
 * odd, one block, MDTS and beyond, huge; vectored commands with bad iovec
 * arrays; registered buffers with good and bad indexes; bad cmd_op and
 * uring_cmd_flags; registered and bad fixed files; rings without SQE128 or
 * CQE32, IOPOLL rings given to interrupt driven queues and the other way
 * round, rings that do not own the queue (another queue's, another
 * thread's) and IOSQE_ASYNC. Data only ever moves to and from the thread's
 * scratch buffer; nothing else in the process can be written by the device.
 * With them come random ioctls (only NVME_IOCTL_ID and NVME_UQ_IOCTL_INFO
 * may succeed) and random mmap calls (offsets, sizes, PROT_WRITE and
 * PROT_EXEC, MAP_PRIVATE, mprotect, mremap, madvise).
 *
 * Every command the user-queue rules make invalid (see the kernel's
 * Documentation/userspace-api/nvme-user-queues.rst; the owner here has
 * CAP_SYS_ADMIN) must complete with a negative errno; the others may get
 * any result from the device, but the verified ones must succeed (see
 * -f). Every submission must get exactly one completion within 30 s (each
 * carries a tag: a second completion or a stray one fails), no command may
 * fail with -EBUSY (the tool never fills a queue), mmap must succeed
 * exactly for the two documented read-only mappings, and afterwards each
 * queue still present must be live and read one block.
 *
 * Prints "fuzz: ..." lines and "fuzz: bad inputs tried N", and per queue
 * "fuzz: DEV: generation +N". Exit: 0 pass, 1 a check failed, 2 bad usage.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#include "passthru.h"
#include "uq_common.h"

#ifndef NVME_URING_CMD_ADMIN
#define NVME_URING_CMD_ADMIN _IOWR('N', 0x82, struct nvme_uring_cmd)
#define NVME_URING_CMD_ADMIN_VEC _IOWR('N', 0x83, struct nvme_uring_cmd)
#endif

#define MAX_DEVS 16
#define BATCH 32
#define SCRATCH_LEN (2u << 20)
#define GUARD_LEN (64u << 10)
#define MAX_VIOLATIONS_SHOWN 20
/* verified commands: up to VMAX_NLB blocks in a chunk of VCHUNK blocks */
#define VCHUNK 64
#define VMAX_NLB 64
#define VSLOT (24u * 4096)
#define VMAX_PER_BATCH 4
#define CANARY 0xc5

enum region_kind { R_SCRATCH, R_RDONLY, R_NONE, R_HOLE, R_STATE, R_CQ, R_KERNEL, R_NONCANON,
		   R_LOW, R_TOP, R_VERIFY, R_KINDS };
static const char *const region_names[R_KINDS] = {
	"scratch", "read-only", "PROT_NONE", "unmapped", "state page", "CQ ring", "kernel",
	"non-canonical", "low", "top of user space", "verified",
};

struct dev {
	const char *path;
	int fd, poll, nsid, thread, removed;
	unsigned int depth, lbs;
	struct nvme_uq_info info;
	struct uq_map m;
	uint32_t gen0, seen_gen; /* seen_gen, gen_moved_at: the owning thread's */
	double gen_moved_at;
	struct io_uring ring; /* the ring of the queue's type, buffers and files registered */
	/*
	 * Registered buffers: two halves of one area per ring, apart from
	 * scratch, and the thread's verified area as the third. A registered
	 * buffer command's scratch address is moved to the ring's area, same
	 * offset.
	 */
	unsigned char *fixedbuf;
};

struct stats {
	unsigned long long invalid, valid, valid_ok, valid_status, valid_errno, violations, ebusy,
		hangs, dups, strays, ioctls, ioctl_bad, mmaps, mmap_ok, mmap_bad, mmap_violations,
		sigbus, by_region[R_KINDS], v_reads, v_writes, v_ok, v_faulted, v_bad_data,
		v_canary, v_fail, commands;
};

/* shared, set up before the threads start */
static struct dev devs[MAX_DEVS];
static int ndevs, nthreads = 1, other_fd; /* other_fd: a pipe, which has no uring_cmd */
static int verify, faults, sgl = 1;
static unsigned long long seed = 1, count = 100000, vbase, vend, nlbas;
static unsigned char *rdonly, *noneprot, *hole;
static unsigned int max_bytes = 1u << 20;
static struct stats total;
static pthread_mutex_t total_lock = PTHREAD_MUTEX_INITIALIZER;
/* every thread has claimed its queues before any fuzzes another thread's */
static pthread_barrier_t claimed_all;

/* each thread's own */
static __thread struct dev *my[MAX_DEVS];
static __thread int nmy, tindex;
static __thread unsigned long long rng, batch_seq;
static __thread unsigned char *scratch, *varea;
static __thread struct io_uring ring64, ring_nocqe32;
static __thread struct stats st;
static __thread sigjmp_buf probe_env;

/* the thread's verified blocks: [vlo, vlo + vn); version 0 is unknown */
static __thread unsigned long long vlo, vn;
static __thread uint32_t *vver, vnext;

static unsigned long long rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static int chance(unsigned int percent)
{
	return rnd_below(100) < percent;
}

static double now_s(void)
{
	return uq_now();
}

static int read_sysfs(const char *dev, const char *attr, char *buf, size_t len)
{
	char path[256], copy[128];
	FILE *f;

	snprintf(copy, sizeof(copy), "%s", dev);
	snprintf(path, sizeof(path), "/sys/class/nvme-generic/%s/%s", basename(copy), attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void *map_anon(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void setup_shared_memory(void)
{
	unsigned char vec[16];

	rdonly = map_anon(GUARD_LEN, PROT_READ | PROT_WRITE);
	memset(rdonly, 0x3c, GUARD_LEN);
	mprotect(rdonly, GUARD_LEN, PROT_READ);
	noneprot = map_anon(GUARD_LEN, PROT_NONE);
	/* far from every mapping the process makes; checked to be unmapped */
	hole = (unsigned char *)0x100000000000ULL;
	if (mincore(hole, GUARD_LEN, vec) == 0 || errno != ENOMEM) {
		fprintf(stderr, "uq_fuzz: %p is mapped\n", (void *)hole);
		exit(1);
	}
}

/* the thread's scratch buffer between guard pages, and its verified area */
static void setup_thread_memory(void)
{
	unsigned char *all = map_anon(GUARD_LEN + SCRATCH_LEN + GUARD_LEN, PROT_NONE);

	scratch = all + GUARD_LEN;
	if (mprotect(scratch, SCRATCH_LEN, PROT_READ | PROT_WRITE)) {
		perror("mprotect");
		exit(1);
	}
	memset(scratch, 0x5a, SCRATCH_LEN);
}

static int ring_setup(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags | IORING_SETUP_SUBMIT_ALL };
	int ret = io_uring_queue_init_params(2 * BATCH, ring, &p);

	if (ret)
		fprintf(stderr, "uq_fuzz: io_uring setup %#x: %s\n", flags, strerror(-ret));
	return ret;
}

/* wait up to SECS for one CQE; liburing's timed wait gives up early on IOPOLL rings */
static int wait_cqe_secs(struct io_uring *r, struct io_uring_cqe **cqe, unsigned int secs)
{
	double end = now_s() + secs;
	int ret;

	for (;;) {
		struct __kernel_timespec ts = { .tv_nsec = 100000000L };

		ret = io_uring_wait_cqe_timeout(r, cqe, &ts);
		if (ret != -ETIME && ret != -EINTR && ret != -EAGAIN)
			return ret;
		if (now_s() >= end)
			return -ETIME;
	}
}

static struct io_uring_sqe *get_sqe(struct io_uring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);

	if (!sqe) {
		fprintf(stderr, "uq_fuzz: no free SQE\n");
		exit(1);
	}
	return sqe;
}

/* namespace geometry from the block device of the bound namespace */
static void read_geometry(struct dev *d)
{
	char blk[64], attr[160];
	unsigned long long sectors;
	FILE *f;

	d->lbs = 512;
	snprintf(blk, sizeof(blk), "%s", d->path + 5);
	*strstr(blk, "uq") = 0;
	snprintf(attr, sizeof(attr), "/sys/block/%sn%d/queue/logical_block_size", blk, d->nsid);
	f = fopen(attr, "r");
	if (f) {
		if (fscanf(f, "%u", &d->lbs) != 1)
			d->lbs = 512;
		fclose(f);
	}
	snprintf(attr, sizeof(attr), "/sys/block/%sn%d/queue/max_hw_sectors_kb", blk, d->nsid);
	f = fopen(attr, "r");
	if (f) {
		unsigned int kb;

		if (fscanf(f, "%u", &kb) == 1 && kb * 1024u < max_bytes)
			max_bytes = kb * 1024u;
		fclose(f);
	}
	snprintf(attr, sizeof(attr), "/sys/block/%sn%d/size", blk, d->nsid);
	f = fopen(attr, "r");
	if (f) {
		if (fscanf(f, "%llu", &sectors) == 1 && (!nlbas || sectors * 512 / d->lbs < nlbas))
			nlbas = sectors * 512 / d->lbs;
		fclose(f);
	}
}

/* open and bind DEV, map it, make its ring (registered buffers are added per thread) */
static int setup_dev(struct dev *d, const char *path)
{
	d->path = path;
	d->fd = uq_open(path, &d->nsid);
	d->info = uq_info(d->fd);
	d->poll = !!(d->info.flags & NVME_UQ_INFO_POLLED);
	d->depth = d->info.depth;
	uq_map(d->fd, &d->m);
	d->gen0 = d->seen_gen = uq_generation(&d->m);
	read_geometry(d);
	d->fixedbuf = map_anon(SCRATCH_LEN, PROT_READ | PROT_WRITE);
	if (ring_setup(&d->ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
			       (d->poll ? IORING_SETUP_IOPOLL : 0)))
		return -1;
	printf("fuzz: %s: %s queue, depth %u, nsid %d, LBA size %u, generation %u\n", path,
	       d->poll ? "poll" : "irq", d->depth, d->nsid, d->lbs, d->gen0);
	return 0;
}

/* in the owning thread: registered buffers and files, then claim the queue */
static int claim_dev(struct dev *d)
{
	struct iovec iov[3] = {
		{ d->fixedbuf, SCRATCH_LEN / 2 }, { d->fixedbuf + SCRATCH_LEN / 2, SCRATCH_LEN / 2 },
		{ varea, (size_t)BATCH * VSLOT },
	};
	struct io_uring_cqe *cqe;
	int files[2] = { d->fd, other_fd }, res;

	if (io_uring_register_buffers(&d->ring, iov, 3)) {
		fprintf(stderr, "uq_fuzz: registering buffers failed\n");
		return -1;
	}
	if (io_uring_register_files(&d->ring, files, 2)) {
		fprintf(stderr, "uq_fuzz: registering files failed\n");
		return -1;
	}
	/* the first ring to submit owns the queue */
	passthru_prep(get_sqe(&d->ring), d->fd, 0, NVME_CMD_READ, d->nsid, scratch, d->lbs,
		      0, 1)->timeout_ms = 0;
	if (io_uring_submit(&d->ring) != 1 || wait_cqe_secs(&d->ring, &cqe, 30))
		return -1;
	res = cqe->res;
	io_uring_cqe_seen(&d->ring, cqe);
	if (res) {
		printf("FAIL: fuzz: %s: the first read on the owning ring: %d\n", d->path, res);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ commands */

struct rec {
	int invalid, done, flags, ring, res;
	char why[96];
	unsigned int op, cmd_op, len;
	unsigned long long addr;
	int region;
	/* verified commands */
	int vkind; /* 0 none, 1 read, 2 write */
	struct dev *vdev;
	unsigned long long vlba;
	unsigned int vnlb, niov;
	uint32_t vversion, gen;
	unsigned char *vslot;
};

static __thread struct rec recs[BATCH];
static __thread struct iovec iovs[BATCH][300];

static void mark(struct rec *r, const char *why)
{
	if (!r->invalid)
		snprintf(r->why, sizeof(r->why), "%s", why);
	r->invalid = 1;
}

static const unsigned char interesting_ops[] = {
	0x00, 0x01, 0x02, 0x02, 0x02, 0x01, 0x04, 0x05, 0x08, 0x09, 0x0c, 0x0d, 0x0e, 0x11, 0x15,
	0x19, 0x79, 0x7a, 0x7d, 0x7c, 0x06, 0x03, 0x07, 0x7f, 0x80, 0x81, 0x82, 0x83, 0xff,
};

/* an address in a region and whether a transfer there of len bytes can work */
static unsigned long long pick_addr(struct dev *d, unsigned int len, int *region)
{
	unsigned long long a;
	unsigned int k = rnd_below(100);

	if (k < 60) {
		unsigned int off = rnd_below(SCRATCH_LEN);

		*region = R_SCRATCH;
		if (chance(60))
			off &= ~4095u;
		else if (chance(50))
			off &= ~3u;
		if (chance(70) && len < SCRATCH_LEN && off + len > SCRATCH_LEN)
			off = (SCRATCH_LEN - len) & ~4095u;
		return (uintptr_t)scratch + off;
	}
	k = rnd_below(R_TOP) + 1;
	*region = k;
	switch (k) {
	case R_RDONLY: return (uintptr_t)rdonly + (rnd_below(GUARD_LEN) & ~511u);
	case R_NONE: return (uintptr_t)noneprot + (rnd_below(GUARD_LEN) & ~511u);
	case R_HOLE: return (uintptr_t)hole + (rnd_below(GUARD_LEN) & ~511u);
	case R_STATE: return (uintptr_t)d->m.st + (chance(50) ? 0 : rnd_below(4096) & ~3u);
	case R_CQ: return (uintptr_t)d->m.cq + (rnd_below(d->info.cq_size) & ~511u);
	case R_KERNEL: {
		static const unsigned long long k_addrs[] = {
			0xffff888000000000ULL, 0xffffffff81000000ULL, 0xffffc90000000000ULL,
			0xffffea0000000000ULL, 0xfffffffffffff000ULL,
		};
		a = k_addrs[rnd_below(5)];
		return a + (rnd_below(1 << 20) & ~4095u);
	}
	case R_NONCANON:
		return chance(50) ? 0x0000800000000000ULL : 0x8000000000000000ULL + (rnd() & 0xfff000);
	case R_LOW: return chance(50) ? 0 : rnd_below(65536);
	default: *region = R_TOP; return 0x7ffffffff000ULL; /* the last page, never mapped */
	}
}

static unsigned int pick_len(struct dev *d)
{
	switch (rnd_below(12)) {
	case 0: return 0;
	case 1: return 1 + rnd_below(3);
	case 2: return d->lbs;
	case 3: return d->lbs * (1 + rnd_below(8));
	case 4: return 4096;
	case 5: return rnd_below(max_bytes + 1);
	case 6: return max_bytes;
	case 7: return max_bytes + d->lbs;
	case 8: return chance(50) ? 0xffffffffu : 0x80000000u;
	case 9: return (1 + rnd_below(max_bytes / d->lbs)) * d->lbs;
	default: return d->lbs * (1 + rnd_below(4));
	}
}

/* where a non-empty transfer in direction to_device (else from it) can go */
static int region_usable(struct dev *d, unsigned long long addr, unsigned long long len,
			 int to_device)
{
	unsigned long long s = (uintptr_t)scratch, r = (uintptr_t)rdonly;
	unsigned long long stp = (uintptr_t)d->m.st, cq = (uintptr_t)d->m.cq;

	if (addr >= s && addr + len <= s + SCRATCH_LEN)
		return 1;
	if (addr >= r && addr + len <= r + GUARD_LEN)
		return to_device ? 1 : 0;
	if ((addr >= stp && addr < stp + 4096) || (addr >= cq && addr < cq + d->info.cq_size))
		return to_device ? -1 : 0; /* reading them out may work: not judged */
	if (addr >= s && addr < s + SCRATCH_LEN)
		return 0; /* runs into the guard pages */
	if (addr >= r && addr < r + GUARD_LEN)
		return to_device ? -1 : 0; /* runs past read-only memory: not judged */
	return 0;
}

/*
 * Cachelines of scratch that a command of the current batch may write: two
 * commands in flight never let the device write the same memory (DMA-API
 * debugging rightly warns about overlapping mappings for the device to
 * write, whoever asks for them).
 */
static __thread unsigned char claimed[SCRATCH_LEN / 64 / 8];

static int claim(unsigned long long addr, unsigned long long len)
{
	unsigned long long s = (uintptr_t)scratch, e = s + SCRATCH_LEN, lo, hi, a;

	/*
	 * Only the part inside scratch counts, but it does count when the
	 * transfer runs on into the guard pages: the pages before the guard
	 * are mapped for DMA before the command fails.
	 */
	if (!len || len > ~0ULL - addr || addr >= e || addr + len <= s)
		return 1;
	lo = (addr < s ? s : addr) - s;
	hi = (addr + len > e ? e : addr + len) - s;
	for (a = lo / 64; a <= (hi - 1) / 64; a++)
		if (claimed[a / 8] & (1u << (a % 8)))
			return 0;
	for (a = lo / 64; a <= (hi - 1) / 64; a++)
		claimed[a / 8] |= 1u << (a % 8);
	return 1;
}

/* an address for the device to write len bytes to, not overlapping the batch */
static unsigned long long pick_dest(struct dev *d, unsigned int len, int *region)
{
	unsigned long long a;
	int i;

	for (i = 0; i < 8; i++) {
		a = pick_addr(d, len, region);
		if (claim(a, len))
			return a;
	}
	*region = R_HOLE;
	return (uintptr_t)hole;
}

/* the bytes an opcode transfers by the driver's rules, -1 when it cannot tell */
static long long expected_bytes(unsigned int op, const struct nvme_uring_cmd *cmd, unsigned int lbs)
{
	switch (op) {
	case 0x01: case 0x02: case 0x05:
		return ((cmd->cdw12 & 0xffffULL) + 1) * lbs;
	case 0x00: case 0x08: case 0x0c:
		return 0;
	case 0x09:
		return ((cmd->cdw10 & 0xffULL) + 1) * 16;
	default:
		return -1;
	}
}

/*
 * Fill the next SQE of ring r at random: ring_kind 0 is the ring of queue
 * owner (IOPOLL when owner is a poll queue; buffers and files registered),
 * 1 a ring of 64-byte SQEs, 2 a ring without CQE32. d is the queue the
 * command is meant for.
 */
static void fuzz_sqe(struct io_uring *r, int ring_kind, struct dev *owner, struct dev *d,
		     unsigned int idx)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct rec *rec = &recs[idx];
	struct dev *target = d;
	struct nvme_uring_cmd *cmd;
	unsigned int op, len, nlb, dir, n_iov = 0;
	unsigned long long addr = 0, lba, total = 0;
	int vec = chance(15), fixed = 0, region = R_SCRATCH, fd, fixed_file = -1, usable = 1;
	long long expect;

	memset(rec, 0, sizeof(*rec));
	if (!sqe) {
		fprintf(stderr, "uq_fuzz: no SQE\n");
		exit(1);
	}
	/*
	 * Buffers the device may write (any opcode but a write: an opcode the
	 * driver does not know is mapped from the device) never overlap within
	 * a batch: pick_dest().
	 */
	/* target: the queue, another queue, a registered file, not a queue */
	fd = d->fd;
	if (ring_kind == 0 && chance(5)) {
		fixed_file = chance(70) ? 0 : 1 + rnd_below(50);
		target = owner;
		if (fixed_file)
			mark(rec, fixed_file == 1 ? "registered file is not a queue" : "bad fixed file");
	} else if (chance(8) && ndevs > 1) {
		/* any queue, maybe one that another thread owns */
		target = &devs[rnd_below(ndevs)];
		fd = target->fd;
	} else if (chance(2)) {
		fd = other_fd;
		mark(rec, "not a user queue");
	}
	op = chance(60) ? interesting_ops[rnd_below(sizeof(interesting_ops))] : rnd_below(256);
	dir = op & 3;
	len = pick_len(target);
	nlb = 1 + (chance(70) ? len / target->lbs - (len >= target->lbs ? 1 : 0) : rnd_below(65536));
	if (nlb > 65536)
		nlb = 65536;
	/*
	 * With verified data, everything the fuzzer writes stays below the
	 * verified half (a transfer or a Write Zeroes spans 65536 blocks at
	 * most), or beyond the end of the namespace.
	 */
	if (verify)
		lba = chance(80) ? rnd_below(vbase - 65536) : nlbas + 65536 + (rnd() >> 24);
	else
		lba = chance(80) ? rnd_below(1 << 20) : rnd();
	rec->op = op;

	if (ring_kind == 1) {
		/* a ring of 64-byte SQEs: only 16 bytes of command fit */
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = chance(80) ? NVME_URING_CMD_IO : rnd();
		((unsigned char *)sqe->cmd)[0] = op;
		sqe->user_data = batch_seq << 8 | idx;
		mark(rec, "ring without SQE128");
		rec->cmd_op = sqe->cmd_op;
		return;
	}
	if (vec) {
		/* an iovec array apart from the data: the device never writes it */
		struct iovec *iv = iovs[idx];
		unsigned int i;

		n_iov = chance(5) ? 1025 + rnd_below(2000) : rnd_below(9);
		if (chance(3))
			n_iov = rnd_below(300);
		for (i = 0; i < n_iov && i < 300; i++) {
			unsigned int l = chance(50) ? target->lbs : chance(50) ? pick_len(target) & 0xfffff : 0;
			int u;

			iv[i].iov_base = (void *)(uintptr_t)(dir != 1 ? pick_dest(target, l, &region) :
							      pick_addr(target, l, &region));
			iv[i].iov_len = l;
			total += l;
			if (!l)
				continue;
			u = region_usable(target, (uintptr_t)iv[i].iov_base, l, dir == 1);
			if (usable > 0 || u == 0)
				usable = usable == 0 ? 0 : u;
		}
		addr = (uintptr_t)iv;
		len = n_iov;
		region = R_SCRATCH;
		if (chance(5)) {
			addr = pick_addr(target, 16, &region);
			if (region != R_SCRATCH)
				usable = 0; /* the array itself cannot be read */
			else
				addr = (uintptr_t)iv;
		}
	} else if (dir == 0 && chance(60)) {
		addr = 0;
		len = 0;
	} else {
		addr = dir != 1 ? pick_dest(target, len, &region) : pick_addr(target, len, &region);
		if (len)
			usable = region_usable(target, addr, len, dir == 1);
	}

	cmd = passthru_prep(sqe, fd, vec, op, target->nsid, (void *)(uintptr_t)addr, len, lba, nlb);
	sqe->user_data = batch_seq << 8 | idx;
	if (fixed_file >= 0) {
		sqe->flags |= IOSQE_FIXED_FILE;
		sqe->fd = fixed_file;
	}
	if (chance(5))
		cmd->cdw12 = rnd();
	cmd->cdw13 = chance(80) ? 0 : rnd();
	cmd->cdw14 = chance(80) ? 0 : rnd();
	cmd->cdw15 = chance(80) ? 0 : rnd();
	cmd->cdw2 = chance(90) ? 0 : rnd();
	cmd->cdw3 = chance(90) ? 0 : rnd();
	cmd->timeout_ms = chance(80) ? 0 : 60000 + rnd_below(1u << 30);
	rec->len = vec ? total : len;
	rec->addr = addr;
	rec->region = region;

	/* io_uring's own checks */
	if (chance(4)) {
		sqe->uring_cmd_flags = 1u << (1 + rnd_below(31));
		mark(rec, "unknown uring_cmd_flags");
	}
	if (chance(15)) {
		fixed = 1;
		sqe->uring_cmd_flags |= IORING_URING_CMD_FIXED;
		if (cmd->addr >= (uintptr_t)scratch && cmd->addr < (uintptr_t)scratch + SCRATCH_LEN)
			cmd->addr += (uintptr_t)owner->fixedbuf - (uintptr_t)scratch;
		sqe->buf_index = chance(85) ? rnd_below(2) : rnd_below(100);
		if (ring_kind != 0)
			mark(rec, "registered buffer on a ring without them");
		else if (sqe->buf_index >= 3)
			mark(rec, "registered buffer index out of range");
	}
	if (chance(3)) {
		sqe->flags |= IOSQE_ASYNC;
		mark(rec, "IOSQE_ASYNC (issued from io-wq)");
	}
	if (chance(1)) {
		sqe->flags |= IOSQE_BUFFER_SELECT;
		mark(rec, "buffer select on uring_cmd");
	}
	/* the driver's checks */
	if (ring_kind == 2)
		mark(rec, "ring without CQE32");
	if (chance(5)) {
		static const unsigned int bad_ops[] = {
			NVME_URING_CMD_ADMIN, NVME_URING_CMD_ADMIN_VEC, NVME_IOCTL_ID,
			NVME_IOCTL_ADMIN_CMD, 0, 0xffffffff,
		};
		sqe->cmd_op = chance(50) ? bad_ops[rnd_below(6)] : (unsigned int)rnd();
		if (sqe->cmd_op != NVME_URING_CMD_IO && sqe->cmd_op != NVME_URING_CMD_IO_VEC)
			mark(rec, "bad cmd_op");
	}
	rec->cmd_op = sqe->cmd_op;
	rec->flags = sqe->flags;
	rec->ring = ring_kind ? ring_kind : owner->poll ? 10 : 20;
	if (target->poll != (ring_kind == 0 && owner->poll))
		mark(rec, "queue type does not match the ring (IOPOLL)");
	if (ring_kind == 0 && target != owner && fd != other_fd)
		mark(rec, "a ring that does not own the queue");
	if (chance(5)) {
		cmd->flags = 1 + rnd_below(255);
		mark(rec, "flags set");
	}
	if (chance(4)) {
		cmd->metadata = chance(50) ? (uintptr_t)scratch : rnd();
		if (cmd->metadata)
			mark(rec, "metadata set");
	}
	if (chance(4)) {
		cmd->metadata_len = 1 + rnd_below(4096);
		mark(rec, "metadata_len set");
	}
	if (chance(6)) {
		static const unsigned int bad_nsids[] = { 0, 2, 3, 0xffffffff, 0xfffffffe };

		cmd->nsid = chance(70) ? bad_nsids[rnd_below(5)] : (unsigned int)rnd();
		if (cmd->nsid != (unsigned int)target->nsid)
			mark(rec, "nsid other than the bound namespace");
	}
	if (dir == 3)
		mark(rec, "bidirectional opcode");
	expect = expected_bytes(op, cmd, target->lbs);
	if (vec) {
		struct iovec *iv = iovs[idx];
		unsigned int i;

		/* no iovecs: data_len 0, no data at all, as on the ng path */
		if (!n_iov) {
			if (expect > 0)
				mark(rec, "no data for an opcode that transfers some");
			return;
		}
		if (fixed)
			mark(rec, "registered buffer with a vectored command");
		if (n_iov > 1024)
			mark(rec, "more than UIO_MAXIOV iovecs");
		if (!usable)
			mark(rec, "iovec array or an iovec outside usable memory");
		if (n_iov > 1024 || addr != (uintptr_t)iv)
			return;
		if (!total)
			mark(rec, "vectored transfer of zero bytes");
		if (total > max_bytes)
			mark(rec, "vectored transfer beyond MDTS or 1 MiB");
		if (expect >= 0 && total != (unsigned long long)expect)
			mark(rec, "vectored length is not what the opcode transfers");
		for (i = 0; i < n_iov; i++) {
			if (!iv[i].iov_len)
				continue;
			if ((uintptr_t)iv[i].iov_base & 3)
				mark(rec, "first iovec off a 4-byte boundary");
			break;
		}
		return;
	}
	if (len > max_bytes)
		mark(rec, "transfer beyond MDTS or 1 MiB");
	if (expect >= 0 && len != expect)
		mark(rec, "length is not what the opcode transfers");
	if (!len)
		return;
	if (fixed) {
		unsigned long long b = (uintptr_t)scratch + (sqe->buf_index & 1) * (SCRATCH_LEN / 2);

		if (sqe->buf_index == 2 || addr < b || addr + len > b + SCRATCH_LEN / 2)
			mark(rec, "outside the registered buffer");
		else if (addr & 3)
			mark(rec, "buffer off a 4-byte boundary");
		return;
	}
	if (addr & 3)
		mark(rec, "buffer off a 4-byte boundary");
	if (!usable)
		mark(rec, "buffer outside usable memory");
}

/* ------------------------------------------------------ verified data */

static uint64_t vword(unsigned long long lba, uint32_t version, unsigned int i)
{
	return (lba * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)version << 40) ^ (i * 0x100000001b3ULL) ^
	       0x5646000000000000ULL;
}

/*
 * Lay out LEN bytes in slot (VSLOT bytes, canary elsewhere) as iovecs the
 * driver must accept: every piece starts on a 4-byte boundary and all but
 * the last are whole dwords; with PRPs, only the first may start inside a
 * page and only the last may end inside one. Pieces go to shuffled pages
 * of the slot, so that the device sees a scattered list. Returns the count.
 */
static unsigned int vlayout(unsigned char *slot, unsigned int len, struct iovec *iv, int vecs)
{
	unsigned int pages = VSLOT / 4096, order[VSLOT / 4096], i, n = 0, left = len, p = 0;

	for (i = 0; i < pages; i++)
		order[i] = i;
	for (i = pages - 1; i > 0; i--) {
		unsigned int j = rnd_below(i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	if (!vecs) {
		/* one contiguous buffer at a dword offset in the slot */
		unsigned int off = rnd_below(VSLOT - len + 1) & ~3u;

		iv[0].iov_base = slot + off;
		iv[0].iov_len = len;
		return 1;
	}
	while (left) {
		unsigned int off = 0, piece;

		if (sgl) {
			/* 1 to 3 pieces per page, dword sized, at dword offsets */
			off = rnd_below(1024) & ~3u;
			piece = 4 * (1 + rnd_below((4096 - off) / 4));
			if (piece > left)
				piece = left;
		} else if (!n) {
			off = rnd_below(4096) & ~3u;
			piece = 4096 - off;
			if (piece > left)
				piece = left;
		} else {
			piece = left < 4096 ? left : 4096;
		}
		if (p == pages)
			return 0; /* does not fit: the caller uses one buffer */
		iv[n].iov_base = slot + order[p++] * 4096 + off;
		iv[n].iov_len = piece;
		left -= piece;
		n++;
	}
	return n;
}

/*
 * Fill slot idx of the batch with a verified command on d (which ring r
 * owns) for a chunk no other command of the batch uses; 0 when there was
 * none free.
 */
static int verified_sqe(struct io_uring *r, struct dev *d, unsigned int idx, unsigned long long *chunks,
			unsigned int nchunks_used)
{
	struct io_uring_sqe *sqe;
	struct rec *rec = &recs[idx];
	unsigned long long nchunks = vn / VCHUNK, chunk, lba;
	unsigned int nlb, len, i, unknown = 0, niov, fixed = 0;
	unsigned char *slot = varea + (size_t)idx * VSLOT;
	struct nvme_uring_cmd *cmd;
	struct iovec *iv = iovs[idx];
	int write;

	memset(rec, 0, sizeof(*rec));
	for (i = 0; i < 8; i++) {
		unsigned int j;

		chunk = rnd_below(nchunks);
		for (j = 0; j < nchunks_used && chunks[j] != chunk; j++)
			;
		if (j == nchunks_used)
			break;
	}
	if (i == 8)
		return 0;
	chunks[nchunks_used] = chunk;
	nlb = 1 + rnd_below(VMAX_NLB);
	lba = chunk * VCHUNK + rnd_below(VCHUNK - nlb + 1);
	len = nlb * d->lbs;
	for (i = 0; i < nlb; i++)
		unknown += !vver[lba + i];
	write = unknown ? chance(80) : chance(40);
	niov = vlayout(slot, len, iv, chance(50));
	if (!niov)
		niov = vlayout(slot, len, iv, 0);
	memset(slot, CANARY, VSLOT);
	if (write) {
		uint32_t version = ++vnext;
		unsigned int k, at = 0;
		uint64_t word;

		/* scatter the blocks' words over the pieces */
		for (i = 0; i < nlb; i++)
			for (k = 0; k < d->lbs / 8; k++) {
				unsigned int b = 0, pos = at;

				word = vword(vlo + lba + i, version, k);
				while (pos >= iv[b].iov_len)
					pos -= iv[b++].iov_len;
				if (pos + 8 <= iv[b].iov_len) {
					memcpy((unsigned char *)iv[b].iov_base + pos, &word, 8);
				} else {
					unsigned int first = iv[b].iov_len - pos;

					memcpy((unsigned char *)iv[b].iov_base + pos, &word, first);
					memcpy(iv[b + 1].iov_base, (unsigned char *)&word + first, 8 - first);
				}
				at += 8;
			}
		rec->vversion = version;
	}
	sqe = get_sqe(r);
	if (niov == 1 && chance(30)) {
		fixed = 1; /* the third registered buffer is the verified area */
		cmd = passthru_prep(sqe, d->fd, 0, write ? NVME_CMD_WRITE : NVME_CMD_READ, d->nsid,
				    iv[0].iov_base, len, vbase + vlo + lba, nlb);
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = 2;
	} else if (niov == 1 && chance(50)) {
		cmd = passthru_prep(sqe, d->fd, 0, write ? NVME_CMD_WRITE : NVME_CMD_READ, d->nsid,
				    iv[0].iov_base, len, vbase + vlo + lba, nlb);
	} else {
		cmd = passthru_prep(sqe, d->fd, 1, write ? NVME_CMD_WRITE : NVME_CMD_READ, d->nsid, iv,
				    niov, vbase + vlo + lba, nlb);
	}
	cmd->timeout_ms = 0;
	sqe->user_data = batch_seq << 8 | idx;
	rec->vkind = write ? 2 : 1;
	rec->vdev = d;
	rec->vlba = lba;
	rec->vnlb = nlb;
	rec->niov = niov;
	rec->vslot = slot;
	rec->op = write ? NVME_CMD_WRITE : NVME_CMD_READ;
	rec->cmd_op = sqe->cmd_op;
	rec->len = len;
	rec->addr = (uintptr_t)iv[0].iov_base;
	rec->region = R_VERIFY;
	rec->ring = fixed ? 3 : niov > 1 ? 4 : 5;
	rec->gen = uq_generation(&d->m);
	if (write)
		for (i = 0; i < nlb; i++)
			vver[lba + i] = 0; /* unknown until it succeeds */
	return 1;
}

/* note when a queue's generation moved, as seen by this thread */
static void saw_generation(struct dev *d)
{
	uint32_t g = uq_generation(&d->m);

	if (g != d->seen_gen) {
		d->seen_gen = g;
		d->gen_moved_at = now_s();
	}
}

/*
 * A verified command failed: acceptable only around a reset or removal of
 * its queue (-f): its generation moved at most 10 s before, or it moves,
 * or the queue is down, within 30 s. The queue is created again (and the
 * generation moves) before the reset unfreezes the namespace, and the
 * namespace is revalidated (frozen again) after it: commands fail with
 * -EIO meanwhile, as documented, on a queue the state page shows live.
 */
static int around_reset(struct rec *rec)
{
	struct dev *d = rec->vdev;
	double end = now_s() + 30;

	if (!faults)
		return 0;
	saw_generation(d);
	if (d->gen_moved_at && now_s() - d->gen_moved_at <= 10)
		return 1;
	do {
		if (uq_generation(&d->m) != rec->gen ||
		    !(__atomic_load_n(&d->m.st->flags, __ATOMIC_ACQUIRE) & NVME_UQ_STATE_LIVE) ||
		    access(d->path, F_OK))
			return 1;
		usleep(50000);
	} while (now_s() < end);
	return 0;
}

static void verified_done(struct rec *rec, int res)
{
	struct dev *d = rec->vdev;
	struct iovec *iv = iovs[rec - recs];
	unsigned int i, k, b, at = 0, bad_blocks = 0, canary_bad = 0;
	unsigned char *inside;

	if (rec->vkind == 2)
		st.v_writes++;
	else
		st.v_reads++;
	if (res) {
		if (around_reset(rec)) {
			st.v_faulted++;
			return;
		}
		if (st.v_fail++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: %s: verified %s of %u blocks at LBA %llu (%u pieces) failed: %d (%s)\n",
			       d->path, rec->vkind == 2 ? "write" : "read", rec->vnlb, vbase + vlo + rec->vlba,
			       rec->niov, res, res < 0 ? strerror(-res) : "NVMe status");
		return;
	}
	st.v_ok++;
	if (rec->vkind == 2) {
		for (i = 0; i < rec->vnlb; i++)
			vver[rec->vlba + i] = rec->vversion;
		return;
	}
	/* the bytes outside the pieces must still be canary */
	inside = calloc(VSLOT, 1);
	for (b = 0; b < rec->niov; b++)
		memset(inside + ((unsigned char *)iv[b].iov_base - rec->vslot), 1, iv[b].iov_len);
	for (i = 0; i < VSLOT; i++)
		canary_bad += !inside[i] && rec->vslot[i] != CANARY;
	free(inside);
	if (canary_bad) {
		if (st.v_canary++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: %s: a verified read of %u blocks (%u pieces) wrote %u bytes outside its buffer\n",
			       d->path, rec->vnlb, rec->niov, canary_bad);
	}
	for (i = 0; i < rec->vnlb; i++) {
		uint32_t version = vver[rec->vlba + i];
		int good = 1;

		for (k = 0; k < d->lbs / 8; k++) {
			uint64_t word, want = vword(vlo + rec->vlba + i, version, k);
			unsigned int pos = at, p = 0;

			while (pos >= iv[p].iov_len)
				pos -= iv[p++].iov_len;
			if (pos + 8 <= iv[p].iov_len) {
				memcpy(&word, (unsigned char *)iv[p].iov_base + pos, 8);
			} else {
				unsigned int first = iv[p].iov_len - pos;

				memcpy(&word, (unsigned char *)iv[p].iov_base + pos, first);
				memcpy((unsigned char *)&word + first, iv[p + 1].iov_base, 8 - first);
			}
			at += 8;
			if (version && word != want)
				good = 0;
		}
		if (!good && bad_blocks++ == 0 && st.v_bad_data < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: %s: LBA %llu read back wrong (version %u, read as %u of %u blocks in %u pieces)\n",
			       d->path, vbase + vlo + rec->vlba + i, version, i + 1, rec->vnlb, rec->niov);
	}
	st.v_bad_data += bad_blocks;
}

/* ---------------------------------------------------------------- reap */

static int reap(struct io_uring *r, int n)
{
	struct io_uring_cqe *cqe;
	int i, got = 0;

	while (got < n) {
		struct rec *rec;
		unsigned long long ud;
		int ret, res;

		ret = wait_cqe_secs(r, &cqe, 30);
		if (ret) {
			printf("FAIL: fuzz: %d of %d completions missing after 30 s (%s)\n", n - got, n,
			       strerror(-ret));
			for (i = 0; i < n; i++)
				if (!recs[i].done)
					printf("FAIL: fuzz: no completion: opcode 0x%02x cmd_op %#x addr %#llx "
					       "(%s) len %u sqe flags %#x ring %d%s%s\n",
					       recs[i].op, recs[i].cmd_op, recs[i].addr,
					       region_names[recs[i].region], recs[i].len, recs[i].flags,
					       recs[i].ring, recs[i].invalid ? ", invalid: " : "",
					       recs[i].why);
			st.hangs += n - got;
			return -1;
		}
		res = cqe->res;
		ud = cqe->user_data;
		io_uring_cqe_seen(r, cqe);
		if (ud >> 8 != batch_seq || (ud & 0xff) >= (unsigned int)n) {
			if (st.strays++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: a completion of no command in flight (tag %#llx, res %d)\n",
				       ud, res);
			continue;
		}
		rec = &recs[ud & 0xff];
		if (rec->done) {
			if (st.dups++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: a command completed twice (opcode 0x%02x, res %d then %d)\n",
				       rec->op, rec->res, res);
			continue;
		}
		rec->done = 1;
		rec->res = res;
		got++;
		st.by_region[rec->region]++;
		if (rec->vkind) {
			verified_done(rec, res);
		} else if (rec->invalid) {
			st.invalid++;
			if (res >= 0) {
				if (st.violations++ < MAX_VIOLATIONS_SHOWN)
					printf("FAIL: fuzz: invalid command accepted (res %d): %s; opcode "
					       "0x%02x cmd_op %#x addr %#llx (%s) len %u\n",
					       res, rec->why, rec->op, rec->cmd_op, rec->addr,
					       region_names[rec->region], rec->len);
			}
		} else {
			st.valid++;
			if (res == 0)
				st.valid_ok++;
			else if (res > 0)
				st.valid_status++;
			else
				st.valid_errno++;
			if (res == -EBUSY && st.ebusy++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: -EBUSY on a queue that is never full (opcode "
				       "0x%02x)\n", rec->op);
		}
	}
	/* nothing more may come for this batch */
	if (io_uring_peek_cqe(r, &cqe) == 0) {
		if (st.strays++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: a completion after the whole batch (tag %#llx, res %d)\n",
			       (unsigned long long)cqe->user_data, cqe->res);
		io_uring_cqe_seen(r, cqe);
	}
	return 0;
}

/* with -f: a queue whose node is gone was removed; it is fuzzed no more */
static void check_removed(void)
{
	int i;

	for (i = 0; faults && i < nmy; i++)
		if (!my[i]->removed && access(my[i]->path, F_OK)) {
			my[i]->removed = 1;
			printf("fuzz: %s removed after %llu commands of its thread\n", my[i]->path,
			       st.commands);
		}
}

static struct dev *pick_mine(void)
{
	int i, live = 0;
	struct dev *live_devs[MAX_DEVS];

	for (i = 0; i < nmy; i++)
		if (!my[i]->removed)
			live_devs[live++] = my[i];
	return live ? live_devs[rnd_below(live)] : NULL;
}

static void fuzz_commands(unsigned long long n_cmds)
{
	unsigned long long done = 0;

	while (done < n_cmds) {
		struct dev *d = pick_mine(), *owner = d;
		unsigned int k = rnd_below(100), n = 1 + rnd_below(BATCH), i, nv = 0;
		unsigned long long chunks[VMAX_PER_BATCH];
		struct io_uring *r;
		int kind = 0, ret;

		if (!d)
			return;
		if (k < 4) {
			r = &ring64;
			kind = 1;
		} else if (k < 8) {
			r = &ring_nocqe32;
			kind = 2;
		} else {
			/* now and then the ring of another of the thread's queues */
			if (k < 16)
				owner = pick_mine();
			r = &owner->ring;
		}
		if (n > n_cmds - done)
			n = n_cmds - done;
		batch_seq++;
		memset(claimed, 0, sizeof(claimed));
		/* verified commands first, on the owning ring */
		if (verify && kind == 0) {
			unsigned int want = 1 + rnd_below(VMAX_PER_BATCH);

			while (nv < want && nv < n && verified_sqe(r, owner, nv, chunks, nv))
				nv++;
		}
		for (i = nv; i < n; i++)
			fuzz_sqe(r, kind, owner, d, i);
		ret = io_uring_submit(r);
		if (ret != (int)n) {
			printf("FAIL: fuzz: submitted %d of %u\n", ret, n);
			st.hangs++;
			return;
		}
		st.commands += n;
		for (i = 0; i < (unsigned int)nmy; i++)
			saw_generation(my[i]);
		if (reap(r, n))
			return;
		done += n;
		check_removed();
	}
}

/* -------------------------------------------------------------- ioctls */

static void fuzz_ioctls(unsigned long long n_ioctls)
{
	static const unsigned long cmds[] = {
		NVME_IOCTL_ID, NVME_IOCTL_ADMIN_CMD, NVME_IOCTL_ADMIN64_CMD, NVME_IOCTL_SUBMIT_IO,
		NVME_IOCTL_IO_CMD, NVME_IOCTL_IO64_CMD, NVME_IOCTL_IO64_CMD_VEC, NVME_IOCTL_RESCAN,
		NVME_IOCTL_RESET, NVME_UQ_IOCTL_INFO, NVME_UQ_IOCTL_BIND,
	};
	unsigned long long i;

	for (i = 0; i < n_ioctls; i++) {
		struct dev *d = pick_mine();
		union {
			struct nvme_passthru_cmd64 c;
			struct nvme_uq_info info;
			struct nvme_uq_bind bind;
			unsigned char raw[256];
		} u;
		unsigned long cmd = chance(80) ? cmds[rnd_below(11)] :
				    chance(50) ? _IOC(rnd_below(4), 'N', rnd_below(256), rnd_below(128)) :
						 (unsigned long)(unsigned int)rnd();
		int good_arg = 1;
		void *arg = &u;
		long ret;

		if (!d)
			return;
		memset(&u, 0, sizeof(u));
		if (cmd == NVME_UQ_IOCTL_INFO) {
			u.info.size = chance(80) ? sizeof(u.info) : rnd_below(256);
			good_arg = u.info.size >= sizeof(u.info);
		} else if (cmd == NVME_UQ_IOCTL_BIND) {
			/* the file is bound already: refused whatever the argument */
			u.bind.size = chance(80) ? sizeof(u.bind) : rnd_below(256);
			u.bind.ns_fd = chance(50) ? d->fd : (int)rnd_below(64);
			u.bind.flags = chance(90) ? 0 : rnd();
		} else {
			u.c.opcode = chance(50) ? 0x06 : 0x0a;
			u.c.nsid = d->nsid;
			u.c.data_len = 4096;
			u.c.addr = (uintptr_t)scratch;
			u.c.cdw10 = 1;
		}
		if (chance(5)) {
			static const unsigned long long bad_args[] = { 0x10, 0xffff888000000000ULL, 0x100000000000ULL };

			arg = (void *)(uintptr_t)bad_args[rnd_below(3)];
			good_arg = 0;
		}
		st.ioctls++;
		ret = ioctl(d->fd, cmd, arg);
		if (ret < 0 && errno == ENODEV && faults)
			continue; /* the queue is being removed */
		if (cmd == NVME_IOCTL_ID) {
			if (ret != d->nsid && st.violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: NVME_IOCTL_ID returned %ld\n", ret);
		} else if (cmd == NVME_UQ_IOCTL_INFO && good_arg) {
			if ((ret || u.info.nsid != (unsigned int)d->nsid || u.info.depth != d->depth) &&
			    st.violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: NVME_UQ_IOCTL_INFO: %ld (%s), nsid %u, depth %u\n", ret,
				       ret ? strerror(errno) : "ok", u.info.nsid, u.info.depth);
		} else {
			st.ioctl_bad++;
			if (ret >= 0 && st.violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: ioctl %#lx on a user queue succeeded (%ld)\n", cmd, ret);
		}
	}
}

/* --------------------------------------------------------------- mmaps */

static void on_fault(int sig)
{
	siglongjmp(probe_env, sig);
}

/* read a mapping; 1 when it faulted */
static int touch(const volatile unsigned char *p, size_t len)
{
	struct sigaction sa = { .sa_handler = on_fault }, ob, os;
	volatile unsigned int sum = 0;
	volatile size_t i;
	int sig;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &ob);
	sigaction(SIGSEGV, &sa, &os);
	sig = sigsetjmp(probe_env, 1);
	if (!sig)
		for (i = 0; i < len; i += 64)
			sum += p[i];
	sigaction(SIGBUS, &ob, NULL);
	sigaction(SIGSEGV, &os, NULL);
	return sig != 0;
}

static void fuzz_mmaps(unsigned long long n_mmaps)
{
	static const int prots[] = {
		PROT_READ, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_EXEC, PROT_NONE, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	unsigned long long i;

	for (i = 0; i < n_mmaps; i++) {
		struct dev *d = pick_mine();
		unsigned long long off, so, co;
		size_t len, plen, cql;
		int prot = prots[rnd_below(8)], flags = chance(80) ? MAP_SHARED : MAP_PRIVATE, good;
		void *m;

		if (!d)
			return;
		so = d->info.state_offset;
		co = d->info.cq_offset;
		cql = d->info.cq_size;
		switch (rnd_below(8)) {
		case 0: case 1: off = so; break;
		case 2: case 3: off = co; break;
		case 4: off = 4096ULL * rnd_below(1024); break;
		case 5: off = co + 4096ULL * (1 + rnd_below(16)); break;
		case 6: off = (rnd() & 0xffffffffff000ULL); break;
		default: off = co - 4096; break;
		}
		switch (rnd_below(7)) {
		case 0: len = 4096; break;
		case 1: len = cql; break;
		case 2: len = cql + 4096; break;
		case 3: len = 1 + rnd_below(8192); break;
		case 4: len = 1 << 20; break;
		case 5: len = 4096 * (1 + rnd_below(64)); break;
		default: len = chance(50) ? 0 : cql - 4096; break;
		}
		plen = (len + 4095) & ~4095UL;
		good = len && !(prot & (PROT_WRITE | PROT_EXEC)) &&
		       ((off == so && plen == d->info.state_size) || (off == co && plen == cql));
		st.mmaps++;
		if (!good)
			st.mmap_bad++;
		m = mmap(NULL, len, prot, flags, d->fd, off);
		if (m == MAP_FAILED && errno == ENODEV && faults)
			continue; /* the queue is being removed */
		if ((m != MAP_FAILED) != good) {
			if (st.mmap_violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: mmap off %#llx len %zu prot %#x %s: %s, expected %s\n",
				       off, len, prot, flags == MAP_SHARED ? "shared" : "private",
				       m == MAP_FAILED ? strerror(errno) : "mapped",
				       good ? "a mapping" : "a refusal");
		}
		if (m == MAP_FAILED)
			continue;
		st.mmap_ok++;
		if ((prot & PROT_READ) && touch(m, plen) && st.mmap_violations++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: reading a fresh mapping (off %#llx) faulted\n", off);
		if (!mprotect(m, plen, PROT_READ | PROT_WRITE) &&
		    st.mmap_violations++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: mprotect(PROT_WRITE) of a queue mapping succeeded\n");
		if (!mprotect(m, plen, PROT_READ | PROT_EXEC) &&
		    st.mmap_violations++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: mprotect(PROT_EXEC) of a queue mapping succeeded\n");
		if (chance(20)) {
			/* grow it: refused, or the new part is not backed */
			void *g = mremap(m, plen, plen + 4096, MREMAP_MAYMOVE);

			if (g != MAP_FAILED) {
				m = g;
				plen += 4096;
				st.sigbus += touch((unsigned char *)m + plen - 4096, 4096);
			}
		}
		if (chance(20)) {
			/* drop the pages: a later read either refaults or gets SIGBUS */
			madvise(m, plen, MADV_DONTNEED);
			mprotect(m, plen, PROT_READ);
			st.sigbus += touch(m, plen);
		}
		munmap(m, plen);
	}
}

/* -------------------------------------------------------------- threads */

static void add_stats(struct stats *to, const struct stats *from)
{
	const unsigned long long *f = (const unsigned long long *)from;
	unsigned long long *t = (unsigned long long *)to;
	size_t i;

	for (i = 0; i < sizeof(*from) / sizeof(*f); i++)
		t[i] += f[i];
}

static void *fuzz_thread(void *arg)
{
	int i;

	tindex = (int)(uintptr_t)arg;
	rng = (seed + tindex) * 0x9e3779b97f4a7c15ULL + 1;
	setup_thread_memory();
	varea = map_anon((size_t)BATCH * VSLOT, PROT_READ | PROT_WRITE);
	for (i = tindex; i < ndevs; i += nthreads)
		my[nmy++] = &devs[i];
	if (verify) {
		unsigned long long per = (vend - vbase) / nthreads;

		vlo = per * tindex;
		vn = per - per % VCHUNK;
		vver = calloc(vn, sizeof(*vver));
	}
	for (i = 0; i < nmy; i++)
		if (claim_dev(my[i]))
			st.hangs++;
	pthread_barrier_wait(&claimed_all);
	if (st.hangs)
		goto out;
	if (ring_setup(&ring64, 0) || ring_setup(&ring_nocqe32, IORING_SETUP_SQE128)) {
		st.hangs++;
		goto out;
	}
	for (i = 0; i < 10; i++) {
		fuzz_commands(count / nthreads / 10);
		fuzz_ioctls(count / nthreads / 500);
		fuzz_mmaps(count / nthreads / 1000);
		check_removed();
		if (st.hangs || !pick_mine())
			break;
	}
out:
	pthread_mutex_lock(&total_lock);
	add_stats(&total, &st);
	pthread_mutex_unlock(&total_lock);
	return NULL;
}

/* every queue still present: live, with the sysfs qid, and reads one block */
static int final_checks(void)
{
	int i, bad = 0;

	for (i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		struct io_uring_cqe *cqe;
		double end = now_s() + 30;
		char qid[32] = "";
		int res = -1;

		if (faults && access(d->path, F_OK)) {
			printf("fuzz: %s: removed, generation +%u\n", d->path, uq_generation(&d->m) - d->gen0);
			continue;
		}
		/* a reset may still be under way: -EIO until it ends */
		do {
			passthru_prep(get_sqe(&d->ring), d->fd, 0, NVME_CMD_READ, d->nsid,
				      d->fixedbuf, d->lbs, 0, 1);
			res = -1;
			if (io_uring_submit(&d->ring) == 1 && !wait_cqe_secs(&d->ring, &cqe, 30)) {
				res = cqe->res;
				io_uring_cqe_seen(&d->ring, cqe);
			}
			if (res == -EIO && faults)
				usleep(100000);
		} while (res == -EIO && faults && now_s() < end);
		printf("%s: fuzz: %s still reads one block (%d)\n", res ? "FAIL" : "ok", d->path, res);
		bad |= res != 0;
		read_sysfs(d->path, "qid", qid, sizeof(qid));
		printf("%s: fuzz: %s: state page live, qid %u (sysfs %s), generation +%u\n",
		       (d->m.st->flags & NVME_UQ_STATE_LIVE) && d->m.st->qid == strtoul(qid, NULL, 0) ?
			       "ok" : "FAIL",
		       d->path, d->m.st->qid, qid, uq_generation(&d->m) - d->gen0);
		bad |= !(d->m.st->flags & NVME_UQ_STATE_LIVE) || d->m.st->qid != strtoul(qid, NULL, 0);
	}
	return bad;
}

int main(int argc, char **argv)
{
	pthread_t tids[MAX_DEVS];
	const char *donefile = NULL, *gofile = NULL;
	int opt, i, bad;
	char thr[32] = "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:n:t:VfD:W:")) != -1) {
		switch (opt) {
		case 's':
			if (passthru_parse_u64(optarg, &seed))
				return 2;
			break;
		case 'n':
			if (passthru_parse_u64(optarg, &count))
				return 2;
			break;
		case 't':
			nthreads = atoi(optarg);
			break;
		case 'V': verify = 1; break;
		case 'f': faults = 1; break;
		case 'D': donefile = optarg; break;
		case 'W': gofile = optarg; break;
		default:
			fprintf(stderr, "usage: uq_fuzz [-s SEED] [-n COMMANDS] [-t THREADS] [-V] [-f] [-D DONE -W GO] DEV...\n");
			return 2;
		}
	}
	if (optind == argc || argc - optind > MAX_DEVS || nthreads < 1 || nthreads > argc - optind) {
		fprintf(stderr, "usage: uq_fuzz [-s SEED] [-n COMMANDS] [-t THREADS] [-V] [-f] [-D DONE -W GO] DEV...\n");
		return 2;
	}
	setup_shared_memory();
	{
		int p[2];

		/* not /dev/null: it takes any uring_cmd and returns 0 */
		if (pipe(p))
			return 1;
		other_fd = p[0];
	}
	for (i = optind; i < argc; i++)
		if (setup_dev(&devs[ndevs++], argv[i]))
			return 1;
	{
		FILE *f = fopen("/sys/module/nvme/parameters/sgl_threshold", "r");

		if (f) {
			if (fgets(thr, sizeof(thr), f))
				sgl = strtoul(thr, NULL, 0) != 0;
			fclose(f);
		}
	}
	if (verify) {
		if (nlbas < 4 * 65536) {
			fprintf(stderr, "uq_fuzz: -V needs a namespace of at least %u blocks (%llu)\n",
				4 * 65536, nlbas);
			return 2;
		}
		vbase = nlbas / 2;
		vend = nlbas;
	}
	printf("fuzz: seed %llu, %llu commands, %d thread(s), transfers up to %u bytes, %s, "
	       "verified data %s%s\n",
	       seed, count, nthreads, max_bytes, sgl ? "SGLs" : "PRPs (sgl_threshold 0)",
	       verify ? "on" : "off", faults ? ", resets and removals expected" : "");
	if (verify)
		printf("fuzz: verified LBAs %llu-%llu, the fuzzer's below %llu\n", vbase, vend - 1,
		       vbase - 65536);
	pthread_barrier_init(&claimed_all, NULL, nthreads);
	for (i = 0; i < nthreads; i++)
		pthread_create(&tids[i], NULL, fuzz_thread, (void *)(uintptr_t)i);
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	if (donefile)
		close(open(donefile, O_WRONLY | O_CREAT, 0644));
	for (i = 0; gofile && access(gofile, F_OK) && i < 6000; i++)
		usleep(100000);

	printf("fuzz: commands %llu: invalid %llu (all must fail), valid-looking %llu (ok %llu, "
	       "NVMe status %llu, errno %llu)\n",
	       total.invalid + total.valid, total.invalid, total.valid, total.valid_ok,
	       total.valid_status, total.valid_errno);
	printf("fuzz: addresses:");
	for (i = 0; i < R_KINDS; i++)
		printf(" %s %llu%s", region_names[i], total.by_region[i], i + 1 < R_KINDS ? "," : "\n");
	printf("fuzz: ioctls %llu (bad %llu), mmaps %llu (bad %llu, mapped %llu, SIGBUS after "
	       "mremap/madvise %llu)\n",
	       total.ioctls, total.ioctl_bad, total.mmaps, total.mmap_bad, total.mmap_ok,
	       total.sigbus);
	if (verify)
		printf("fuzz: verified writes %llu, reads %llu: ok %llu, failed around a reset %llu, "
		       "failed otherwise %llu, blocks read back wrong %llu, reads writing outside "
		       "their buffer %llu\n",
		       total.v_writes, total.v_reads, total.v_ok, total.v_faulted, total.v_fail,
		       total.v_bad_data, total.v_canary);
	printf("fuzz: bad inputs tried %llu\n", total.invalid + total.ioctl_bad + total.mmap_bad);
	bad = final_checks();
	printf("%s: fuzz: invalid commands that did not fail: %llu\n",
	       total.violations ? "FAIL" : "ok", total.violations);
	printf("%s: fuzz: mmap results against the rules: %llu wrong\n",
	       total.mmap_violations ? "FAIL" : "ok", total.mmap_violations);
	printf("%s: fuzz: every submission completed exactly once within 30 s (%llu missing, "
	       "%llu twice, %llu strays), none with -EBUSY (%llu)\n",
	       total.hangs || total.dups || total.strays || total.ebusy ? "FAIL" : "ok", total.hangs,
	       total.dups, total.strays, total.ebusy);
	if (verify) {
		printf("%s: fuzz: verified data intact (%llu bad blocks, %llu canaries hit, %llu "
		       "unexplained failures, %llu succeeded)\n",
		       total.v_bad_data || total.v_canary || total.v_fail || !total.v_ok ? "FAIL" : "ok",
		       total.v_bad_data, total.v_canary, total.v_fail, total.v_ok);
		bad |= total.v_bad_data || total.v_canary || total.v_fail || !total.v_ok;
	}
	if (total.hangs) {
		fflush(stdout);
		_exit(1);
	}
	return bad || total.violations || total.mmap_violations || total.ebusy || total.dups ||
	       total.strays;
}
