package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		// The middle value of an odd count.
		{[]float64{1, 2, 9}, 2},
		// The mean of the two middle values of an even count.
		{[]float64{1, 2, 4, 9}, 3},
		// One value is its own median.
		{[]float64{7}, 7},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := Median(nil); !math.IsNaN(got) {
		t.Errorf("Median(nil) = %v, want NaN", got)
	}
}

// naiveMedianDiff is the textbook bootstrap: resample each side value by
// value and take the difference of the medians.
func naiveMedianDiff(x, y []float64, resamples int, level float64, seed uint64) Interval {
	r := rand.New(rand.NewPCG(seed, 1))
	res := func(s []float64) float64 {
		b := make([]float64, len(s))
		for i := range b {
			b[i] = s[r.IntN(len(s))]
		}
		slices.Sort(b)
		return Median(b)
	}
	d := make([]float64, resamples)
	for i := range d {
		d[i] = res(y) - res(x)
	}
	slices.Sort(d)
	a := (1 - level) / 2
	return Interval{Lo: quantileSorted(d, a), Hi: quantileSorted(d, 1-a), Level: level}
}

// The order-statistic bootstrap draws from the same distribution as the
// value-by-value bootstrap: with many resamples their intervals agree to
// within the sampling noise of a quantile estimate.
func TestBootstrapMatchesNaive(t *testing.T) {
	for _, n := range []int{9, 40, 301} {
		r := rand.New(rand.NewPCG(uint64(n), 2))
		x := make([]float64, n)
		y := make([]float64, n+1) // one side odd, the other even
		for i := range x {
			x[i] = 100 + 10*r.NormFloat64()
		}
		for i := range y {
			y[i] = 103 + 10*r.NormFloat64()
		}
		slices.Sort(x)
		slices.Sort(y)
		got := Bootstrap{Resamples: 20000, Seed: 1}.MedianDiff(x, y)
		want := naiveMedianDiff(x, y, 20000, 0.95, 7)
		// Both are estimates; the width of the interval sets the scale.
		tol := 0.06 * (want.Hi - want.Lo)
		if math.Abs(got.Lo-want.Lo) > tol || math.Abs(got.Hi-want.Hi) > tol {
			t.Errorf("n=%d: MedianDiff = [%.3f, %.3f], want about [%.3f, %.3f] (naive bootstrap)", n, got.Lo, got.Hi, want.Lo, want.Hi)
		}
	}
}

func TestBootstrapMedianDiff(t *testing.T) {
	base := seq(200, func(i int) float64 { return float64(i%50) + 100 })
	shifted := seq(200, func(i int) float64 { return float64(i%50) + 130 })
	slices.Sort(base)
	slices.Sort(shifted)
	b := Bootstrap{Seed: 42}

	// A shift of 30 lies inside the interval, and 0 does not.
	iv := b.MedianDiff(base, shifted)
	if !iv.Contains(30) || iv.Contains(0) {
		t.Errorf("MedianDiff(base, base+30) = [%v, %v], want an interval around 30 excluding 0", iv.Lo, iv.Hi)
	}
	// A sample against itself gives an interval around 0.
	if iv := b.MedianDiff(base, base); !iv.Contains(0) {
		t.Errorf("MedianDiff(base, base) = [%v, %v], want it to contain 0", iv.Lo, iv.Hi)
	}
	// The same seed gives the same interval: reports are reproducible.
	if again := b.MedianDiff(base, shifted); again != iv {
		t.Errorf("MedianDiff again = %+v, want %+v", again, iv)
	}
	// An empty sample has no interval.
	if iv := b.MedianDiff(nil, base); !math.IsNaN(iv.Lo) || !math.IsNaN(iv.Hi) {
		t.Errorf("MedianDiff(nil, base) = %+v, want NaNs", iv)
	}
}

func BenchmarkBootstrapMedianDiff(b *testing.B) {
	// Fifty pooled runs of an hour against one.
	x := seq(49*3600, func(i int) float64 { return float64(i % 977) })
	y := seq(3600, func(i int) float64 { return float64(i % 983) })
	slices.Sort(x)
	slices.Sort(y)
	for b.Loop() {
		Bootstrap{Seed: 1}.MedianDiff(x, y)
	}
}

func BenchmarkMannWhitneyU(b *testing.B) {
	x := seq(49*3600, func(i int) float64 { return float64(i % 977) })
	y := seq(3600, func(i int) float64 { return float64(i % 983) })
	for b.Loop() {
		MannWhitneyU(x, y)
	}
}
