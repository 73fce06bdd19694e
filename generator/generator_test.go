package generator

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// chiSquareCritical approximates the chi-square critical value for df
// degrees of freedom at p = 0.001 (Wilson–Hilferty).
func chiSquareCritical(df int) float64 {
	const z = 3.09
	d := float64(df)
	return d * math.Pow(1-2/(9*d)+z*math.Sqrt(2/(9*d)), 3)
}

// chiSquare returns the statistic of observed counts against expected
// probabilities, pooling cells whose expected count is below 5.
func chiSquare(obs []int64, p []float64, total int64) (stat float64, df int) {
	var o, e float64
	for i := range obs {
		o += float64(obs[i])
		e += p[i] * float64(total)
		if e >= 5 || i == len(obs)-1 {
			stat += (o - e) * (o - e) / e
			df++
			o, e = 0, 0
		}
	}
	return stat, df - 1
}

func zipfProbs(n int, theta float64) []float64 {
	p := make([]float64, n)
	sum := 0.0
	for i := range p {
		p[i] = 1 / math.Pow(float64(i+1), theta)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// Each distribution matches its expected shape by a chi-square test at
// p = 0.001 with a fixed seed; and each expected shape rejects a sample of
// the uniform distribution where it should differ, so the check can fail.
func TestDistributions(t *testing.T) {
	const n, draws = 1000, 200000
	uniformP := make([]float64, n)
	for i := range uniformP {
		uniformP[i] = 1.0 / n
	}
	hot := make([]float64, n)
	for i := range hot {
		if i < 200 {
			hot[i] = 0.8 / 200
		} else {
			hot[i] = 0.2 / 800
		}
	}
	zipf := grayProbs(n, 0.99)
	latestP := make([]float64, n)
	for i := range latestP {
		latestP[n-1-i] = zipf[i]
	}
	cases := []struct {
		name     string
		dist     string
		expected []float64
		// unscramble maps a drawn record back to its zipfian rank, for the
		// scrambled distribution whose shape holds per rank.
		differsFromUniform bool
	}{
		// Every record equally likely.
		{"uniform", "uniform", uniformP, false},
		// 80% of operations on the first 20% of records, spread evenly within each part.
		{"hotspot", "hotspot", hot, true},
		// The newest record most likely, then falling off as a zipfian with distance.
		{"latest", "latest", latestP, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ks := NewKeyspace(n)
			ch, err := NewChooser(c.dist, ks, 0.99, 0.2, 0.8, new(atomic.Int64))
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(7, 8))
			obs := make([]int64, n)
			for i := 0; i < draws; i++ {
				v := ch.Next(r)
				if v < 0 || v >= n {
					t.Fatalf("Next() = %d, out of [0, %d)", v, n)
				}
				obs[v]++
			}
			stat, df := chiSquare(obs, c.expected, draws)
			if crit := chiSquareCritical(df); stat > crit {
				t.Errorf("chi-square = %.1f with %d df, above the critical %.1f: sample does not match the %s shape", stat, df, crit, c.dist)
			}
			if c.differsFromUniform {
				stat, df := chiSquare(obs, uniformP, draws)
				if crit := chiSquareCritical(df); stat <= crit {
					t.Errorf("a %s sample passes as uniform (chi-square %.1f <= %.1f): the test cannot tell shapes apart", c.dist, stat, crit)
				}
			}
		})
	}
}

// grayProbs returns the exact distribution of Gray et al.'s zipfian
// algorithm over n items: rank 0 and 1 as in Zipf's law, and the rest
// following the algorithm's closed form, which approximates Zipf's law (as
// in YCSB). Drawing from it is what the generator must do exactly.
func grayProbs(n int, theta float64) []float64 {
	zetan := zeta(0, int64(n), theta, 0)
	eta := (1 - math.Pow(2/float64(n), 1-theta)) / (1 - zeta(0, 2, theta, 0)/zetan)
	uOf := func(k int) float64 { return (math.Pow(float64(k)/float64(n), 1-theta)-1)/eta + 1 }
	p := make([]float64, n)
	p[0] = 1 / zetan
	p[1] = math.Pow(0.5, theta) / zetan
	u0 := (1 + math.Pow(0.5, theta)) / zetan
	for k := 0; k < n; k++ {
		lo, hi := max(uOf(k), u0), 1.0
		if k < n-1 {
			hi = uOf(k + 1)
		}
		if hi > lo {
			p[k] += hi - lo
		}
	}
	return p
}

