package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/statebench/statebench/observe"
	"github.com/statebench/statebench/result"
)

// hostGen describes synthetic host observations: pre windows before the
// measure phase (with absurd figures, to show they are left out), then one
// per measure window of the run.
type hostGen struct {
	pre     int
	iowait  float64 // mean cpu iowait, %
	writes  float64 // disk writes/s
	diskUs  float64 // median disk write latency, µs
	missing []int   // measure windows without a reading
	seed    uint64
}

// with returns d with the host observations attached.
func (h hostGen) with(d *result.Document) *result.Document {
	r := rand.New(rand.NewPCG(h.seed, 3))
	n := h.pre + int(d.Measure.DurationS)
	start := d.Measure.StartS - float64(h.pre)
	host := result.Observer{Name: "host", Status: result.ObserverOK, StartS: start, Windows: n}
	bio := result.Observer{Name: "biolatency", Status: result.ObserverOK, StartS: start, Windows: n}
	iowait := result.Series{Name: "cpu.iowait", Unit: "%", Values: make(result.Values, n)}
	writes := result.Series{Name: "disk.writes", Unit: "ops/s", Labels: map[string]string{"disk": "vda"}, Values: make(result.Values, n)}
	lat := result.LogHistogram{Name: "disk.latency", Unit: "us", Labels: map[string]string{"disk": "vda", "op": "write"}}
	for i := range n {
		if i >= h.pre && slices.Contains(h.missing, i-h.pre) {
			iowait.Values[i], writes.Values[i] = math.NaN(), math.NaN()
			host.MissingS = append(host.MissingS, start+float64(i))
			bio.MissingS = append(bio.MissingS, start+float64(i))
			continue
		}
		scale := 1.0
		if i < h.pre {
			scale = 100 // warm-up: not compared
		}
		iowait.Values[i] = min(100, scale*h.iowait*(1+0.1*r.NormFloat64()))
		writes.Values[i] = scale * h.writes * (1 + 0.05*r.NormFloat64())
		var counts [30]uint64
		for range 50 {
			v := scale * h.diskUs * r.ExpFloat64() / 0.693
			b := 0
			if v >= 2 {
				b = int(math.Floor(math.Log2(v)))
			}
			counts[b]++
		}
		lat.Windows = append(lat.Windows, result.WindowBuckets{StartS: start + float64(i), First: 0, Counts: slices.Clone(counts[:])})
		lat.Count += 50
	}
	host.Series = []result.Series{iowait, writes}
	bio.Histograms = []result.LogHistogram{lat}
	d.Observers = []result.Observer{host, bio}
	return d
}

func hostRow(t *testing.T, c *Comparison, name string) HostComparison {
	t.Helper()
	for _, h := range c.Candidates[0].Host {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no host figure %s in the comparison: %+v", name, c.Candidates[0].Host)
	return HostComparison{}
}

func TestCompareHost(t *testing.T) {
	client := gen{id: "b", windows: 20, rate: 500, latency: 100, seed: 1}
	same := gen{id: "c", windows: 20, rate: 500, latency: 100, seed: 2}
	base := hostGen{pre: 3, iowait: 3, writes: 100, diskUs: 400, seed: 1}
	tests := []struct {
		name string
		cand hostGen
		// want maps host figures to their verdicts.
		want map[string]Verdict
	}{
		// The same host: no significant difference anywhere.
		{"same", hostGen{pre: 3, iowait: 3, writes: 100, diskUs: 400, seed: 2},
			map[string]Verdict{"cpu.iowait_pct": Same, "disk.vda.write_iops": Same, "disk.vda.write_latency_p99_us": Same}},
		// More iowait and slower disk writes: worse; more writes per
		// second: only higher, IOPS have no direction.
		{"slowDisk", hostGen{pre: 3, iowait: 15, writes: 150, diskUs: 1600, seed: 2},
			map[string]Verdict{"cpu.iowait_pct": Worse, "disk.vda.write_iops": Higher, "disk.vda.write_latency_p99_us": Worse, "disk.vda.write_latency_p50_us": Worse}},
		// A faster disk is better.
		{"fastDisk", hostGen{pre: 3, iowait: 1, writes: 100, diskUs: 100, seed: 2},
			map[string]Verdict{"cpu.iowait_pct": Better, "disk.vda.write_latency_p99_us": Better}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare([]*result.Document{base.with(client.doc())}, []*result.Document{tt.cand.with(same.doc())}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				if got := hostRow(t, c, name); got.Verdict != want {
					t.Errorf("Compare(%s) host %s = %s (p %v, note %q), want %s", tt.name, name, got.Verdict, deref(got.P), got.Note, want)
				}
			}
			// Host figures explain; they never gate.
			if rs := c.Regressions(); len(rs) > 0 {
				t.Errorf("Compare(%s) regressions = %v, want none (the clients are alike)", tt.name, rs)
			}
		})
	}
}

