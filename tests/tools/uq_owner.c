/* SPDX-License-Identifier: MIT */
/*
 * Description: the ownership and namespace rules of an NVMe user queue
 * (/dev/nvmeXuqN): who may own it, which namespace its commands reach,
 * with which rights, from which ring, and which commands an owner without
 * CAP_SYS_ADMIN may send. One CHECK per run:
 *
 *   open QUEUE
 *       a second open() fails with EBUSY, also from another process; once
 *       the owner closed it, open() works again
 *   bind QUEUE NS1 NS2 OTHER_NG NOT_NG
 *       unbound: a command fails with EINVAL, NVME_IOCTL_ID with EINVAL,
 *       NVME_UQ_IOCTL_INFO reports nsid 0; binding to OTHER_NG (an ng node
 *       of another controller) and to NOT_NG (any file that is no ng node)
 *       fails with EINVAL, ns_fd -1 with EBADF; binding to NS1 works, INFO
 *       and NVME_IOCTL_ID report its nsid; binding again (NS2) fails with
 *       EBUSY; a read naming NS1's nsid succeeds, one naming NS2's nsid,
 *       0 or 0xffffffff fails with EINVAL
 *   ring QUEUE NS
 *       the first ring that submits owns the queue: a command from a second
 *       ring fails with EXDEV, the first ring still works; after the file
 *       is closed, a new owner's commands may come from the other ring
 *   readonly QUEUE NS
 *       bound with NS opened read-only: a read works; without CAP_SYS_ADMIN
 *       at bind time (-u) Write, Write Zeroes and Dataset Management fail
 *       with EACCES; with it, the Write succeeds (the ng node's rule)
 *   escape QUEUE NS1 NS2 NSID2 LBA
 *       (with -u) NS2, namespace NSID2 (the caller reads it from sysfs:
 *       ngXnY names need not follow nsids), cannot be opened (EACCES), so
 *       the queue can only be bound to NS1; a read naming NSID2 fails with
 *       EINVAL and leaves the buffer untouched, so do reads naming any
 *       other nsid from 1 to 8, while the same read naming NS1's nsid
 *       works. NS2 should hold data at LBA (the caller writes a marker
 *       there) so that an escape would be visible: the tool fails if a
 *       buffer ever holds "QBNS2" at its start.
 *   lengths QUEUE NS
 *       without CAP_SYS_ADMIN at bind time (-u): Copy (0x19), Zone
 *       Management Receive (0x7a) and Reservation Report (0x0e), whose
 *       transfer lengths the driver cannot check, fail with EACCES; a Read
 *       whose data_len is not NLB * LBA size fails with EINVAL; Dataset
 *       Management with a length other than its ranges fails with EINVAL,
 *       with the right length it works; Flush with data fails with EINVAL.
 *       With CAP_SYS_ADMIN (no -u): Copy and Reservation Report get past
 *       the opcode check to the controller (success or an NVMe status, not
 *       -EACCES), and the Read and DSM lengths are still checked.
 *   handoff QUEUE NS UID
 *       (as root, without -u) the queue is opened and bound with NS opened
 *       read-only while the caller has CAP_SYS_ADMIN, then the caller
 *       drops to UID and keeps the file: a Write, Copy and a vendor
 *       specific opcode fail with EACCES, a read works. Rights that need
 *       CAP_SYS_ADMIN are checked per command, so a file bound by root and
 *       passed on (inherited, sent over a socket) grants nothing.
 *
 * usage: uq_owner [-u UID] [-p] CHECK QUEUE ARGS...
 *   -u UID  drop to UID/GID (no supplementary groups, no capabilities)
 *           before opening anything: the nodes must be accessible to it
 *   -p      QUEUE is a user_poll queue (IOPOLL rings)
 * Prints "ok: ..." or "FAIL: ..." per check.
 * Exit: 0 pass, 1 fail, 2 bad usage.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "passthru.h"
#include "uq_common.h"

#define OP_FLUSH 0x00
#define OP_WRITE_ZEROES 0x08
#define OP_DSM 0x09
#define OP_RESV_REPORT 0x0e
#define OP_COPY 0x19
#define OP_ZONE_MGMT_RECV 0x7a

#define MARKER "QBNS2"

static int poll_ring, lbs = 512;
static const char *prog = "uq_owner";

static void drop_to(uid_t uid);

static int usage(const char *why)
{
	fprintf(stderr, "%s: %s\nusage: %s [-u UID] [-p] open|bind|ring|readonly|escape|lengths|handoff QUEUE ARGS...\n",
		prog, why, prog);
	return 2;
}

static void ring_init(struct io_uring *ring)
{
	uq_ring(ring, 8, poll_ring);
}

/*
 * One command on RING: opcode, nsid, buffer and its length, cdw10-13.
 * Returns the CQE's res: 0, an NVMe status (> 0) or -errno.
 */
