// Command statebench is continuous benchmarking for stateful services.
// See the README for its commands.
package main

import (
	"context"
	"os"

	"github.com/statebench/statebench/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
