/* The kernel functions the kcount probe counts, shared by kcount.bpf.c and
 * its loader (X-macro: one line per function, in report order).
 *
 * KPOLL(id, name): a poll function; its return value tells whether the poll
 *   found a completion (0: found nothing, a useless poll).
 * KCALL(id, name): a block-layer function whose calls are counted.
 *
 * The poll entry points are bio_poll (block path) and blk_rq_poll
 * (passthrough); the layers between them and nvme_poll (iocb_bio_iopoll,
 * blk_mq_poll, blk_hctx_poll) are left out: each fexit costs time on every
 * poll, and nvme_poll already says whether a poll found work.
 * Names come from the RFC's perf profile (blk_stat_add, the blkg functions,
 * rcu lock/unlock, nvme_poll, xas_load, ...), the poll entry points of
 * Linux 6.12 and the user-queue poll function of kernel-patch/0003
 * (nvme_uq_iopoll). A name absent on the running kernel is reported as
 * unavailable, never an error.
 */
#ifndef QB_PROBES_KFUNCS_H
#define QB_PROBES_KFUNCS_H

#define QB_KFUNCS(KPOLL, KCALL)                  \
	KPOLL(0, nvme_poll)                      \
	KPOLL(1, nvme_poll_cq)                   \
	KPOLL(2, nvme_ns_chr_uring_cmd_iopoll)   \
	KPOLL(3, nvme_uq_iopoll)                 \
	KPOLL(4, blk_rq_poll)                    \
	KPOLL(5, bio_poll)                       \
	KPOLL(6, blk_mq_poll_classic)            \
	KCALL(7, blk_mq_start_request)           \
	KCALL(8, blk_stat_add)                   \
	KCALL(9, bio_associate_blkg)             \
	KCALL(10, bio_associate_blkg_from_css)   \
	KCALL(11, blkg_lookup_create)            \
	KCALL(12, blk_cgroup_bio_start)          \
	KCALL(13, __rq_qos_issue)                \
	KCALL(14, __rcu_read_lock)               \
	KCALL(15, __rcu_read_unlock)             \
	KCALL(16, xas_load)                      \
	KCALL(17, xas_start)

#define QB_KFUNC_MAX 18

/* Per function and CPU; "other" counts calls from outside the measured
 * process (interrupts taken while another task ran, other I/O). */
struct qb_kcount {
	unsigned long long calls;
	unsigned long long empty;
	unsigned long long other_calls;
	unsigned long long other_empty;
};

#endif
