// Package bpf loads statebench's eBPF programs, attaches them to the kernel's
// tracepoints and reads the cumulative histograms they keep: block I/O latency
// and size per disk and operation (BlockIO, after bcc's biolatency), and CPU
// run-queue latency (RunQueue, after bcc's runqlat).
//
// The programs are compiled once (CO-RE, against a hand-written vmlinux.h) and
// relocated at load time against the running kernel's BTF, so they need
// /sys/kernel/btf/vmlinux but no kernel headers and no tracefs. Each program
// exists twice, and Load tries the variants in this order:
//
//  1. tp_btf: BTF-enabled raw tracepoints (Linux 5.5 and later), attached by a
//     BPF link; typed arguments, the cheapest to run.
//  2. raw_tp: plain raw tracepoints (Linux 4.17 and later), for kernels whose
//     tp_btf attach is refused.
//
// Counters are cumulative and never reset in the kernel: a reader takes a
// difference between two reads, so no increment is lost between reads.
//
// Loading needs CAP_BPF and CAP_PERFMON (Linux 5.8 and later) or CAP_SYS_ADMIN;
// Check says up front what is missing.
package bpf
