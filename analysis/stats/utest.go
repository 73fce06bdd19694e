// Package stats holds the statistics statebench compares runs with: the
// Mann-Whitney U test (as benchstat computes it) and a bootstrap confidence
// interval of the difference of two medians. Both work on samples of
// per-window figures, which are neither normal nor independent of the
// server's state, which is why the tests are distribution-free.
package stats

import (
	"errors"
	"math"
	"slices"
)

// ErrSampleSize is returned when a sample is empty.
var ErrSampleSize = errors.New("sample is empty")

// ErrSamplesEqual is returned when every value of both samples is the same:
// no test can tell them apart, and the difference is exactly nothing.
var ErrSamplesEqual = errors.New("all samples are equal")

// The limits of the exact test, as in benchstat (go-moremath): beyond them,
// or with ties beyond the tied limit, the normal approximation is used.
const (
	exactLimit     = 50
	tiesExactLimit = 25
)

// UTest is the result of a two-sided Mann-Whitney U test.
type UTest struct {
	N1, N2 int
	// U is the statistic of the first sample: the number of pairs (x, y)
	// with x > y, ties counting one half.
	U float64
	// P is the two-sided p-value: the probability, if both samples came
	// from the same distribution, of a U at least as far from its mean.
	P float64
	// Exact says whether P comes from the exact distribution of U (small
	// samples) rather than the normal approximation with tie correction.
	Exact bool
}

// MannWhitneyU runs the two-sided Mann-Whitney U test of x against y. For
// samples of at most 50 values (25 when there are ties) P is exact; beyond,
// it is the normal approximation with tie and continuity correction. This is
// what benchstat does, so the p-values are the same. It does not modify x
// or y.
func MannWhitneyU(x, y []float64) (UTest, error) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return UTest{}, ErrSampleSize
	}
	x, y = sorted(x), sorted(y)

	// Rank the merged samples with mid-ranks for ties; ties holds the size
	// of every group of equal values, in ascending order.
	var r1 float64
	var ties []int
	hasTies := false
	i, j := 0, 0
	for i < n1 || j < n2 {
		var v float64
		switch {
		case i == n1:
			v = y[j]
		case j == n2:
			v = x[i]
		default:
			v = min(x[i], y[j])
		}
		start := i + j // values already ranked
		nx := 0
		for i < n1 && x[i] == v {
			i++
			nx++
		}
		for j < n2 && y[j] == v {
			j++
		}
		end := i + j
		// Ranks start+1..end share the mid-rank (start+1+end)/2.
		r1 += float64(start+1+end) / 2 * float64(nx)
		ties = append(ties, end-start)
		if end-start > 1 {
			hasTies = true
		}
	}
	u1 := r1 - float64(n1*(n1+1))/2
	u2 := float64(n1*n2) - u1
	res := UTest{N1: n1, N2: n2, U: u1}
	if len(ties) == 1 {
		return res, ErrSamplesEqual
	}

	if !hasTies && n1 <= exactLimit && n2 <= exactLimit ||
		hasTies && n1 <= tiesExactLimit && n2 <= tiesExactLimit {
		res.Exact = true
		if u1 == u2 {
			res.P = 1
			return res, nil
		}
		small := math.Min(u1, u2)
		if hasTies {
			res.P = 2 * tiedCDF(n1, ties, small)
		} else {
			res.P = 2 * exactCDF(n1, n2, small)
		}
		res.P = math.Min(res.P, 1)
		return res, nil
	}

	var t float64
	for _, k := range ties {
		t += float64(k*k*k - k)
	}
	n := float64(n1 + n2)
	mu := float64(n1*n2) / 2
	sigma := math.Sqrt(float64(n1*n2) * ((n + 1) - t/(n*(n-1))) / 12)
	if sigma == 0 {
		return res, ErrSamplesEqual
	}
	num := u1 - mu
	// Continuity correction, towards the mean.
	switch {
	case num > 0:
		num -= 0.5
	case num < 0:
		num += 0.5
	}
	z := num / sigma
	cdf := 0.5 * math.Erfc(-z/math.Sqrt2)
	res.P = 2 * math.Min(cdf, 1-cdf)
	return res, nil
}

// sorted returns s if it is sorted, else a sorted copy.
func sorted(s []float64) []float64 {
	if slices.IsSorted(s) {
		return s
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// exactCDF returns P(U <= u) for samples of n1 and n2 distinct values under
// the null hypothesis, from the count of arrangements f(m, n, k) of m x's
// and n y's with U = k: f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k).
func exactCDF(n1, n2 int, u float64) float64 {
	maxU := n1 * n2
	// prev[n][k] holds f(m-1, n, k); cur[n][k] holds f(m, n, k).
	prev := make([][]float64, n2+1)
	cur := make([][]float64, n2+1)
	for n := range prev {
		prev[n] = make([]float64, maxU+1)
		cur[n] = make([]float64, maxU+1)
		prev[n][0] = 1 // f(0, n, 0) = 1
	}
	for m := 1; m <= n1; m++ {
		clear(cur[0])
		cur[0][0] = 1 // f(m, 0, 0) = 1
		for n := 1; n <= n2; n++ {
			for k := 0; k <= m*n; k++ {
				v := cur[n-1][k]
				if k >= n {
					v += prev[n][k-n]
				}
				cur[n][k] = v
			}
		}
		prev, cur = cur, prev
	}
	f := prev[n2]
	var below, total float64
	for k, c := range f {
		total += c
		if float64(k) <= u {
			below += c
		}
	}
	return below / total
}

// tiedCDF returns P(U <= u) for a sample of n1 values drawn, under the null
// hypothesis, from the pooled values with the given groups of ties (sizes in
// ascending order of value). Every way of picking n1 of the pooled values is
// equally likely; picking c values from a group of size t can be done in
// C(t, c) ways and adds c times the group's mid-rank to the rank sum. Doubled
// mid-ranks are integers, so the distribution is counted over 2*R1.
func tiedCDF(n1 int, ties []int, u float64) float64 {
	total := 0
	for _, t := range ties {
		total += t
	}
	maxS := 2 * n1 * total
	// dp[c][s]: weighted ways to pick c values with doubled rank sum s.
	dp := make([][]float64, n1+1)
	for c := range dp {
		dp[c] = make([]float64, maxS+1)
	}
	dp[0][0] = 1
	start := 0 // ranks before the current group
	for _, t := range ties {
		twoMid := 2*start + t + 1 // 2 * (start+1 + start+t) / 2
		binom := binomials(t)
		for c := n1; c >= 0; c-- {
			row := dp[c]
			for s := maxS; s >= 0; s-- {
				var v float64
				for k := 0; k <= t && k <= c; k++ {
					ps := s - k*twoMid
					if ps < 0 {
						break
					}
					v += dp[c-k][ps] * binom[k]
				}
				row[s] = v
			}
		}
		start += t
	}
	// U1 = R1 - n1(n1+1)/2, so 2*U1 = S - n1(n1+1).
	off := n1 * (n1 + 1)
	var below, all float64
	for s, w := range dp[n1] {
		if w == 0 {
			continue
		}
		all += w
		if float64(s-off)/2 <= u+1e-9 {
			below += w
		}
	}
	return below / all
}

// binomials returns C(n, k) for k = 0..n.
func binomials(n int) []float64 {
	b := make([]float64, n+1)
	b[0] = 1
	for k := 1; k <= n; k++ {
		b[k] = b[k-1] * float64(n-k+1) / float64(k)
	}
	return b
}
