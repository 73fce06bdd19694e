// Command statebench is continuous benchmarking for stateful services.
// See the README for its commands.
package main

import (
	"context"
	"os"

	goredis "github.com/redis/go-redis/v9"

	"github.com/statebench/statebench/cli"
)

// quiet drops go-redis's own log lines (one per failed dial during an
// outage); the driver reports those failures as connection errors.
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func main() {
	goredis.SetLogger(quiet{})
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
