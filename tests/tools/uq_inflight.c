// SPDX-License-Identifier: MIT
/*
 * uq_inflight: put reads in flight on user queues, run a command while they
 * are in flight (one that resets or removes the controller), and report how
 * each read completed.
 *
 * usage: uq_inflight [-i IRQDEV] [-p POLLDEV] [-x CMD | -g CTRL] LBA_SIZE N
 *   -i IRQDEV   a user_irq queue (plain ring)
 *   -p POLLDEV  a user_poll queue (IOPOLL ring)
 *   -x CMD      shell command run once the reads are submitted; its exit
 *               status is printed
 *   -g CTRL     once the reads are submitted, make controller CTRL
 *               (/sys/class/nvme/nvmeX) look gone and reset it, from this
 *               process so that it happens within milliseconds: clear
 *               Memory Space Enable in its PCI command register (every
 *               register then reads all ones, as after a surprise link
 *               loss), then write 1 to its reset_controller, which returns
 *               once the reset is done (the reset enables the device again)
 *
 * Submits N one-LBA reads on each queue given, runs CMD, then waits up to
 * 120 s for every completion and prints per queue
 * "INFLIGHT DEV: N completions: N ok, N EINTR, N other (N before CMD)",
 * where "before CMD" counts completions already there when CMD started, and
 * one line per other result.
 * Exit: 0 when every read completed (whatever its status), 1 when one did
 * not, 2 bad usage.
 */
#include <sys/wait.h>

#include "uq_common.h"

struct q {
	const char *dev;
	int poll, fd, nsid;
	struct io_uring ring;
	unsigned int got, ok, eintr, other, early;
	char *bufs;
};

/* -g: switch memory decoding off, then reset; 0 on success */
static int gone_and_reset(const char *ctrl)
{
	char path[512];
	uint16_t cmd;
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/device/config", ctrl);
	fd = open(path, O_RDWR);
	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2) {
		perror(path);
		return -1;
	}
	cmd &= ~2; /* PCI_COMMAND_MEMORY; the register is little endian, as x86 */
	if (pwrite(fd, &cmd, 2, 4) != 2) {
		perror(path);
		ret = -1;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/reset_controller", ctrl);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		perror(path);
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

static void harvest(struct q *q)
{
	struct io_uring_cqe *cqe;
	unsigned int head, seen = 0;

	io_uring_for_each_cqe(&q->ring, head, cqe) {
		seen++;
		if (cqe->res == 0) {
			q->ok++;
		} else if (cqe->res == -EINTR) {
			q->eintr++;
		} else {
			q->other++;
			printf("%s: read %llu: %s %d\n", q->dev, (unsigned long long)cqe->user_data,
			       cqe->res < 0 ? strerror(-cqe->res) : "NVMe status", cqe->res);
		}
	}
	io_uring_cq_advance(&q->ring, seen);
	q->got += seen;
}

int main(int argc, char **argv)
{
	struct q qs[2];
	unsigned int lbs, n, i, nq = 0, j;
	const char *cmd = NULL, *gone = NULL;
	int opt, ret, all;
	double t0;

	memset(qs, 0, sizeof(qs));
	while ((opt = getopt(argc, argv, "i:p:x:g:")) != -1) {
		switch (opt) {
		case 'i':
		case 'p':
			if (nq == 2)
				return 2;
			qs[nq].dev = optarg;
			qs[nq++].poll = opt == 'p';
			break;
		case 'x': cmd = optarg; break;
		case 'g': gone = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || !nq) {
		fprintf(stderr, "usage: uq_inflight [-i IRQDEV] [-p POLLDEV] [-x CMD | -g CTRL] LBA_SIZE N\n");
		return 2;
	}
	lbs = strtoul(argv[optind], NULL, 0);
	n = strtoul(argv[optind + 1], NULL, 0);
	if (!n || n > 1024 || (lbs != 512 && lbs != 4096))
		return 2;
	for (j = 0; j < nq; j++) {
		struct q *q = &qs[j];

		q->fd = uq_open(q->dev, &q->nsid);
		uq_ring(&q->ring, n, q->poll);
		if (posix_memalign((void **)&q->bufs, 4096, (size_t)n * 4096))
			return 1;
	}
	t0 = uq_now();
	for (j = 0; j < nq; j++) {
		struct q *q = &qs[j];

		for (i = 0; i < n; i++)
			uq_prep(io_uring_get_sqe(&q->ring), q->fd, q->nsid, UQ_CMD_READ,
				q->bufs + (size_t)i * 4096, lbs, i, 1, i);
		ret = q->poll ? uq_submit_nopoll(&q->ring) : io_uring_submit(&q->ring);
		if (ret != (int)n) {
			fprintf(stderr, "uq_inflight: %s: submitting %u reads returned %d\n", q->dev, n, ret);
			return 1;
		}
	}
	printf("submitted %u on each queue\n", n);
	fflush(stdout);
	if (cmd || gone) {
		double t1;

		for (j = 0; j < nq; j++) {
			harvest(&qs[j]);
			qs[j].early = qs[j].got;
		}
		t1 = uq_now() - t0;
		ret = gone ? gone_and_reset(gone) : system(cmd);
		if (!gone)
			ret = WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
		printf("%s %s: started %.3f s after submitting, status %d after %.2f s\n",
		       gone ? "gone and reset" : "command", gone ? gone : cmd, t1, ret, uq_now() - t0);
	}
	do {
		all = 1;
		for (j = 0; j < nq; j++) {
			struct q *q = &qs[j];

			if (q->got == n)
				continue;
			all = 0;
			/* an IOPOLL ring completes only when asked to poll */
			if (q->poll)
				io_uring_enter(q->ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, NULL);
			harvest(q);
		}
		if (!all)
			usleep(1000);
	} while (!all && uq_now() - t0 < 120);
	for (j = 0; j < nq; j++)
		printf("INFLIGHT %s: %u completions: %u ok, %u EINTR, %u other (%u before the command)\n",
		       qs[j].dev, qs[j].got, qs[j].ok, qs[j].eintr, qs[j].other, qs[j].early);
	printf("all completed after %.2f s\n", uq_now() - t0);
	return all ? 0 : 1;
}
