package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/workload"
)

// writeSummary prints a run as the run command reports it: what ran, the
// per-operation table, skipped operations and verification.
func writeSummary(w io.Writer, d *result.Document) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%s (%s)\n", d.ID, d.Status)
	if d.Error != "" {
		fmt.Fprintf(tw, "error\t%s\n", d.Error)
	}
	fmt.Fprintf(tw, "benchmark\t%s\n", d.Benchmark)
	target := d.Workload.Driver.Target
	if target == "" {
		target = "(temporary)"
	}
	fmt.Fprintf(tw, "target\t%s %s\n", d.Workload.Driver.Name, target)
	loop := "closed loop, " + fmt.Sprint(d.Workload.Load.Concurrency) + " workers"
	if d.Workload.Load.Model == workload.Open {
		loop = fmt.Sprintf("open loop, %g ops/s %s, %d in flight at most", d.Workload.Load.Rate, d.Workload.Load.Arrival, d.Workload.Load.Workers())
	}
	fmt.Fprintf(tw, "workload\t%s: %s, %d records\n", d.Workload.Name, loop, d.Workload.Records)
	if d.Load != nil {
		fmt.Fprintf(tw, "load\t%d records in %.1fs (%.0f records/s, %d errors)\n", d.Load.Records, d.Load.DurationS, d.Load.ThroughputOpsS, d.Load.Errors)
	}
	fmt.Fprintf(tw, "measure\t%s\n", time.Duration(d.Measure.DurationS*float64(time.Second)).Round(time.Millisecond))
	tw.Flush()
	fmt.Fprintln(w)
	writeOpTable(w, d)
	if d.Skipped > 0 {
		fmt.Fprintf(w, "skipped: %d operations could not start within %s of their scheduled time\n", d.Skipped, d.Workload.Load.SkipAfter)
	}
	if v := d.Verify; v != nil {
		verdict := "ok"
		if v.Failed {
			verdict = "FAILED"
		}
		fmt.Fprintf(w, "verify: %s: %d reads checked (%d corrupt, %d stale); %d acknowledged records read back: %d missing, %d lost",
			verdict, v.Checked, v.Corrupt, v.Stale, v.Acknowledged, v.Missing, v.Lost)
		if v.ReadErrors > 0 {
			fmt.Fprintf(w, ", %d could not be read", v.ReadErrors)
		}
		fmt.Fprintln(w)
	}
}

// writeOpTable prints the per-operation figures of a run: service time
// for every run and, in an open loop, intended-time latency (from the
// scheduled time, so a stall shows) on a row of its own.
func writeOpTable(w io.Writer, d *result.Document) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tlatency\tcount\terrors\tops/s\tp50\tp90\tp99\tp99.9\tmax\t")
	row := func(name, kind string, o result.OpSummary, l *result.Latency, first bool) {
		lat := []string{"-", "-", "-", "-", "-"}
		if l != nil {
			lat = []string{fmtMicros(l.P50), fmtMicros(l.P90), fmtMicros(l.P99), fmtMicros(l.P999), fmtMicros(l.Max)}
		}
		if first {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.0f\t%s\t\n", name, kind, o.Count, o.Errors, o.ThroughputOpsS, strings.Join(lat, "\t"))
		} else {
			fmt.Fprintf(tw, "\t%s\t\t\t\t%s\t\n", kind, strings.Join(lat, "\t"))
		}
	}
	for _, op := range workload.Ops() {
		o, ok := d.Ops[op.String()]
		if !ok || o.Count == 0 && d.Workload.Operations.Proportions()[op] == 0 {
			continue
		}
		row(op.String(), "service", o, o.LatencyUs, true)
		if d.Workload.Load.Model == workload.Open {
			row(op.String(), "intended", o, o.IntendedLatencyUs, false)
		}
	}
	tw.Flush()
}
