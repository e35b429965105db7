// SPDX-License-Identifier: GPL-2.0
/* profile: a sampling profile of the measured process on the cpu-clock
 * software event (the lab has no hardware PMU), keyed by kernel stack.
 * A sample taken in user mode has no kernel stack and is counted apart.
 */
#include <linux/bpf.h>
#include <linux/bpf_perf_event.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define QB_STACK_DEPTH 127

const volatile __u32 targ_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__uint(value_size, QB_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u64);
} kstack_samples SEC(".maps");

/* 0: user-mode samples, 1: samples whose stack could not be stored,
 * 2: samples of other tasks (ignored), 3: samples seen in the process */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} tallies SEC(".maps");

static __always_inline void tally(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&tallies, &k);

	if (v)
		(*v)++;
}

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 one = 1, *v;
	long id;
	__u32 key;

	if ((__u32)(bpf_get_current_pid_tgid() >> 32) != targ_tgid) {
		tally(2);
		return 0;
	}
	tally(3);
	id = bpf_get_stackid(ctx, &stacks, 0);
	if (id == -14 /* -EFAULT: no kernel stack, the sample is in user mode */) {
		tally(0);
		return 0;
	}
	if (id < 0) {
		tally(1);
		return 0;
	}
	key = (__u32)id;
	v = bpf_map_lookup_elem(&kstack_samples, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&kstack_samples, &key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
