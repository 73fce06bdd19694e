package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
)

// gen describes a synthetic run: per window, each op's throughput and
// latency scale, with seeded noise.
type gen struct {
	id       string
	windows  int
	rate     float64 // ops/s of the read op
	latency  float64 // read p50 in us
	errRate  float64
	seed     uint64
	cpuModel string
}

// doc builds a result document whose per-window figures and totals agree:
// every latency is recorded in one histogram per window and in the total.
func (g gen) doc() *result.Document {
	r := rand.New(rand.NewPCG(g.seed, 9))
	cpu := g.cpuModel
	if cpu == "" {
		cpu = "Test CPU"
	}
	d := &result.Document{
		SchemaVersion: result.SchemaVersion, ID: g.id, Benchmark: "bench", Status: result.Completed,
		StartedAt:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Environment: result.Environment{CPUModel: cpu, CPUs: 8, Driver: "memory", Target: map[string]string{"version": "1"}},
		Measure:     result.Span{StartS: 0, DurationS: float64(g.windows)},
		Ops:         map[string]result.OpSummary{},
	}
	d.Workload.Name = "bench"
	d.Workload.Records = 1000
	total := hdr.New(hdr.Latency)
	var count, errs int64
	for i := range g.windows {
		h := hdr.New(hdr.Latency)
		n := int64(g.rate * (1 + 0.05*r.NormFloat64()))
		var e int64
		for range n {
			if r.Float64() < g.errRate {
				e++
				continue
			}
			v := int64(g.latency * 1000 * r.ExpFloat64() / 0.693)
			h.Record(v)
		}
		total.Merge(h)
		count += n
		errs += e
		d.Windows = append(d.Windows, result.Window{
			StartS: float64(i), DurationS: 1, Phase: "measure", State: result.WindowFinal,
			Ops: map[string]result.WindowOp{"read": {Count: n, Errors: e, LatencyUs: latencyOf(h)}},
		})
	}
	d.Ops["read"] = result.OpSummary{Count: count, Errors: errs, ThroughputOpsS: float64(count) / float64(g.windows), LatencyUs: latencyOf(total)}
	d.Histograms = []result.Histogram{{Op: "read", Outcome: "ok", Kind: "service", Unit: "ns", Count: total.Count(), Encoding: hdr.Encoding, Data: total.Encode()}}
	return d
}

func latencyOf(h *hdr.Histogram) *result.Latency {
	us := func(v int64) float64 { return float64(v) / 1000 }
	return &result.Latency{P50: us(h.ValueAtQuantile(0.5)), P90: us(h.ValueAtQuantile(0.9)), P99: us(h.ValueAtQuantile(0.99)),
		P999: us(h.ValueAtQuantile(0.999)), Max: us(h.Max()), Mean: h.Mean() / 1000}
}

func metric(t *testing.T, c *Comparison, op string, m Metric) MetricComparison {
	t.Helper()
	for _, o := range c.Candidates[0].Ops {
		if o.Op != op {
			continue
		}
		for _, mc := range o.Metrics {
			if mc.Metric == m {
				return mc
			}
		}
	}
	t.Fatalf("no %s %s in the comparison", op, m)
	return MetricComparison{}
}

