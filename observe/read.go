package observe

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/statebench/statebench/result"
)

// This file reads recorded observers back: pure functions on
// []result.Observer for show, compare and the HTML report.

// Direction says which way a change of a metric is a regression.
type Direction int

// The directions.
const (
	// NoDirection: a change is neither better nor worse in itself (IOPS
	// follow the client's load).
	NoDirection Direction = iota
	// HigherIsWorse: latency, await, iowait, queue depth.
	HigherIsWorse
	// LowerIsWorse: idle CPU.
	LowerIsWorse
)

// Metric is one headline host figure, per window.
type Metric struct {
	Unit      string
	Direction Direction
	// Values[i] is the figure for the window starting at StartS+i seconds
	// on the run clock; NaN where the window is missing.
	StartS float64
	Values []float64
}

// Samples returns the headline host metrics per window, keyed by a stable
// name such as "cpu.iowait_pct", "disk.vda.write_await_ms",
// "disk.vda.write_latency_p99_us" or "runq.p99_us", for statebench compare
// to test like the client's per-window latencies. Metrics of unavailable
// observers are absent; docs/observe.md lists the keys.
func Samples(obs []result.Observer) map[string]Metric {
	out := map[string]Metric{}
	for _, o := range obs {
		if o.Status != result.ObserverOK {
			continue
		}
		for _, s := range o.Series {
			h, ok := headline[o.Name+" "+s.Name]
			if !ok {
				continue
			}
			key := h.key
			if d := s.Labels["disk"]; d != "" {
				key = "disk." + d + "." + key
			}
			out[key] = Metric{Unit: s.Unit, Direction: h.dir, StartS: o.StartS, Values: slices.Clone([]float64(s.Values))}
		}
		if o.Name == "process" {
			user, sys := findSeries(o, "cpu.user", nil), findSeries(o, "cpu.system", nil)
			if user != nil && sys != nil {
				v := make([]float64, len(user.Values))
				for i := range v {
					v[i] = user.Values[i] + sys.Values[i] // NaN stays NaN
				}
				out["process.cpu_pct"] = Metric{Unit: "%", Direction: HigherIsWorse, StartS: o.StartS, Values: v}
			}
		}
		for _, h := range o.Histograms {
			if len(h.Windows) == 0 {
				continue
			}
			var base string // the key up to "p50_us"
			switch {
			case h.Name == "disk.latency":
				base = fmt.Sprintf("disk.%s.%s_latency_", h.Labels["disk"], h.Labels["op"])
			case h.Name == "runq.latency" && h.Labels["scope"] == "host":
				base = "runq."
			case h.Name == "runq.latency" && h.Labels["scope"] == "process":
				base = "process.runq."
			default:
				continue
			}
			for _, q := range []struct {
				name string
				q    float64
			}{{"p50", 0.5}, {"p99", 0.99}} {
				out[base+q.name+"_us"] = Metric{Unit: "us", Direction: HigherIsWorse, StartS: o.StartS, Values: windowQuantiles(o, h, q.q)}
			}
		}
	}
	return out
}

// headline names the series that Samples returns, by observer and series
// name: the key (after "disk.NAME." for a disk's series) and the direction.
var headline = map[string]struct {
	key string
	dir Direction
}{
	"host cpu.user":               {"cpu.user_pct", HigherIsWorse},
	"host cpu.system":             {"cpu.system_pct", HigherIsWorse},
	"host cpu.iowait":             {"cpu.iowait_pct", HigherIsWorse},
	"host cpu.steal":              {"cpu.steal_pct", HigherIsWorse},
	"host cpu.idle":               {"cpu.idle_pct", LowerIsWorse},
	"host load.1m":                {"load.1m", HigherIsWorse},
	"host sched.procs_running":    {"sched.procs_running", HigherIsWorse},
	"host sched.context_switches": {"sched.context_switches_s", HigherIsWorse},
	"host mem.dirty":              {"mem.dirty_bytes", HigherIsWorse},
	"host tcp.retransmits":        {"tcp.retransmits_s", HigherIsWorse},
	"host disk.reads":             {"read_iops", NoDirection},
	"host disk.writes":            {"write_iops", NoDirection},
	"host disk.read_await":        {"read_await_ms", HigherIsWorse},
	"host disk.write_await":       {"write_await_ms", HigherIsWorse},
	"host disk.queue_depth":       {"queue_depth", HigherIsWorse},
	"host disk.util":              {"util_pct", HigherIsWorse},
	"process mem.rss":             {"process.rss_bytes", HigherIsWorse},
}

