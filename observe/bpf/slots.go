package bpf

// Slots is the number of log2 buckets in every histogram the programs keep:
// bucket i counts values in [2^i, 2^(i+1)), bucket 0 also counts 0, and the
// last bucket counts everything from 2^(Slots-1) up. It equals MAX_SLOTS in
// hist.h.
const Slots = 32
