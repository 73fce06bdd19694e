/* SPDX-License-Identifier: (MIT OR GPL-2.0) */
/* hist.h: log2 histogram slots shared by the programs. */
#ifndef __STATEBENCH_HIST_H__
#define __STATEBENCH_HIST_H__

/*
 * MAX_SLOTS is the number of log2 buckets kept: slot i counts values in
 * [2^i, 2^(i+1)), slot 0 also counts 0, and the last slot counts everything
 * from 2^(MAX_SLOTS-1) up (in microseconds, 2^31 us is about 36 minutes).
 * Keep it equal to Slots in slots.go.
 */
#define MAX_SLOTS 32

/* log2_slot returns floor(log2(v)) (0 for 0), capped at MAX_SLOTS-1. */
static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 r = 0, shift;

	if (v >> 32) {
		v >>= 32;
		r = 32;
	}
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	if (r >= MAX_SLOTS)
		r = MAX_SLOTS - 1;
	return r;
}

#endif /* __STATEBENCH_HIST_H__ */
