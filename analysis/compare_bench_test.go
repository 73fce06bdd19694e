package analysis

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
)

// longRun builds a run of n one-second windows of three operations, with
// per-window percentiles drawn directly (recording every operation would
// make the set-up, not the comparison, the cost).
func longRun(id string, n int, seed uint64) *result.Document {
	r := rand.New(rand.NewPCG(seed, 3))
	d := &result.Document{ID: id, Benchmark: "bench", Status: result.Completed, StartedAt: time.Unix(0, 0),
		Measure: result.Span{DurationS: float64(n)}, Ops: map[string]result.OpSummary{}}
	ops := []string{"read", "update", "insert"}
	for i := range n {
		w := result.Window{StartS: float64(i), DurationS: 1, Phase: "measure", State: result.WindowFinal, Ops: map[string]result.WindowOp{}}
		for _, op := range ops {
			p50 := 100 + 10*r.NormFloat64()
			w.Ops[op] = result.WindowOp{Count: 1000 + int64(r.IntN(50)), LatencyUs: &result.Latency{
				P50: p50, P90: p50 * 2, P99: p50 * 4, P999: p50 * 8, Max: p50 * 20}}
		}
		d.Windows = append(d.Windows, w)
	}
	for _, op := range ops {
		h := hdr.New(hdr.Latency)
		for range 10000 {
			h.Record(int64(100000 * r.ExpFloat64()))
		}
		d.Ops[op] = result.OpSummary{Count: int64(n) * 1000, ThroughputOpsS: 1000, LatencyUs: latencyOf(h)}
		d.Histograms = append(d.Histograms, result.Histogram{Op: op, Outcome: "ok", Kind: "service", Unit: "ns", Encoding: hdr.Encoding, Data: h.Encode()})
	}
	return d
}

// BenchmarkCompareLast50 is compare's own compute for --last 50 over runs
// of an hour: 49 pooled base runs against the newest, three operations.
func BenchmarkCompareLast50(b *testing.B) {
	var docs []*result.Document
	for i := range 50 {
		docs = append(docs, longRun("r", 3600, uint64(i)))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compare(docs[:49], docs[49:], Options{SameWorkload: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareLast50Host is BenchmarkCompareLast50 with host
// observations in every run (a CPU figure, a disk's IOPS and its write
// latency p50 and p99 from per-window buckets): the host figures' share of
// compare's compute. Run both and compare their ns/op.
func BenchmarkCompareLast50Host(b *testing.B) {
	var docs []*result.Document
	for i := range 50 {
		docs = append(docs, hostGen{iowait: 3, writes: 100, diskUs: 400, seed: uint64(i)}.with(longRun("r", 3600, uint64(i))))
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Compare(docs[:49], docs[49:], Options{SameWorkload: true}); err != nil {
			b.Fatal(err)
		}
	}
}
