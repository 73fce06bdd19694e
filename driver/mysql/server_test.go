package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/statebench/statebench/driver/sqlkv/sqlkvtest"
)

// server is a MariaDB server of the test's own, on a free loopback port,
// with a temporary data directory and durable settings
// (innodb_flush_log_at_trx_commit=1).
type server struct {
	t    *testing.T
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// startServer initialises and starts a server with a test database; t.Cleanup
// stops it and removes its files. Without the binaries the test is skipped,
// or fails in CI.
func startServer(t *testing.T) *server {
	t.Helper()
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI: %v", bin, err)
			}
			t.Skipf("no %s: %v", bin, err)
		}
	}
	s := &server{t: t, dir: t.TempDir(), port: sqlkvtest.FreePort(t)}
	t.Cleanup(func() { s.kill() })
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	install := exec.CommandContext(ctx, "mariadb-install-db", "--no-defaults", "--datadir="+s.data(),
		"--auth-root-authentication-method=normal", "--user="+userName(), "--skip-test-db")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	s.Start()
	db := s.open("")
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE test"); err != nil {
		t.Fatalf("creating the test database: %v", err)
	}
	return s
}

// userName is the user mariadbd runs as: it refuses root unless told so.
func userName() string {
	if os.Geteuid() == 0 {
		return "root"
	}
	return ""
}

func (s *server) data() string { return filepath.Join(s.dir, "data") }

// Target is the server's URL.
func (s *server) Target() string { return fmt.Sprintf("mysql://root@127.0.0.1:%d/test", s.port) }

func (s *server) open(db string) *sql.DB {
	s.t.Helper()
	h, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/%s", s.port, db))
	if err != nil {
		s.t.Fatal(err)
	}
	return h
}

// Start starts the server on its port and waits until it answers.
func (s *server) Start() {
	s.t.Helper()
	args := []string{"--no-defaults", "--datadir=" + s.data(), "--socket=" + filepath.Join(s.dir, "sock"),
		"--port=" + strconv.Itoa(s.port), "--bind-address=127.0.0.1", "--skip-name-resolve",
		"--pid-file=" + filepath.Join(s.dir, "pid"), "--log-error=" + filepath.Join(s.dir, "err.log"),
		"--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=1", "--innodb-doublewrite=1"}
	if u := userName(); u != "" {
		args = append(args, "--user="+u)
	}
	s.cmd = exec.Command("mariadbd", args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting mariadbd: %v", err)
	}
	s.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(s.cmd, s.done)
	db := s.open("")
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "err.log"))
			s.t.Fatalf("mariadbd exited at start: %s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "err.log"))
			s.t.Fatalf("mariadbd on port %d did not answer within 60s: %v\n%s", s.port, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down cleanly (SIGTERM) and waits for it to exit.
func (s *server) Stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		s.cmd.Process.Kill()
		s.t.Fatalf("mariadbd did not shut down within 60s")
	}
}

// kill ends the server if it runs.
func (s *server) kill() {
	if s.cmd == nil {
		return
	}
	select {
	case <-s.done:
	default:
		s.cmd.Process.Kill()
		<-s.done
	}
}
