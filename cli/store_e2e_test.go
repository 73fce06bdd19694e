package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
	"github.com/statebench/statebench/store/sqlite"
	"github.com/statebench/statebench/store/storetest"
)

// These tests run the whole `statebench run` against a results store that
// fails as disks do, and kill it with SIGKILL, to check that nothing
// measured is lost and nothing stored is damaged.

// mountTmpfs mounts a tmpfs of size bytes at a new directory, unmounted at
// the test's end, and returns the directory. Mounting needs root, as CI
// has: elsewhere the test skips.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root (CI runs as root): skipped")
	}
	dir := t.TempDir()
	mount(t, "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

func mount(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
		t.Fatalf("mount %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// fill writes a file in dir until its file system is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err = f.Write(block); err != nil {
			break
		}
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("filling %s: %v, want ENOSPC", dir, err)
	}
}

// seedStore creates the results database at path holding one run, and
// returns that run's document as stored.
func seedStore(t *testing.T, path string) []byte {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, path, slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	raw, err := json.Marshal(storetest.Doc(storetest.ID(1), "kv", t0, 5, 2))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

// waitRunning waits until the results database at path holds a run that
// reads as running, and returns its id; it gives up when done is closed
// (the run ended) or after a minute.
func waitRunning(t *testing.T, path string, done <-chan struct{}) string {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			t.Fatal("the run ended before it was seen running in the store")
		case <-time.After(50 * time.Millisecond):
		}
		if _, err := os.Stat(path); err != nil {
			continue
		}
		s, err := sqlite.Open(ctx, path, slog.New(slog.DiscardHandler), store.Options{})
		if err != nil {
			continue
		}
		got, err := s.List(ctx, store.Query{Status: result.Running})
		s.Close()
		if err == nil && len(got) == 1 {
			return got[0].ID
		}
	}
	t.Fatal("no run seen running in the store after a minute")
	return ""
}

// When the results store cannot take a run — its disk is full before the
// run or fills during it, or it is read-only — `statebench run` says so in
// one line naming the store, writes the document to
// $STATEBENCH_HOME/runs/<id>.json, and exits with 1.
func TestRunStoreFullOrReadOnly(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the store at db, on a tmpfs mounted at dir,
		// before the run.
		setup func(t *testing.T, dir, db string)
		// during, when not nil, runs once the run is seen running.
		during func(t *testing.T, dir, db string)
		// cause is in the error line, lower case.
		cause string
	}{
		{
			name:  "the disk is full before the run",
			setup: func(t *testing.T, dir, db string) { seedStore(t, db); fill(t, dir) },
			cause: "no space left on device",
		},
		{
			name:   "the disk fills during the run",
			setup:  func(t *testing.T, dir, db string) { seedStore(t, db) },
			during: func(t *testing.T, dir, db string) { fill(t, dir) },
			cause:  "full",
		},
		{
			name: "the store is read-only",
			setup: func(t *testing.T, dir, db string) {
				seedStore(t, db)
				mount(t, "-o", "remount,ro", dir)
			},
			cause: "read-only",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := mountTmpfs(t, "256k")
			db := filepath.Join(dir, "results.db")
			tt.setup(t, dir, db)
			e := newStoreEnv(t)

			var (
				code          int
				stdout, errb  string
				done          = make(chan struct{})
				runArgs       = args("-o", "json", "--store", db)
				runningWithin = func() {}
			)
			if tt.during != nil {
				// Long enough to fill the disk while it runs.
				runArgs = append(runArgs, "-d", "5s")
				runningWithin = func() {
					waitRunning(t, db, done)
					tt.during(t, dir, db)
				}
			}
			go func() {
				defer close(done)
				code, stdout, errb = e.run(t, "", runArgs...)
			}()
			runningWithin()
			<-done

			if code != ExitInternal {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, ExitInternal, errb)
			}
			var doc result.Document
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatalf("stdout is not the result document: %v; stderr:\n%s", err, errb)
			}
			saved := filepath.Join(e.home, "runs", doc.ID+".json")
			b, err := os.ReadFile(saved)
			if err != nil {
				t.Fatalf("the run was not saved to %s: %v; stderr:\n%s", saved, err, errb)
			}
			if !bytes.Equal(b, []byte(stdout)) {
				t.Errorf("%s differs from the document printed on stdout", saved)
			}
			if doc.Status != result.Completed || doc.Ops["read"].Count == 0 {
				t.Errorf("saved run: status %s, %d reads; want completed, with its measurements", doc.Status, doc.Ops["read"].Count)
			}

			// One message (a line of stderr beside the progress lines)
			// names the store and the cause, one the file the run was
			// saved to.
			names := func(subs ...string) bool {
				for _, l := range strings.Split(errb, "\n") {
					if strings.HasPrefix(l, "statebench: ") && containsAll(l, subs...) {
						return true
					}
				}
				return false
			}
			if !names(db, tt.cause) {
				t.Errorf("no line of stderr names the store %s and the cause %q:\n%s", db, tt.cause, errb)
			}
			if !names(saved) {
				// cli/run.go's final error says "the run is saved to a
				// file" without naming it (with -o json, nothing does).
				t.Errorf("no line of stderr names %s, where the run was saved:\n%s", saved, errb)
			}
		})
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// helperEnv, when set, makes TestStatebenchProcess run statebench with
// the arguments after "--": the test binary is then the statebench
// binary, for tests that need a process of their own to kill.
const helperEnv = "STATEBENCH_TEST_PROCESS"

func TestStatebenchProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("not a test: the statebench process of other tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Main(context.Background(), args, Env{Stdout: os.Stdout, Stderr: os.Stderr}))
}

// statebench returns the command that runs statebench with args in its own
// process, with $STATEBENCH_HOME home.
func statebench(home string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestStatebenchProcess$", "--"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STATEBENCH_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, helperEnv+"=1", "STATEBENCH_HOME="+home)
	return cmd
}

// `statebench run` killed with SIGKILL in the middle of its run leaves the
// results database intact, its run abandoned, and every other run as it
// was.
func TestRunKilled(t *testing.T) {
	ctx := context.Background()
	e := newStoreEnv(t)
	db := filepath.Join(e.home, "results.db")
	before := seedStore(t, db)

	cmd := statebench(e.home, "run", "--driver", "memory", "-d", "forever", "--warmup", "0", "--records", "1000", "--observe", "none")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		cmd.Wait()
	}()
	killed := false
	t.Cleanup(func() {
		if !killed {
			cmd.Process.Kill()
			<-done
		}
	})
	id := waitRunning(t, db, done)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	killed = true
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("statebench ended with %v, not by SIGKILL; stderr:\n%s", cmd.ProcessState, errb.String())
	}

	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	err = raw.QueryRow("PRAGMA integrity_check").Scan(&check)
	raw.Close()
	if err != nil || check != "ok" {
		t.Errorf("PRAGMA integrity_check = %q, %v; want ok", check, err)
	}

	code, out, stderr := e.run(t, "", "runs", "--status", "abandoned", "-o", "json")
	var listed []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &listed) != nil {
		t.Fatalf("runs --status abandoned = exit %d, %q; stderr %q", code, out, stderr)
	}
	if len(listed) != 1 || listed[0].ID != id || listed[0].Status != string(result.Abandoned) {
		t.Errorf("runs --status abandoned = %+v, want the killed run %s, abandoned", listed, id)
	}
	if code, out, _ := e.run(t, "", "runs", "--status", "running"); code != 0 || strings.Contains(out, id[:12]) {
		t.Errorf("runs --status running = exit %d, %q; want the killed run not listed", code, out)
	}

	code, out, stderr = e.run(t, "", "show", storetest.ID(1), "-o", "json")
	if code != 0 || strings.TrimSuffix(out, "\n") != string(before) {
		t.Errorf("show -o json of the run stored before the kill = exit %d, %d bytes (stderr %q); want its %d bytes unchanged", code, len(out), stderr, len(before))
	}
	s, err := sqlite.Open(ctx, db, slog.New(slog.DiscardHandler), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.List(ctx, store.Query{}); err != nil || len(got) != 2 {
		t.Errorf("List() after the kill = %d runs, %v; want 2", len(got), err)
	}
}
