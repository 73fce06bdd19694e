package analysis

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/statebench/statebench/analysis/stats"
	"github.com/statebench/statebench/observe"
	"github.com/statebench/statebench/result"
)

// HostComparison is one headline host figure (observe.Samples: CPU split,
// disk IOPS, await and latency percentiles, run-queue latency...) compared
// like a client metric, on the observer windows of the measure phase. Host
// figures explain a change; they never make a regression.
type HostComparison struct {
	// Name is the figure's key in observe.Samples, for example
	// "cpu.iowait_pct" or "disk.vda.write_latency_p99_us".
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Direction is "higher_is_worse", "lower_is_worse" or "none" (a change
	// is then only "higher" or "lower").
	Direction string `json:"direction"`
	// Base and Candidate are the headline figures over the measure phase:
	// for latency percentiles, the percentile of the windows' buckets
	// merged; for the others, the mean of the windows with a value. Nil
	// when a side has none.
	Base      *float64 `json:"base"`
	Candidate *float64 `json:"candidate"`
	// DeltaPct is the relative change in percent; for figures that are
	// themselves percentages (Unit "%") it is nil and DeltaPts holds the
	// change in percentage points.
	DeltaPct *float64 `json:"delta_pct"`
	DeltaPts *float64 `json:"delta_pts,omitempty"`
	Verdict  Verdict  `json:"verdict"`
	// P is the U test's p-value; PHolm is adjusted by Holm's method over
	// the candidate's host figures (a family of their own, so that turning
	// observers on leaves the client metrics' gate as it was).
	P          *float64 `json:"p"`
	PHolm      *float64 `json:"p_holm"`
	BaseN      int      `json:"base_n"`
	CandidateN int      `json:"candidate_n"`
	// CI and CIPct: the bootstrap interval of the difference of the
	// per-window medians, in Unit and relative to the base median.
	CI    *stats.Interval `json:"ci,omitempty"`
	CIPct *stats.Interval `json:"ci_pct,omitempty"`
	Note  string          `json:"note,omitempty"`
}

// Significant reports whether the figure changed significantly after
// Holm's adjustment: what the text and the page list as the host changes
// beside the client's.
func (h HostComparison) Significant(alpha float64) bool {
	switch h.Verdict {
	case Better, Worse, Higher, Lower:
		return h.PHolm != nil && *h.PHolm < alpha
	}
	return false
}

// DeltaText is the headline change as printed: "+12.0 pts" for a
// percentage, "+40.0%" otherwise, "-" for none.
func (h HostComparison) DeltaText() string {
	switch {
	case h.DeltaPts != nil:
		return fmt.Sprintf("%+.1f pts", *h.DeltaPts)
	case h.DeltaPct != nil:
		return fmt.Sprintf("%+.1f%%", *h.DeltaPct)
	}
	return "-"
}

// hostSide is one side's host figures: per metric, the sorted per-window
// samples of the measure phase, the headline, and the metric's description.
type hostSide struct {
	metrics map[string]*hostMetric
}

type hostMetric struct {
	unit     string
	dir      observe.Direction
	samples  []float64
	sum      float64 // of samples, for the mean
	buckets  []uint64
	first    int
	quantile float64 // > 0: the headline is this quantile of buckets
	nonZero  bool
}

func (m *hostMetric) headline() (float64, bool) {
	if m == nil || len(m.samples) == 0 {
		return 0, false
	}
	if m.quantile > 0 {
		if v := observe.Quantile(m.first, m.buckets, m.quantile); !math.IsNaN(v) {
			return v, true
		}
	}
	return m.sum / float64(len(m.samples)), true
}

// inMeasure reports whether the one-second observer window starting at s
// lies in the run's measure phase. Observer windows share the client's
// one-second grid; half a second of slack absorbs a phase that does not
// start on it.
func inMeasure(d *result.Document, s float64) bool {
	m := d.Measure
	return s >= m.StartS-0.5 && s+1 <= m.StartS+m.DurationS+0.5
}

func newHostSide(docs []*result.Document) *hostSide {
	hs := &hostSide{metrics: map[string]*hostMetric{}}
	for _, d := range docs {
		for key, m := range observe.Samples(d.Observers) {
			hm := hs.metrics[key]
			if hm == nil {
				hm = &hostMetric{unit: m.Unit, dir: m.Direction}
				hs.metrics[key] = hm
			}
			for i, v := range m.Values {
				if math.IsNaN(v) || !inMeasure(d, m.StartS+float64(i)) {
					continue // missing, not zero
				}
				hm.samples = append(hm.samples, v)
				hm.sum += v
				if v != 0 {
					hm.nonZero = true
				}
			}
		}
		// Latency percentiles: the headline is the percentile of the
		// measure windows' buckets merged, never a mean of percentiles.
		for _, o := range d.Observers {
			if o.Status != result.ObserverOK {
				continue
			}
			for _, h := range o.Histograms {
				base, ok := hostHistogramKey(h.Name, h.Labels)
				if !ok {
					continue
				}
				for _, q := range []struct {
					name string
					q    float64
				}{{"p50", 0.5}, {"p99", 0.99}} {
					hm := hs.metrics[base+q.name+"_us"]
					if hm == nil {
						continue
					}
					hm.quantile = q.q
					// The windows are sparse: only those with values.
					for _, w := range h.Windows {
						if inMeasure(d, w.StartS) {
							hm.addBuckets(w.First, w.Counts)
						}
					}
				}
			}
		}
	}
	for _, hm := range hs.metrics {
		slices.Sort(hm.samples)
	}
	return hs
}

// addBuckets adds counts of buckets first, first+1... to m's.
func (m *hostMetric) addBuckets(first int, counts []uint64) {
	if len(counts) == 0 {
		return
	}
	if m.buckets == nil {
		m.first = first
	}
	if first < m.first {
		m.buckets = append(make([]uint64, m.first-first), m.buckets...)
		m.first = first
	}
	if need := first - m.first + len(counts); need > len(m.buckets) {
		m.buckets = append(m.buckets, make([]uint64, need-len(m.buckets))...)
	}
	for j, c := range counts {
		m.buckets[first-m.first+j] += c
	}
}

// hostHistogramKey returns the observe.Samples key of a per-window
// histogram up to its "p50_us" suffix, as observe.Samples names them.
func hostHistogramKey(name string, labels map[string]string) (string, bool) {
	switch {
	case name == "disk.latency":
		return fmt.Sprintf("disk.%s.%s_latency_", labels["disk"], labels["op"]), true
	case name == "runq.latency" && labels["scope"] == "host":
		return "runq.", true
	case name == "runq.latency" && labels["scope"] == "process":
		return "process.runq.", true
	}
	return "", false
}

// compareHost compares the host figures of two sides. A figure that is
// zero or missing in every measure window of both sides (an idle disk, no
// steal) says nothing and is left out.
func compareHost(b, c *hostSide, opts Options) []HostComparison {
	keys := map[string]bool{}
	for k := range b.metrics {
		keys[k] = true
	}
	for k := range c.metrics {
		keys[k] = true
	}
	var out []HostComparison
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		bm, cm := b.metrics[key], c.metrics[key]
		if !(bm != nil && bm.nonZero) && !(cm != nil && cm.nonZero) {
			continue
		}
		desc := bm
		if desc == nil {
			desc = cm
		}
		hc := HostComparison{Name: key, Unit: desc.unit, Verdict: Unknown}
		dir := lowerIsBetter
		switch desc.dir {
		case observe.HigherIsWorse:
			hc.Direction = "higher_is_worse"
		case observe.LowerIsWorse:
			hc.Direction, dir = "lower_is_worse", higherIsBetter
		default:
			hc.Direction, dir = "none", noDirection
		}
		bv, bok := bm.headline()
		cv, cok := cm.headline()
		if bok {
			hc.Base = ptr(bv)
		}
		if cok {
			hc.Candidate = ptr(cv)
		}
		delta := (*float64)(nil)
		if bok && cok {
			switch {
			case hc.Unit == "%":
				hc.DeltaPts = ptr(cv - bv)
				delta = hc.DeltaPts
			case bv != 0:
				hc.DeltaPct = ptr((cv - bv) / bv * 100)
				delta = hc.DeltaPct
			}
		}
		var bs, cs []float64
		if bm != nil {
			bs = bm.samples
		}
		if cm != nil {
			cs = cm.samples
		}
		t := testSamples(bs, cs, dir, delta, opts)
		hc.Verdict, hc.P, hc.Note = t.verdict, t.p, t.note
		hc.CI, hc.CIPct = t.ci, t.ciPct
		hc.BaseN, hc.CandidateN = len(bs), len(cs)
		out = append(out, hc)
	}
	var ps []float64
	var idx []int
	for i, hc := range out {
		if hc.P != nil {
			ps = append(ps, *hc.P)
			idx = append(idx, i)
		}
	}
	for k, adj := range holmAdjust(ps) {
		out[idx[k]].PHolm = ptr(adj)
	}
	return out
}
