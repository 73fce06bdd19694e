package cli

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/observe"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
)

func newShowCmd(env *Env) *cobra.Command {
	var url, benchmark, output string
	cmd := &cobra.Command{
		Use:   "show RUN",
		Short: "Print a stored run (RUN: an id prefix, latest or latest~N); -o json prints its result document as stored",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if err := checkOutputFlag(output); err != nil {
				return err
			}
			s, err := env.openStore(cmd.Context(), url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)
			id, err := resolveRun(cmd.Context(), s, args[0], benchmark)
			if err != nil {
				return err
			}
			run, err := s.Get(cmd.Context(), id)
			if err != nil {
				return err
			}
			if output == "json" {
				raw := run.Raw
				if !strings.HasSuffix(string(raw), "\n") {
					raw = append(raw, '\n')
				}
				_, err := env.Stdout.Write(raw)
				return err
			}
			return writeRun(env.Stdout, run)
		},
	}
	addStoreFlag(cmd, &url)
	cmd.Flags().StringVar(&benchmark, "benchmark", "", "resolve latest and id prefixes among this benchmark's runs")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// writeRun prints a run's summary: what it was, per-operation figures,
// where it ran.
func writeRun(w io.Writer, run *store.Run) error {
	d := run.Doc
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "run\t%s\n", d.ID)
	fmt.Fprintf(tw, "benchmark\t%s\n", d.Benchmark)
	status := string(run.Status)
	if d.Error != "" {
		status += ": " + d.Error
	}
	fmt.Fprintf(tw, "status\t%s\n", status)
	if d.Trigger != "" {
		fmt.Fprintf(tw, "trigger\t%s\n", d.Trigger)
	}
	fmt.Fprintf(tw, "started\t%s\n", d.StartedAt.UTC().Format(time.RFC3339))
	if d.EndedAt != nil {
		fmt.Fprintf(tw, "ended\t%s (%s)\n", d.EndedAt.UTC().Format(time.RFC3339), d.EndedAt.Sub(d.StartedAt).Round(time.Millisecond))
	}
	fmt.Fprintf(tw, "workload\t%s, %s loop\n", d.Workload.Name, d.Workload.Load.Model)
	fmt.Fprintf(tw, "measure\t%.0fs\n", d.Measure.DurationS)
	if len(d.Labels) > 0 {
		fmt.Fprintf(tw, "labels\t%s\n", joinPairs(d.Labels))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	writeOpTable(w, d)
	if d.Skipped > 0 {
		fmt.Fprintf(w, "skipped: %d operations could not start on time\n", d.Skipped)
	}
	states := map[string]int{}
	for _, win := range d.Windows {
		states[win.State]++
	}
	fmt.Fprintf(w, "windows: %d", len(d.Windows))
	for _, st := range []string{result.WindowFinal, result.WindowOpen, result.WindowMissing, result.WindowInvalid} {
		if states[st] > 0 {
			fmt.Fprintf(w, ", %d %s", states[st], st)
		}
	}
	fmt.Fprintln(w)

	e := d.Environment
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "host\t%s\n", e.Host)
	fmt.Fprintf(tw, "system\t%s %s %s\n", e.OS, e.Kernel, e.Arch)
	fmt.Fprintf(tw, "cpu\t%d × %s\n", e.CPUs, e.CPUModel)
	fmt.Fprintf(tw, "memory\t%.1f GiB\n", float64(e.MemoryBytes)/(1<<30))
	if e.InstanceType != "" || e.Image != "" {
		fmt.Fprintf(tw, "instance\t%s %s\n", e.InstanceType, e.Image)
	}
	fmt.Fprintf(tw, "statebench\t%s (%s)\n", e.StatebenchVersion, e.GoVersion)
	fmt.Fprintf(tw, "driver\t%s\n", e.Driver)
	if len(e.Target) > 0 {
		fmt.Fprintf(tw, "target\t%s\n", joinPairs(e.Target))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(d.Observers) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return observe.WriteSummary(w, d.Observers)
}

func joinPairs(m map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", k, m[k])
	}
	return b.String()
}