func findSeries(o result.Observer, name string, labels map[string]string) *result.Series {
	for i := range o.Series {
		if o.Series[i].Name == name && maps.Equal(o.Series[i].Labels, labels) {
			return &o.Series[i]
		}
	}
	return nil
}

// windowQuantiles returns a histogram's q-quantile per window of o, NaN for
// missing windows and for windows without values.
func windowQuantiles(o result.Observer, h result.LogHistogram, q float64) []float64 {
	v := make([]float64, o.Windows)
	for i := range v {
		v[i] = math.NaN()
	}
	for _, w := range h.Windows {
		if i := int(w.StartS - o.StartS); i >= 0 && i < len(v) {
			v[i] = Quantile(w.First, w.Counts, q)
		}
	}
	return v
}

// Quantile estimates the q-quantile (0 < q <= 1) of values counted in log2
// buckets, counts[j] holding bucket first+j ([2^i, 2^(i+1)), bucket 0 from
// 0): the bucket holding the rank is found and the value interpolated
// linearly within it, so the estimate is within a factor of two. It returns
// NaN for an empty histogram.
func Quantile(first int, counts []uint64, q float64) float64 {
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return math.NaN()
	}
	rank := q * float64(total)
	var cum float64
	for j, c := range counts {
		if c == 0 {
			continue
		}
		if cum+float64(c) >= rank {
			i := first + j
			lo, hi := math.Ldexp(1, i), math.Ldexp(1, i+1)
			if i == 0 {
				lo = 0
			}
			return lo + (rank-cum)/float64(c)*(hi-lo)
		}
		cum += float64(c)
	}
	return math.Ldexp(1, first+len(counts)) // not reached: rank <= total
}

// Heatmap is a per-window log2 histogram laid out for a heat map: one column
// per window, one row per bucket.
type Heatmap struct {
	// Name and Labels are the histogram's ("disk.latency", disk=vda,
	// op=write; "runq.latency", scope=host), Unit its unit ("us").
	Name   string
	Labels map[string]string
	Unit   string
	// StartS is the start of column 0's window on the run clock.
	StartS float64
	// First is row 0's bucket: row r counts values in [2^(First+r),
	// 2^(First+r+1)).
	First int
	// Counts[c][r] is column c's count in row r; a nil column is a missing
	// window (not an empty one).
	Counts [][]uint64
}

// Heatmaps returns a heat map for every histogram kept per window (disk
// latency and queue time per disk and op, run-queue latency), in the order
// recorded.
func Heatmaps(obs []result.Observer) []Heatmap {
	var out []Heatmap
	for _, o := range obs {
		if o.Status != result.ObserverOK {
			continue
		}
		missing := map[float64]bool{}
		for _, s := range o.MissingS {
			missing[s] = true
		}
		for _, h := range o.Histograms {
			if len(h.Windows) == 0 {
				continue
			}
			lo, hi := math.MaxInt, 0
			for _, w := range h.Windows {
				lo, hi = min(lo, w.First), max(hi, w.First+len(w.Counts))
			}
			m := Heatmap{Name: h.Name, Labels: h.Labels, Unit: h.Unit, StartS: o.StartS, First: lo, Counts: make([][]uint64, o.Windows)}
			for c := range m.Counts {
				if !missing[o.StartS+float64(c)] {
					m.Counts[c] = make([]uint64, hi-lo)
				}
			}
			for _, w := range h.Windows {
				c := int(w.StartS - o.StartS)
				if c < 0 || c >= len(m.Counts) || m.Counts[c] == nil {
					continue
				}
				copy(m.Counts[c][w.First-lo:], w.Counts)
			}
			out = append(out, m)
		}
	}
	return out
}