static int cmd(struct io_uring *ring, int fd, unsigned int opcode, unsigned int nsid, void *buf, unsigned int len,
	       unsigned int cdw10, unsigned int cdw11, unsigned int cdw12, unsigned int cdw13)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	struct nvme_uring_cmd *c;
	int ret;

	if (!sqe) {
		fprintf(stderr, "%s: no SQE\n", prog);
		exit(1);
	}
	c = passthru_prep(sqe, fd, 0, opcode, nsid, buf, len, 0, 0);
	c->cdw10 = cdw10;
	c->cdw11 = cdw11;
	c->cdw12 = cdw12;
	c->cdw13 = cdw13;
	ret = io_uring_submit(ring);
	if (ret != 1) {
		fprintf(stderr, "%s: submit: %s\n", prog, strerror(-ret));
		exit(1);
	}
	ret = uq_wait(ring, &cqe, 30);
	if (ret) {
		fprintf(stderr, "%s: no completion: %s\n", prog, strerror(-ret));
		exit(1);
	}
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/* a one-LBA read at LBA into BUF */
static int read1(struct io_uring *ring, int fd, unsigned int nsid, void *buf, unsigned long long lba)
{
	return cmd(ring, fd, UQ_CMD_READ, nsid, buf, lbs, lba & 0xffffffff, lba >> 32, 0, 0);
}

static const char *res_str(int res)
{
	static char s[64];

	if (res < 0)
		snprintf(s, sizeof(s), "%s", strerrorname_np(-res) ? strerrorname_np(-res) : strerror(-res));
	else
		snprintf(s, sizeof(s), res ? "NVMe status 0x%x" : "0", res);
	return s;
}

static int open_queue(const char *dev)
{
	int fd = open(dev, O_RDWR);

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dev, strerror(errno));
		exit(1);
	}
	return fd;
}

static int ns_open(const char *ns, int flags)
{
	int fd = open(ns, flags);

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, ns, strerror(errno));
		exit(1);
	}
	return fd;
}

/* the nsid of an ng node, from NVME_IOCTL_ID on it */
static int nsid_of(const char *ns)
{
	int fd = ns_open(ns, O_RDONLY), id = ioctl(fd, NVME_IOCTL_ID);

	if (id <= 0) {
		fprintf(stderr, "%s: NVME_IOCTL_ID on %s: %s\n", prog, ns, strerror(errno));
		exit(1);
	}
	close(fd);
	return id;
}

