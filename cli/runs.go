package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
)

// runStatuses are the statuses --status accepts.
var runStatuses = []result.Status{result.Running, result.Completed, result.Interrupted, result.Failed, result.Abandoned}

func newRunsCmd(env *Env) *cobra.Command {
	var (
		url, benchmark, status, since, output string
		labels, wheres                        []string
		limit                                 int
	)
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List the stored runs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			q := store.Query{Benchmark: benchmark, Status: result.Status(status), Limit: limit}
			if status != "" && !slices.Contains(runStatuses, q.Status) {
				return invalidf("--status %q: want one of running, completed, interrupted, failed, abandoned", status)
			}
			if limit < 0 {
				return invalidf("--limit %d: want 0 (no limit) or more", limit)
			}
			if since != "" {
				if q.Since, err = parseSinceFlag(since, time.Now()); err != nil {
					return withCode(ExitInvalid, err)
				}
			}
			for _, l := range labels {
				k, v, ok := strings.Cut(l, "=")
				if !ok || k == "" {
					return invalidf("--label %q: want key=value", l)
				}
				if q.Labels == nil {
					q.Labels = map[string]string{}
				}
				q.Labels[k] = v
			}
			for _, w := range wheres {
				wh, err := store.ParseWhere(w)
				if err != nil {
					return withCode(ExitInvalid, fmt.Errorf("--where: %w", err))
				}
				q.Where = append(q.Where, wh)
			}
			if err := checkOutputFlag(output); err != nil {
				return err
			}
			s, err := env.openStore(cmd.Context(), url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)
			runs, err := s.List(cmd.Context(), q)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeIndentedJSON(env.Stdout, runListing(runs))
			}
			return writeRunTable(env.Stdout, runs)
		},
	}
	addStoreFlag(cmd, &url)
	f := cmd.Flags()
	f.StringVar(&benchmark, "benchmark", "", "only the runs of this benchmark")
	f.StringArrayVar(&labels, "label", nil, "only runs with this label, key=value (repeatable)")
	f.StringVar(&status, "status", "", "only runs with this status: running, completed, interrupted, failed, abandoned")
	f.StringVar(&since, "since", "", "only runs started since: a duration ago (24h, 7d) or a date (2026-03-01, RFC 3339)")
	f.IntVar(&limit, "limit", 20, "at most this many runs (0: all)")
	f.StringArrayVar(&wheres, "where", nil, "only runs whose document field equals a value, path=value, value* for a prefix (environment.kernel=6.1.*) (repeatable)")
	f.StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

func newRmCmd(env *Env) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "rm RUN",
		Short: "Delete a stored run (RUN: an id prefix, latest or latest~N)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			s, err := env.openStore(cmd.Context(), url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)
			id, err := resolveRun(cmd.Context(), s, args[0], "")
			if err != nil {
				return err
			}
			if err := s.Delete(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "removed %s\n", id)
			return nil
		},
	}
	addStoreFlag(cmd, &url)
	return cmd
}

// parseSinceFlag parses --since: a duration before now (with d for days) or
// a date.
func parseSinceFlag(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days float64
		if _, err := fmt.Sscanf(n, "%g", &days); err == nil && days >= 0 {
			return now.Add(-time.Duration(days * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (24h, 7d) or a date (2026-03-01, 2026-03-01T12:00:00Z)", s)
}

func checkOutputFlag(o string) error {
	if o != "text" && o != "json" {
		return invalidf("--output %q: want text or json", o)
	}
	return nil
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runJSON is a run as `runs -o json` lists it.
type runJSON struct {
	ID             string                      `json:"id"`
	Benchmark      string                      `json:"benchmark"`
	Status         result.Status               `json:"status"`
	Error          string                      `json:"error,omitempty"`
	Trigger        string                      `json:"trigger,omitempty"`
	Labels         map[string]string           `json:"labels,omitempty"`
	StartedAt      time.Time                   `json:"started_at"`
	EndedAt        *time.Time                  `json:"ended_at,omitempty"`
	Driver         string                      `json:"driver"`
	Host           string                      `json:"host"`
	MeasureS       float64                     `json:"measure_s"`
	MainOp         string                      `json:"main_op,omitempty"`
	ThroughputOpsS float64                     `json:"throughput_ops_s"`
	P99Us          float64                     `json:"p99_us"`
	Ops            map[string]result.OpSummary `json:"ops,omitempty"`
}

func runListing(runs []store.Summary) []runJSON {
	out := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		out = append(out, runJSON{ID: r.ID, Benchmark: r.Benchmark, Status: r.Status, Error: r.Error, Trigger: r.Trigger, Labels: r.Labels,
			StartedAt: r.StartedAt, EndedAt: r.EndedAt, Driver: r.Driver, Host: r.Host, MeasureS: r.MeasureS, MainOp: r.MainOp,
			ThroughputOpsS: r.ThroughputOpsS, P99Us: r.P99Us, Ops: r.Ops})
	}
	return out
}

func writeRunTable(w io.Writer, runs []store.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBENCHMARK\tSTATUS\tSTARTED (UTC)\tDURATION\tDRIVER\tTHROUGHPUT\tP99")
	n := shortIDLen(runs)
	for _, r := range runs {
		id := r.ID
		if len(id) > n {
			id = id[:n]
		}
		dur := "-"
		if r.EndedAt != nil {
			dur = r.EndedAt.Sub(r.StartedAt).Round(time.Second).String()
		}
		tput, p99 := "-", "-"
		if r.MainOp != "" {
			tput = fmt.Sprintf("%.0f ops/s", r.ThroughputOpsS)
			if r.P99Us > 0 {
				p99 = fmt.Sprintf("%s %s", fmtMicros(r.P99Us), r.MainOp)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, r.Benchmark, r.Status, r.StartedAt.UTC().Format("2006-01-02 15:04:05"), dur, r.Driver, tput, p99)
	}
	return tw.Flush()
}

// shortIDLen returns how many leading characters of the ids tell the listed
// runs apart: 12 at least, like the start of a ULID and a little more.
func shortIDLen(runs []store.Summary) int {
	n := 12
	for {
		seen := make(map[string]bool, len(runs))
		clash := false
		for _, r := range runs {
			p := r.ID
			if len(p) > n {
				p = p[:n]
			}
			clash = clash || seen[p]
			seen[p] = true
		}
		if !clash {
			return n
		}
		n++
	}
}

// fmtMicros formats a latency in microseconds.
func fmtMicros(us float64) string {
	switch {
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1e3)
	default:
		return fmt.Sprintf("%.2fs", us/1e6)
	}
}
