// SPDX-License-Identifier: MIT
/*
 * uq_load: keep more commands in flight than a queue holds and check that
 * none is lost, doubled or corrupted.
 *
 * usage: uq_load [-p] [-b] [-q INFLIGHT] [-s SEED] write|read DEV LBA_SIZE START COUNT
 *   -p           IOPOLL ring (a user_poll queue, or polled ng I/O)
 *   -b           expect backpressure: at least one command must fail with
 *                -EBUSY (a user queue given more than it holds)
 *   -q INFLIGHT  commands kept submitted at once (default 64)
 *   -s SEED      data pattern seed (default 1)
 *   write        write one LBA per command, LBAs START..START+COUNT-1,
 *                each stamped with its LBA and the seed
 *   read         read them back the same way and check every word
 *
 * A command that fails with -EBUSY (the queue's command table is full) is
 * submitted again until it succeeds; any other error fails the run. Every
 * submission must get exactly one CQE (tracked per slot), every LBA must end
 * with status 0, and reads must carry the pattern written with the same
 * seed. DEV may be any passthrough char device (/dev/nvmeXuqN, /dev/ngXnY),
 * so data written through one can be checked through another. On a user
 * queue (bound to $UQ_NS or namespace 1 of its controller), the CQ head
 * and phase that the queue's state page publishes must have advanced by
 * exactly the commands the controller completed (modulo twice the depth,
 * the period of head and phase): a command lost or completed twice shows
 * there even when io_uring's completions look right; and the state page's
 * submitted and completed counters must have moved by that many too.
 * Prints "LOAD: N ok, N EBUSY, N submitted, N in flight at most,
 * N mismatches, N errors".
 * Exit: 0 pass, 1 fail, 2 bad usage.
 */
#include "uq_common.h"

struct slot {
	int busy;
	unsigned long long lba;
};

static uint64_t word(unsigned long long seed, unsigned long long lba, unsigned int i)
{
	return (seed * 0x9E3779B97F4A7C15ULL) ^ (lba << 20) ^ i;
}