static void *buffer(size_t len)
{
	void *p;

	if (posix_memalign(&p, 4096, len)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	memset(p, 0, len);
	return p;
}

static int check_open(const char *q)
{
	int fd = open_queue(q), fd2;
	pid_t pid;
	int st;

	uq_check(1, "%s opens", q);
	fd2 = open(q, O_RDWR);
	uq_check(fd2 < 0 && errno == EBUSY, "a second open of %s fails with EBUSY (%s)", q,
	      fd2 < 0 ? strerrorname_np(errno) : "it opened");
	if (fd2 >= 0)
		close(fd2);
	/* owning takes a read-write open: a read-only one is refused as such */
	fd2 = open(q, O_RDONLY);
	uq_check(fd2 < 0 && errno == EACCES, "a read-only open fails with EACCES (%s)",
	      fd2 < 0 ? strerrorname_np(errno) : "it opened");
	if (fd2 >= 0)
		close(fd2);
	pid = fork();
	if (pid == 0) {
		fd2 = open(q, O_RDWR);
		_exit(fd2 < 0 && errno == EBUSY ? 0 : 1);
	}
	uq_check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "an open from another process fails with EBUSY");
	close(fd);
	fd = open(q, O_RDWR);
	uq_check(fd >= 0, "after the owner closed it, %s opens again (%s)", q, fd < 0 ? strerrorname_np(errno) : "0");
	if (fd >= 0) {
		fd2 = open(q, O_RDWR);
		uq_check(fd2 < 0 && errno == EBUSY, "and is exclusive again (%s)",
		      fd2 < 0 ? strerrorname_np(errno) : "it opened");
		if (fd2 >= 0)
			close(fd2);
		close(fd);
	}
	return 0;
}

