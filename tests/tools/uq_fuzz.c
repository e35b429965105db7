// SPDX-License-Identifier: MIT
/*
 * uq_fuzz: hostile input against NVMe user queues (/dev/nvmeXuqN).
 *
 * usage: uq_fuzz [-s SEED] [-n COMMANDS] DEV...
 *   SEED      random seed (default 1); the same seed replays the same input
 *   COMMANDS  uring_cmd submissions (default 100000), spread over the DEVs
 *   DEV       user queue nodes; each one's type (irq or poll) is read from
 *             /sys/class/nvme-generic/NAME/type
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
 * CQE32, and IOPOLL rings given to interrupt driven queues and the other way
 * round. Data only ever moves to and from the scratch buffer; nothing else
 * in the process can be written by the device. With them come random
 * ioctls (admin passthrough limited to Identify and Get Features, whose
 * transfer sizes the tool controls) and random mmap calls (offsets, sizes,
 * PROT_WRITE and PROT_EXEC, MAP_PRIVATE, mprotect, mremap, madvise).
 *
 * Every command the user-queue rules make invalid (see the kernel's
 * Documentation/userspace-api/nvme-user-queues.rst) must complete with a
 * negative errno; the others may get any result from the device. Every
 * submission must get exactly one completion within 30 s, no command may
 * fail with -EBUSY (the tool never fills a queue), mmap must succeed exactly
 * for the two documented read-only mappings, and afterwards each queue must
 * show submitted == completed in sysfs and still read one block.
 *
 * Prints "fuzz: ..." lines and "fuzz: bad inputs tried N". Exit: 0 pass,
 * 1 a check failed, 2 bad usage.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#include "passthru.h"

#ifndef NVME_UQ_OFF_CQ
#define NVME_UQ_OFF_STATE 0x0ULL
#define NVME_UQ_OFF_CQ 0x100000ULL
#endif
#ifndef NVME_URING_CMD_ADMIN
#define NVME_URING_CMD_ADMIN _IOWR('N', 0x82, struct nvme_uring_cmd)
#define NVME_URING_CMD_ADMIN_VEC _IOWR('N', 0x83, struct nvme_uring_cmd)
#endif

#define MAX_DEVS 8
#define BATCH 32
#define SCRATCH_LEN (2u << 20)
#define GUARD_LEN (64u << 10)
#define MAX_VIOLATIONS_SHOWN 20

enum region_kind { R_SCRATCH, R_RDONLY, R_NONE, R_HOLE, R_STATE, R_CQ, R_KERNEL, R_NONCANON,
		   R_LOW, R_TOP, R_KINDS };
static const char *const region_names[R_KINDS] = {
	"scratch", "read-only", "PROT_NONE", "unmapped", "state page", "CQ ring", "kernel",
	"non-canonical", "low", "top of user space",
};

struct dev {
	const char *path;
	int fd, poll, nsid;
	unsigned int depth, lbs;
	size_t cq_len;
	void *state, *cq;
	struct io_uring ring; /* the ring of the queue's type, buffers and files registered */
	/*
	 * Registered buffers: one area per ring, apart from scratch, used on any
	 * queue the ring submits to. The driver keeps registered pages mapped for
	 * DMA per open file, without CPU syncs, so several files caching one page
	 * is fine; a plain command mapping such a page again while it stays mapped
	 * is an overlapping mapping that DMA-API debugging reports (a known limit
	 * of the per-file cache), as it would two concurrent commands on the same
	 * plain buffer, so plain commands never use the area. A registered-buffer
	 * command's scratch address is moved to the ring's area, same offset.
	 */
	unsigned char *fixedbuf;
};

static struct dev devs[MAX_DEVS];
static int ndevs, other_fd; /* other_fd: a pipe, which has no uring_cmd */
static unsigned long long rng;
static unsigned char *scratch, *rdonly, *noneprot, *hole;
static unsigned int max_bytes = 1u << 20;

static struct io_uring ring64, ring_nocqe32;

static unsigned long long stats_invalid, stats_valid, stats_valid_ok, stats_valid_status,
	stats_valid_errno, stats_violations, stats_ebusy, stats_hangs, stats_ioctls,
	stats_ioctl_bad, stats_mmaps, stats_mmap_ok, stats_mmap_bad, stats_mmap_violations,
	stats_sigbus, stats_by_region[R_KINDS];

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

