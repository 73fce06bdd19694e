package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/statebench/statebench/result"
)

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{
	"start_s", "duration_s", "phase", "state", "op", "count", "errors", "not_found", "throughput",
	"p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us",
	"intended_p50_us", "intended_p90_us", "intended_p99_us", "intended_p999_us", "intended_max_us", "intended_mean_us",
}

// WriteCSV writes a run's windows as CSV: one row per window and operation
// type, operations in name order. A window with no operations (missing, or
// idle) has one row with an empty op and empty figures: missing is not zero,
// so no figure is written as 0 that was not measured.
func WriteCSV(w io.Writer, d *result.Document) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, win := range d.Windows {
		head := []string{ff(win.StartS), ff(win.DurationS), win.Phase, win.State}
		if len(win.Ops) == 0 {
			cw.Write(append(head, make([]string, len(CSVHeader)-len(head))...))
			continue
		}
		for _, op := range slices.Sorted(maps.Keys(win.Ops)) {
			o := win.Ops[op]
			row := append(slices.Clone(head), op, fi(o.Count), fi(o.Errors), fi(o.NotFound), "")
			if win.DurationS > 0 {
				row[8] = ff(float64(o.Count) / win.DurationS)
			}
			row = append(row, latencyCells(o.LatencyUs)...)
			row = append(row, latencyCells(o.IntendedLatencyUs)...)
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}

func latencyCells(l *result.Latency) []string {
	if l == nil {
		return make([]string, 6)
	}
	return []string{ff(l.P50), ff(l.P90), ff(l.P99), ff(l.P999), ff(l.Max), ff(l.Mean)}
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
func fi(v int64) string   { return strconv.FormatInt(v, 10) }

// The units of the Go benchmark format lines. Latencies are in
// microseconds; benchstat reads any unit and compares like with like.
const (
	unitOps        = "ops"
	unitThroughput = "ops/s"
	unitErrors     = "errors"
)

// WriteBenchfmt writes a run in the Go benchmark format that benchstat
// reads: configuration lines (key: value) for the run, its labels and its
// environment, then one result line per final measure window and operation
// type, named BenchmarkStatebench/bench=NAME/op=OP, so that benchstat sees
// each window as one sample of the operation's benchmark. Warm-up, missing
// and invalid windows are left out.
func WriteBenchfmt(w io.Writer, d *result.Document) error {
	ew := &errWriter{w: w}
	config := [][2]string{
		{"statebench-run", d.ID},
		{"statebench-benchmark", d.Benchmark},
		{"statebench-started", d.StartedAt.UTC().Format("2006-01-02T15:04:05Z")},
		{"statebench-version", d.Environment.StatebenchVersion},
		{"goos", d.Environment.OS},
		{"goarch", d.Environment.Arch},
		{"cpu", d.Environment.CPUModel},
		{"kernel", d.Environment.Kernel},
		{"host", d.Environment.Host},
		{"instance-type", d.Environment.InstanceType},
		{"driver", d.Environment.Driver},
		{"workload", d.Workload.Name},
	}
	for _, k := range slices.Sorted(maps.Keys(d.Environment.Target)) {
		config = append(config, [2]string{"target-" + k, d.Environment.Target[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(d.Labels)) {
		config = append(config, [2]string{"label-" + k, d.Labels[k]})
	}
	for _, kv := range config {
		if kv[1] == "" {
			continue
		}
		fmt.Fprintf(ew, "%s: %s\n", configKey(kv[0]), oneLine(kv[1]))
	}
	bench := nameSafe(d.Benchmark)
	for _, win := range d.Windows {
		if win.Phase != "measure" || win.State != result.WindowFinal || win.DurationS <= 0 {
			continue
		}
		for _, op := range slices.Sorted(maps.Keys(win.Ops)) {
			o := win.Ops[op]
			fmt.Fprintf(ew, "BenchmarkStatebench/bench=%s/op=%s 1 %d %s %s %s %d %s", bench, nameSafe(op),
				o.Count, unitOps, ff(float64(o.Count)/win.DurationS), unitThroughput, o.Errors, unitErrors)
			benchLatency(ew, "", o.LatencyUs)
			benchLatency(ew, "intended-", o.IntendedLatencyUs)
			fmt.Fprintln(ew)
		}
	}
	return ew.err
}

// BenchfmtUnits are the latency units of the benchmark lines, in the order
// written, for a prefix of "" (service time) or "intended-".
func BenchfmtUnits(prefix string) []string {
	return []string{prefix + "p50-us", prefix + "p90-us", prefix + "p99-us", prefix + "p999-us", prefix + "max-us"}
}

func benchLatency(w io.Writer, prefix string, l *result.Latency) {
	if l == nil {
		return
	}
	units := BenchfmtUnits(prefix)
	for i, v := range []float64{l.P50, l.P90, l.P99, l.P999, l.Max} {
		fmt.Fprintf(w, " %s %s", ff(v), units[i])
	}
}

// configKey makes a configuration key that the format accepts: lower case,
// no spaces.
func configKey(k string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == ':' {
			return '-'
		}
		return unicode.ToLower(r)
	}, k)
}

// nameSafe makes a benchmark name part: no spaces, no '/' (which separates
// sub-benchmarks), no '=' (which separates a key from its value).
func nameSafe(s string) string {
	if s == "" {
		return "unnamed"
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '/' || r == '=' {
			return '_'
		}
		return r
	}, s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
