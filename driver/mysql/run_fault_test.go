package mysql_test

import (
	"context"
	"io"
	"testing"

	"github.com/statebench/statebench/cli"
	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
)

// The whole run command goes through an outage: a 10 s open-loop run is cut
// off from its server for 2 s in the middle. It completes; the outage's
// windows count connection errors, the last windows count successful
// operations again, and verify finds every acknowledged write.
func TestRunThroughOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s run")
	}
	srv := startServer(t)
	sqlkvtest.RunThroughOutage(t, sqlkvtest.Outage{
		Driver: "mysql",
		Target: srv.Target() + "?table=outage",
		Server: srv,
		Run: func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
			return cli.Main(ctx, args, cli.Env{Stdout: stdout, Stderr: stderr, LookupEnv: func(string) (string, bool) { return "", false }})
		},
		Count: func(ctx context.Context) (n int, err error) {
			db := srv.open("test")
			defer db.Close()
			err = db.QueryRowContext(ctx, "SELECT count(*) FROM outage").Scan(&n)
			return n, err
		},
	})
}
