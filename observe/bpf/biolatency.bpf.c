// SPDX-License-Identifier: (MIT OR GPL-2.0)
//go:build ignore
/*
 * biolatency: block I/O latency and size histograms per disk and operation,
 * in the manner of bcc's biolatency and bitesize.
 *
 * block_rq_insert stamps a request when it enters the I/O scheduler,
 * block_rq_issue when the driver gets it, block_rq_complete when the device
 * answers. Each completion adds one count to a log2 histogram slot: device
 * time (issue to complete) in microseconds; queue time (insert to issue) for
 * requests that went through a scheduler queue; size in bytes at issue.
 *
 * The counts are cumulative and never reset: user space reads the map once a
 * second and takes differences, so no increment is lost between two reads.
 * Every program exists twice, as tp_btf (BTF-enabled raw tracepoint, Linux
 * 5.5+) and raw_tp (Linux 4.17+); the loader picks one set.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "hist.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Histogram kinds, see Kind in biolatency_linux.go. */
enum hist_kind {
	KIND_DEVICE = 0,
	KIND_QUEUE = 1,
	KIND_SIZE = 2,
};

/* REQ_OP_MASK: the operation is the low 8 bits of cmd_flags since Linux 4.10. */
#define REQ_OP_MASK 0xff

struct hist_key {
	__u32 dev; /* the disk as the kernel's MKDEV(major, first_minor) */
	__u8 op;   /* REQ_OP_*: 0 read, 1 write, 2 flush, 3 discard, ... */
	__u8 kind; /* enum hist_kind */
	__u8 slot; /* log2 bucket */
	__u8 pad;
};

/*
 * stamps are a request's times, and its disk and operation as they were at
 * issue: the completion reports them as issued, so a request whose flags
 * change on the way (the flush machinery's) is still counted where it was
 * sized, and the completion reads nothing from the request.
 */
struct stamps {
	__u64 insert_ns;
	__u64 issue_ns;
	__u32 dev;
	__u8 op;
	__u8 pad[3];
};

/*
 * rq_arg is the index of the struct request * argument of block_rq_insert and
 * block_rq_issue: 1 where they still take (struct request_queue *q, struct
 * request *rq) as before Linux 5.11, 0 where q was dropped (5.11, and kernels
 * that backported the change). The loader reads the tracepoints' prototypes
 * from the kernel's BTF and sets it before loading; the verifier then prunes
 * the branch not taken.
 */
const volatile __u32 rq_arg = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct request * */
	__type(value, struct stamps);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct hist_key);
	__type(value, __u64);
} hists SEC(".maps");

static __always_inline __u32 request_dev(struct request *rq)
{
	struct gendisk *disk;
	int major, minor;

	if (bpf_core_field_exists(((struct request___rq_disk *)rq)->rq_disk))
		disk = BPF_CORE_READ((struct request___rq_disk *)rq, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	major = BPF_CORE_READ(disk, major);
	minor = BPF_CORE_READ(disk, first_minor);
	return ((__u32)major << 20) | (__u32)minor;
}

static __always_inline __u8 request_op(struct request *rq)
{
	return BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;
}

static __always_inline void hist_add(__u32 dev, __u8 op, __u8 kind, __u64 v)
{
	struct hist_key key = {
		.dev = dev,
		.op = op,
		.kind = kind,
		.slot = log2_slot(v),
	};
	__u64 zero = 0, *count;

	count = bpf_map_lookup_elem(&hists, &key);
	if (!count) {
		bpf_map_update_elem(&hists, &key, &zero, BPF_NOEXIST);
		count = bpf_map_lookup_elem(&hists, &key);
		if (!count)
			return;
	}
	/* Per-CPU, but a completion interrupt may nest in another program. */
	__sync_fetch_and_add(count, 1);
}

static __always_inline int on_insert(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct stamps s = { .insert_ns = bpf_ktime_get_ns() };

	bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
	return 0;
}

static __always_inline int on_issue(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	__u32 dev = request_dev(rq), size;
	__u8 op = request_op(rq);
	struct stamps *s, fresh = { .issue_ns = now, .dev = dev, .op = op };

	s = bpf_map_lookup_elem(&starts, &key);
	if (s) {
		if (s->insert_ns && now > s->insert_ns)
			hist_add(dev, op, KIND_QUEUE, (now - s->insert_ns) / 1000);
		s->insert_ns = 0;
		s->issue_ns = now;
		s->dev = dev;
		s->op = op;
	} else {
		bpf_map_update_elem(&starts, &key, &fresh, BPF_ANY);
	}
	size = BPF_CORE_READ(rq, __data_len);
	if (size)
		hist_add(dev, op, KIND_SIZE, size);
	return 0;
}

static __always_inline int on_complete(struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct stamps *s;

	s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return 0;
	if (s->issue_ns && now > s->issue_ns)
		hist_add(s->dev, s->op, KIND_DEVICE, (now - s->issue_ns) / 1000);
	bpf_map_delete_elem(&starts, &key);
	return 0;
}

/* queued_rq returns the request argument of block_rq_insert and _issue. */
static __always_inline struct request *queued_rq(__u64 *ctx)
{
	if (rq_arg == 1)
		return (struct request *)ctx[1];
	return (struct request *)ctx[0];
}

SEC("tp_btf/block_rq_insert")
int tp_btf_block_rq_insert(__u64 *ctx) { return on_insert(queued_rq(ctx)); }

SEC("tp_btf/block_rq_issue")
int tp_btf_block_rq_issue(__u64 *ctx) { return on_issue(queued_rq(ctx)); }

/* block_rq_complete(struct request *rq, blk_status_t error, unsigned int nr_bytes) */
SEC("tp_btf/block_rq_complete")
int tp_btf_block_rq_complete(__u64 *ctx) { return on_complete((struct request *)ctx[0]); }

SEC("raw_tp/block_rq_insert")
int raw_tp_block_rq_insert(__u64 *ctx) { return on_insert(queued_rq(ctx)); }

SEC("raw_tp/block_rq_issue")
int raw_tp_block_rq_issue(__u64 *ctx) { return on_issue(queued_rq(ctx)); }

SEC("raw_tp/block_rq_complete")
int raw_tp_block_rq_complete(__u64 *ctx) { return on_complete((struct request *)ctx[0]); }
