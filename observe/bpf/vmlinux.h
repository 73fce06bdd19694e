/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vmlinux.h: the few kernel types statebench's eBPF programs read, written by
 * hand instead of dumped from one kernel's BTF so that the generated objects do
 * not depend on the machine that built them and the repository stays small.
 *
 * Every struct is marked preserve_access_index: the fields listed here are a
 * subset, and their offsets are relocated at load time against the running
 * kernel's BTF (CO-RE). A struct name with a ___suffix is a "flavour": libbpf
 * and cilium/ebpf ignore the suffix when matching, so it names the same kernel
 * struct as seen by another kernel version.
 */
#ifndef __STATEBENCH_VMLINUX_H__
#define __STATEBENCH_VMLINUX_H__

typedef unsigned char __u8;
typedef short int __s16;
typedef short unsigned int __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long int __s64;
typedef long long unsigned int __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
enum { false = 0, true = 1 };

/* From include/uapi/linux/bpf.h: the map types and update flags used here. */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
};

#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)

struct gendisk {
	int major;
	int first_minor;
};

/* request_queue.disk exists since Linux 5.15. */
struct request_queue {
	struct gendisk *disk;
};

struct request {
	struct request_queue *q;
	unsigned int cmd_flags;
	unsigned int __data_len;
};

/* request.rq_disk, the request's disk before Linux 5.17 removed it. */
struct request___rq_disk {
	struct gendisk *rq_disk;
};

/* task_struct.__state since Linux 5.14. */
struct task_struct {
	unsigned int __state;
	int pid;
	int tgid;
};

/* task_struct.state, a long, before Linux 5.14. */
struct task_struct___state {
	long int state;
};

#pragma clang attribute pop

#endif /* __STATEBENCH_VMLINUX_H__ */
