package report

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
)

// Chart is one chart as data, the same for the HTML report and the images:
// series of Y values over one shared X axis. A nil value is a gap (a
// missing window, a percentile beyond what the run counted), never zero.
type Chart struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	XLabel string `json:"x_label"`
	YLabel string `json:"y_label"`
	// XKind says how to read and draw X: "seconds" (from each run's start,
	// so runs overlay) or "percentile", where X is 1/(1-p) drawn on a log
	// axis and labelled as the percentile p (HdrHistogram's plot).
	XKind  string        `json:"x_kind"`
	LogY   bool          `json:"log_y,omitempty"`
	X      []float64     `json:"x"`
	Series []ChartSeries `json:"series"`
	// Markers are events drawn as vertical lines; empty on percentile charts.
	Markers []Marker `json:"markers,omitempty"`
}

// ChartSeries is one line of a chart.
type ChartSeries struct {
	Label string `json:"label"`
	// Run is the index of the run the series belongs to: it picks the
	// colour family, so that each run keeps its colour on every chart.
	Run int `json:"run"`
	// Shade picks a shade within the run's family (0 is the strongest),
	// for the percentiles of one run.
	Shade int `json:"shade"`
	// Dashed marks intended-time latency.
	Dashed bool       `json:"dashed,omitempty"`
	Y      []*float64 `json:"y"`
}

// Marker is an event on a time chart.
type Marker struct {
	X     float64 `json:"x"`
	Run   int     `json:"run"`
	Kind  string  `json:"kind"`
	Label string  `json:"label"`
}

// The X kinds.
const (
	XSeconds    = "seconds"
	XPercentile = "percentile"
)

// percentiles drawn over time, with their labels.
var overTime = []struct {
	label string
	get   func(*result.Latency) float64
}{
	{"p50", func(l *result.Latency) float64 { return l.P50 }},
	{"p90", func(l *result.Latency) float64 { return l.P90 }},
	{"p99", func(l *result.Latency) float64 { return l.P99 }},
	{"p99.9", func(l *result.Latency) float64 { return l.P999 }},
	{"max", func(l *result.Latency) float64 { return l.Max }},
}

// RunLabel is how charts name a run: its id's last 6 characters (a ULID's
// first ones are its time, alike for runs of one day), or its index.
func RunLabel(d *result.Document, i int) string {
	if len(d.ID) > 6 {
		return d.ID[len(d.ID)-6:]
	}
	if d.ID != "" {
		return d.ID
	}
	return fmt.Sprintf("run%d", i+1)
}

// Charts returns the charts of one or more runs, overlaid: throughput over
// time, latency percentiles over time per operation (service time solid,
// intended time dashed), the host observations when the runs have them
// (charts whose ID starts with "host-": disk and run-queue latency, CPU,
// disk IOPS and await), and the percentile distribution of the total
// histograms per operation. Every time chart shares one axis, the run clock.
func Charts(runs []*result.Document) ([]Chart, error) {
	ops := opNames(runs)
	x := timeAxis(runs)
	idx := make(map[float64]int, len(x))
	for i, v := range x {
		idx[v] = i
	}
	var markers []Marker
	for ri, d := range runs {
		for _, e := range d.Events {
			markers = append(markers, Marker{X: e.AtS, Run: ri, Kind: e.Kind, Label: e.Message})
		}
	}
	multi := len(runs) > 1
	name := func(ri int, s string) string {
		if multi {
			return RunLabel(runs[ri], ri) + " " + s
		}
		return s
	}

	tput := Chart{ID: "throughput", Title: "Throughput", XLabel: "time (s)", YLabel: "ops/s", XKind: XSeconds, X: x, Markers: markers}
	for ri, d := range runs {
		for oi, op := range ops {
			s := ChartSeries{Label: name(ri, op), Run: ri, Shade: oi, Y: make([]*float64, len(x))}
			any := false
			for _, w := range drawable(d) {
				if o, ok := w.Ops[op]; ok && w.DurationS > 0 {
					s.Y[idx[w.StartS]] = ptr(float64(o.Count) / w.DurationS)
					any = true
				}
			}
			if any {
				tput.Series = append(tput.Series, s)
			}
		}
	}
	charts := []Chart{tput}

	for _, op := range ops {
		c := Chart{ID: "latency-" + op, Title: op + " latency over time", XLabel: "time (s)", YLabel: "µs", XKind: XSeconds, LogY: true, X: x, Markers: markers}
		for ri, d := range runs {
			for _, intended := range []bool{false, true} {
				for pi, p := range overTime {
					label := p.label
					if intended {
						label = "intended " + label
					}
					s := ChartSeries{Label: name(ri, label), Run: ri, Shade: pi, Dashed: intended, Y: make([]*float64, len(x))}
					any := false
					for _, w := range drawable(d) {
						o, ok := w.Ops[op]
						if !ok {
							continue
						}
						l := o.LatencyUs
						if intended {
							l = o.IntendedLatencyUs
						}
						if l != nil {
							s.Y[idx[w.StartS]] = ptr(p.get(l))
							any = true
						}
					}
					if any {
						c.Series = append(c.Series, s)
					}
				}
			}
		}
		charts = append(charts, c)
	}

	charts = append(charts, hostCharts(runs, x, idx, markers, name)...)

	for _, op := range ops {
		c, err := distribution(runs, op, name)
		if err != nil {
			return nil, err
		}
		charts = append(charts, c)
	}
	return charts, nil
}

