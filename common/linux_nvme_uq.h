/* SPDX-License-Identifier: MIT */
/*
 * The NVMe user queue ABI, from the kernel patch series in kernel-patch/
 * (include/uapi/linux/nvme_ioctl.h and
 * Documentation/userspace-api/nvme-user-queues.rst). Distribution headers do
 * not have it yet; when they do, theirs is used and these definitions drop
 * out. The one place the project defines them: the tool and the lab's test
 * programs (C) both include this file.
 */
#ifndef QB_COMMON_LINUX_NVME_UQ_H
#define QB_COMMON_LINUX_NVME_UQ_H

#include <linux/nvme_ioctl.h>
#include <linux/types.h>
#include <sys/ioctl.h>

#ifndef NVME_UQ_IOCTL_BIND
/* NVME_UQ_IOCTL_BIND: bind the queue to the namespace of an open ng file */
struct nvme_uq_bind {
	__u32 size;	/* sizeof(struct nvme_uq_bind) */
	__u32 flags;	/* none defined yet: 0 */
	__s32 ns_fd;	/* an open /dev/ng<X>n<Y> of the same controller */
	__u32 rsvd;	/* 0 */
};

/* NVME_UQ_IOCTL_INFO: the queue's identity and its mmap layout */
struct nvme_uq_info {
	__u32 size;	/* in: room for; out: bytes the kernel filled */
	__u32 flags;	/* NVME_UQ_INFO_* */
	__u32 qid;	/* hardware queue id, 0 while the queue is down */
	__u32 depth;	/* SQ and CQ entries; depth - 1 in flight */
	__u32 nsid;	/* bound namespace, 0 if not bound */
	__u32 rsvd;
	__u64 state_offset;	/* mmap offset of struct nvme_uq_state */
	__u64 state_size;	/* its mapping's length */
	__u64 cq_offset;	/* mmap offset of the completion queue */
	__u64 cq_size;		/* its mapping's length */
	__u32 max_data_bytes;	/* largest transfer of one command */
	__u32 max_segments;	/* most pages one command's data may touch */
};

/* The state page, read-only to user space */
struct nvme_uq_state {
	__u32 size;		/* bytes of this structure the kernel fills */
	__u32 flags;		/* NVME_UQ_STATE_* */
	__u32 qid;		/* hardware queue id, 0 while the queue is down */
	__u32 depth;		/* entries in the CQ */
	__u32 cq_head_phase;	/* bits 15:0 CQ head, bit 16 expected phase */
	__u32 generation;	/* incremented whenever the queue is created */
	__u32 rsvd0[10];
	/* statistics of the current owner, on a cache line of their own */
	__u64 submitted;	/* commands placed on the SQ */
	__u64 completed;	/* completions reaped, and commands cancelled */
	__u64 polls;		/* polls of a user_poll queue by its ring */
	__u64 empty_polls;	/* of those, polls that found no completion */
	__u64 rsvd1[4];
};

#define NVME_UQ_INFO_POLLED (1U << 0)	  /* a user_poll queue */
#define NVME_UQ_INFO_SGL (1U << 1)	  /* data is described by SGLs */
#define NVME_UQ_INFO_WRITABLE (1U << 2)	  /* bound with a writable ng fd */
#define NVME_UQ_INFO_PRIVILEGED (1U << 3) /* the binding is privileged */
#define NVME_UQ_STATE_LIVE (1U << 0)	  /* the queue takes commands */
#define NVME_UQ_IOCTL_BIND _IOW('N', 0x60, struct nvme_uq_bind)
#define NVME_UQ_IOCTL_INFO _IOWR('N', 0x61, struct nvme_uq_info)
#endif

#endif /* QB_COMMON_LINUX_NVME_UQ_H */
