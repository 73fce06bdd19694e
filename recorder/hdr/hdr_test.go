package hdr

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The reference: for the same configuration and values, every percentile,
// the max, the min and the mean equal those of HdrHistogram's Go port.
func TestAgainstReference(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		gen  func(r *rand.Rand) int64
	}{
		// Latencies spread log-uniformly over nine decades, in nanoseconds.
		{"log-uniform ns", Latency, func(r *rand.Rand) int64 { return int64(math.Pow(10, 3+r.Float64()*9)) }},
		// Values below the lowest discernible value, and zeros.
		{"sub-unit", Latency, func(r *rand.Rand) int64 { return r.Int64N(2500) }},
		// A narrow configuration with one significant figure.
		{"1 sigfig", Config{Lowest: 1, Highest: 1e6, SigFigs: 1}, func(r *rand.Rand) int64 { return r.Int64N(1e6) }},
		// Five significant figures, exponential values.
		{"5 sigfigs", Config{Lowest: 1, Highest: 1e9, SigFigs: 5}, func(r *rand.Rand) int64 { return int64(r.ExpFloat64() * 1e5) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			h := New(c.cfg)
			ref := hdrhistogram.New(c.cfg.Lowest, c.cfg.Highest, c.cfg.SigFigs)
			for i := 0; i < 100000; i++ {
				v := c.gen(r)
				h.Record(v)
				if err := ref.RecordValue(v); err != nil {
					t.Fatalf("reference RecordValue(%d): %v", v, err)
				}
			}
			if got, want := h.Count(), ref.TotalCount(); got != want {
				t.Errorf("Count() = %d, want %d", got, want)
			}
			for _, q := range []float64{0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
				if got, want := h.ValueAtQuantile(q), ref.ValueAtQuantile(q*100); got != want {
					t.Errorf("ValueAtQuantile(%v) = %d, want %d", q, got, want)
				}
			}
			qs := []float64{0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 1}
			sum := h.Summarize(qs)
			for i, q := range qs {
				if got, want := sum.Quantiles[i], ref.ValueAtQuantile(q*100); got != want {
					t.Errorf("Summarize: quantile %v = %d, want %d", q, got, want)
				}
			}
			if sum.Count != ref.TotalCount() || sum.Max != ref.Max() || math.Abs(sum.Mean-ref.Mean()) > 1e-9*ref.Mean() {
				t.Errorf("Summarize = count %d max %d mean %v, want %d %d %v", sum.Count, sum.Max, sum.Mean, ref.TotalCount(), ref.Max(), ref.Mean())
			}
			if got, want := h.Max(), ref.Max(); got != want {
				t.Errorf("Max() = %d, want %d", got, want)
			}
			if got, want := h.Min(), ref.Min(); got != want {
				t.Errorf("Min() = %d, want %d", got, want)
			}
			if got, want := h.Mean(), ref.Mean(); math.Abs(got-want) > 1e-9*want {
				t.Errorf("Mean() = %v, want %v", got, want)
			}
		})
	}
}

// Merging is exact: the merge of histograms of parts of a set of values
// equals the histogram of the whole set, bucket for bucket.
func TestMergeExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	whole := New(Latency)
	parts := []*Histogram{New(Latency), New(Latency), New(Latency)}
	for i := 0; i < 50000; i++ {
		v := int64(math.Pow(10, 3+r.Float64()*8))
		whole.Record(v)
		parts[r.IntN(len(parts))].Record(v)
	}
	merged := New(Latency)
	for _, p := range parts {
		if err := merged.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	if !merged.Equal(whole) {
		t.Fatalf("merge of parts differs from the whole")
	}
	if err := merged.Merge(New(Config{Lowest: 1, Highest: 1000, SigFigs: 2})); err != ErrConfig {
		t.Errorf("Merge of a different configuration = %v, want ErrConfig", err)
	}
}

// Concurrent recording loses nothing.
func TestConcurrentRecord(t *testing.T) {
	h := New(Latency)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 10000; i++ {
				h.Record(int64(1000 + g*10 + i%7))
			}
		}(g)
	}
	wg.Wait()
	if got := h.Count(); got != 80000 {
		t.Errorf("Count() after 8×10000 concurrent records = %d, want 80000", got)
	}
}

// Encode and Decode round-trip exactly, and Decode refuses damaged input.
func TestEncodeDecode(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	h := New(Latency)
	for i := 0; i < 10000; i++ {
		h.Record(int64(r.ExpFloat64() * 1e6))
	}
	h.Record(Latency.Highest * 2) // clamped to the highest
	got, err := Decode(Encoding, h.Encode())
	if err != nil {
		t.Fatalf("Decode(Encode()) error: %v", err)
	}
	if !got.Equal(h) {
		t.Fatalf("Decode(Encode()) differs from the original")
	}
	empty, err := Decode(Encoding, New(Latency).Encode())
	if err != nil || empty.Count() != 0 {
		t.Errorf("round trip of an empty histogram = %v, %v", empty, err)
	}
	bad := []struct{ name, enc, data string }{
		{"unknown encoding", "hdr-v9", h.Encode()},
		{"not base64", Encoding, "%%%"},
		{"truncated", Encoding, h.Encode()[:6]},
		{"bucket out of range", Encoding, "6AeAoPC7/wwAw////w8B"},
	}
	for _, b := range bad {
		if _, err := Decode(b.enc, b.data); err == nil {
			t.Errorf("Decode(%s) succeeded, want an error", b.name)
		}
	}
}

func BenchmarkRecord(b *testing.B) {
	h := New(Latency)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(int64(1000 + i&0xffff))
	}
}

func BenchmarkRecordParallel(b *testing.B) {
	h := New(Latency)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int64(0)
		for pb.Next() {
			h.Record(1000 + i&0xffff)
			i++
		}
	})
}

func BenchmarkReferenceRecord(b *testing.B) {
	h := hdrhistogram.New(Latency.Lowest, Latency.Highest, Latency.SigFigs)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = h.RecordValue(int64(1000 + i&0xffff))
	}
}