// WriteSummary writes the host summary that statebench show prints: CPU
// split means, per-disk IOPS and await, disk latency percentiles per disk and
// op from the eBPF histograms, run-queue latency percentiles, the observed
// process, and which observers were unavailable and why.
func WriteSummary(w io.Writer, obs []result.Observer) error {
	var b strings.Builder
	b.WriteString("host\n")
	for _, o := range obs {
		if o.Status != result.ObserverOK {
			fmt.Fprintf(&b, "  %-11s unavailable: %s\n", o.Name, o.Reason)
			continue
		}
		switch o.Name {
		case "host":
			fmt.Fprintf(&b, "  %-11s user %s  system %s  iowait %s  steal %s  idle %s\n", "cpu",
				pct(meanOf(o, "cpu.user", nil)), pct(meanOf(o, "cpu.system", nil)), pct(meanOf(o, "cpu.iowait", nil)),
				pct(meanOf(o, "cpu.steal", nil)), pct(meanOf(o, "cpu.idle", nil)))
			fmt.Fprintf(&b, "  %-11s procs running %s  load %s  context switches %s/s\n", "sched",
				num(meanOf(o, "sched.procs_running", nil)), num(meanOf(o, "load.1m", nil)), num(meanOf(o, "sched.context_switches", nil)))
			for _, d := range labelValues(o.Series, "disk.reads", "disk") {
				l := map[string]string{"disk": d}
				if tot := findSeries(o, "disk.reads", l); tot != nil && tot.Total != nil && *tot.Total == 0 {
					if wt := findSeries(o, "disk.writes", l); wt != nil && wt.Total != nil && *wt.Total == 0 {
						continue // an idle disk says nothing
					}
				}
				fmt.Fprintf(&b, "  %-11s reads %s/s  writes %s/s  read await %s ms  write await %s ms  queue depth %s  util %s\n", "disk "+d,
					num(meanOf(o, "disk.reads", l)), num(meanOf(o, "disk.writes", l)),
					num(meanOf(o, "disk.read_await", l)), num(meanOf(o, "disk.write_await", l)),
					num(meanOf(o, "disk.queue_depth", l)), pct(meanOf(o, "disk.util", l)))
			}
		case "process":
			fmt.Fprintf(&b, "  %-11s %s  cpu user %s  system %s  rss %s\n", "process", o.Target,
				pct(meanOf(o, "cpu.user", nil)), pct(meanOf(o, "cpu.system", nil)), bytesText(meanOf(o, "mem.rss", nil)))
		case "biolatency":
			for _, h := range o.Histograms {
				if h.Name != "disk.latency" {
					continue
				}
				fmt.Fprintf(&b, "  %-11s %-7s latency p50 %s  p99 %s  (%d I/Os)\n", "disk "+h.Labels["disk"], h.Labels["op"],
					usText(Quantile(0, h.Counts, 0.5)), usText(Quantile(0, h.Counts, 0.99)), h.Count)
			}
		case "runqlat":
			for _, h := range o.Histograms {
				fmt.Fprintf(&b, "  %-11s %-7s latency p50 %s  p99 %s\n", "run queue", h.Labels["scope"],
					usText(Quantile(0, h.Counts, 0.5)), usText(Quantile(0, h.Counts, 0.99)))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func labelValues(series []result.Series, name, label string) []string {
	var out []string
	for _, s := range series {
		if s.Name == name && s.Labels[label] != "" {
			out = append(out, s.Labels[label])
		}
	}
	return out
}

// meanOf is the mean of a series over the windows that have a value.
func meanOf(o result.Observer, name string, labels map[string]string) float64 {
	s := findSeries(o, name, labels)
	if s == nil {
		return math.NaN()
	}
	var sum float64
	var n int
	for _, v := range s.Values {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

func pct(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", v)
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func usText(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 1e6:
		return fmt.Sprintf("%.2f s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.2f ms", v/1e3)
	default:
		return fmt.Sprintf("%.0f us", v)
	}
}

func bytesText(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