// The host figures' samples are the measure windows with a reading: the
// warm-up windows before are left out, and a missing window is dropped,
// not taken as zero. A percentage changes by points; a latency percentile's
// headline comes from the measure windows' buckets merged.
func TestCompareHostSamples(t *testing.T) {
	bdoc := hostGen{pre: 3, iowait: 3, writes: 100, diskUs: 400, missing: []int{4, 5}, seed: 1}.with(gen{id: "b", windows: 20, rate: 500, latency: 100, seed: 1}.doc())
	cdoc := hostGen{pre: 0, iowait: 15, writes: 100, diskUs: 400, seed: 2}.with(gen{id: "c", windows: 20, rate: 500, latency: 100, seed: 2}.doc())
	c, err := Compare([]*result.Document{bdoc}, []*result.Document{cdoc}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	io := hostRow(t, c, "cpu.iowait_pct")
	if io.BaseN != 18 || io.CandidateN != 20 {
		t.Errorf("cpu.iowait_pct windows = %d/%d, want 18/20 (warm-up and missing windows left out)", io.BaseN, io.CandidateN)
	}
	var sum float64
	for _, v := range bdoc.Observers[0].Series[0].Values[3:] {
		if !math.IsNaN(v) {
			sum += v
		}
	}
	if want := sum / 18; io.Base == nil || math.Abs(*io.Base-want) > 1e-9 {
		t.Errorf("cpu.iowait_pct base = %v, want the mean of the measure windows %v", deref(io.Base), want)
	}
	if io.DeltaPct != nil || io.DeltaPts == nil || math.Abs(*io.DeltaPts-(*io.Candidate-*io.Base)) > 1e-9 {
		t.Errorf("cpu.iowait_pct delta = %v%% / %v pts, want only points, %v", deref(io.DeltaPct), deref(io.DeltaPts), *io.Candidate-*io.Base)
	}
	if got := io.DeltaText(); got[0] != '+' || got[len(got)-4:] != " pts" {
		t.Errorf("cpu.iowait_pct DeltaText() = %q, want +N pts", got)
	}

	p99 := hostRow(t, c, "disk.vda.write_latency_p99_us")
	var merged [30]uint64
	for _, w := range bdoc.Observers[1].Histograms[0].Windows[3:] {
		for j, n := range w.Counts {
			merged[w.First+j] += n
		}
	}
	if want := observe.Quantile(0, merged[:], 0.99); p99.Base == nil || *p99.Base != want {
		t.Errorf("disk.vda.write_latency_p99_us base = %v, want the merged buckets' p99 %v", deref(p99.Base), want)
	}
}

// Observers leave the client metrics' gate as it was: the host figures are
// adjusted in a family of their own. A run without observers against one
// with them compares no host figures and says so.
func TestCompareHostFamily(t *testing.T) {
	b := gen{id: "b", windows: 20, rate: 500, latency: 100, seed: 1}
	c := gen{id: "c", windows: 20, rate: 500, latency: 110, seed: 2}
	plain, err := Compare([]*result.Document{b.doc()}, []*result.Document{c.doc()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hb := hostGen{iowait: 3, writes: 100, diskUs: 400, seed: 1}
	hc := hostGen{iowait: 15, writes: 100, diskUs: 1600, seed: 2}
	observed, err := Compare([]*result.Document{hb.with(b.doc())}, []*result.Document{hc.with(c.doc())}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(observed.Candidates[0].Host) == 0 {
		t.Fatal("Compare with observers has no host figures")
	}
	for i, op := range plain.Candidates[0].Ops {
		for j, m := range op.Metrics {
			o := observed.Candidates[0].Ops[i].Metrics[j]
			if deref(m.PHolm) != deref(o.PHolm) {
				t.Errorf("%s %s p_holm = %v with observers, want %v as without", op.Op, m.Metric, deref(o.PHolm), deref(m.PHolm))
			}
		}
	}

	half, err := Compare([]*result.Document{b.doc()}, []*result.Document{hc.with(c.doc())}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cand := half.Candidates[0]
	if len(cand.Host) != 0 || !slices.Contains(cand.Warnings, "the base has no host observations: host figures not compared") {
		t.Errorf("Compare(no observers, observers) host = %d rows, warnings %q; want none and a warning", len(cand.Host), cand.Warnings)
	}
}