// drawable returns the windows whose figures can be drawn: final and open
// ones that span some time. Missing and invalid windows are gaps.
func drawable(d *result.Document) []*result.Window {
	var out []*result.Window
	for i := range d.Windows {
		w := &d.Windows[i]
		if (w.State == result.WindowFinal || w.State == result.WindowOpen) && w.DurationS > 0 {
			out = append(out, w)
		}
	}
	return out
}

func opNames(runs []*result.Document) []string {
	set := map[string]bool{}
	for _, d := range runs {
		for op := range d.Ops {
			set[op] = true
		}
		for _, w := range d.Windows {
			for op := range w.Ops {
				set[op] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// timeAxis is the union of the runs' window starts and their observers',
// ascending.
func timeAxis(runs []*result.Document) []float64 {
	set := map[float64]bool{}
	for _, s := range observerStarts(runs) {
		set[s] = true
	}
	for _, d := range runs {
		for _, w := range d.Windows {
			if w.DurationS > 0 {
				set[w.StartS] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Percentile-distribution grid: X = 1/(1-p) from 1 (p = 0) to 10^6
// (p = 99.9999%), 20 points a decade.
const (
	distDecades   = 6
	distPerDecade = 20
)

// DistX returns the distribution chart's X grid.
func DistX() []float64 {
	x := make([]float64, distDecades*distPerDecade+1)
	for i := range x {
		x[i] = math.Pow(10, float64(i)/distPerDecade)
	}
	return x
}

// distribution draws the run's total histograms of op: the value at each
// percentile of the grid, up to the percentile the count resolves (1/(1-p)
// at most the count), then the maximum at the next point. Without
// histograms, the summary's percentiles are placed on the grid's nearest
// points.
func distribution(runs []*result.Document, op string, name func(int, string) string) (Chart, error) {
	x := DistX()
	c := Chart{ID: "distribution-" + op, Title: op + " latency by percentile", XLabel: "percentile", YLabel: "µs", XKind: XPercentile, LogY: true, X: x}
	for ri, d := range runs {
		for ki, kind := range []string{"service", "intended"} {
			h, err := totalHistogram(d, op, kind)
			if err != nil {
				return Chart{}, fmt.Errorf("run %s: %w", d.ID, err)
			}
			label := "service time"
			if kind == "intended" {
				label = "intended time"
			}
			s := ChartSeries{Label: name(ri, label), Run: ri, Shade: 0, Dashed: ki == 1, Y: make([]*float64, len(x))}
			switch {
			case h != nil && h.Count() > 0:
				n := float64(h.Count())
				for i, xv := range x {
					if xv > n {
						s.Y[i] = ptr(float64(h.Max()) / 1000)
						break
					}
					s.Y[i] = ptr(float64(h.ValueAtQuantile(1-1/xv)) / 1000)
				}
			case h == nil:
				sum, ok := d.Ops[op]
				if !ok {
					continue
				}
				l := sum.LatencyUs
				if kind == "intended" {
					l = sum.IntendedLatencyUs
				}
				if l == nil {
					continue
				}
				for _, pv := range [][2]float64{{0.5, l.P50}, {0.9, l.P90}, {0.99, l.P99}, {0.999, l.P999}} {
					i := int(math.Round(math.Log10(1/(1-pv[0])) * distPerDecade))
					s.Y[i] = ptr(pv[1])
				}
			default:
				continue
			}
			c.Series = append(c.Series, s)
		}
	}
	// Cut the grid after the last percentile any run resolves.
	last := 0
	for _, s := range c.Series {
		for i, v := range s.Y {
			if v != nil {
				last = max(last, i)
			}
		}
	}
	c.X = c.X[:last+1]
	for i := range c.Series {
		c.Series[i].Y = c.Series[i].Y[:last+1]
	}
	return c, nil
}

// totalHistogram decodes the run's total histogram of the successful
// operations of op and kind; nil when the run has none.
func totalHistogram(d *result.Document, op, kind string) (*hdr.Histogram, error) {
	for _, h := range d.Histograms {
		if h.Op != op || h.Kind != kind || (h.Outcome != "" && h.Outcome != "ok") {
			continue
		}
		dec, err := hdr.Decode(h.Encoding, h.Data)
		if err != nil {
			return nil, fmt.Errorf("%s %s histogram: %w", op, kind, err)
		}
		if h.Unit != "" && h.Unit != "ns" {
			return nil, fmt.Errorf("%s %s histogram: unit %q, want ns", op, kind, h.Unit)
		}
		return dec, nil
	}
	return nil, nil
}

func ptr(v float64) *float64 { return &v }
