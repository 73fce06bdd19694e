// Package hdr is a High Dynamic Range histogram with the bucket layout of
// HdrHistogram (Gil Tene's log-linear buckets, so its percentiles equal
// HdrHistogram's for the same configuration) and one difference that is the
// reason this package exists: Record is a single atomic add, so any number
// of goroutines can record into one histogram without a lock and without
// allocating. github.com/HdrHistogram/hdrhistogram-go has no concurrent
// recorder; the tests check this package against it.
//
// Histograms with the same configuration merge exactly (bucket by bucket).
// Encode writes a compact sparse form that Decode reads back exactly; the
// format is documented in docs/result-format.md.
package hdr

import (
	"fmt"
	"math"
	"math/bits"
	"sync/atomic"
)

// Histogram counts values in log-linear buckets. Record may be called
// concurrently with anything; the methods that read the whole histogram
// (Count, ValueAtQuantile, Merge's source, Encode) see a consistent picture
// only when no Record runs at the same time, which the recorder ensures by
// reading a window only once it has closed.
type Histogram struct {
	cfg Config

	unitMagnitude               uint
	subBucketHalfCountMagnitude uint
	subBucketHalfCount          int
	subBucketCount              int
	subBucketMask               int64
	leadingZeroCountBase        int

	counts []atomic.Int64
}

// Config is a histogram's configuration. Histograms merge only with
// histograms of the same configuration.
type Config struct {
	// Lowest is the smallest value told apart from 0; Highest the largest
	// value tracked (larger values are recorded as Highest); SigFigs the
	// number of significant decimal digits kept (1 to 5).
	Lowest, Highest int64
	SigFigs         int
}

// Latency is the configuration of every latency histogram statebench
// records: nanoseconds from 1 µs to 1 h with 3 significant digits.
var Latency = Config{Lowest: 1000, Highest: 3600e9, SigFigs: 3}

// New returns an empty histogram. It panics on an impossible configuration,
// which is a programming error.
func New(cfg Config) *Histogram {
	if cfg.Lowest < 1 || cfg.SigFigs < 1 || cfg.SigFigs > 5 || cfg.Highest < 2*cfg.Lowest {
		panic(fmt.Sprintf("hdr: invalid configuration %+v", cfg))
	}
	h := &Histogram{cfg: cfg}
	largest := 2 * math.Pow10(cfg.SigFigs)
	subBucketCountMagnitude := int(math.Ceil(math.Log2(largest)))
	h.subBucketHalfCountMagnitude = uint(max(subBucketCountMagnitude, 1) - 1)
	h.unitMagnitude = uint(max(int(math.Floor(math.Log2(float64(cfg.Lowest)))), 0))
	h.subBucketCount = 1 << (h.subBucketHalfCountMagnitude + 1)
	h.subBucketHalfCount = h.subBucketCount / 2
	h.subBucketMask = int64(h.subBucketCount-1) << h.unitMagnitude
	h.leadingZeroCountBase = 64 - int(h.unitMagnitude) - int(h.subBucketHalfCountMagnitude) - 1

	smallestUntrackable := int64(h.subBucketCount) << h.unitMagnitude
	buckets := 1
	for smallestUntrackable < cfg.Highest {
		if smallestUntrackable > math.MaxInt64/2 {
			buckets++
			break
		}
		smallestUntrackable <<= 1
		buckets++
	}
	h.counts = make([]atomic.Int64, (buckets+1)*h.subBucketHalfCount)
	return h
}

// Config returns the histogram's configuration.
func (h *Histogram) Config() Config { return h.cfg }

// Record counts one value. Negative values count as 0, values above the
// configured highest as the highest. It is safe for concurrent use, takes
// no lock and allocates nothing.
func (h *Histogram) Record(v int64) {
	h.RecordN(v, 1)
}

// RecordN counts n occurrences of a value.
func (h *Histogram) RecordN(v, n int64) {
	if v < 0 {
		v = 0
	} else if v > h.cfg.Highest {
		v = h.cfg.Highest
	}
	h.counts[h.index(v)].Add(n)
}

func (h *Histogram) index(v int64) int {
	bucket := h.leadingZeroCountBase - bits.LeadingZeros64(uint64(v|h.subBucketMask))
	sub := int(v >> (uint(bucket) + h.unitMagnitude))
	return (bucket+1)<<h.subBucketHalfCountMagnitude + sub - h.subBucketHalfCount
}

// lowestAt returns the lowest value counted at counts index i, and the size
// of the range of values counted there.
func (h *Histogram) lowestAt(i int) (lowest, size int64) {
	bucket := i>>h.subBucketHalfCountMagnitude - 1
	sub := i&(h.subBucketHalfCount-1) + h.subBucketHalfCount
	if bucket < 0 {
		sub -= h.subBucketHalfCount
		bucket = 0
	}
	lowest = int64(sub) << (uint(bucket) + h.unitMagnitude)
	return lowest, 1 << (h.unitMagnitude + uint(bucket))
}

