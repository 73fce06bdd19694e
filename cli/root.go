// Package cli is statebench's command line: one cobra command per file, wired
// together here, and Main, which runs a command line and returns its exit
// code so that every command can be run in-process from a test.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	goredis "github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// Version is statebench's version, set at build time with
// -ldflags "-X github.com/statebench/statebench/cli.Version=v1.2.3".
var Version = "dev"

// Env is what a command line runs with. Tests fill it in; main uses the
// process's own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// LookupEnv reads an environment variable.
	LookupEnv func(string) (string, bool)
	// Signals, when not nil, delivers interrupt requests (SIGINT, SIGTERM).
	// Main with a nil Signals installs the process's own handler.
	Signals <-chan os.Signal
	// Logger receives diagnostics; nil means a text logger on Stderr.
	Logger *slog.Logger
}

// getenv returns an environment variable or "".
func (e *Env) getenv(k string) string {
	if v, ok := e.LookupEnv(k); ok {
		return v
	}
	return ""
}

// home returns $STATEBENCH_HOME, by default ~/.local/share/statebench.
func (e *Env) home() (string, error) {
	if h := e.getenv("STATEBENCH_HOME"); h != "" {
		return h, nil
	}
	if x := e.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "statebench"), nil
	}
	u := e.getenv("HOME")
	if u == "" {
		var err error
		if u, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("finding the home directory (set STATEBENCH_HOME): %w", err)
		}
	}
	return filepath.Join(u, ".local", "share", "statebench"), nil
}

// Main runs the command line args (without the program name) and returns
// its exit code. Errors are printed to Stderr as one line.
func Main(ctx context.Context, args []string, env Env) int {
	quietRedisOnce.Do(func() { goredis.SetLogger(quietRedis{}) })
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.LookupEnv == nil {
		env.LookupEnv = os.LookupEnv
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	root := newRoot(&env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := exitCode(err)
	var ee *exitError
	if !errors.As(err, &ee) {
		// cobra's own errors (unknown flag or command, bad argument count)
		// are invalid input.
		if isUsageError(err) {
			code = ExitInvalid
		}
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintf(env.Stderr, "statebench: %s\n", oneLine(err.Error()))
	}
	return code
}

// errSilent marks an error whose message was already shown (for example a
// regression table); Main prints nothing more.
var errSilent = errors.New("")

func isUsageError(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument", "invalid argument", "accepts ", "requires ", "bad flag syntax"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:           "statebench",
		Short:         "Continuous benchmarking for stateful services",
		Version:       Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return invalidf("%s: %v", c.CommandPath(), err)
	})
	// The commands, one per file.
	root.AddCommand(
		newRunCmd(env),
		newWorkloadsCmd(env),
		newRunsCmd(env),
		newShowCmd(env),
		newRmCmd(env),
		newImportCmd(env),
		newCompareCmd(env),
		newExportCmd(env),
		newReportCmd(env),
	)
	return root
}
