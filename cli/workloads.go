package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/workload"
)

func newWorkloadsCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workloads",
		Short: "List the built-in workloads",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			for _, name := range workload.BuiltinNames() {
				spec, err := workload.Resolve(workload.Layers{Source: name})
				if err != nil {
					return fmt.Errorf("built-in workload %s: %w", name, err)
				}
				fmt.Fprintf(tw, "%s\t%s\n", name, spec.Description)
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME|FILE",
		Short: "Print a workload, fully resolved, as YAML ready to copy and edit",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec, err := workload.Resolve(workload.Layers{Source: args[0]})
			if err != nil {
				return withCode(ExitInvalid, err)
			}
			b, err := spec.YAML()
			if err != nil {
				return err
			}
			_, err = env.Stdout.Write(b)
			return err
		},
	})
	return cmd
}
