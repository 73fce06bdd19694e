// SPDX-License-Identifier: (MIT OR GPL-2.0)
//go:build ignore
/*
 * runqlat: CPU scheduler run-queue latency, the time from a task becoming
 * runnable (sched_wakeup, sched_wakeup_new, or being preempted while still
 * runnable at sched_switch) to it running (sched_switch to it), as a log2
 * histogram in microseconds, in the manner of bcc's runqlat.
 *
 * hists holds two histograms of MAX_SLOTS slots: the whole host first, then
 * the tasks of one process (thread group targ_tgid), when targ_tgid is set.
 * The counts are cumulative and per CPU; user space sums the CPUs and takes
 * differences once a second. Every program exists as tp_btf and raw_tp; the
 * loader picks one set.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "hist.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define TASK_RUNNING 0

/* targ_tgid is the process whose tasks also count in the second histogram. */
const volatile __u32 targ_tgid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);   /* pid (thread id) */
	__type(value, __u64); /* when it became runnable, ns */
} runnable SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hists SEC(".maps");

static __always_inline long task_state(struct task_struct *t)
{
	if (bpf_core_field_exists(t->__state))
		return BPF_CORE_READ(t, __state);
	return BPF_CORE_READ((struct task_struct___state *)t, state);
}

static __always_inline int enqueued(struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid);
	__u64 ts;

	if (!pid) /* the idle task */
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&runnable, &pid, &ts, BPF_ANY);
	return 0;
}

static __always_inline void count(__u32 index)
{
	__u64 *c = bpf_map_lookup_elem(&hists, &index);

	if (c)
		__sync_fetch_and_add(c, 1);
}

static __always_inline int switched(struct task_struct *prev, struct task_struct *next)
{
	__u32 pid, slot;
	__u64 *ts, now;

	if (task_state(prev) == TASK_RUNNING)
		enqueued(prev);

	pid = BPF_CORE_READ(next, pid);
	if (!pid)
		return 0;
	ts = bpf_map_lookup_elem(&runnable, &pid);
	if (!ts)
		return 0;
	now = bpf_ktime_get_ns();
	if (now > *ts) {
		slot = log2_slot((now - *ts) / 1000);
		count(slot);
		if (targ_tgid && (__u32)BPF_CORE_READ(next, tgid) == targ_tgid)
			count(MAX_SLOTS + slot);
	}
	bpf_map_delete_elem(&runnable, &pid);
	return 0;
}

/* sched_wakeup(struct task_struct *p), sched_wakeup_new(struct task_struct *p) */
SEC("tp_btf/sched_wakeup")
int tp_btf_sched_wakeup(__u64 *ctx) { return enqueued((struct task_struct *)ctx[0]); }

SEC("tp_btf/sched_wakeup_new")
int tp_btf_sched_wakeup_new(__u64 *ctx) { return enqueued((struct task_struct *)ctx[0]); }

/* sched_switch(bool preempt, struct task_struct *prev, struct task_struct *next[, unsigned int prev_state]) */
SEC("tp_btf/sched_switch")
int tp_btf_sched_switch(__u64 *ctx)
{
	return switched((struct task_struct *)ctx[1], (struct task_struct *)ctx[2]);
}

SEC("raw_tp/sched_wakeup")
int raw_tp_sched_wakeup(__u64 *ctx) { return enqueued((struct task_struct *)ctx[0]); }

SEC("raw_tp/sched_wakeup_new")
int raw_tp_sched_wakeup_new(__u64 *ctx) { return enqueued((struct task_struct *)ctx[0]); }

SEC("raw_tp/sched_switch")
int raw_tp_sched_switch(__u64 *ctx)
{
	return switched((struct task_struct *)ctx[1], (struct task_struct *)ctx[2]);
}