static int usage(void)
{
	fprintf(stderr, "usage: uq_load [-p] [-b] [-q INFLIGHT] [-s SEED] write|read DEV LBA_SIZE START COUNT\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, start, count, next, *retry, nretry = 0, done = 0;
	unsigned long long ok = 0, busy = 0, busy_seen = 0, errors = 0, mismatches = 0, submitted = 0;
	unsigned int inflight = 64, lbs, i, outstanding = 0, most = 0;
	int poll = 0, want_busy = 0, write, fd, nsid, opt, ret;
	unsigned long long nvme_errors = 0;
	uint32_t hp0 = 0, gen0 = 0;
	long long sub0 = 0, comp0 = 0;
	const char *dev, *base;
	int uq;
	struct io_uring ring;
	struct uq_map m = { 0 };
	struct slot *slots;
	char *bufs;

	while ((opt = getopt(argc, argv, "pbq:s:")) != -1) {
		switch (opt) {
		case 'p': poll = 1; break;
		case 'b': want_busy = 1; break;
		case 'q': inflight = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: return usage();
		}
	}
	if (argc - optind != 5 || !inflight || inflight > 4096)
		return usage();
	if (strcmp(argv[optind], "write") && strcmp(argv[optind], "read"))
		return usage();
	write = !strcmp(argv[optind], "write");
	lbs = strtoul(argv[optind + 2], NULL, 0);
	start = strtoull(argv[optind + 3], NULL, 0);
	count = strtoull(argv[optind + 4], NULL, 0);
	if ((lbs != 512 && lbs != 4096) || !count)
		return usage();

	dev = argv[optind + 1];
	base = strrchr(dev, '/');
	uq = strstr(base ? base + 1 : dev, "uq") != NULL;
	if (uq) {
		fd = uq_open(dev, &nsid);
		uq_map(fd, &m);
		gen0 = m.st->generation;
		hp0 = uq_head_phase(&m);
		sub0 = uq_counter(&m, "submitted");
		comp0 = uq_counter(&m, "completed");
	} else {
		fd = open(dev, O_RDWR);
		if (fd < 0) {
			perror(dev);
			return 1;
		}
		nsid = ioctl(fd, NVME_IOCTL_ID);
		if (nsid <= 0) {
			fprintf(stderr, "uq_load: %s: NVME_IOCTL_ID: %s\n", dev, strerror(errno));
			return 1;
		}
	}
	uq_ring(&ring, inflight, poll);
	slots = calloc(inflight, sizeof(*slots));
	retry = calloc(count, sizeof(*retry));
	if (!slots || !retry || posix_memalign((void **)&bufs, 4096, (size_t)inflight * 4096))
		return 1;

	next = start;
	while (done < count) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0;

		/* fill every idle slot: retries first, then new LBAs */
		for (i = 0; i < inflight; i++) {
			unsigned long long lba;
			struct io_uring_sqe *sqe;
			uint64_t *w;
			unsigned int k;

			if (slots[i].busy)
				continue;
			if (nretry)
				lba = retry[--nretry];
			else if (next < start + count)
				lba = next++;
			else
				break;
			sqe = io_uring_get_sqe(&ring);
			if (!sqe) {
				fprintf(stderr, "uq_load: SQ ring full\n");
				return 1;
			}
			w = (uint64_t *)(bufs + (size_t)i * 4096);
			if (write)
				for (k = 0; k < lbs / 8; k++)
					w[k] = word(seed, lba, k);
			else
				memset(w, 0xa5, lbs);
			uq_prep(sqe, fd, nsid, write ? UQ_CMD_WRITE : UQ_CMD_READ, w, lbs, lba, 1, i);
			slots[i].busy = 1;
			slots[i].lba = lba;
			outstanding++;
			submitted++;
		}
		if (outstanding > most)
			most = outstanding;
		ret = io_uring_submit(&ring);
		if (ret < 0) {
			fprintf(stderr, "uq_load: submit: %s\n", strerror(-ret));
			return 1;
		}
		ret = uq_wait(&ring, &cqe, 60);
		if (ret) {
			fprintf(stderr, "uq_load: no completion for 60 s with %u commands outstanding: %s\n",
				outstanding, strerror(-ret));
			return 1;
		}
harvest:
		seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			unsigned long long tag = cqe->user_data;
			struct slot *s;

			seen++;
			if (tag >= inflight || !slots[tag].busy) {
				fprintf(stderr, "uq_load: completion for idle slot %llu (res %d)\n", tag, cqe->res);
				errors++;
				continue;
			}
			s = &slots[tag];
			s->busy = 0;
			outstanding--;
			if (cqe->res == -EBUSY) {
				busy++;
				retry[nretry++] = s->lba;
				continue;
			}
			if (cqe->res != 0) {
				if (cqe->res > 0)
					nvme_errors++;
				if (errors++ < 5)
					fprintf(stderr, "uq_load: LBA %llu: %s %d\n", s->lba,
						cqe->res < 0 ? strerror(-cqe->res) : "NVMe status", cqe->res);
				done++;
				continue;
			}
			ok++;
			done++;
			if (!write) {
				uint64_t *w = (uint64_t *)(bufs + tag * 4096);
				unsigned int k;

				for (k = 0; k < lbs / 8; k++)
					if (w[k] != word(seed, s->lba, k))
						break;
				if (k < lbs / 8 && mismatches++ < 5)
					fprintf(stderr, "uq_load: LBA %llu: word %u is %#llx, expected %#llx\n",
						s->lba, k, (unsigned long long)w[k],
						(unsigned long long)word(seed, s->lba, k));
			}
		}
		io_uring_cq_advance(&ring, seen);
		/*
		 * After a refusal, wait for a real completion with nothing new
		 * submitted: resubmitting at once would keep an IOPOLL ring from
		 * ever polling (io_uring does not poll while its CQ holds events,
		 * and every refusal posts one), and the accepted commands would
		 * sit in the CQ until they time out.
		 */
		if (busy > busy_seen && outstanding) {
			busy_seen = busy;
			ret = uq_wait(&ring, &cqe, 60);
			if (ret) {
				fprintf(stderr, "uq_load: no completion for 60 s with %u commands outstanding: %s\n",
					outstanding, strerror(-ret));
				return 1;
			}
			goto harvest;
		}
		busy_seen = busy;
	}
	printf("LOAD: %llu ok, %llu EBUSY, %llu submitted, %u in flight at most, %llu mismatches, %llu errors\n",
	       ok, busy, submitted, most, mismatches, errors);
	if (uq) {
		/*
		 * Every command the controller completed consumed one CQ
		 * entry: head + depth * (wraps) advanced by that many, and
		 * head and phase repeat every 2 * depth entries.
		 */
		uint32_t hp1 = uq_head_phase(&m), period = 2 * m.depth;
		unsigned long long pos0 = (hp0 & 0xffff) + (unsigned long long)m.depth * (1 - ((hp0 >> 16) & 1));
		unsigned long long pos1 = (hp1 & 0xffff) + (unsigned long long)m.depth * (1 - ((hp1 >> 16) & 1));
		unsigned long long moved = (pos1 + period - pos0) % period, want = (ok + nvme_errors) % period;

		printf("CQ head %u/%u -> %u/%u: %llu entries consumed (mod %u), %llu commands completed by the controller\n",
		       hp0 & 0xffff, (hp0 >> 16) & 1, hp1 & 0xffff, (hp1 >> 16) & 1, moved, period, ok + nvme_errors);
		if (m.st->generation != gen0) {
			fprintf(stderr, "uq_load: the queue was created again during the run (generation %u -> %u)\n",
				gen0, m.st->generation);
			errors++;
		} else if (moved != want) {
			fprintf(stderr, "uq_load: the CQ head moved by %llu (mod %u), not %llu\n", moved, period, want);
			errors++;
		}
		/* the state page's counters: what the queue accepted and completed */
		{
			long long sub = uq_counter(&m, "submitted") - sub0, comp = uq_counter(&m, "completed") - comp0;

			printf("queue counters: submitted +%lld, completed +%lld\n", sub, comp);
			if (sub != (long long)(ok + nvme_errors) || comp != sub) {
				fprintf(stderr, "uq_load: the queue counted %lld submitted and %lld completed, not %llu\n",
					sub, comp, ok + nvme_errors);
				errors++;
			}
		}
	}
	if (outstanding)
		fprintf(stderr, "uq_load: %u commands still outstanding\n", outstanding);
	if (want_busy && !busy)
		fprintf(stderr, "uq_load: expected some commands to fail with EBUSY, none did\n");
	io_uring_queue_exit(&ring);
	return (ok == count && !errors && !mismatches && !outstanding && (busy || !want_busy)) ? 0 : 1;
}
