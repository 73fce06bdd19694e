package stats

import (
	"errors"
	"math"
	"testing"
)

// seq returns n values f(i) for i = 0..n-1.
func seq(n int, f func(i int) float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = f(i)
	}
	return s
}

func TestMannWhitneyU(t *testing.T) {
	tests := []struct {
		name  string
		x, y  []float64
		u, p  float64
		exact bool
	}{
		// SciPy's documented example (Conover's): U1 = 17, exact p = 1/9.
		{"published", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, 17, 0.11111111111111113, true},
		// Completely separated samples of 5: p = 2/C(10,5) = 2/252.
		{"separated5", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 0, 0.0079365079365079378, true},
		// Four a side is the least that can reach alpha 0.05: p = 2/70.
		{"separated4", []float64{1.1, 2.2, 3.3, 4.4}, []float64{5.5, 6.6, 7.7, 8.8}, 0, 0.028571428571428577, true},
		// Small samples with ties use the exact distribution over the ties
		// (the p-values benchstat's go-moremath gives, frozen here).
		{"smallTies", []float64{1, 2, 2, 3, 3, 3, 4}, []float64{3, 4, 4, 5, 5, 6}, 3.5, 0.015151515151515152, true},
		{"smallTiesSymmetric", []float64{10, 10, 10, 10}, []float64{10, 10, 10, 11}, 6, 1, true},
		{"tiesExact20", seq(20, func(i int) float64 { return float64(i % 6) }), seq(20, func(i int) float64 { return float64(i%4) + 1 }), 182.5, 0.63071619507755705, true},
		// Beyond 50 values the normal approximation takes over.
		{"normal60", seq(60, func(i int) float64 { return float64(i*7%61) + 0.5 }), seq(60, func(i int) float64 { return float64(i*11%67) + 3.25 }), 1486, 0.099877402769264129, false},
		// Ties beyond 25 values: normal approximation with tie correction.
		{"normalTies30", seq(30, func(i int) float64 { return float64(i % 7) }), seq(30, func(i int) float64 { return float64(i%5) + 1 }), 423, 0.69148813728512804, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MannWhitneyU(tt.x, tt.y)
			if err != nil {
				t.Fatalf("MannWhitneyU(%v, %v) error %v", tt.x, tt.y, err)
			}
			if got.U != tt.u || math.Abs(got.P-tt.p) > 1e-12 || got.Exact != tt.exact {
				t.Errorf("MannWhitneyU(%v, %v) = U %v p %.17g exact %v, want U %v p %.17g exact %v",
					tt.x, tt.y, got.U, got.P, got.Exact, tt.u, tt.p, tt.exact)
			}
		})
	}
}

func TestMannWhitneyUErrors(t *testing.T) {
	tests := []struct {
		name string
		x, y []float64
		want error
	}{
		// An empty side has nothing to rank.
		{"empty", nil, []float64{1}, ErrSampleSize},
		// All values equal: nothing can differ.
		{"equal", []float64{3, 3, 3}, []float64{3, 3}, ErrSamplesEqual},
		// All values equal in large samples too.
		{"equalLarge", seq(60, func(int) float64 { return 1 }), seq(60, func(int) float64 { return 1 }), ErrSamplesEqual},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := MannWhitneyU(tt.x, tt.y); !errors.Is(err, tt.want) {
				t.Errorf("MannWhitneyU(%v, %v) error = %v, want %v", tt.x, tt.y, err, tt.want)
			}
		})
	}
}

// The test is symmetric: swapping the samples gives U2 and the same p.
func TestMannWhitneyUSymmetric(t *testing.T) {
	x := []float64{19, 22, 16, 29, 24}
	y := []float64{20, 11, 17, 12}
	a, _ := MannWhitneyU(x, y)
	b, _ := MannWhitneyU(y, x)
	if a.U+b.U != float64(len(x)*len(y)) || a.P != b.P {
		t.Errorf("MannWhitneyU swapped = U %v p %v, want U %v p %v", b.U, b.P, float64(len(x)*len(y))-a.U, a.P)
	}
}
