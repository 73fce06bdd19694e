package report

import (
	"maps"
	"math"
	"slices"

	"github.com/statebench/statebench/observe"
	"github.com/statebench/statebench/result"
)

// hostCharts returns the charts of the runs' host observations on the
// time axis x (whose index of each start is idx), with the same markers as
// the client's charts: disk latency per disk and operation and run-queue
// latency (p50 and p99 per window from the log2 buckets), the CPU split,
// and each busy disk's IOPS and await. Runs without observers, and
// unavailable observers, add nothing.
func hostCharts(runs []*result.Document, x []float64, idx map[float64]int, markers []Marker, name func(int, string) string) []Chart {
	timeChart := func(id, title, ylabel string, logY bool) Chart {
		return Chart{ID: id, Title: title, XLabel: "time (s)", YLabel: ylabel, XKind: XSeconds, LogY: logY, X: x, Markers: markers}
	}
	// seriesOf lays a run's per-window values (window i at start+i) on x.
	seriesOf := func(ri, shade int, label string, start float64, values []float64) (ChartSeries, bool) {
		s := ChartSeries{Label: name(ri, label), Run: ri, Shade: shade, Y: make([]*float64, len(x))}
		any := false
		for i, v := range values {
			j, ok := idx[start+float64(i)]
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			s.Y[j] = ptr(v)
			any = true
		}
		return s, any
	}

	var charts []Chart
	// Latency histograms: one chart per disk and operation, and one for
	// the run queue, in a stable order.
	type histChart struct{ chart *Chart }
	hist := map[string]*histChart{}
	var histIDs []string
	for ri, d := range runs {
		for _, h := range observe.Heatmaps(d.Observers) {
			var id, title, prefix string
			switch h.Name {
			case "disk.latency":
				id = "host-disk-latency-" + h.Labels["disk"] + "-" + h.Labels["op"]
				title = "Disk " + h.Labels["disk"] + " " + h.Labels["op"] + " latency (device time)"
			case "runq.latency":
				id, title = "host-runq", "Run-queue latency"
				if h.Labels["scope"] == "process" {
					prefix = "process "
				}
			default:
				continue
			}
			hc := hist[id]
			if hc == nil {
				c := timeChart(id, title, "µs", true)
				hc = &histChart{chart: &c}
				hist[id] = hc
				histIDs = append(histIDs, id)
			}
			for qi, q := range []struct {
				label string
				q     float64
			}{{"p50", 0.5}, {"p99", 0.99}} {
				v := make([]float64, len(h.Counts))
				for c, col := range h.Counts {
					v[c] = math.NaN() // a missing window
					if col != nil {
						v[c] = observe.Quantile(h.First, col, q.q)
					}
				}
				shade := qi * 2
				if prefix != "" {
					shade++
				}
				if s, ok := seriesOf(ri, shade, prefix+q.label, h.StartS, v); ok {
					hc.chart.Series = append(hc.chart.Series, s)
				}
			}
		}
	}
	slices.Sort(histIDs)
	for _, id := range histIDs {
		if c := hist[id].chart; len(c.Series) > 0 {
			charts = append(charts, *c)
		}
	}

	// Series of the host observer: the CPU split, then per busy disk.
	cpu := timeChart("host-cpu", "CPU", "% of all CPUs", false)
	disks := map[string]bool{}
	for ri, d := range runs {
		o := hostObserver(d)
		if o == nil {
			continue
		}
		for si, name := range []string{"cpu.user", "cpu.system", "cpu.iowait", "cpu.steal"} {
			if s := findSeries(o, name, ""); s != nil && !allZero(s.Values) {
				if cs, ok := seriesOf(ri, si, name[len("cpu."):], o.StartS, s.Values); ok {
					cpu.Series = append(cpu.Series, cs)
				}
			}
		}
		for _, s := range o.Series {
			if (s.Name == "disk.reads" || s.Name == "disk.writes") && !allZero(s.Values) {
				disks[s.Labels["disk"]] = true
			}
		}
	}
	if len(cpu.Series) > 0 {
		charts = append(charts, cpu)
	}
	for _, disk := range slices.Sorted(maps.Keys(disks)) {
		iops := timeChart("host-disk-iops-"+disk, "Disk "+disk+" IOPS", "ops/s", false)
		await := timeChart("host-disk-await-"+disk, "Disk "+disk+" await (queue included)", "ms", false)
		for ri, d := range runs {
			o := hostObserver(d)
			if o == nil {
				continue
			}
			for si, p := range []struct {
				chart       *Chart
				name, label string
			}{
				{&iops, "disk.reads", "reads/s"}, {&iops, "disk.writes", "writes/s"},
				{&await, "disk.read_await", "read await"}, {&await, "disk.write_await", "write await"},
			} {
				if s := findSeries(o, p.name, disk); s != nil {
					if cs, ok := seriesOf(ri, (si%2)*2, p.label, o.StartS, s.Values); ok {
						p.chart.Series = append(p.chart.Series, cs)
					}
				}
			}
		}
		for _, c := range []Chart{iops, await} {
			if len(c.Series) > 0 {
				charts = append(charts, c)
			}
		}
	}
	return charts
}

// hostObserver returns the run's host observer when it ran.
func hostObserver(d *result.Document) *result.Observer {
	for i := range d.Observers {
		if o := &d.Observers[i]; o.Name == "host" && o.Status == result.ObserverOK {
			return o
		}
	}
	return nil
}

// findSeries returns o's series name of the disk ("" for none).
func findSeries(o *result.Observer, name, disk string) *result.Series {
	for i := range o.Series {
		if s := &o.Series[i]; s.Name == name && s.Labels["disk"] == disk {
			return s
		}
	}
	return nil
}

// allZero reports whether a series has no value other than 0: nothing to
// draw (no steal, an idle disk).
func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 && !math.IsNaN(x) {
			return false
		}
	}
	return true
}

// observerStarts returns the window starts of the runs' observers that ran.
func observerStarts(runs []*result.Document) []float64 {
	var out []float64
	for _, d := range runs {
		for _, o := range d.Observers {
			if o.Status != result.ObserverOK {
				continue
			}
			for i := range o.Windows {
				out = append(out, o.StartS+float64(i))
			}
		}
	}
	return out
}
