package cli

import (
	"bytes"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/report"
	"github.com/statebench/statebench/report/chart"
	"github.com/statebench/statebench/report/html"
)

func newReportCmd(env *Env) *cobra.Command {
	var url, benchmark, htmlFile, pngDir, svgDir string
	cmd := &cobra.Command{
		Use:   "report RUN [RUN...] (--html FILE | --png DIR | --svg DIR)",
		Short: "Write a report of runs, overlaid: a self-contained HTML page with interactive charts, or PNG/SVG images",
		Long: `Write a report of one or more runs, overlaid in distinct colours: throughput
and latency percentiles over time (service and intended time) with the run's
events marked, the host observations on the same time axis (disk and
run-queue latency p50/p99, CPU split, disk IOPS and await; none for runs
recorded without observers), and the percentile distribution of the total
histograms. With
several runs the HTML page also compares the first with the others, and shows
what changed in the workload and the environment.

--html FILE writes one HTML file that needs no network to view ("-" for
stdout); --png DIR and --svg DIR write one image per chart and print their
paths.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if htmlFile == "" && pngDir == "" && svgDir == "" {
				return invalidf("report: want --html FILE, --png DIR or --svg DIR")
			}
			ctx := cmd.Context()
			s, err := env.openStore(ctx, url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)
			docs, err := loadRuns(ctx, s, args, benchmark)
			if err != nil {
				return err
			}
			if htmlFile != "" {
				var cmp *analysis.Comparison
				if len(docs) > 1 {
					if cmp, err = analysis.Compare(docs[:1], docs[1:], analysis.Options{}); err != nil {
						return fmt.Errorf("comparing runs: %w", err)
					}
				}
				page, err := html.NewPage(docs, cmp)
				if err != nil {
					return fmt.Errorf("building the report: %w", err)
				}
				var buf bytes.Buffer
				if err := page.Write(&buf); err != nil {
					return fmt.Errorf("writing the report: %w", err)
				}
				if htmlFile == "-" {
					_, err = env.Stdout.Write(buf.Bytes())
				} else {
					err = os.WriteFile(htmlFile, buf.Bytes(), 0o644)
				}
				if err != nil {
					return withCode(ExitInvalid, fmt.Errorf("--html %s: %w", htmlFile, err))
				}
			}
			if pngDir == "" && svgDir == "" {
				return nil
			}
			charts, err := report.Charts(docs)
			if err != nil {
				return fmt.Errorf("building the charts: %w", err)
			}
			for _, o := range []struct{ dir, format string }{{pngDir, chart.PNG}, {svgDir, chart.SVG}} {
				if o.dir == "" {
					continue
				}
				paths, err := chart.Write(o.dir, o.format, charts)
				if err != nil {
					return withCode(ExitInvalid, fmt.Errorf("--%s %s: %w", o.format, o.dir, err))
				}
				for _, p := range paths {
					fmt.Fprintln(env.Stdout, p)
				}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &url)
	cmd.Flags().StringVar(&benchmark, "benchmark", "", "resolve latest and id prefixes among this benchmark's runs")
	cmd.Flags().StringVar(&htmlFile, "html", "", "write a self-contained HTML report to FILE (- for stdout)")
	cmd.Flags().StringVar(&pngDir, "png", "", "write the charts as PNG images into DIR")
	cmd.Flags().StringVar(&svgDir, "svg", "", "write the charts as SVG images into DIR")
	return cmd
}
