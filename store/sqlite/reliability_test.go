package sqlite_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlite"
	"github.com/statebench/statebench/store/storetest"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// TestMain makes the test binary its own helper process: with
// SB_STORE_HELPER set it does what the variable names to the database
// SB_STORE_DB and exits, so that tests can kill it or run several at once.
func TestMain(m *testing.M) {
	if h := os.Getenv("SB_STORE_HELPER"); h != "" {
		if err := helper(h, os.Getenv("SB_STORE_DB")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helper(what, path string) error {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	switch what {
	case "begin":
		// Begin a run, write half of a second one's windows in an open
		// transaction, say so, and wait to be killed.
		d := storetest.Doc(storetest.ID(2), "kv", t0.Add(time.Hour), 0, 0)
		d.Status, d.EndedAt = result.Running, nil
		if err := s.Begin(ctx, d); err != nil {
			return err
		}
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Exec("UPDATE runs SET status = 'completed' WHERE id = ?", storetest.ID(1)); err != nil {
			return err
		}
		fmt.Println("ready")
		select {}
	case "import":
		n, _ := strconv.Atoi(os.Getenv("SB_STORE_N"))
		for i := range 20 {
			d := storetest.Doc(storetest.ID(1000*n+i), "kv", t0.Add(time.Duration(1000*n+i)*time.Second), 20, 3)
			if err := s.Finish(ctx, d); err != nil {
				return err
			}
			shared := storetest.Doc(storetest.ID(1), "kv", t0, 20, 3)
			raw, _ := jsonMarshal(shared)
			added, err := s.Import(ctx, raw)
			if err != nil {
				return err
			}
			if added {
				fmt.Println("added")
			}
		}
		return nil
	}
	return fmt.Errorf("unknown helper %q", what)
}

func helperCmd(t *testing.T, what, db string, extra ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append([]string{"SB_STORE_HELPER=" + what, "SB_STORE_DB=" + db}, extra...)...)
	cmd.Stderr = os.Stderr
	return cmd
}

func openAt(t *testing.T, path string) store.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A process killed with SIGKILL in the middle of a run and of a write
// leaves the database intact, its run abandoned and every other run as it
// was.
func TestKilledRunIsAbandoned(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "results.db")
	s := openAt(t, path)
	other := storetest.Doc(storetest.ID(1), "kv", t0, 30, 3)
	other.Status = result.Interrupted
	if err := s.Finish(ctx, other); err != nil {
		t.Fatal(err)
	}
	before, err := s.Get(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}

	cmd := helperCmd(t, "begin", path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		t.Fatalf("helper said %q, %v; want ready", line, err)
	}
	// While it lives, its run is running.
	if got, err := s.List(ctx, store.Query{Status: result.Running}); err != nil || len(got) != 1 {
		t.Errorf("List(running) while the run's process lives = %d runs, %v; want 1", len(got), err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	s.Close()
	s = openAt(t, path)
	var check string
	if err := s.(interface{ DB() *sql.DB }).DB().QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}
	run, err := s.Get(ctx, storetest.ID(2))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != result.Abandoned {
		t.Errorf("killed run: status %s, want abandoned", run.Status)
	}
	after, err := s.Get(ctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != result.Interrupted || !bytes.Equal(after.Raw, before.Raw) {
		t.Errorf("other run after the kill: status %s, %d bytes; want interrupted, unchanged (%d bytes)", after.Status, len(after.Raw), len(before.Raw))
	}
	if got, err := s.List(ctx, store.Query{Status: result.Abandoned}); err != nil || len(got) != 1 {
		t.Errorf("List(abandoned) = %d runs, %v; want 1", len(got), err)
	}
}

// Several processes writing one database at once lose and duplicate
// nothing.
func TestConcurrentProcesses(t *testing.T) {
	const procs = 4
	path := filepath.Join(t.TempDir(), "results.db")
	openAt(t, path).Close()
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, procs)
	errs := make([]error, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := helperCmd(t, "import", path, "SB_STORE_N="+strconv.Itoa(i+1))
			cmd.Stdout = &outs[i]
			errs[i] = cmd.Run()
		}()
	}
	wg.Wait()
	added := 0
	for i := range procs {
		if errs[i] != nil {
			t.Errorf("process %d: %v", i+1, errs[i])
		}
		added += bytes.Count(outs[i].Bytes(), []byte("added"))
	}
	if added != 1 {
		t.Errorf("one run imported by %d processes was added %d times, want once", procs, added)
	}
	got, err := openAt(t, path).List(context.Background(), store.Query{})
	if err != nil || len(got) != procs*20+1 {
		t.Errorf("List() = %d runs, %v; want %d", len(got), err, procs*20+1)
	}
}

// A file that is not a statebench results database, or one written by a
// newer statebench, is refused and left byte for byte as it was.
func TestRefusesForeignAndNewer(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("this is not a database\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("SQL"), 0o644); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "other-app.db")
	rawDB(t, foreign, "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')")
	newer := filepath.Join(dir, "newer.db")
	openAt(t, newer).Close()
	rawDB(t, newer, "INSERT INTO statebench_schema VALUES (999, 0)")

	tests := []struct {
		name, path string
		want       error
	}{
		{"a text file", text, store.ErrNotStatebench},
		{"a file too short to be SQLite", short, store.ErrNotStatebench},
		{"another application's SQLite database", foreign, store.ErrNotStatebench},
		{"a database of a newer statebench", newer, store.ErrNewerDatabase},
	}
	for _, tt := range tests {
		before, err := os.ReadFile(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := sqlite.Open(context.Background(), tt.path, slog.New(slog.DiscardHandler), store.Options{})
		if !errors.Is(err, tt.want) {
			if s != nil {
				s.Close()
			}
			t.Errorf("Open(%s) = %v, want %v", tt.name, err, tt.want)
			continue
		}
		after, err := os.ReadFile(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("Open(%s) changed the file", tt.name)
		}
	}
}

// Migrations run once: opening again changes nothing, and the version is
// the latest.
func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.db")
	for range 2 {
		openAt(t, path).Close()
	}
	db := rawDB(t, path, "")
	var n, v int
	if err := db.QueryRow("SELECT count(*), max(version) FROM statebench_schema").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	latest, err := sqlite.Dialect.Latest()
	if err != nil {
		t.Fatal(err)
	}
	if n != latest || v != latest {
		t.Errorf("statebench_schema after two opens = %d rows, version %d; want %d, %d", n, v, latest, latest)
	}
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// rawDB opens path with the SQLite driver alone and runs stmts.
func rawDB(t *testing.T, path, stmts string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if stmts != "" {
		if _, err := db.Exec(stmts); err != nil {
			t.Fatal(err)
		}
	}
	return db
}
