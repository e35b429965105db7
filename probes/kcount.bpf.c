// SPDX-License-Identifier: GPL-2.0
/* kcount: calls of the poll and block-layer functions listed in kfuncs.h,
 * and, for the poll functions, how many returned nothing.
 *
 * Every function has an fentry/fexit program and a kprobe/kretprobe one;
 * the loader keeps one of the two through bpf_program__set_autoload()
 * (fentry where BTF and the ftrace trampoline allow it, as bcc's vfsstat
 * does). fexit reads the return value with bpf_get_func_ret() (Linux 5.17,
 * commit f92c1e183604), so no argument count is hard-coded here.
 */
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "kfuncs.h"

const volatile __u32 targ_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, QB_KFUNC_MAX);
	__type(key, __u32);
	__type(value, struct qb_kcount);
} counts SEC(".maps");

static __always_inline int own(void)
{
	return (__u32)(bpf_get_current_pid_tgid() >> 32) == targ_tgid;
}

static __always_inline void count_call(__u32 id)
{
	struct qb_kcount *c = bpf_map_lookup_elem(&counts, &id);

	if (!c)
		return;
	if (own())
		c->calls++;
	else
		c->other_calls++;
}

static __always_inline void count_ret(__u32 id, long ret)
{
	struct qb_kcount *c = bpf_map_lookup_elem(&counts, &id);

	if (!c)
		return;
	if (own()) {
		c->calls++;
		if (ret == 0)
			c->empty++;
	} else {
		c->other_calls++;
		if (ret == 0)
			c->other_empty++;
	}
}

#define QB_POLL_PROGS(id, fn)                                  \
	SEC("fexit/" #fn)                                      \
	int fx_##fn(void *ctx)                                 \
	{                                                      \
		__u64 ret = 0;                                 \
		bpf_get_func_ret(ctx, &ret);                   \
		count_ret(id, (int)ret);                       \
		return 0;                                      \
	}                                                      \
	SEC("kretprobe/" #fn)                                  \
	int kr_##fn(struct pt_regs *ctx)                       \
	{                                                      \
		count_ret(id, (int)PT_REGS_RC(ctx));           \
		return 0;                                      \
	}

#define QB_CALL_PROGS(id, fn)                                  \
	SEC("fentry/" #fn)                                     \
	int fe_##fn(void *ctx)                                 \
	{                                                      \
		count_call(id);                                \
		return 0;                                      \
	}                                                      \
	SEC("kprobe/" #fn)                                     \
	int kp_##fn(struct pt_regs *ctx)                       \
	{                                                      \
		count_call(id);                                \
		return 0;                                      \
	}

QB_KFUNCS(QB_POLL_PROGS, QB_CALL_PROGS)

char LICENSE[] SEC("license") = "GPL";