func TestCompareVerdicts(t *testing.T) {
	base := gen{id: "base", windows: 30, rate: 500, latency: 100, seed: 1}
	tests := []struct {
		name string
		cand gen
		want map[Metric]Verdict
		// regressions lists the "op metric" pairs that must fail the gate.
		regressions []string
	}{
		// The same distribution, other noise: no significant difference.
		{"same", gen{id: "c", windows: 30, rate: 500, latency: 100, seed: 2},
			map[Metric]Verdict{Throughput: Same, P50: Same, P99: Same}, nil},
		// Twice the latency: every percentile is worse, beyond 5%.
		{"slower", gen{id: "c", windows: 30, rate: 500, latency: 200, seed: 2},
			map[Metric]Verdict{P50: Worse, P90: Worse, P99: Worse, Throughput: Same},
			[]string{"read p50", "read p90", "read p99", "read p99.9", "read max"}},
		// Faster and more of it: better, and no regression.
		{"faster", gen{id: "c", windows: 30, rate: 700, latency: 50, seed: 2},
			map[Metric]Verdict{Throughput: Better, P50: Better, P99: Better}, nil},
		// Three windows cannot reach significance: ? for every metric.
		{"tooFew", gen{id: "c", windows: 3, rate: 500, latency: 400, seed: 2},
			map[Metric]Verdict{Throughput: Unknown, P50: Unknown, P99: Unknown}, nil},
		// Errors where there were none: the error rate is worse, and its
		// change from 0 exceeds any threshold.
		{"errors", gen{id: "c", windows: 30, rate: 500, latency: 100, errRate: 0.2, seed: 2},
			map[Metric]Verdict{ErrorRate: Worse},
			[]string{"read error rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare([]*result.Document{base.doc()}, []*result.Document{tt.cand.doc()}, Options{})
			if err != nil {
				t.Fatalf("Compare: %v", err)
			}
			for m, want := range tt.want {
				if got := metric(t, c, "read", m); got.Verdict != want {
					t.Errorf("Compare(%s) read %s = %s (p %v, note %q), want %s", tt.name, m, got.Verdict, deref(got.P), got.Note, want)
				}
			}
			var got []string
			for _, r := range c.Regressions() {
				got = append(got, r.Op+" "+string(r.Metric))
			}
			for _, w := range tt.regressions {
				if !slices.Contains(got, w) {
					t.Errorf("Compare(%s) regressions = %v, want %q among them", tt.name, got, w)
				}
			}
			if len(tt.regressions) == 0 && len(got) > 0 {
				t.Errorf("Compare(%s) regressions = %v, want none", tt.name, got)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// A regression smaller than the threshold is worse but does not fail the
// gate; with a lower threshold it does.
func TestCompareThreshold(t *testing.T) {
	base := gen{id: "b", windows: 60, rate: 2000, latency: 100, seed: 1}.doc()
	cand := gen{id: "c", windows: 60, rate: 2000, latency: 104, seed: 2}.doc()
	for _, tt := range []struct {
		threshold float64
		want      bool
	}{
		{0.10, false},
		{-1, true}, // 0: any significant worsening
	} {
		c, err := Compare([]*result.Document{base}, []*result.Document{cand}, Options{Threshold: tt.threshold})
		if err != nil {
			t.Fatal(err)
		}
		mc := metric(t, c, "read", P50)
		if mc.Verdict != Worse {
			t.Fatalf("read p50 = %s (p %v), want worse", mc.Verdict, deref(mc.P))
		}
		got := slices.ContainsFunc(c.Regressions(), func(r Regression) bool { return r.Metric == P50 })
		if got != tt.want {
			t.Errorf("Compare(threshold %v) p50 regression = %v, want %v (delta %v%%)", tt.threshold, got, tt.want, deref(mc.DeltaPct))
		}
	}
}

// Pooled base runs' percentiles come from their merged histograms, never
// from an average of their percentiles.
func TestComparePooledPercentiles(t *testing.T) {
	fast := gen{id: "fast", windows: 10, rate: 1000, latency: 100, seed: 1}.doc()
	slow := gen{id: "slow", windows: 10, rate: 1000, latency: 1000, seed: 2}.doc()
	cand := gen{id: "c", windows: 10, rate: 1000, latency: 100, seed: 3}.doc()
	c, err := Compare([]*result.Document{fast, slow}, []*result.Document{cand}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := hdr.New(hdr.Latency)
	for _, d := range []*result.Document{fast, slow} {
		h, err := hdr.Decode(d.Histograms[0].Encoding, d.Histograms[0].Data)
		if err != nil {
			t.Fatal(err)
		}
		all.Merge(h)
	}
	want := float64(all.ValueAtQuantile(0.99)) / 1000
	avg := (fast.Ops["read"].LatencyUs.P99 + slow.Ops["read"].LatencyUs.P99) / 2
	got := metric(t, c, "read", P99)
	if *got.Base != want {
		t.Errorf("pooled base p99 = %v, want %v (merged; the average of p99s is %v)", *got.Base, want, avg)
	}
	if got.BaseN != 20 {
		t.Errorf("pooled base windows = %d, want 20", got.BaseN)
	}
	// Throughput pools counts over the summed durations.
	wantTput := float64(fast.Ops["read"].Count+slow.Ops["read"].Count) / 20
	if got := metric(t, c, "read", Throughput); *got.Base != wantTput {
		t.Errorf("pooled base throughput = %v, want %v", *got.Base, wantTput)
	}
}

// Only final windows of the measure phase are samples; missing ones are
// absent, not zero.
func TestCompareWindowSelection(t *testing.T) {
	b := gen{id: "b", windows: 10, rate: 1000, latency: 100, seed: 1}.doc()
	b.Windows[0].Phase = "warmup"
	b.Windows[1].State = result.WindowMissing
	b.Windows[1].Ops = nil
	b.Windows[2].State = result.WindowInvalid
	b.Windows[3].DurationS = 0 // a run's last instant: no rate
	c := gen{id: "c", windows: 10, rate: 1000, latency: 100, seed: 2}.doc()
	got, err := Compare([]*result.Document{b}, []*result.Document{c}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if mc := metric(t, got, "read", Throughput); mc.BaseN != 6 || mc.CandidateN != 10 {
		t.Errorf("throughput samples = %d, %d, want 6, 10", mc.BaseN, mc.CandidateN)
	}
	if n := got.Base[0].Windows; n != 6 {
		t.Errorf("base run windows = %d, want 6", n)
	}
}

func TestCompareDiffsAndWarnings(t *testing.T) {
	b := gen{id: "b", windows: 5, rate: 100, latency: 100, seed: 1}.doc()
	c := gen{id: "c", windows: 5, rate: 100, latency: 100, seed: 2, cpuModel: "Other CPU"}.doc()
	c.Workload.Records = 2000
	c.Environment.Kernel = "6.2"
	c.Environment.Target["version"] = "2"

	tests := []struct {
		name         string
		sameWorkload bool
		// warn lists substrings the warnings must contain.
		warn   []string
		noWarn []string
	}{
		// By id the workload may differ on purpose: not warned about; the
		// CPU model always is.
		{"byID", false, []string{`environment.cpu_model differs: "Test CPU" in base run b, "Other CPU" in candidate`}, []string{"workload differs"}},
		// Within one benchmark's history a workload change is suspicious.
		{"byBenchmark", true, []string{"workload differs from base run b in workload.records"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmp, err := Compare([]*result.Document{b}, []*result.Document{c}, Options{SameWorkload: tt.sameWorkload})
			if err != nil {
				t.Fatal(err)
			}
			cand := cmp.Candidates[0]
			ws := strings.Join(cand.Warnings, "\n")
			for _, w := range tt.warn {
				if !strings.Contains(ws, w) {
					t.Errorf("warnings = %q, want one containing %q", cand.Warnings, w)
				}
			}
			for _, w := range tt.noWarn {
				if strings.Contains(ws, w) {
					t.Errorf("warnings = %q, want none containing %q", cand.Warnings, w)
				}
			}
			wantWl := []Change{{Field: "workload.records", Base: "1000", Candidate: "2000"}}
			if !slices.Equal(cand.Workload, wantWl) {
				t.Errorf("workload changes = %+v, want %+v", cand.Workload, wantWl)
			}
			wantEnv := []Change{
				{Field: "environment.cpu_model", Base: "Test CPU", Candidate: "Other CPU", Unexpected: true},
				{Field: "environment.kernel", Base: "", Candidate: "6.2"},
				{Field: "environment.target.version", Base: "1", Candidate: "2"},
			}
			if !slices.Equal(cand.Environment, wantEnv) {
				t.Errorf("environment changes = %+v, want %+v", cand.Environment, wantEnv)
			}
		})
	}
}

func TestCompareNoRuns(t *testing.T) {
	if _, err := Compare(nil, []*result.Document{{}}, Options{}); err != ErrNoRuns {
		t.Errorf("Compare(no base) error = %v, want ErrNoRuns", err)
	}
}

// A difference shared by many pooled base runs is one warning that counts
// them, not one warning per run.
func TestComparePooledWarnings(t *testing.T) {
	var base []*result.Document
	for i := range 5 {
		base = append(base, gen{id: "b" + string(rune('0'+i)), windows: 5, rate: 100, latency: 100, seed: uint64(i)}.doc())
	}
	cand := gen{id: "c", windows: 5, rate: 100, latency: 100, seed: 9, cpuModel: "Other CPU"}.doc()
	c, err := Compare(base, []*result.Document{cand}, Options{SameWorkload: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`environment.cpu_model differs: "Test CPU" in 5 of 5 base runs (b0, b1, b2, …), "Other CPU" in candidate`}
	if got := c.Candidates[0].Warnings; !slices.Equal(got, want) {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}

func TestHolm(t *testing.T) {
	// Holm's step-down: sorted p (0.005, 0.01, 0.03, 0.04) times (4, 3, 2,
	// 1) is (0.02, 0.03, 0.06, 0.04), made non-decreasing.
	ps := []float64{0.01, 0.04, 0.03, 0.005}
	want := []float64{0.03, 0.06, 0.06, 0.02}
	var ms []*MetricComparison
	for _, p := range ps {
		ms = append(ms, &MetricComparison{P: ptr(p)})
	}
	holm(ms)
	for i, m := range ms {
		if math.Abs(*m.PHolm-want[i]) > 1e-12 {
			t.Errorf("holm(%v)[%d] = %v, want %v", ps, i, *m.PHolm, want[i])
		}
	}
}

// The gate adjusts for the number of metrics: five windows a side, however
// far apart, give p = 2/252 per metric, which over seven metrics is not
// significant; the verdicts still say worse.
func TestCompareGateNeedsEnoughWindows(t *testing.T) {
	base := gen{id: "b", windows: 5, rate: 500, latency: 100, seed: 1}.doc()
	slow := gen{id: "c", windows: 5, rate: 500, latency: 300, seed: 2}.doc()
	c, err := Compare([]*result.Document{base}, []*result.Document{slow}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if mc := metric(t, c, "read", P50); mc.Verdict != Worse || *mc.PHolm < 0.05 {
		t.Errorf("read p50 = %s, p %v, p_holm %v; want worse, p_holm >= 0.05", mc.Verdict, deref(mc.P), deref(mc.PHolm))
	}
	if rs := c.Regressions(); len(rs) != 0 {
		t.Errorf("regressions = %v, want none with five windows a side", rs)
	}
	// Ten windows a side are enough.
	base = gen{id: "b", windows: 10, rate: 500, latency: 100, seed: 1}.doc()
	slow = gen{id: "c", windows: 10, rate: 500, latency: 300, seed: 2}.doc()
	if c, err = Compare([]*result.Document{base}, []*result.Document{slow}, Options{}); err != nil {
		t.Fatal(err)
	}
	if rs := c.Regressions(); !slices.ContainsFunc(rs, func(r Regression) bool { return r.Metric == P50 }) {
		t.Errorf("regressions = %v, want read p50 among them with ten windows a side", rs)
	}
}
