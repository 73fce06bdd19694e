// Package analysis compares runs: per operation and metric, the candidate's
// headline figure against the base's, a verdict decided by a Mann-Whitney U
// test on the per-window samples of the measure phase, a bootstrap
// confidence interval of the difference, and what changed between the runs'
// workloads and environments. docs/compare.md explains how verdicts are
// decided.
package analysis

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"sort"
	"time"

	"github.com/statebench/statebench/analysis/stats"
	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
)

// Verdict is the outcome of one metric's comparison.
type Verdict string

// The verdicts.
const (
	Better Verdict = "better"
	Worse  Verdict = "worse"
	// Same: no significant difference.
	Same Verdict = "~"
	// Unknown: not enough data to decide (too few windows, or no data on
	// one side).
	Unknown Verdict = "?"
	// Higher and Lower: a significant change of a host metric that is
	// neither better nor worse in itself (disk IOPS follow the client's
	// load).
	Higher Verdict = "higher"
	Lower  Verdict = "lower"
)

// Metric names a compared figure of one operation type.
type Metric string

// The compared metrics. Latencies are in microseconds; the intended ones are
// the open loop's intended-time latencies.
const (
	Throughput   Metric = "throughput"
	P50          Metric = "p50"
	P90          Metric = "p90"
	P99          Metric = "p99"
	P999         Metric = "p99.9"
	Max          Metric = "max"
	IntendedP50  Metric = "intended p50"
	IntendedP90  Metric = "intended p90"
	IntendedP99  Metric = "intended p99"
	IntendedP999 Metric = "intended p99.9"
	IntendedMax  Metric = "intended max"
	ErrorRate    Metric = "error rate"
)

// HigherIsBetter reports the metric's direction: true for throughput, false
// for latencies and the error rate.
func (m Metric) HigherIsBetter() bool { return m == Throughput }

// Unit returns the metric's unit: "ops/s", "us" or "" (a fraction).
func (m Metric) Unit() string {
	switch m {
	case Throughput:
		return "ops/s"
	case ErrorRate:
		return ""
	}
	return "us"
}

// latencyMetric describes a latency metric: which distribution and which
// quantile (1 for the max).
type latencyMetric struct {
	metric   Metric
	intended bool
	quantile float64
}

var latencyMetrics = []latencyMetric{
	{P50, false, 0.5}, {P90, false, 0.9}, {P99, false, 0.99}, {P999, false, 0.999}, {Max, false, 1},
	{IntendedP50, true, 0.5}, {IntendedP90, true, 0.9}, {IntendedP99, true, 0.99}, {IntendedP999, true, 0.999}, {IntendedMax, true, 1},
}

// Options are a comparison's settings. The zero value takes the defaults.
type Options struct {
	// Alpha is the significance level of the U test; default 0.05.
	Alpha float64
	// Threshold is the relative change (0.05 = 5%) beyond which a
	// significantly worse metric is a regression; default 0.05. Negative
	// means 0: every significant worsening is a regression.
	Threshold float64
	// MinWindows is the fewest windows each side needs for a verdict;
	// default 4, the fewest with which a U test can reach alpha 0.05.
	MinWindows int
	// Resamples and Seed drive the bootstrap; defaults 2,000 and 1.
	Resamples int
	Seed      uint64
	// SameWorkload says the runs are meant to share their workload (they
	// were selected as one benchmark's history): a workload difference is
	// then warned about.
	SameWorkload bool
}

