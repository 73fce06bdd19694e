package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/report"
)

func newExportCmd(env *Env) *cobra.Command {
	var url, benchmark, format string
	cmd := &cobra.Command{
		Use:   "export RUN",
		Short: "Write a stored run as json (its document), csv (its windows) or benchfmt (Go benchmark format, for benchstat)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			switch format {
			case "json", "csv", "benchfmt":
			default:
				return invalidf("--format %q: want json, csv or benchfmt", format)
			}
			ctx := cmd.Context()
			s, err := env.openStore(ctx, url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)
			id, err := resolveRun(ctx, s, args[0], benchmark)
			if err != nil {
				return err
			}
			run, err := s.Get(ctx, id)
			if err != nil {
				return fmt.Errorf("reading run %s: %w", id, err)
			}
			switch format {
			case "json":
				raw := run.Raw
				if !strings.HasSuffix(string(raw), "\n") {
					raw = append(raw, '\n')
				}
				_, err = env.Stdout.Write(raw)
			case "csv":
				err = report.WriteCSV(env.Stdout, run.Doc)
			case "benchfmt":
				err = report.WriteBenchfmt(env.Stdout, run.Doc)
			}
			if err != nil {
				return fmt.Errorf("exporting run %s: %w", id, err)
			}
			return nil
		},
	}
	addStoreFlag(cmd, &url)
	cmd.Flags().StringVar(&benchmark, "benchmark", "", "resolve latest and id prefixes among this benchmark's runs")
	cmd.Flags().StringVar(&format, "format", "json", "json, csv or benchfmt")
	return cmd
}