static unsigned long long sysfs_u64(const char *dev, const char *attr)
{
	char buf[64];

	return read_sysfs(dev, attr, buf, sizeof(buf)) ? ~0ULL : strtoull(buf, NULL, 0);
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

static void setup_memory(void)
{
	unsigned char *all = map_anon(GUARD_LEN + SCRATCH_LEN + GUARD_LEN, PROT_NONE);

	scratch = all + GUARD_LEN;
	if (mprotect(scratch, SCRATCH_LEN, PROT_READ | PROT_WRITE)) {
		perror("mprotect");
		exit(1);
	}
	memset(scratch, 0x5a, SCRATCH_LEN);
	rdonly = map_anon(GUARD_LEN, PROT_READ | PROT_WRITE);
	memset(rdonly, 0x3c, GUARD_LEN);
	mprotect(rdonly, GUARD_LEN, PROT_READ);
	noneprot = map_anon(GUARD_LEN, PROT_NONE);
	/* far from every mapping the process makes; checked to be unmapped */
	hole = (unsigned char *)0x100000000000ULL;
	{
		unsigned char vec[16];

		if (mincore(hole, GUARD_LEN, vec) == 0 || errno != ENOMEM) {
			fprintf(stderr, "uq_fuzz: %p is mapped\n", (void *)hole);
			exit(1);
		}
	}
}

static int ring_setup(struct io_uring *ring, unsigned int flags)
{
	struct io_uring_params p = { .flags = flags | IORING_SETUP_SUBMIT_ALL };
	int ret = io_uring_queue_init_params(2 * BATCH, ring, &p);

	if (ret)
		fprintf(stderr, "uq_fuzz: io_uring setup %#x: %s\n", flags, strerror(-ret));
	return ret;
}

static int setup_dev(struct dev *d, const char *path)
{
	struct iovec iov[2] = {
		{ NULL, SCRATCH_LEN / 2 }, { NULL, SCRATCH_LEN / 2 },
	};
	char type[32];
	int files[2];

	d->path = path;
	d->fixedbuf = map_anon(SCRATCH_LEN, PROT_READ | PROT_WRITE);
	iov[0].iov_base = d->fixedbuf;
	iov[1].iov_base = d->fixedbuf + SCRATCH_LEN / 2;
	if (read_sysfs(path, "type", type, sizeof(type))) {
		fprintf(stderr, "uq_fuzz: %s: not a user queue (no sysfs type)\n", path);
		return -1;
	}
	d->poll = !strcmp(type, "poll");
	d->depth = sysfs_u64(path, "depth");
	d->fd = open(path, O_RDWR);
	if (d->fd < 0) {
		perror(path);
		return -1;
	}
	d->nsid = ioctl(d->fd, NVME_IOCTL_ID);
	if (d->nsid <= 0) {
		perror("NVME_IOCTL_ID");
		return -1;
	}
	{
		char blk[64], attr[160];
		FILE *f;

		/* the namespace's block size, from the block device of nsid */
		d->lbs = 512;
		snprintf(blk, sizeof(blk), "%s", path + 5);
		*strstr(blk, "uq") = 0;
		snprintf(attr, sizeof(attr), "/sys/block/%sn%d/queue/logical_block_size", blk,
			 d->nsid);
		f = fopen(attr, "r");
		if (f) {
			if (fscanf(f, "%u", &d->lbs) != 1)
				d->lbs = 512;
			fclose(f);
		}
		snprintf(attr, sizeof(attr), "/sys/block/%sn%d/queue/max_hw_sectors_kb", blk,
			 d->nsid);
		f = fopen(attr, "r");
		if (f) {
			unsigned int kb;

			if (fscanf(f, "%u", &kb) == 1 && kb * 1024u < max_bytes)
				max_bytes = kb * 1024u;
			fclose(f);
		}
	}
	d->cq_len = ((size_t)d->depth * 16 + 4095) & ~4095UL;
	d->state = mmap(NULL, 4096, PROT_READ, MAP_SHARED, d->fd, NVME_UQ_OFF_STATE);
	d->cq = mmap(NULL, d->cq_len, PROT_READ, MAP_SHARED, d->fd, NVME_UQ_OFF_CQ);
	if (d->state == MAP_FAILED || d->cq == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	if (ring_setup(&d->ring, IORING_SETUP_SQE128 | IORING_SETUP_CQE32 |
			       (d->poll ? IORING_SETUP_IOPOLL : 0)))
		return -1;
	if (io_uring_register_buffers(&d->ring, iov, 2)) {
		fprintf(stderr, "uq_fuzz: registering buffers failed\n");
		return -1;
	}
	files[0] = d->fd;
	files[1] = other_fd;
	if (io_uring_register_files(&d->ring, files, 2)) {
		fprintf(stderr, "uq_fuzz: registering files failed\n");
		return -1;
	}
	printf("fuzz: %s: %s queue, depth %u, nsid %d, LBA size %u\n", path, type, d->depth,
	       d->nsid, d->lbs);
	return 0;
}

/* ------------------------------------------------------------ commands */

struct rec {
	int invalid, done, flags, ring;
	char why[96];
	unsigned int op, cmd_op, len;
	unsigned long long addr;
	int region;
};

static struct rec recs[BATCH];

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
	k = rnd_below(R_KINDS - 1) + 1;
	*region = k;
	switch (k) {
	case R_RDONLY: return (uintptr_t)rdonly + (rnd_below(GUARD_LEN) & ~511u);
	case R_NONE: return (uintptr_t)noneprot + (rnd_below(GUARD_LEN) & ~511u);
	case R_HOLE: return (uintptr_t)hole + (rnd_below(GUARD_LEN) & ~511u);
	case R_STATE: return (uintptr_t)d->state + (chance(50) ? 0 : rnd_below(4096) & ~3u);
	case R_CQ: return (uintptr_t)d->cq + (rnd_below(d->cq_len) & ~511u);
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
	default: return 0x7ffffffff000ULL; /* the last page, never mapped */
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
	unsigned long long st = (uintptr_t)d->state, cq = (uintptr_t)d->cq;

	if (addr >= s && addr + len <= s + SCRATCH_LEN)
		return 1;
	if (addr >= r && addr + len <= r + GUARD_LEN)
		return to_device ? 1 : 0;
	if ((addr >= st && addr < st + 4096) || (addr >= cq && addr < cq + d->cq_len))
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
static unsigned char claimed[SCRATCH_LEN / 64 / 8];

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

/*
 * Fill the next SQE of ring r at random: ring_kind 0 is the ring of queue
 * owner (IOPOLL when owner is a poll queue; buffers and files registered),
 * 1 a ring of 64-byte SQEs, 2 a ring without CQE32. d is the queue the
 * command is meant for.
 */
static void fuzz_sqe(struct io_uring *r, int ring_kind, struct dev *owner, struct dev *d,
		     unsigned int idx)
{
	static struct iovec iovs[BATCH][300];
	struct io_uring_sqe *sqe = io_uring_get_sqe(r);
	struct rec *rec = &recs[idx];
	struct dev *target = d;
	struct nvme_uring_cmd *cmd;
	unsigned int op, len, nlb, dir, expect = 0, n_iov = 0;
	unsigned long long addr = 0, lba, total = 0;
	int vec = chance(15), fixed = 0, region = R_SCRATCH, fd, fixed_file = -1, usable = 1;

	memset(rec, 0, sizeof(*rec));
	if (!sqe) {
		fprintf(stderr, "uq_fuzz: no SQE\n");
		exit(1);
	}
	/* target: the queue, another queue, a registered file, not a queue */
	fd = d->fd;
	if (ring_kind == 0 && chance(5)) {
		fixed_file = chance(70) ? 0 : 1 + rnd_below(50);
		target = owner;
		if (fixed_file)
			mark(rec, fixed_file == 1 ? "registered file is not a queue" : "bad fixed file");
	} else if (chance(8) && ndevs > 1) {
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
	lba = chance(80) ? rnd_below(1 << 20) : rnd();
	rec->op = op;

	if (ring_kind == 1) {
		/* a ring of 64-byte SQEs: only 16 bytes of command fit */
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = fd;
		sqe->cmd_op = chance(80) ? NVME_URING_CMD_IO : rnd();
		((unsigned char *)sqe->cmd)[0] = op;
		sqe->user_data = idx;
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

			iv[i].iov_base = (void *)(uintptr_t)(dir == 2 ? pick_dest(target, l, &region) :
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
		addr = dir == 2 ? pick_dest(target, len, &region) : pick_addr(target, len, &region);
		if (len)
			usable = region_usable(target, addr, len, dir == 1);
	}

	cmd = passthru_prep(sqe, fd, vec, op, target->nsid, (void *)(uintptr_t)addr, len, lba, nlb);
	sqe->user_data = idx;
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
		else if (sqe->buf_index >= 2)
			mark(rec, "registered buffer index out of range");
	}
	if (chance(5))
		sqe->flags |= IOSQE_ASYNC;
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
			mark(rec, "nsid of no namespace of this controller");
	}
	if (dir == 3)
		mark(rec, "bidirectional opcode");
	if (dir == 0 && (addr || len))
		mark(rec, "data on an opcode without data");
	if (dir == 0)
		return;
	if (op == 0x01 || op == 0x02 || op == 0x05)
		expect = ((cmd->cdw12 & 0xffff) + 1) * target->lbs;
	if (vec) {
		struct iovec *iv = iovs[idx];
		unsigned int i;

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
		if (expect && total != expect)
			mark(rec, "vectored length is not NLB blocks");
		for (i = 0; i < n_iov; i++) {
			if (!iv[i].iov_len)
				continue;
			if ((uintptr_t)iv[i].iov_base & 3)
				mark(rec, "first iovec off a 4-byte boundary");
			break;
		}
		return;
	}
	if (!len)
		mark(rec, "transfer of zero bytes");
	if (len > max_bytes)
		mark(rec, "transfer beyond MDTS or 1 MiB");
	if (expect && len != expect)
		mark(rec, "length is not NLB blocks");
	if (fixed) {
		unsigned long long b = (uintptr_t)scratch + (sqe->buf_index & 1) * (SCRATCH_LEN / 2);

		if (addr < b || addr + len > b + SCRATCH_LEN / 2)
			mark(rec, "outside the registered buffer");
		else if (addr & 3)
			mark(rec, "buffer off a 4-byte boundary");
		return;
	}
	if (len && (addr & 3))
		mark(rec, "buffer off a 4-byte boundary");
	if (len && !usable)
		mark(rec, "buffer outside usable memory");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* one CQE within 30 s; liburing's timed wait gives up early on IOPOLL rings */
static int wait_cqe_30s(struct io_uring *r, struct io_uring_cqe **cqe)
{
	double end = now_s() + 30;
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

static int reap(struct io_uring *r, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct io_uring_cqe *cqe;
		struct rec *rec;
		int ret, res;

		ret = wait_cqe_30s(r, &cqe);
		if (ret) {
			int j;

			printf("FAIL: fuzz: %d of %d completions missing after 30 s (%s)\n", n - i, n,
			       strerror(-ret));
			for (j = 0; j < n; j++)
				if (!recs[j].done)
					printf("FAIL: fuzz: no completion: opcode 0x%02x cmd_op %#x addr %#llx "
					       "(%s) len %u sqe flags %#x ring %d%s%s\n",
					       recs[j].op, recs[j].cmd_op, recs[j].addr,
					       region_names[recs[j].region], recs[j].len, recs[j].flags,
					       recs[j].ring, recs[j].invalid ? ", invalid: " : "",
					       recs[j].why);
			stats_hangs += n - i;
			return -1;
		}
		res = cqe->res;
		rec = cqe->user_data < BATCH ? &recs[cqe->user_data] : NULL;
		io_uring_cqe_seen(r, cqe);
		if (!rec)
			continue;
		rec->done = 1;
		stats_by_region[rec->region]++;
		if (rec->invalid) {
			stats_invalid++;
			if (res >= 0) {
				if (stats_violations++ < MAX_VIOLATIONS_SHOWN)
					printf("FAIL: fuzz: invalid command accepted (res %d): %s; opcode "
					       "0x%02x cmd_op %#x addr %#llx (%s) len %u\n",
					       res, rec->why, rec->op, rec->cmd_op, rec->addr,
					       region_names[rec->region], rec->len);
			}
		} else {
			stats_valid++;
			if (res == 0)
				stats_valid_ok++;
			else if (res > 0)
				stats_valid_status++;
			else
				stats_valid_errno++;
			if (res == -EBUSY && stats_ebusy++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: -EBUSY on a queue that is never full (opcode "
				       "0x%02x)\n", rec->op);
		}
	}
	return 0;
}

static void fuzz_commands(unsigned long long count)
{
	unsigned long long done = 0;

	while (done < count) {
		struct dev *d = &devs[rnd_below(ndevs)], *owner = d;
		unsigned int k = rnd_below(100), n = 1 + rnd_below(BATCH), i;
		struct io_uring *r;
		int kind = 0, ret;

		if (k < 4) {
			r = &ring64;
			kind = 1;
		} else if (k < 8) {
			r = &ring_nocqe32;
			kind = 2;
		} else {
			/* now and then the ring of another queue, maybe of the other type */
			if (k < 16)
				owner = &devs[rnd_below(ndevs)];
			r = &owner->ring;
		}
		if (n > count - done)
			n = count - done;
		memset(claimed, 0, sizeof(claimed));
		for (i = 0; i < n; i++)
			fuzz_sqe(r, kind, owner, d, i);
		ret = io_uring_submit(r);
		if (ret != (int)n) {
			printf("FAIL: fuzz: submitted %d of %u\n", ret, n);
			stats_hangs++;
			return;
		}
		if (reap(r, n))
			return;
		done += n;
	}
}

/* -------------------------------------------------------------- ioctls */

static void fuzz_ioctls(unsigned long long count)
{
	static const unsigned long cmds[] = {
		NVME_IOCTL_ID, NVME_IOCTL_ADMIN_CMD, NVME_IOCTL_ADMIN64_CMD, NVME_IOCTL_SUBMIT_IO,
		NVME_IOCTL_IO_CMD, NVME_IOCTL_IO64_CMD, NVME_IOCTL_IO64_CMD_VEC, NVME_IOCTL_RESCAN,
		NVME_IOCTL_RESET,
	};
	unsigned long long i;

	for (i = 0; i < count; i++) {
		struct dev *d = &devs[rnd_below(ndevs)];
		struct nvme_passthru_cmd64 c = { 0 };
		unsigned long cmd = chance(70) ? cmds[rnd_below(9)] :
				    chance(50) ? _IOC(rnd_below(4), 'N', rnd_below(256), rnd_below(128)) :
						 (unsigned long)(unsigned int)rnd();
		int region = R_SCRATCH, admin = cmd == NVME_IOCTL_ADMIN_CMD || cmd == NVME_IOCTL_ADMIN64_CMD;
		void *arg = &c;
		long ret;

		/*
		 * Admin passthrough, as root: only Identify (4 KiB into a scratch
		 * page or an address that cannot be written) and Get Features of
		 * features that return no data, so that the device never writes
		 * where the tool did not ask it to.
		 */
		if (chance(50)) {
			static const unsigned long long bad[] = {
				0x100000000000ULL, 0xffff888000000000ULL, 0x8000000000000000ULL, 0,
			};
			unsigned int k = rnd_below(5);

			c.opcode = 0x06;
			c.cdw10 = chance(80) ? rnd_below(3) : rnd_below(256);
			c.nsid = chance(80) ? (unsigned int)d->nsid : rnd();
			c.data_len = 4096;
			c.addr = (uintptr_t)scratch + ((unsigned long long)rnd_below(SCRATCH_LEN / 4096) << 12);
			if (chance(30)) {
				region = R_KERNEL;
				c.addr = k < 3 ? bad[k] : k == 3 ? (uintptr_t)rdonly : (uintptr_t)noneprot;
			}
		} else {
			static const unsigned char fids[] = { 1, 2, 4, 5, 6, 7, 8, 0x0a, 0x0b };

			c.opcode = 0x0a;
			c.cdw10 = fids[rnd_below(9)] | (rnd_below(3) << 8);
		}
		if (chance(5)) {
			static const unsigned long long bad_args[] = { 0x10, 0xffff888000000000ULL, 0x100000000000ULL };

			arg = (void *)(uintptr_t)bad_args[rnd_below(3)];
			region = R_KERNEL;
		}
		stats_ioctls++;
		ret = ioctl(d->fd, cmd, arg);
		if (cmd == NVME_IOCTL_ID) {
			if (ret != d->nsid && stats_violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: NVME_IOCTL_ID returned %ld\n", ret);
		} else if (!admin) {
			stats_ioctl_bad++;
			if ((ret != -1 || errno != ENOTTY) &&
			    stats_violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: ioctl %#lx not refused with ENOTTY (%ld, %s)\n", cmd,
				       ret, ret < 0 ? strerror(errno) : "ok");
		} else if (region != R_SCRATCH) {
			stats_ioctl_bad++;
			if (ret == 0 && stats_violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: admin ioctl with an unusable buffer succeeded\n");
		}
	}
}

/* --------------------------------------------------------------- mmaps */

static sigjmp_buf probe_env;

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

static void fuzz_mmaps(unsigned long long count)
{
	static const int prots[] = {
		PROT_READ, PROT_READ, PROT_READ | PROT_WRITE, PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_EXEC, PROT_NONE, PROT_READ | PROT_WRITE | PROT_EXEC,
	};
	unsigned long long i;

	for (i = 0; i < count; i++) {
		struct dev *d = &devs[rnd_below(ndevs)];
		unsigned long long off;
		size_t len, plen;
		int prot = prots[rnd_below(8)], flags = chance(80) ? MAP_SHARED : MAP_PRIVATE, good;
		void *m;

		switch (rnd_below(8)) {
		case 0: case 1: off = NVME_UQ_OFF_STATE; break;
		case 2: case 3: off = NVME_UQ_OFF_CQ; break;
		case 4: off = 4096ULL * rnd_below(1024); break;
		case 5: off = NVME_UQ_OFF_CQ + 4096ULL * (1 + rnd_below(16)); break;
		case 6: off = (rnd() & 0xffffffffff000ULL); break;
		default: off = NVME_UQ_OFF_CQ - 4096; break;
		}
		switch (rnd_below(7)) {
		case 0: len = 4096; break;
		case 1: len = d->cq_len; break;
		case 2: len = d->cq_len + 4096; break;
		case 3: len = 1 + rnd_below(8192); break;
		case 4: len = 1 << 20; break;
		case 5: len = 4096 * (1 + rnd_below(64)); break;
		default: len = chance(50) ? 0 : d->cq_len - 4096; break;
		}
		plen = (len + 4095) & ~4095UL;
		good = len && !(prot & (PROT_WRITE | PROT_EXEC)) &&
		       ((off == NVME_UQ_OFF_STATE && plen == 4096) ||
			(off == NVME_UQ_OFF_CQ && plen == d->cq_len));
		stats_mmaps++;
		if (!good)
			stats_mmap_bad++;
		m = mmap(NULL, len, prot, flags, d->fd, off);
		if ((m != MAP_FAILED) != good) {
			if (stats_mmap_violations++ < MAX_VIOLATIONS_SHOWN)
				printf("FAIL: fuzz: mmap off %#llx len %zu prot %#x %s: %s, expected %s\n",
				       off, len, prot, flags == MAP_SHARED ? "shared" : "private",
				       m == MAP_FAILED ? strerror(errno) : "mapped",
				       good ? "a mapping" : "a refusal");
		}
		if (m == MAP_FAILED)
			continue;
		stats_mmap_ok++;
		if ((prot & PROT_READ) && touch(m, plen) && stats_mmap_violations++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: reading a fresh mapping (off %#llx) faulted\n", off);
		if (!mprotect(m, plen, PROT_READ | PROT_WRITE) &&
		    stats_mmap_violations++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: mprotect(PROT_WRITE) of a queue mapping succeeded\n");
		if (!mprotect(m, plen, PROT_READ | PROT_EXEC) &&
		    stats_mmap_violations++ < MAX_VIOLATIONS_SHOWN)
			printf("FAIL: fuzz: mprotect(PROT_EXEC) of a queue mapping succeeded\n");
		if (chance(20)) {
			/* grow it: refused, or the new part is not backed */
			void *g = mremap(m, plen, plen + 4096, MREMAP_MAYMOVE);

			if (g != MAP_FAILED) {
				m = g;
				plen += 4096;
				stats_sigbus += touch((unsigned char *)m + plen - 4096, 4096);
			}
		}
		if (chance(20)) {
			/* drop the pages: a later read either refaults or gets SIGBUS */
			madvise(m, plen, MADV_DONTNEED);
			mprotect(m, plen, PROT_READ);
			stats_sigbus += touch(m, plen);
		}
		munmap(m, plen);
	}
}

static int final_checks(void)
{
	int i, bad = 0;

	for (i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ring);
		struct io_uring_cqe *cqe;
		unsigned long long s, c;
		int res = -1;

		if (!sqe)
			return 1;
		passthru_prep(sqe, d->fd, 0, NVME_CMD_READ, d->nsid, scratch,
			      d->lbs, 0, 1);
		if (io_uring_submit(&d->ring) == 1 && !wait_cqe_30s(&d->ring, &cqe)) {
			res = cqe->res;
			io_uring_cqe_seen(&d->ring, cqe);
		}
		printf("%s: fuzz: %s still reads one block (%d)\n", res ? "FAIL" : "ok", d->path, res);
		bad |= res != 0;
		s = sysfs_u64(d->path, "submitted");
		c = sysfs_u64(d->path, "completed");
		printf("%s: fuzz: %s counters: submitted %llu completed %llu\n",
		       s == c && s != ~0ULL ? "ok" : "FAIL", d->path, s, c);
		bad |= s != c || s == ~0ULL;
	}
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, count = 100000;
	int opt, i, bad;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "s:n:")) != -1) {
		switch (opt) {
		case 's':
			if (passthru_parse_u64(optarg, &seed))
				return 2;
			break;
		case 'n':
			if (passthru_parse_u64(optarg, &count))
				return 2;
			break;
		default:
			fprintf(stderr, "usage: uq_fuzz [-s SEED] [-n COMMANDS] DEV...\n");
			return 2;
		}
	}
	if (optind == argc || argc - optind > MAX_DEVS) {
		fprintf(stderr, "usage: uq_fuzz [-s SEED] [-n COMMANDS] DEV...\n");
		return 2;
	}
	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	setup_memory();
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
	if (ring_setup(&ring64, 0) || ring_setup(&ring_nocqe32, IORING_SETUP_SQE128))
		return 1;
	printf("fuzz: seed %llu, %llu commands, transfers up to %u bytes\n", seed, count, max_bytes);

	for (i = 0; i < 10; i++) {
		fuzz_commands(count / 10);
		fuzz_ioctls(count / 500);
		fuzz_mmaps(count / 1000);
		if (stats_hangs)
			break;
	}
	printf("fuzz: commands %llu: invalid %llu (all must fail), valid-looking %llu (ok %llu, "
	       "NVMe status %llu, errno %llu)\n",
	       stats_invalid + stats_valid, stats_invalid, stats_valid, stats_valid_ok,
	       stats_valid_status, stats_valid_errno);
	printf("fuzz: addresses:");
	for (i = 0; i < R_KINDS; i++)
		printf(" %s %llu%s", region_names[i], stats_by_region[i], i + 1 < R_KINDS ? "," : "\n");
	printf("fuzz: ioctls %llu (bad %llu), mmaps %llu (bad %llu, mapped %llu, SIGBUS after "
	       "mremap/madvise %llu)\n",
	       stats_ioctls, stats_ioctl_bad, stats_mmaps, stats_mmap_bad, stats_mmap_ok,
	       stats_sigbus);
	printf("fuzz: bad inputs tried %llu\n", stats_invalid + stats_ioctl_bad + stats_mmap_bad);
	bad = final_checks();
	printf("%s: fuzz: invalid commands that did not fail: %llu\n", stats_violations ? "FAIL" : "ok",
	       stats_violations);
	printf("%s: fuzz: mmap results against the rules: %llu wrong\n",
	       stats_mmap_violations ? "FAIL" : "ok", stats_mmap_violations);
	printf("%s: fuzz: every submission completed within 30 s, none with -EBUSY\n",
	       stats_hangs || stats_ebusy ? "FAIL" : "ok");
	if (stats_hangs) {
		fflush(stdout);
		_exit(1);
	}
	return bad || stats_violations || stats_mmap_violations || stats_ebusy;
}