func (o Options) withDefaults() Options {
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.Threshold == 0 {
		o.Threshold = 0.05
	}
	if o.Threshold < 0 {
		o.Threshold = 0
	}
	if o.MinWindows == 0 {
		o.MinWindows = 4
	}
	if o.Resamples == 0 {
		o.Resamples = 2000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Comparison is the comparison of one or more candidate runs with a base.
type Comparison struct {
	// Base lists the base runs; several are pooled (their windows form one
	// sample and their histograms are merged).
	Base       []Run       `json:"base"`
	Candidates []Candidate `json:"candidates"`
	Alpha      float64     `json:"alpha"`
	Threshold  float64     `json:"threshold"`
	MinWindows int         `json:"min_windows"`
}

// Run identifies a compared run.
type Run struct {
	ID        string        `json:"id"`
	Benchmark string        `json:"benchmark"`
	Status    result.Status `json:"status"`
	StartedAt time.Time     `json:"started_at"`
	// Windows counts the final windows of its measure phase.
	Windows int `json:"windows"`
}

// Candidate is one candidate run's comparison with the base.
type Candidate struct {
	Run Run            `json:"run"`
	Ops []OpComparison `json:"ops"`
	// Workload and Environment list what differs from the base (from the
	// newest base run when several are pooled).
	Workload    []Change `json:"workload_changes"`
	Environment []Change `json:"environment_changes"`
	// Warnings say what differs that should not, and what makes the
	// comparison weaker (an interrupted run, too few windows).
	Warnings []string `json:"warnings"`
	// Regressions are the metrics significantly worse by more than the
	// threshold: a gate fails on any. Host figures are never among them.
	Regressions []Regression `json:"regressions"`
	// Host compares the host observers' headline figures, sorted by name;
	// empty when either side recorded none. They explain a change and do
	// not gate.
	Host []HostComparison `json:"host"`
}

// OpComparison holds one operation type's metrics.
type OpComparison struct {
	Op      string             `json:"op"`
	Metrics []MetricComparison `json:"metrics"`
}

// MetricComparison is one metric of one operation type.
type MetricComparison struct {
	Metric Metric `json:"metric"`
	// Base and Candidate are the headline figures from the totals (merged
	// histograms for percentiles), nil when a side has no data.
	Base      *float64 `json:"base"`
	Candidate *float64 `json:"candidate"`
	// DeltaPct is the candidate's change relative to the base, in percent;
	// nil when either is missing or the base is 0.
	DeltaPct *float64 `json:"delta_pct"`
	Verdict  Verdict  `json:"verdict"`
	// P is the U test's p-value on the per-window samples, nil when no
	// test was made.
	P *float64 `json:"p"`
	// PHolm is P adjusted for the number of metrics compared (Holm's
	// method over every metric of the candidate): the gate's test.
	PHolm *float64 `json:"p_holm"`
	// BaseN and CandidateN are the sample sizes: windows with data.
	BaseN      int `json:"base_n"`
	CandidateN int `json:"candidate_n"`
	// CI is the bootstrap confidence interval of the difference of the
	// per-window medians (candidate - base), in the metric's unit; CIPct
	// the same relative to the base median. Nil when not computed.
	CI    *stats.Interval `json:"ci,omitempty"`
	CIPct *stats.Interval `json:"ci_pct,omitempty"`
	// Note says why a verdict is ? or how it was reached ("too few windows",
	// "no data in base", "all samples equal").
	Note string `json:"note,omitempty"`
}

// Regression is a metric significantly worse by more than the threshold,
// significant after adjusting for the number of metrics compared.
type Regression struct {
	Op     string `json:"op"`
	Metric Metric `json:"metric"`
	// PHolm is the metric's adjusted p-value.
	PHolm float64 `json:"p_holm"`
	// DeltaPct is the headline change in percent; nil when the base was 0
	// (an error rate that went from none to some).
	DeltaPct *float64 `json:"delta_pct"`
}

func (r Regression) String() string {
	if r.DeltaPct == nil {
		return fmt.Sprintf("%s %s worse (was 0)", r.Op, r.Metric)
	}
	return fmt.Sprintf("%s %s %+.1f%%", r.Op, r.Metric, *r.DeltaPct)
}

// Regressions returns every candidate's regressions.
func (c *Comparison) Regressions() []Regression {
	var out []Regression
	for _, cand := range c.Candidates {
		out = append(out, cand.Regressions...)
	}
	return out
}

// ErrNoRuns is returned when the base or the candidates are empty.
var ErrNoRuns = errors.New("nothing to compare: need a base and at least one candidate")

// Compare compares each candidate with the base runs, pooled. Documents are
// only read.
func Compare(base, candidates []*result.Document, opts Options) (*Comparison, error) {
	if len(base) == 0 || len(candidates) == 0 {
		return nil, ErrNoRuns
	}
	opts = opts.withDefaults()
	c := &Comparison{Alpha: opts.Alpha, Threshold: opts.Threshold, MinWindows: opts.MinWindows}
	b, err := newSide(base)
	if err != nil {
		return nil, err
	}
	for _, d := range base {
		c.Base = append(c.Base, runOf(d))
	}
	bh := newHostSide(base)
	for _, d := range candidates {
		cs, err := newSide([]*result.Document{d})
		if err != nil {
			return nil, err
		}
		cand := compareSides(b, cs, opts)
		cand.Run = runOf(d)
		ref := base[len(base)-1]
		cand.Workload = diffWorkload(ref, d)
		cand.Environment = diffEnvironment(ref, d)
		cand.Warnings = warnings(base, d, opts)
		ch := newHostSide([]*result.Document{d})
		switch {
		case len(bh.metrics) > 0 && len(ch.metrics) > 0:
			cand.Host = compareHost(bh, ch, opts)
		case len(bh.metrics) > 0:
			cand.Warnings = append(cand.Warnings, "the candidate has no host observations: host figures not compared")
		case len(ch.metrics) > 0:
			cand.Warnings = append(cand.Warnings, "the base has no host observations: host figures not compared")
		}
		c.Candidates = append(c.Candidates, cand)
	}
	return c, nil
}

func runOf(d *result.Document) Run {
	return Run{ID: d.ID, Benchmark: d.Benchmark, Status: d.Status, StartedAt: d.StartedAt, Windows: countMeasureWindows(d)}
}

// measureWindows yields the final windows of the measure phase: the only
// ones whose figures are complete and comparable. A window of no duration
// (a run's last instant) has no rate and is left out.
func measureWindows(d *result.Document) iter.Seq[*result.Window] {
	return func(yield func(*result.Window) bool) {
		for i := range d.Windows {
			w := &d.Windows[i]
			if w.Phase == "measure" && w.State == result.WindowFinal && w.DurationS > 0 {
				if !yield(w) {
					return
				}
			}
		}
	}
}

// countMeasureWindows counts the final windows of the measure phase.
func countMeasureWindows(d *result.Document) int {
	n := 0
	for range measureWindows(d) {
		n++
	}
	return n
}

// side is one side of a comparison: the per-window samples and the totals
// of one or more pooled runs.
type side struct {
	ops map[string]*opSide
}

type opSide struct {
	count, errors int64
	durationS     float64 // measure duration over which count was counted
	// samples per metric, sorted
	samples map[Metric][]float64
	// headline latency per metric; missing when absent
	latency map[Metric]float64
}

func newSide(docs []*result.Document) (*side, error) {
	s := &side{ops: map[string]*opSide{}}
	get := func(op string) *opSide {
		o := s.ops[op]
		if o == nil {
			o = &opSide{samples: map[Metric][]float64{}, latency: map[Metric]float64{}}
			s.ops[op] = o
		}
		return o
	}
	// Every sample has at most one value per window: allocate once.
	nw := 0
	for _, d := range docs {
		nw += len(d.Windows)
	}
	add := func(o *opSide, m Metric, v float64) {
		if o.samples[m] == nil {
			o.samples[m] = make([]float64, 0, nw)
		}
		o.samples[m] = append(o.samples[m], v)
	}
	for _, d := range docs {
		for op, sum := range d.Ops {
			o := get(op)
			o.count += sum.Count
			o.errors += sum.Errors
			o.durationS += d.Measure.DurationS
		}
		for w := range measureWindows(d) {
			for op, wo := range w.Ops {
				o := get(op)
				add(o, Throughput, float64(wo.Count)/w.DurationS)
				if wo.Count > 0 {
					add(o, ErrorRate, float64(wo.Errors)/float64(wo.Count))
				}
				for _, lm := range latencyMetrics {
					l := wo.LatencyUs
					if lm.intended {
						l = wo.IntendedLatencyUs
					}
					if l != nil {
						add(o, lm.metric, pick(l, lm.quantile))
					}
				}
			}
		}
	}
	for _, o := range s.ops {
		for _, v := range o.samples {
			slices.Sort(v)
		}
	}
	// Headline percentiles: from the document's own totals for one run;
	// merged histograms for several (percentiles cannot be averaged).
	if len(docs) == 1 {
		for op, sum := range docs[0].Ops {
			o := get(op)
			for _, lm := range latencyMetrics {
				l := sum.LatencyUs
				if lm.intended {
					l = sum.IntendedLatencyUs
				}
				if l != nil {
					o.latency[lm.metric] = pick(l, lm.quantile)
				}
			}
		}
		return s, nil
	}
	merged, err := mergeHistograms(docs)
	if err != nil {
		return nil, err
	}
	for key, h := range merged {
		if h.Count() == 0 {
			continue
		}
		o := get(key.op)
		for _, lm := range latencyMetrics {
			if lm.intended != (key.kind == "intended") {
				continue
			}
			v := h.Max()
			if lm.quantile < 1 {
				v = h.ValueAtQuantile(lm.quantile)
			}
			o.latency[lm.metric] = nsToUs(key.unit, v)
		}
	}
	return s, nil
}

func nsToUs(unit string, v int64) float64 {
	switch unit {
	case "us":
		return float64(v)
	case "ms":
		return float64(v) * 1000
	}
	return float64(v) / 1000
}

type histKey struct{ op, kind, unit string }

// mergeHistograms merges the successful operations' total histograms of
// several runs per operation and kind.
func mergeHistograms(docs []*result.Document) (map[histKey]*hdr.Histogram, error) {
	out := map[histKey]*hdr.Histogram{}
	for _, d := range docs {
		for _, h := range d.Histograms {
			if h.Outcome != "" && h.Outcome != "ok" {
				continue
			}
			k := histKey{h.Op, h.Kind, h.Unit}
			dec, err := hdr.Decode(h.Encoding, h.Data)
			if err != nil {
				return nil, fmt.Errorf("run %s: %s %s histogram: %w", d.ID, h.Op, h.Kind, err)
			}
			if m := out[k]; m != nil {
				if err := m.Merge(dec); err != nil {
					return nil, fmt.Errorf("run %s: merging %s %s histogram: %w", d.ID, h.Op, h.Kind, err)
				}
				continue
			}
			out[k] = dec
		}
	}
	return out, nil
}

func pick(l *result.Latency, q float64) float64 {
	switch q {
	case 0.5:
		return l.P50
	case 0.9:
		return l.P90
	case 0.99:
		return l.P99
	case 0.999:
		return l.P999
	}
	return l.Max
}

// metricsOf lists the metrics to compare for an operation: throughput,
// service-time percentiles, intended-time ones when either side has them,
// then the error rate.
func metricsOf(b, c *opSide) []Metric {
	ms := []Metric{Throughput, P50, P90, P99, P999, Max}
	intended := false
	for _, o := range []*opSide{b, c} {
		if o == nil {
			continue
		}
		if _, ok := o.latency[IntendedP50]; ok {
			intended = true
		}
		if len(o.samples[IntendedP50]) > 0 {
			intended = true
		}
	}
	if intended {
		ms = append(ms, IntendedP50, IntendedP90, IntendedP99, IntendedP999, IntendedMax)
	}
	return append(ms, ErrorRate)
}

func compareSides(b, c *side, opts Options) Candidate {
	var cand Candidate
	names := make([]string, 0, len(b.ops)+len(c.ops))
	for op := range b.ops {
		names = append(names, op)
	}
	for op := range c.ops {
		if b.ops[op] == nil {
			names = append(names, op)
		}
	}
	sort.Strings(names)
	for _, op := range names {
		bo, co := b.ops[op], c.ops[op]
		oc := OpComparison{Op: op}
		for _, m := range metricsOf(bo, co) {
			oc.Metrics = append(oc.Metrics, compareMetric(m, bo, co, opts))
		}
		cand.Ops = append(cand.Ops, oc)
	}
	// The gate looks at every metric of every operation at once: at alpha
	// 0.05 each, one of twenty unchanged metrics would fail it by chance
	// half the time. Holm's adjustment keeps the chance that the gate fails
	// on a candidate with no real change at alpha.
	var tested []*MetricComparison
	for i := range cand.Ops {
		for j := range cand.Ops[i].Metrics {
			if mc := &cand.Ops[i].Metrics[j]; mc.P != nil {
				tested = append(tested, mc)
			}
		}
	}
	holm(tested)
	for _, oc := range cand.Ops {
		for _, mc := range oc.Metrics {
			if mc.Verdict == Worse && mc.PHolm != nil && *mc.PHolm < opts.Alpha && exceeds(mc, opts.Threshold) {
				cand.Regressions = append(cand.Regressions, Regression{Op: oc.Op, Metric: mc.Metric, DeltaPct: mc.DeltaPct, PHolm: *mc.PHolm})
			}
		}
	}
	return cand
}

// holm sets PHolm of each metric: its p-value adjusted over all of them.
func holm(ms []*MetricComparison) {
	ps := make([]float64, len(ms))
	for i, mc := range ms {
		ps[i] = *mc.P
	}
	for i, adj := range holmAdjust(ps) {
		ms[i].PHolm = ptr(adj)
	}
}

// holmAdjust returns the p-values adjusted by Holm's step-down method, in
// the order given: p(i) * (m-i) in ascending order of p (i from 0), made
// non-decreasing and at most 1.
func holmAdjust(ps []float64) []float64 {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	out := make([]float64, len(ps))
	run := 0.0
	for i, j := range order {
		run = max(run, min(1, ps[j]*float64(len(ps)-i)))
		out[j] = run
	}
	return out
}

// exceeds reports whether a worse metric's headline change is beyond the
// threshold in the worse direction. A change from 0 exceeds any threshold.
func exceeds(mc MetricComparison, threshold float64) bool {
	if mc.DeltaPct == nil {
		return mc.Base != nil && mc.Candidate != nil && *mc.Base == 0 && *mc.Candidate != 0
	}
	d := *mc.DeltaPct / 100
	if mc.Metric.HigherIsBetter() {
		return -d > threshold
	}
	return d > threshold
}

// headline returns an operation's headline figure for a metric.
func (o *opSide) headline(m Metric) (float64, bool) {
	if o == nil {
		return 0, false
	}
	switch m {
	case Throughput:
		if o.durationS <= 0 {
			return 0, false
		}
		return float64(o.count) / o.durationS, true
	case ErrorRate:
		if o.count == 0 {
			return 0, false
		}
		return float64(o.errors) / float64(o.count), true
	}
	v, ok := o.latency[m]
	return v, ok
}

func (o *opSide) sample(m Metric) []float64 {
	if o == nil {
		return nil
	}
	return o.samples[m]
}

func ptr(v float64) *float64 { return &v }

func compareMetric(m Metric, b, c *opSide, opts Options) MetricComparison {
	mc := MetricComparison{Metric: m, Verdict: Unknown}
	bv, bok := b.headline(m)
	cv, cok := c.headline(m)
	if bok {
		mc.Base = ptr(bv)
	}
	if cok {
		mc.Candidate = ptr(cv)
	}
	if bok && cok && bv != 0 {
		mc.DeltaPct = ptr((cv - bv) / bv * 100)
	}
	bs, cs := b.sample(m), c.sample(m)
	dir := lowerIsBetter
	if m.HigherIsBetter() {
		dir = higherIsBetter
	}
	t := testSamples(bs, cs, dir, mc.DeltaPct, opts)
	mc.Verdict, mc.P, mc.CI, mc.CIPct, mc.Note = t.verdict, t.p, t.ci, t.ciPct, t.note
	mc.BaseN, mc.CandidateN = len(bs), len(cs)
	return mc
}

// direction says which way a change of a metric is better.
type direction int

const (
	lowerIsBetter direction = iota
	higherIsBetter
	// noDirection: a significant change is only higher or lower.
	noDirection
)

// sampleTest is the outcome of testing two samples.
type sampleTest struct {
	verdict   Verdict
	p         *float64
	ci, ciPct *stats.Interval
	note      string
}

// testSamples decides a verdict from the sorted per-window samples of the
// base and the candidate: ? with too few windows, ~ when the U test finds
// no significant difference, else the direction of the medians (delta, the
// headline change, breaks a tie) read by dir.
func testSamples(bs, cs []float64, dir direction, delta *float64, opts Options) sampleTest {
	t := sampleTest{verdict: Unknown}
	switch {
	case len(bs) == 0 && len(cs) == 0:
		t.note = "no data"
		return t
	case len(bs) == 0:
		t.note = "no data in base"
		return t
	case len(cs) == 0:
		t.note = "no data in candidate"
		return t
	case len(bs) < opts.MinWindows || len(cs) < opts.MinWindows:
		t.note = "too few windows"
		return t
	}
	bt := stats.Bootstrap{Resamples: opts.Resamples, Seed: opts.Seed}
	ci := bt.MedianDiff(bs, cs)
	t.ci = &ci
	if bm := stats.Median(bs); bm != 0 {
		t.ciPct = &stats.Interval{Lo: ci.Lo / bm * 100, Hi: ci.Hi / bm * 100, Level: ci.Level}
	}
	u, err := stats.MannWhitneyU(bs, cs)
	if errors.Is(err, stats.ErrSamplesEqual) {
		t.p = ptr(1)
		t.verdict = Same
		t.note = "all samples equal"
		return t
	}
	if err != nil {
		t.note = err.Error()
		return t
	}
	t.p = ptr(u.P)
	if u.P >= opts.Alpha {
		t.verdict = Same
		return t
	}
	// Significant: the direction is that of the per-window medians, which
	// is what the test tested; the headline delta breaks a tie.
	d := stats.Median(cs) - stats.Median(bs)
	if d == 0 && delta != nil {
		d = *delta
	}
	switch {
	case d == 0:
		t.verdict = Same
	case dir == noDirection && d > 0:
		t.verdict = Higher
	case dir == noDirection:
		t.verdict = Lower
	case (d > 0) == (dir == higherIsBetter):
		t.verdict = Better
	default:
		t.verdict = Worse
	}
	return t
}