// The zipfian generator draws exactly from Gray et al.'s distribution,
// whose head follows 1/(i+1)^theta; the scrambled
// chooser is the same distribution with ranks permuted by a hash.
func TestZipfian(t *testing.T) {
	const n, draws = 1000, 300000
	for _, theta := range []float64{0.5, 0.8, 0.99} {
		z := NewZipfian(n, theta)
		r := rand.New(rand.NewPCG(9, 10))
		obs := make([]int64, n)
		for i := 0; i < draws; i++ {
			obs[z.Next(r)]++
		}
		stat, df := chiSquare(obs, grayProbs(n, theta), draws)
		if crit := chiSquareCritical(df); stat > crit {
			t.Errorf("theta %v: chi-square = %.1f with %d df > %.1f", theta, stat, df, crit)
		}
		for rank, want := range zipfProbs(n, theta)[:2] {
			if got := float64(obs[rank]) / draws; math.Abs(got-want) > 0.05*want {
				t.Errorf("theta %v: rank %d drawn with frequency %.4f, want Zipf's %.4f", theta, rank, got, want)
			}
		}
	}
	// Scrambled: the hottest record gets about p(rank 0) of the draws, and it is not record 0.
	ks := NewKeyspace(n)
	ch, _ := NewChooser("zipfian", ks, 0.99, 0, 0, nil)
	r := rand.New(rand.NewPCG(11, 12))
	obs := make([]int64, n)
	for i := 0; i < draws; i++ {
		obs[ch.Next(r)]++
	}
	hottest := 0
	for i := range obs {
		if obs[i] > obs[hottest] {
			hottest = i
		}
	}
	want := zipfProbs(n, 0.99)[0] * draws
	if got := float64(obs[hottest]); math.Abs(got-want) > 0.05*want {
		t.Errorf("scrambled zipfian: hottest record drawn %v times, want about %v", got, want)
	}
	if hottest == 0 {
		t.Errorf("scrambled zipfian: the hottest record is record 0; scrambling did nothing")
	}
}

// The same seed gives the same sequence of records.
func TestSeedRepeats(t *testing.T) {
	draw := func() []int64 {
		ks := NewKeyspace(100000)
		ch, _ := NewChooser("zipfian", ks, 0.99, 0, 0, nil)
		r := rand.New(rand.NewPCG(42, 0))
		out := make([]int64, 100)
		for i := range out {
			out[i] = ch.Next(r)
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: %d then %d with the same seed", i, a[i], b[i])
		}
	}
}

// Sequential choosers walk the keyspace in order across workers and wrap.
func TestSequential(t *testing.T) {
	ks := NewKeyspace(5)
	seq := new(atomic.Int64)
	a, _ := NewChooser("sequential", ks, 0, 0, 0, seq)
	b, _ := NewChooser("sequential", ks, 0, 0, 0, seq)
	var got []int64
	for i := 0; i < 7; i++ {
		c := a
		if i%2 == 1 {
			c = b
		}
		got = append(got, c.Next(nil))
	}
	want := []int64{0, 1, 2, 3, 4, 0, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sequential draws = %v, want %v", got, want)
		}
	}
}

// Inserts grow the keyspace that reads choose from once acknowledged, and
// latest follows the newest record.
func TestKeyspaceGrows(t *testing.T) {
	ks := NewKeyspace(10)
	if n := ks.NextInsert(); n != 10 {
		t.Fatalf("first insert = %d, want 10", n)
	}
	ks.Acked()
	if ks.Size() != 11 {
		t.Fatalf("Size() = %d, want 11", ks.Size())
	}
	ch, _ := NewChooser("latest", ks, 0.99, 0, 0, nil)
	r := rand.New(rand.NewPCG(1, 1))
	seen10 := false
	for i := 0; i < 1000; i++ {
		v := ch.Next(r)
		if v > 10 {
			t.Fatalf("latest chose %d beyond the keyspace", v)
		}
		seen10 = seen10 || v == 10
	}
	if !seen10 {
		t.Errorf("latest never chose the newest record")
	}
}

// Scan lengths stay within bounds and cover them uniformly.
func TestScanLength(t *testing.T) {
	s := NewScanLength(1, 10, "uniform")
	r := rand.New(rand.NewPCG(3, 3))
	obs := make([]int64, 10)
	for i := 0; i < 100000; i++ {
		l := s.Next(r)
		if l < 1 || l > 10 {
			t.Fatalf("scan length %d outside [1, 10]", l)
		}
		obs[l-1]++
	}
	p := make([]float64, 10)
	for i := range p {
		p[i] = 0.1
	}
	if stat, df := chiSquare(obs, p, 100000); stat > chiSquareCritical(df) {
		t.Errorf("scan lengths not uniform: chi-square %.1f", stat)
	}
	z := NewScanLength(1, 100, "zipfian")
	short := 0
	for i := 0; i < 10000; i++ {
		if z.Next(r) <= 10 {
			short++
		}
	}
	if short < 5000 {
		t.Errorf("zipfian scan lengths: %d of 10000 are <= 10, want most", short)
	}
}

func TestAppendKey(t *testing.T) {
	cases := []struct {
		prefix string
		size   int
		n      int64
		want   string
	}{
		{"user", 16, 42, "user000000000042"},
		{"user", 4, 42, "user42"}, // too short to pad: digits are never cut
		{"", 3, 7, "007"},
	}
	for _, c := range cases {
		if got := string(AppendKey(nil, c.prefix, c.size, c.n)); got != c.want {
			t.Errorf("AppendKey(%q, %d, %d) = %q, want %q", c.prefix, c.size, c.n, got, c.want)
		}
	}
}