// highestAt returns the highest value counted at index i: what
// HdrHistogram reports for a percentile that falls in that bucket.
func (h *Histogram) highestAt(i int) int64 {
	lo, size := h.lowestAt(i)
	return lo + size - 1
}

// Count returns the number of values recorded.
func (h *Histogram) Count() int64 {
	var n int64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// ValueAtQuantile returns the value at quantile q (0 to 1): the highest
// value equivalent to the smallest recorded value that at least q of all
// values are at or below, as HdrHistogram's ValueAtQuantile(q*100) (and
// Min for q = 0). It
// returns 0 for an empty histogram; callers decide whether that is missing.
func (h *Histogram) ValueAtQuantile(q float64) int64 {
	total := h.Count()
	if total == 0 {
		return 0
	}
	if q <= 0 {
		return h.Min()
	}
	q = min(q, 1)
	want := int64(q*float64(total) + 0.5)
	want = max(want, 1)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= want {
			return h.highestAt(i)
		}
	}
	return h.highestAt(len(h.counts) - 1)
}

// Max returns the highest value equivalent to the largest value recorded,
// or 0 when empty.
func (h *Histogram) Max() int64 {
	for i := len(h.counts) - 1; i >= 0; i-- {
		if h.counts[i].Load() != 0 {
			return h.highestAt(i)
		}
	}
	return 0
}

// Min returns the lowest value equivalent to the smallest value recorded,
// or 0 when empty.
func (h *Histogram) Min() int64 {
	for i := range h.counts {
		if h.counts[i].Load() != 0 {
			lo, _ := h.lowestAt(i)
			return lo
		}
	}
	return 0
}

// Mean returns the mean of the recorded values, each taken at the middle of
// its bucket as HdrHistogram does, or 0 when empty.
func (h *Histogram) Mean() float64 {
	var n int64
	var sum float64
	for i := range h.counts {
		c := h.counts[i].Load()
		if c == 0 {
			continue
		}
		lo, size := h.lowestAt(i)
		n += c
		sum += float64(c) * float64(lo+size/2)
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// ErrConfig is returned when histograms of different configurations are merged.
var ErrConfig = fmt.Errorf("hdr: histograms have different configurations")

// Merge adds every count of o to h. It is exact: the merge of two
// histograms equals the histogram of all their values. o should not be
// recorded into while it is merged.
func (h *Histogram) Merge(o *Histogram) error {
	if h.cfg != o.cfg {
		return ErrConfig
	}
	for i := range o.counts {
		if c := o.counts[i].Load(); c != 0 {
			h.counts[i].Add(c)
		}
	}
	return nil
}

// Reset empties the histogram. It must not run concurrently with Record.
func (h *Histogram) Reset() {
	clear(h.counts) // a plain memory clear: atomic stores cost ten times more
}

// Equal reports whether h and o have the same configuration and counts.
func (h *Histogram) Equal(o *Histogram) bool {
	if h.cfg != o.cfg {
		return false
	}
	for i := range h.counts {
		if h.counts[i].Load() != o.counts[i].Load() {
			return false
		}
	}
	return true
}

// Bucket is one non-empty bucket: the values from Low to High were counted
// Count times.
type Bucket struct {
	Low, High int64
	Count     int64
}

// Buckets returns the non-empty buckets in ascending order of value.
func (h *Histogram) Buckets() []Bucket {
	var out []Bucket
	for i := range h.counts {
		if c := h.counts[i].Load(); c != 0 {
			lo, size := h.lowestAt(i)
			out = append(out, Bucket{Low: lo, High: lo + size - 1, Count: c})
		}
	}
	return out
}

// Summary is a histogram's count, mean, maximum and a set of quantiles,
// computed in one pass.
type Summary struct {
	Count     int64
	Mean      float64
	Max       int64
	Quantiles []int64 // in the order of the quantiles asked for
}

// Summarize returns the count, mean, max and the values at the given
// quantiles (ascending, 0 < q <= 1), equal to what Count, Mean, Max and
// ValueAtQuantile return, in two passes over the buckets instead of one per
// figure.
func (h *Histogram) Summarize(qs []float64) Summary {
	s := Summary{Quantiles: make([]int64, len(qs))}
	var sum float64
	last := -1
	for i := range h.counts {
		if c := h.counts[i].Load(); c != 0 {
			lo, size := h.lowestAt(i)
			s.Count += c
			sum += float64(c) * float64(lo+size/2)
			last = i
		}
	}
	if s.Count == 0 {
		return s
	}
	s.Mean = sum / float64(s.Count)
	s.Max = h.highestAt(last)
	var seen int64
	j := 0
	for i := 0; i <= last && j < len(qs); i++ {
		seen += h.counts[i].Load()
		for j < len(qs) && seen >= max(int64(min(qs[j], 1)*float64(s.Count)+0.5), 1) {
			s.Quantiles[j] = h.highestAt(i)
			j++
		}
	}
	for ; j < len(qs); j++ {
		s.Quantiles[j] = s.Max
	}
	return s
}
