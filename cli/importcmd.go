package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/statebench/statebench/store"
)

func newImportCmd(env *Env) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Store result documents produced elsewhere (- reads standard input); a run already stored is left as it is",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			s, err := env.openStore(cmd.Context(), url)
			if err != nil {
				return err
			}
			defer closeStore(s, &err)
			// Files are stored one by one and the first bad one stops the
			// import: those before it are stored, and importing them again
			// is a no-op.
			for _, name := range args {
				var raw []byte
				var err error
				if name == "-" {
					name = "standard input"
					raw, err = io.ReadAll(env.Stdin)
				} else {
					raw, err = os.ReadFile(name)
				}
				if err != nil {
					return withCode(ExitInvalid, fmt.Errorf("import: %w", err))
				}
				doc, err := store.Decode(raw)
				if err != nil {
					return withCode(ExitInvalid, fmt.Errorf("import %s: %w", name, err))
				}
				added, err := s.Import(cmd.Context(), raw)
				if errors.Is(err, store.ErrMalformed) || errors.Is(err, store.ErrNewerSchema) {
					return withCode(ExitInvalid, fmt.Errorf("import %s: %w", name, err))
				}
				if err != nil {
					return fmt.Errorf("import %s: %w", name, err)
				}
				what := "stored"
				if !added {
					what = "already stored"
				}
				fmt.Fprintf(env.Stdout, "%s: run %s %s\n", name, doc.ID, what)
			}
			return nil
		},
	}
	addStoreFlag(cmd, &url)
	return cmd
}
