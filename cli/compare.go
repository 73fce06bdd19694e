package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/report"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
)

func newCompareCmd(env *Env) *cobra.Command {
	var (
		url, benchmark, output, threshold string
		last                              int
		failOnRegression                  bool
	)
	cmd := &cobra.Command{
		Use:   "compare BASE CANDIDATE... | --benchmark NAME --last N",
		Short: "Compare runs per operation with statistics; --fail-on-regression exits 4 on a significant regression",
		Long: `Compare runs per operation: throughput, latency percentiles and error rate,
each with the candidate's change and a verdict (better, worse, ~ for no
significant difference, ? for too few windows) from a Mann-Whitney U test on
the per-window samples of the measure phase. When both sides recorded host
observers, their headline figures (CPU split, disk IOPS, await and latency,
run-queue latency...) follow in a table of their own, tested the same way;
they explain a change and never count as a regression. Runs are named by id
prefix, latest or latest~N.

With --benchmark NAME --last N, the newest of the benchmark's last N completed
runs is the candidate and the N-1 older ones, pooled, are the base.`,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if err := checkOutputFlag(output); err != nil {
				return err
			}
			th, err := parseThreshold(threshold)
			if err != nil {
				return err
			}
			switch {
			case last != 0 && len(args) > 0:
				return invalidf("compare: give runs or --last, not both")
			case last != 0 && benchmark == "":
				return invalidf("compare: --last needs --benchmark")
			case last == 1 || last < 0:
				return invalidf("--last %d: want at least 2 runs", last)
			case last == 0 && len(args) < 2:
				return invalidf("compare: want a base and at least one candidate run, or --benchmark NAME --last N")
			}
			ctx := cmd.Context()
			s, err := env.openStore(ctx, url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)

			var docs []*result.Document
			if last > 0 {
				docs, err = lastRuns(ctx, s, benchmark, last)
			} else {
				docs, err = loadRuns(ctx, s, args, benchmark)
			}
			if err != nil {
				return err
			}
			opts := analysis.Options{Threshold: th, SameWorkload: last > 0}
			if th == 0 {
				opts.Threshold = -1 // every significant worsening
			}
			var c *analysis.Comparison
			if last > 0 {
				c, err = analysis.Compare(docs[:len(docs)-1], docs[len(docs)-1:], opts)
			} else {
				c, err = analysis.Compare(docs[:1], docs[1:], opts)
			}
			if err != nil {
				return fmt.Errorf("comparing runs: %w", err)
			}
			if output == "json" {
				err = report.WriteJSON(env.Stdout, c)
			} else {
				err = report.WriteComparison(env.Stdout, c)
			}
			if err != nil {
				return fmt.Errorf("writing the comparison: %w", err)
			}
			if rs := c.Regressions(); failOnRegression && len(rs) > 0 {
				names := make([]string, len(rs))
				for i, r := range rs {
					names[i] = r.String()
				}
				return withCode(ExitRegression, fmt.Errorf("regression beyond %s%%: %s",
					strconv.FormatFloat(th*100, 'f', -1, 64), strings.Join(names, ", ")))
			}
			return nil
		},
	}
	addStoreFlag(cmd, &url)
	cmd.Flags().StringVar(&benchmark, "benchmark", "", "the benchmark whose runs to compare (with --last), or among whose runs to resolve RUN references")
	cmd.Flags().IntVar(&last, "last", 0, "compare the newest of the benchmark's last N completed runs with the N-1 before it, pooled")
	cmd.Flags().StringVar(&threshold, "threshold", "5%", "a significantly worse metric is a regression when it changed by more than this (percent)")
	cmd.Flags().BoolVar(&failOnRegression, "fail-on-regression", false, "exit with code 4 when any operation regressed beyond the threshold")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// parseThreshold reads a percentage, "5" or "5%", as a fraction.
func parseThreshold(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v != v {
		return 0, invalidf("--threshold %q: want a percentage such as 5%%", s)
	}
	return v / 100, nil
}

// loadRuns resolves each reference and reads its document, in order.
func loadRuns(ctx context.Context, s store.Store, refs []string, benchmark string) ([]*result.Document, error) {
	docs := make([]*result.Document, 0, len(refs))
	for _, ref := range refs {
		id, err := resolveRun(ctx, s, ref, benchmark)
		if err != nil {
			return nil, err
		}
		run, err := s.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading run %s: %w", id, err)
		}
		docs = append(docs, run.Doc)
	}
	return docs, nil
}

// lastRuns reads the benchmark's newest n completed runs, oldest first.
func lastRuns(ctx context.Context, s store.Store, benchmark string, n int) ([]*result.Document, error) {
	sums, err := s.List(ctx, store.Query{Benchmark: benchmark, Status: result.Completed, Limit: n})
	if err != nil {
		return nil, fmt.Errorf("listing runs of %s: %w", benchmark, err)
	}
	if len(sums) < 2 {
		return nil, invalidf("--benchmark %s --last %d: %d completed runs found, need at least 2", benchmark, n, len(sums))
	}
	ids := make([]string, len(sums))
	for i, sum := range sums {
		ids[i] = sum.ID
	}
	slices.Reverse(ids)
	docs := make([]*result.Document, 0, len(ids))
	for _, id := range ids {
		run, err := s.Get(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading run %s: %w", id, err)
		}
		docs = append(docs, run.Doc)
	}
	return docs, nil
}
