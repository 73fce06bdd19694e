package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Median returns the median of a sorted sample: the middle value, or the
// mean of the two middle values. It returns NaN for an empty sample.
func Median(sorted []float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Interval is a confidence interval.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Level is the confidence level, for example 0.95.
	Level float64 `json:"level"`
}

// Contains reports whether v lies in the interval.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

// Bootstrap computes percentile bootstrap confidence intervals of the
// difference of medians median(y) - median(x). It is deterministic: the same
// seed gives the same intervals, so reports are reproducible.
//
// It does not resample value by value. The median of a resample (with
// replacement) of n sorted values is the value at index floor(n*U) (from
// 0) of the sample, where U is the m-th smallest of n uniform variables, which follows
// Beta(m, n-m+1); for an even n the next order statistic is U plus the
// smallest of the n-m uniforms above it. Drawing those order statistics
// directly gives exactly the distribution of the resampled median at a cost
// that does not depend on n, which matters when fifty runs of an hour each
// are pooled (180,000 windows).
type Bootstrap struct {
	// Resamples is the number of bootstrap resamples; 0 means 2,000.
	Resamples int
	// Level is the confidence level; 0 means 0.95.
	Level float64
	// Seed seeds the generator.
	Seed uint64
}

// MedianDiff returns the interval of median(y) - median(x) for the sorted
// samples x and y. It returns an interval of NaNs when either is empty.
func (b Bootstrap) MedianDiff(x, y []float64) Interval {
	level := b.Level
	if level == 0 {
		level = 0.95
	}
	n := b.Resamples
	if n == 0 {
		n = 2000
	}
	if len(x) == 0 || len(y) == 0 {
		return Interval{Lo: math.NaN(), Hi: math.NaN(), Level: level}
	}
	r := rand.New(rand.NewPCG(b.Seed, 0x5eed))
	diffs := make([]float64, n)
	for i := range diffs {
		diffs[i] = resampledMedian(r, y) - resampledMedian(r, x)
	}
	slices.Sort(diffs)
	alpha := (1 - level) / 2
	return Interval{Lo: quantileSorted(diffs, alpha), Hi: quantileSorted(diffs, 1-alpha), Level: level}
}

// resampledMedian draws the median of a resample of the sorted sample s.
func resampledMedian(r *rand.Rand, s []float64) float64 {
	n := len(s)
	m := (n + 1) / 2 // the lower median's rank
	u := betaVariate(r, float64(m), float64(n-m+1))
	lo := s[orderIndex(u, n)]
	if n%2 == 1 {
		return lo
	}
	// The (m+1)-th order statistic: the smallest of the n-m uniforms that
	// lie above u; the minimum of k uniforms on (0,1) is 1-V^(1/k).
	k := float64(n - m)
	next := u + (1-u)*(1-math.Pow(1-r.Float64(), 1/k))
	return (lo + s[orderIndex(next, n)]) / 2
}

// orderIndex maps a uniform variable to the index of the sample value it
// selects: floor(n*u), kept in range.
func orderIndex(u float64, n int) int {
	i := int(u * float64(n))
	if i >= n {
		i = n - 1
	}
	if i < 0 {
		i = 0
	}
	return i
}

// betaVariate draws from Beta(a, b) as X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b).
func betaVariate(r *rand.Rand, a, b float64) float64 {
	x := gammaVariate(r, a)
	y := gammaVariate(r, b)
	return x / (x + y)
}

// gammaVariate draws from Gamma(a, 1) for a >= 1 (Marsaglia and Tsang, 2000).
// Order statistics only need shapes of at least 1.
func gammaVariate(r *rand.Rand, a float64) float64 {
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		var x, v float64
		for v <= 0 {
			x = r.NormFloat64()
			v = 1 + c*x
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x {
			return d * v
		}
		if math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// quantileSorted returns the q-quantile of a sorted sample, interpolating
// linearly between order statistics.
func quantileSorted(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i]*(1-f) + s[i+1]*f
}
