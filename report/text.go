package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/statebench/statebench/analysis"
)

// WriteComparison writes a comparison as text: per candidate, a table of
// every operation's metrics with the change, the verdict, the p-value and
// the bootstrap interval, then what changed in the workload and the
// environment, the warnings and the regressions.
func WriteComparison(w io.Writer, c *analysis.Comparison) error {
	ew := &errWriter{w: w}
	if len(c.Base) == 1 {
		fmt.Fprintf(ew, "base:      %s\n", runLine(c.Base[0]))
	} else {
		fmt.Fprintf(ew, "base:      %d runs pooled, %s … %s\n", len(c.Base), runLine(c.Base[0]), runLine(c.Base[len(c.Base)-1]))
	}
	for i, cand := range c.Candidates {
		if i > 0 {
			fmt.Fprintln(ew)
		}
		fmt.Fprintf(ew, "candidate: %s\n\n", runLine(cand.Run))
		tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "op\tmetric\tbase\tcandidate\tdelta\tverdict\tp\tCI of median diff\twindows")
		for _, op := range cand.Ops {
			for _, m := range op.Metrics {
				p := ""
				if m.P != nil {
					p = FormatP(*m.P)
				}
				ci := ""
				switch {
				case m.CIPct != nil:
					ci = fmt.Sprintf("[%+.1f%%, %+.1f%%]", m.CIPct.Lo, m.CIPct.Hi)
				case m.CI != nil:
					ci = fmt.Sprintf("[%s, %s]", signed(m.CI.Lo, m.Metric), signed(m.CI.Hi, m.Metric))
				}
				if m.Note != "" {
					ci = strings.TrimSpace(ci + " " + m.Note)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", op.Op, m.Metric,
					FormatValue(m.Base, m.Metric), FormatValue(m.Candidate, m.Metric), FormatDelta(m.DeltaPct),
					m.Verdict, p, ci, m.BaseN, m.CandidateN)
			}
		}
		tw.Flush()
		if len(cand.Host) > 0 {
			fmt.Fprintln(ew)
			writeHostTable(ew, cand.Host)
		}
		changes(ew, "workload", cand.Workload)
		changes(ew, "environment", cand.Environment)
		if len(cand.Warnings) > 0 {
			fmt.Fprintln(ew, "\nwarnings:")
			for _, s := range cand.Warnings {
				fmt.Fprintf(ew, "  ! %s\n", s)
			}
		}
		if len(cand.Regressions) > 0 {
			fmt.Fprintf(ew, "\nregressions beyond %s%% (significant after Holm's adjustment):\n", strconv.FormatFloat(c.Threshold*100, 'f', -1, 64))
			for _, r := range cand.Regressions {
				fmt.Fprintf(ew, "  %s (adjusted %s)\n", r, FormatP(r.PHolm))
			}
		}
		var host []analysis.HostComparison
		for _, h := range cand.Host {
			if h.Significant(c.Alpha) {
				host = append(host, h)
			}
		}
		if len(host) > 0 {
			fmt.Fprintln(ew, "\nhost changes (significant after Holm's adjustment; they explain, they do not gate):")
			for _, h := range host {
				fmt.Fprintf(ew, "  %s %s %s (adjusted %s)\n", h.Name, h.DeltaText(), h.Verdict, FormatP(*h.PHolm))
			}
		}
	}
	fmt.Fprintf(ew, "\nverdicts: Mann-Whitney U on per-window samples, alpha %s; ~ no significant difference, ? too few windows (need %d a side)\n",
		strconv.FormatFloat(c.Alpha, 'f', -1, 64), c.MinWindows)
	return ew.err
}

// writeHostTable writes the host figures' comparison, a table like the
// operations'.
func writeHostTable(w io.Writer, hs []analysis.HostComparison) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "host\tbase\tcandidate\tdelta\tverdict\tp\tCI of median diff\twindows")
	for _, h := range hs {
		p := ""
		if h.P != nil {
			p = FormatP(*h.P)
		}
		ci := ""
		switch {
		case h.Unit == "%" && h.CI != nil:
			ci = fmt.Sprintf("[%+.1f, %+.1f] pts", h.CI.Lo, h.CI.Hi)
		case h.CIPct != nil:
			ci = fmt.Sprintf("[%+.1f%%, %+.1f%%]", h.CIPct.Lo, h.CIPct.Hi)
		case h.CI != nil:
			ci = fmt.Sprintf("[%+.4g, %+.4g]", h.CI.Lo, h.CI.Hi)
		}
		if h.Note != "" {
			ci = strings.TrimSpace(ci + " " + h.Note)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", h.Name,
			FormatHostValue(h.Base, h.Unit), FormatHostValue(h.Candidate, h.Unit), h.DeltaText(),
			h.Verdict, p, ci, h.BaseN, h.CandidateN)
	}
	tw.Flush()
}

// FormatHostValue formats a host figure in its unit: "-" for none,
// "12.0%", "1.25 ms", "830 µs", "1.5 MiB", "420 ops/s".
func FormatHostValue(v *float64, unit string) string {
	if v == nil {
		return "-"
	}
	switch unit {
	case "%":
		return fmt.Sprintf("%.1f%%", *v)
	case "us":
		return num(*v) + " µs"
	case "bytes":
		x, units := *v, []string{"B", "KiB", "MiB", "GiB", "TiB"}
		i := 0
		for x >= 1024 && i < len(units)-1 {
			x /= 1024
			i++
		}
		return num(x) + " " + units[i]
	case "":
		return num(*v)
	}
	return num(*v) + " " + unit
}

func runLine(r analysis.Run) string {
	s := fmt.Sprintf("%s %s %s, %d windows", r.ID, r.Benchmark, r.StartedAt.UTC().Format("2006-01-02 15:04:05Z"), r.Windows)
	if r.Status != "" && r.Status != "completed" {
		s += " (" + string(r.Status) + ")"
	}
	return s
}

func changes(w io.Writer, what string, cs []analysis.Change) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s changes:\n", what)
	for _, c := range cs {
		mark := " "
		if c.Unexpected {
			mark = "!"
		}
		fmt.Fprintf(w, "  %s %s: %s → %s\n", mark, c.Field, orNone(c.Base), orNone(c.Candidate))
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// FormatValue formats a headline figure of metric m with its unit: "-" for
// none, a percentage for the error rate.
func FormatValue(v *float64, m analysis.Metric) string {
	if v == nil {
		return "-"
	}
	switch m.Unit() {
	case "":
		return fmt.Sprintf("%.2f%%", *v*100)
	case "ops/s":
		return fmt.Sprintf("%s ops/s", num(*v))
	}
	return fmt.Sprintf("%s µs", num(*v))
}

// FormatP formats a p-value as benchstat does, with the small ones bounded.
func FormatP(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return fmt.Sprintf("p=%.3f", p)
}

// signed formats a difference in the metric's unit; for the error rate, in
// percentage points.
func signed(v float64, m analysis.Metric) string {
	if m.Unit() == "" {
		return fmt.Sprintf("%+.2fpp", v*100)
	}
	return fmt.Sprintf("%+.4g", v)
}

// num formats a figure with 4 significant digits, without an exponent for
// the sizes latencies and throughputs have.
func num(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

// FormatDelta formats a relative change in percent, "-" for none.
func FormatDelta(d *float64) string {
	if d == nil {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", *d)
}

// errWriter keeps the first write error, so that formatting code need not
// check each write.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, nil
}