static int check_bind(const char *q, const char *ns1, const char *ns2, const char *other, const char *not_ng)
{
	int id1 = nsid_of(ns1), id2 = nsid_of(ns2), fd = open_queue(q), ret, id;
	struct nvme_uq_info info;
	struct io_uring ring;
	char *buf = buffer(4096);

	uq_check(id1 != id2, "%s is nsid %d, %s nsid %d", ns1, id1, ns2, id2);
	ring_init(&ring);
	ret = read1(&ring, fd, id1, buf, 0);
	uq_check(ret == -EINVAL, "unbound queue: a read fails with EINVAL (%s)", res_str(ret));
	id = ioctl(fd, NVME_IOCTL_ID);
	uq_check(id < 0 && errno == EINVAL, "unbound queue: NVME_IOCTL_ID fails with EINVAL (%d %s)", id,
	      id < 0 ? strerrorname_np(errno) : "");
	info = uq_info(fd);
	uq_check(info.nsid == 0, "unbound queue: NVME_UQ_IOCTL_INFO reports nsid 0 (%u)", info.nsid);

	ret = uq_bind(fd, other, O_RDWR);
	uq_check(ret == -EINVAL, "binding to %s (another controller) fails with EINVAL (%s)", other, res_str(ret));
	ret = uq_bind(fd, not_ng, O_RDONLY);
	uq_check(ret == -EINVAL, "binding to %s (not an ng node) fails with EINVAL (%s)", not_ng, res_str(ret));
	ret = uq_bind(fd, "/dev/null", O_RDWR);
	uq_check(ret == -EINVAL, "binding to /dev/null fails with EINVAL (%s)", res_str(ret));
	ret = uq_bind_fd(fd, -1);
	uq_check(ret == -EBADF, "binding to fd -1 fails with EBADF (%s)", res_str(ret));
	ret = read1(&ring, fd, id1, buf, 0);
	uq_check(ret == -EINVAL, "after the failed binds the queue is still unbound: EINVAL (%s)", res_str(ret));

	ret = uq_bind(fd, ns1, O_RDWR);
	uq_check(ret == 0, "binding to %s works (%s)", ns1, res_str(ret));
	info = uq_info(fd);
	uq_check(info.nsid == (unsigned int)id1, "NVME_UQ_IOCTL_INFO reports nsid %u (want %d)", info.nsid, id1);
	id = ioctl(fd, NVME_IOCTL_ID);
	uq_check(id == id1, "NVME_IOCTL_ID reports %d (want %d)", id, id1);
	ret = uq_bind(fd, ns2, O_RDWR);
	uq_check(ret == -EBUSY, "binding again (to %s) fails with EBUSY (%s)", ns2, res_str(ret));
	ret = uq_bind(fd, ns1, O_RDWR);
	uq_check(ret == -EBUSY, "binding again (to %s) fails with EBUSY (%s)", ns1, res_str(ret));
	id = ioctl(fd, NVME_IOCTL_ID);
	uq_check(id == id1, "still bound to nsid %d (%d)", id1, id);

	ret = read1(&ring, fd, id1, buf, 0);
	uq_check(ret == 0, "a read naming nsid %d works (%s)", id1, res_str(ret));
	ret = read1(&ring, fd, id2, buf, 0);
	uq_check(ret == -EINVAL, "a read naming nsid %d fails with EINVAL (%s)", id2, res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_WRITE, id2, buf, lbs, 0, 0, 0, 0);
	uq_check(ret == -EINVAL, "a write naming nsid %d fails with EINVAL (%s)", id2, res_str(ret));
	ret = read1(&ring, fd, 0, buf, 0);
	uq_check(ret == -EINVAL, "a read naming nsid 0 fails with EINVAL (%s)", res_str(ret));
	ret = read1(&ring, fd, 0xffffffff, buf, 0);
	uq_check(ret == -EINVAL, "a read naming nsid 0xffffffff (broadcast) fails with EINVAL (%s)", res_str(ret));
	ret = cmd(&ring, fd, OP_FLUSH, 0xffffffff, NULL, 0, 0, 0, 0, 0);
	uq_check(ret == -EINVAL, "a flush naming nsid 0xffffffff fails with EINVAL (%s)", res_str(ret));
	ret = read1(&ring, fd, id1, buf, 0);
	uq_check(ret == 0, "the queue still works for nsid %d (%s)", id1, res_str(ret));
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

static int check_ring(const char *q, const char *ns)
{
	struct io_uring a, b;
	char *buf = buffer(4096);
	int fd = open_queue(q), id = nsid_of(ns), ret;

	ret = uq_bind(fd, ns, O_RDWR);
	uq_check(ret == 0, "bound to %s (%s)", ns, res_str(ret));
	ring_init(&a);
	ring_init(&b);
	ret = read1(&a, fd, id, buf, 0);
	uq_check(ret == 0, "the first ring's read works (%s)", res_str(ret));
	ret = read1(&b, fd, id, buf, 0);
	uq_check(ret == -EXDEV, "a read from a second ring fails with EXDEV (%s)", res_str(ret));
	ret = read1(&a, fd, id, buf, 0);
	uq_check(ret == 0, "the first ring still works (%s)", res_str(ret));
	ret = read1(&b, fd, id, buf, 0);
	uq_check(ret == -EXDEV, "the second ring still gets EXDEV (%s)", res_str(ret));
	close(fd);
	/* a new owner: ring b submits first now */
	fd = open_queue(q);
	ret = uq_bind(fd, ns, O_RDWR);
	uq_check(ret == 0, "reopened and bound (%s)", res_str(ret));
	ret = read1(&b, fd, id, buf, 0);
	uq_check(ret == 0, "after close and reopen, the other ring owns the queue (%s)", res_str(ret));
	ret = read1(&a, fd, id, buf, 0);
	uq_check(ret == -EXDEV, "and the first ring gets EXDEV (%s)", res_str(ret));
	close(fd);
	io_uring_queue_exit(&a);
	io_uring_queue_exit(&b);
	return 0;
}

static int check_readonly(const char *q, const char *ns, int privileged)
{
	struct io_uring ring;
	char *buf = buffer(4096);
	int fd = open_queue(q), id = nsid_of(ns), ret;
	/* one DSM range: deallocate LBA 64, one block */
	uint32_t *range = (uint32_t *)buffer(4096);

	range[1] = 1;
	range[2] = 64;
	ret = uq_bind(fd, ns, O_RDONLY);
	uq_check(ret == 0, "bound to %s opened read-only (%s)", ns, res_str(ret));
	ring_init(&ring);
	ret = read1(&ring, fd, id, buf, 8);
	uq_check(ret == 0, "a read works (%s)", res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_WRITE, id, buf, lbs, 8, 0, 0, 0);
	if (privileged)
		uq_check(ret == 0, "with CAP_SYS_ADMIN at bind time, a write works (%s)", res_str(ret));
	else
		uq_check(ret == -EACCES, "without CAP_SYS_ADMIN, a write fails with EACCES (%s)", res_str(ret));
	if (!privileged) {
		ret = cmd(&ring, fd, OP_WRITE_ZEROES, id, NULL, 0, 8, 0, 0, 0);
		uq_check(ret == -EACCES, "Write Zeroes fails with EACCES (%s)", res_str(ret));
		ret = cmd(&ring, fd, OP_DSM, id, range, 16, 0, 0, 0, 0);
		uq_check(ret == -EACCES, "Dataset Management fails with EACCES (%s)", res_str(ret));
		ret = read1(&ring, fd, id, buf, 8);
		uq_check(ret == 0, "reads still work (%s)", res_str(ret));
	}
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

static int has_marker(const char *buf)
{
	return !memcmp(buf, MARKER, strlen(MARKER));
}

static int check_escape(const char *q, const char *ns1, const char *ns2, unsigned int id2,
			unsigned long long lba)
{
	struct io_uring ring;
	char *buf = buffer(4096);
	int fd, fd2, ret, id1, other;
	unsigned int id;

	uq_check(geteuid() != 0, "running without root (uid %u)", geteuid());
	fd2 = open(ns2, O_RDONLY);
	uq_check(fd2 < 0 && errno == EACCES, "%s cannot be opened (%s)", ns2, fd2 < 0 ? strerrorname_np(errno) : "it opened");
	if (fd2 >= 0)
		close(fd2);
	id1 = nsid_of(ns1);
	uq_check(id1 != (int)id2, "%s is nsid %d, %s nsid %u", ns1, id1, ns2, id2);
	fd = open_queue(q);
	ring_init(&ring);
	memset(buf, 0xaa, 4096);
	ret = read1(&ring, fd, id2, buf, lba);
	uq_check(ret == -EINVAL && !has_marker(buf), "unbound: a read naming nsid %u fails with EINVAL (%s)", id2,
	      res_str(ret));
	ret = uq_bind(fd, ns1, O_RDONLY);
	uq_check(ret == 0, "bound to %s (%s)", ns1, res_str(ret));
	ret = read1(&ring, fd, id2, buf, lba);
	uq_check(ret == -EINVAL, "a read naming nsid %u fails with EINVAL (%s)", id2, res_str(ret));
	uq_check(((unsigned char *)buf)[0] == 0xaa && !has_marker(buf), "the buffer is untouched (no data of nsid %u)",
	      id2);
	ret = cmd(&ring, fd, UQ_CMD_READ, id2, buf, 8 * lbs, lba & 0xffffffff, lba >> 32, 7, 0);
	uq_check(ret == -EINVAL && !has_marker(buf), "an 8-block read naming nsid %u fails with EINVAL (%s)", id2,
	      res_str(ret));
	for (id = 1, other = 0; id <= 8; id++) {
		if (id == (unsigned int)id1)
			continue;
		ret = read1(&ring, fd, id, buf, lba);
		if (ret != -EINVAL || has_marker(buf)) {
			uq_check(0, "a read naming nsid %u: %s, not EINVAL", id, res_str(ret));
			other++;
		}
	}
	uq_check(!other, "reads naming every other nsid from 1 to 8 fail with EINVAL");
	ret = read1(&ring, fd, id1, buf, lba);
	uq_check(ret == 0 && !has_marker(buf), "the same read naming the bound namespace works (%s)", res_str(ret));
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

static int check_lengths(const char *q, const char *ns, int privileged)
{
	struct io_uring ring;
	char *buf = buffer(65536);
	uint32_t *range = (uint32_t *)buffer(4096);
	unsigned char *desc = buffer(4096);
	int fd = open_queue(q), id = nsid_of(ns), ret;
	const char *who = privileged ? "with CAP_SYS_ADMIN" : "without CAP_SYS_ADMIN";

	ret = uq_bind(fd, ns, O_RDWR);
	uq_check(ret == 0, "bound to %s read-write (%s)", ns, res_str(ret));
	ring_init(&ring);

	/* Copy format 0, one range: 1 block from LBA 16 to LBA 32 */
	*(uint64_t *)(desc + 8) = htole64(16);
	*(uint16_t *)(desc + 16) = htole16(0);
	ret = cmd(&ring, fd, OP_COPY, id, desc, 32, 32, 0, 0, 0);
	/*
	 * The controller's answer is its own: QEMU 7.2 fails Copy with an
	 * Internal Error on the namespace of the controller's drive property
	 * (MSSRL 0), and performs it on nvme-ns namespaces.
	 */
	if (privileged)
		uq_check(ret >= 0, "%s, Copy gets past the opcode check to the controller (%s)", who, res_str(ret));
	else
		uq_check(ret == -EACCES, "%s, Copy (length not checkable) fails with EACCES (%s)", who, res_str(ret));
	/* Reservation Report: NUMD (dwords - 1) = 1023 for 4 KiB */
	ret = cmd(&ring, fd, OP_RESV_REPORT, id, buf, 4096, 1023, 0, 0, 0);
	if (privileged)
		uq_check(ret >= 0, "%s, Reservation Report reaches the controller (%s)", who, res_str(ret));
	else
		uq_check(ret == -EACCES, "%s, Reservation Report fails with EACCES (%s)", who, res_str(ret));
	if (!privileged) {
		/* Zone Management Receive: NUMD 1023, action Report Zones */
		ret = cmd(&ring, fd, OP_ZONE_MGMT_RECV, id, buf, 4096, 0, 0, 1023, 0);
		uq_check(ret == -EACCES, "%s, Zone Management Receive fails with EACCES (%s)", who, res_str(ret));
		ret = cmd(&ring, fd, 0x80, id, buf, 4096, 0, 0, 0, 0);
		uq_check(ret == -EACCES, "%s, a vendor specific opcode (0x80) fails with EACCES (%s)", who,
		      res_str(ret));
	}

	ret = cmd(&ring, fd, UQ_CMD_READ, id, buf, lbs, 0, 0, 0, 0);
	uq_check(ret == 0, "%s, a read of one block with data_len %d works (%s)", who, lbs, res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_READ, id, buf, 2 * lbs, 0, 0, 0, 0);
	uq_check(ret == -EINVAL, "%s, a read of one block with data_len %d fails with EINVAL (%s)", who, 2 * lbs,
	      res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_READ, id, buf, lbs, 0, 0, 1, 0);
	uq_check(ret == -EINVAL, "%s, a read of two blocks with data_len %d fails with EINVAL (%s)", who, lbs,
	      res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_READ, id, buf, 65536, 0, 0, 7, 0);
	uq_check(ret == -EINVAL, "%s, a read of 8 blocks with data_len 65536 fails with EINVAL (%s)", who,
	      res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_WRITE, id, buf, lbs / 2, 0, 0, 0, 0);
	uq_check(ret == -EINVAL, "%s, a write of one block with data_len %d fails with EINVAL (%s)", who, lbs / 2,
	      res_str(ret));

	/* DSM: NR (ranges - 1) in cdw10, Deallocate in cdw11; 16 bytes a range */
	range[1] = 1;
	range[2] = 64;
	ret = cmd(&ring, fd, OP_DSM, id, range, 32, 0, 4, 0, 0);
	uq_check(ret == -EINVAL, "%s, DSM of one range with data_len 32 fails with EINVAL (%s)", who, res_str(ret));
	ret = cmd(&ring, fd, OP_DSM, id, range, 16, 1, 4, 0, 0);
	uq_check(ret == -EINVAL, "%s, DSM of two ranges with data_len 16 fails with EINVAL (%s)", who, res_str(ret));
	ret = cmd(&ring, fd, OP_DSM, id, range, 16, 0, 4, 0, 0);
	uq_check(ret == 0, "%s, DSM of one range with data_len 16 works (%s)", who, res_str(ret));
	ret = cmd(&ring, fd, OP_FLUSH, id, buf, 4096, 0, 0, 0, 0);
	uq_check(ret == -EINVAL, "%s, Flush with a 4096-byte buffer fails with EINVAL (%s)", who, res_str(ret));
	ret = cmd(&ring, fd, OP_FLUSH, id, NULL, 0, 0, 0, 0, 0);
	uq_check(ret == 0, "%s, Flush without data works (%s)", who, res_str(ret));
	ret = cmd(&ring, fd, OP_WRITE_ZEROES, id, buf, 4096, 0, 0, 0, 0);
	uq_check(ret == -EINVAL, "%s, Write Zeroes with a buffer fails with EINVAL (%s)", who, res_str(ret));
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

static int check_handoff(const char *q, const char *ns, uid_t uid)
{
	struct io_uring ring;
	char *buf = buffer(4096);
	unsigned char *desc = buffer(4096);
	int fd, id = nsid_of(ns), ret;

	uq_check(geteuid() == 0, "bound by root (uid %u)", geteuid());
	fd = open_queue(q);
	ret = uq_bind(fd, ns, O_RDONLY);
	uq_check(ret == 0, "bound to %s opened read-only, with CAP_SYS_ADMIN (%s)", ns, res_str(ret));
	drop_to(uid);
	ring_init(&ring);
	ret = read1(&ring, fd, id, buf, 8);
	uq_check(ret == 0, "as uid %u, a read works (%s)", uid, res_str(ret));
	ret = cmd(&ring, fd, UQ_CMD_WRITE, id, buf, lbs, 8, 0, 0, 0);
	uq_check(ret == -EACCES, "as uid %u, a write fails with EACCES though root bound the queue (%s)", uid,
	      res_str(ret));
	*(uint64_t *)(desc + 8) = htole64(16);
	ret = cmd(&ring, fd, OP_COPY, id, desc, 32, 32, 0, 0, 0);
	uq_check(ret == -EACCES, "as uid %u, Copy fails with EACCES (%s)", uid, res_str(ret));
	ret = cmd(&ring, fd, 0x80, id, buf, 4096, 0, 0, 0, 0);
	uq_check(ret == -EACCES, "as uid %u, a vendor specific opcode (0x80) fails with EACCES (%s)", uid,
	      res_str(ret));
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}

/* become UID: no supplementary groups, GID = UID, no capabilities left */
static void drop_to(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
		fprintf(stderr, "%s: dropping to uid %u: %s\n", prog, uid, strerror(errno));
		exit(1);
	}
	if (geteuid() != uid || !setresuid(0, 0, 0)) {
		fprintf(stderr, "%s: still privileged after dropping to uid %u\n", prog, uid);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *check_name, *q;
	int privileged, opt;
	long uid = -1;
	char *end;

	while ((opt = getopt(argc, argv, "+u:p")) != -1) {
		switch (opt) {
		case 'u':
			uid = strtol(optarg, &end, 0);
			if (*end || uid <= 0)
				return usage("-u takes a non-zero uid");
			break;
		case 'p':
			poll_ring = 1;
			break;
		default:
			return usage("unknown option");
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 2)
		return usage("missing CHECK or QUEUE");
	check_name = argv[0];
	q = argv[1];
	if (getenv("UQ_LBS"))
		lbs = atoi(getenv("UQ_LBS"));
	if (lbs != 512 && lbs != 4096)
		return usage("UQ_LBS must be 512 or 4096");
	if (uid > 0)
		drop_to(uid);
	privileged = geteuid() == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(check_name, "open") && argc == 2)
		check_open(q);
	else if (!strcmp(check_name, "bind") && argc == 6)
		check_bind(q, argv[2], argv[3], argv[4], argv[5]);
	else if (!strcmp(check_name, "ring") && argc == 3)
		check_ring(q, argv[2]);
	else if (!strcmp(check_name, "readonly") && argc == 3)
		check_readonly(q, argv[2], privileged);
	else if (!strcmp(check_name, "escape") && argc == 6)
		check_escape(q, argv[2], argv[3], strtoul(argv[4], NULL, 0), strtoull(argv[5], NULL, 0));
	else if (!strcmp(check_name, "lengths") && argc == 3)
		check_lengths(q, argv[2], privileged);
	else if (!strcmp(check_name, "handoff") && argc == 4 && uid < 0)
		check_handoff(q, argv[2], strtoul(argv[3], NULL, 0));
	else
		return usage("unknown CHECK or wrong number of arguments");
	return uq_failures ? 1 : 0;
}
