package postgres_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
)

// pgBin holds initdb and pg_ctl; STATEBENCH_PGBIN overrides it.
func pgBin() string {
	if d := os.Getenv("STATEBENCH_PGBIN"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// server is a PostgreSQL server of the test's own, on a free loopback
// port, with a temporary data directory, run as the postgres user (the
// server refuses to run as root).
type server struct {
	t    *testing.T
	dir  string
	port int
}

// startServer initialises and starts a server with durable settings
// (fsync and synchronous_commit on); t.Cleanup stops it and removes its
// files. Without the binaries the test is skipped, or fails in CI.
func startServer(t *testing.T) *server {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin(), "initdb")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL binaries are required in CI: %v", err)
		}
		t.Skipf("no PostgreSQL binaries (set STATEBENCH_PGBIN): %v", err)
	}
	dir, err := os.MkdirTemp("", "statebench-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, dir: dir, port: sqlkvtest.FreePort(t)}
	t.Cleanup(func() {
		// The server may be down already.
		s.run(60*time.Second, filepath.Join(pgBin(), "pg_ctl"), "-D", s.data(), "-w", "-t", "30", "stop", "-m", "immediate")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown %s: %v: %s", dir, err, out)
		}
	}
	if err := s.run(60*time.Second, filepath.Join(pgBin(), "initdb"), "-D", s.data(), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"); err != nil {
		t.Fatal(err)
	}
	s.Start()
	return s
}

func (s *server) data() string { return filepath.Join(s.dir, "data") }

// Target is the server's URL.
func (s *server) Target() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// Start starts the server on its port and waits until it accepts sessions.
func (s *server) Start() {
	s.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c shared_buffers=32MB", s.port, s.dir)
	// pg_ctl's own wait polls slowly; connecting tells sooner.
	if err := s.run(60*time.Second, filepath.Join(pgBin(), "pg_ctl"), "-D", s.data(), "-W", "start", "-o", opts, "-l", filepath.Join(s.dir, "log")); err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		c, err := pgx.Connect(ctx, s.Target())
		if err == nil {
			c.Close(ctx)
			return
		}
		if ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
			s.t.Fatalf("server on port %d did not accept sessions within 60s: %v\n%s", s.port, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down the fast way: sessions are cut off at once,
// committed transactions stay. (An immediate stop, a crash, makes the next
// start replay the WAL and end recovery with a checkpoint: seconds on a
// busy machine, which a 10 s run cannot spare.)
func (s *server) Stop() { s.pgctl("stop", "-m", "fast") }

func (s *server) pgctl(args ...string) {
	s.t.Helper()
	if err := s.run(60*time.Second, filepath.Join(pgBin(), "pg_ctl"), append([]string{"-D", s.data(), "-w", "-t", "30"}, args...)...); err != nil {
		s.t.Fatal(err)
	}
}

// run runs a command as the postgres user when we are root, bounded by
// timeout.
func (s *server) run(timeout time.Duration, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if os.Geteuid() == 0 {
		args = append([]string{"-u", "postgres", "--", name}, args...)
		name = "runuser"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %v: %v\n%s", name, args, err, out)
	}
	return nil
}
