package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
)

// quick are the flags of a short run against the memory driver.
var quick = []string{"run", "--driver", "memory", "-d", "1s", "--warmup", "0", "--records", "1000", "--observe", "none"}

func args(extra ...string) []string { return append(append([]string(nil), quick...), extra...) }

// run -o json prints the result document and nothing else on stdout; the
// document holds what the flags asked for and is saved in the store.
func TestRunJSON(t *testing.T) {
	e := newStoreEnv(t)
	code, out, errb := e.run(t, "", args("-o", "json", "-c", "4", "--rate", "500", "--label", "env=ci", "--label", "kernel=6.1",
		"--benchmark", "nightly", "--set", "keys.distribution=uniform", "--seed", "42")...)
	if code != ExitOK {
		t.Fatalf("exit code %d, stderr %q", code, errb)
	}
	var doc result.Document
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not one result document: %v\n%s", err, out)
	}
	if dec.More() {
		t.Errorf("stdout holds more than the document")
	}
	w := doc.Workload
	checks := []struct {
		what      string
		got, want any
	}{
		{"status", doc.Status, result.Completed},
		{"benchmark", doc.Benchmark, "nightly"},
		{"labels", doc.Labels["env"] + "," + doc.Labels["kernel"], "ci,6.1"},
		{"model", w.Load.Model, "open"},
		{"rate", w.Load.Rate, 500.0},
		{"concurrency", w.Load.Concurrency, 4},
		{"distribution", w.Keys.Distribution, "uniform"},
		{"seed", w.Seed, int64(42)},
		{"driver", doc.Environment.Driver, "memory"},
		{"schema", doc.SchemaVersion, result.SchemaVersion},
		{"trigger", doc.Trigger, "manual"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if n := doc.Ops["read"].Count + doc.Ops["update"].Count; n < 400 || n > 600 {
		t.Errorf("operations = %d in 1 s at 500 ops/s", n)
	}
	if doc.Ops["read"].IntendedLatencyUs == nil || len(doc.Histograms) == 0 || len(doc.Windows) == 0 || doc.EndedAt == nil {
		t.Errorf("document lacks intended latency, histograms, windows or ended_at")
	}
	if doc.Environment.Kernel == "" || doc.Environment.CPUs == 0 || doc.Environment.Target["store"] != "memory" {
		t.Errorf("environment = %+v", doc.Environment)
	}
	// Saved to the store: show -o json prints the same run.
	code, shown, _ := e.run(t, "", "show", doc.ID[:10], "-o", "json")
	if code != 0 || !strings.Contains(shown, doc.ID) {
		t.Errorf("show %s: exit %d, output %.200q", doc.ID[:10], code, shown)
	}
}

// The text summary shows the per-operation table, with intended-time rows
// in an open loop, and where the run was saved.
func TestRunText(t *testing.T) {
	e := newStoreEnv(t)
	code, out, errb := e.run(t, "", args("--rate", "300")...)
	if code != ExitOK {
		t.Fatalf("exit code %d, stderr %q", code, errb)
	}
	for _, want := range []string{`\(completed\)`, `op\s+latency`, `read\s+service`, `\s+intended`, `p99\.9`, `saved: results store`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errb, "measure") {
		t.Errorf("no progress on stderr: %q", errb)
	}
}

// Bad input gets one line on stderr naming the problem and exit code 2;
// an unreachable target exit code 3.
func TestRunErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("name: x\nload: {concurency: 3}\n"), 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().String()
	l.Close()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"run", "--bogus"}, ExitInvalid, "unknown flag: --bogus"},
		{"unknown driver", []string{"run", "--driver", "oracle"}, ExitInvalid, `unknown driver "oracle"`},
		{"unknown field", []string{"run", "-w", bad}, ExitInvalid, `bad.yaml:2: unknown field "concurency" in load`},
		{"missing file", []string{"run", "-w", "nope.yaml"}, ExitInvalid, `workload "nope.yaml": no such file`},
		{"negative duration", args("-d", "-5s"), ExitInvalid, "phases.duration: -5s is negative"},
		{"bad rate", args("--rate", "fast"), ExitInvalid, `--rate load.rate=fast`},
		{"bad label", args("--label", "novalue"), ExitInvalid, `--label "novalue": want k=v`},
		{"bad output", args("-o", "xml"), ExitInvalid, `--output "xml"`},
		{"driver option", args("--target", "memory://?latency=soon"), ExitInvalid, `latency="soon"`},
		{"unknown observer", args("--observe", "gpu"), ExitInvalid, "gpu"},
		{"unwritable target", []string{"run", "--target", "/proc/statebench-no", "-d", "1s", "--observe", "none"}, ExitUnreachable, "opening embedded target"},
		{"unreachable redis", []string{"run", "--driver", "redis", "--target", "redis://" + closedPort, "--observe", "none"}, ExitUnreachable, "opening redis target"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errb := newStoreEnv(t).run(t, "", c.args...)
			if code != c.code {
				t.Errorf("exit code %d, want %d; stderr %q", code, c.code, errb)
			}
			lines := strings.Split(strings.TrimSpace(errb), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, c.want) || !strings.HasPrefix(last, "statebench: ") {
				t.Errorf("stderr's last line = %q, want one line containing %q", last, c.want)
			}
			if strings.Contains(errb, "goroutine ") || strings.Contains(errb, "panic") {
				t.Errorf("stderr holds a stack trace: %q", errb)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing on an error", out)
			}
		})
	}
}

// Ctrl-C ends the measure phase at once: the run is saved as interrupted
// and the exit code is 130.
func TestRunInterrupted(t *testing.T) {
	e := newStoreEnv(t)
	sigs := make(chan os.Signal, 2)
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- Main(context.Background(), []string{"run", "--driver", "memory", "-d", "forever", "--warmup", "0", "--records", "100", "--observe", "none", "-o", "json"}, Env{
			Stdout: &out, Stderr: &errb, Signals: sigs,
			LookupEnv: func(k string) (string, bool) {
				if k == "STATEBENCH_HOME" {
					return e.home, true
				}
				return "", false
			},
		})
	}()
	time.Sleep(2500 * time.Millisecond)
	sigs <- syscall.SIGINT
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop within 30 s of SIGINT")
	}
	if code != ExitInterrupted {
		t.Errorf("exit code %d, want 130; stderr %q", code, errb.String())
	}
	var doc result.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("no document on stdout: %v", err)
	}
	if doc.Status != result.Interrupted || doc.Ops["read"].Count == 0 {
		t.Errorf("status %s with %d reads, want interrupted with the reads so far", doc.Status, doc.Ops["read"].Count)
	}
	code, list, _ := e.run(t, "", "runs", "--status", "interrupted")
	if code != 0 || !strings.Contains(list, doc.ID[:8]) {
		t.Errorf("runs --status interrupted does not list the run: %q", list)
	}
}

// When the results store cannot take the run, the document is written to
// $STATEBENCH_HOME/runs/ and the exit code says so; nothing is lost.
func TestRunStoreFailureKeepsTheRun(t *testing.T) {
	e := newStoreEnv(t)
	notADir := filepath.Join(e.home, "file")
	os.WriteFile(notADir, []byte("x"), 0o644)
	e.vars["STATEBENCH_STORE"] = filepath.Join(notADir, "results.db") // cannot be created
	code, out, errb := e.run(t, "", args("-o", "json")...)
	if code != ExitInternal {
		t.Errorf("exit code %d, want 1; stderr %q", code, errb)
	}
	var doc result.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("no document on stdout: %v", err)
	}
	saved := filepath.Join(e.home, "runs", doc.ID+".json")
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatalf("the run was not saved to %s: %v (stderr %q)", saved, err, errb)
	}
	var again result.Document
	if json.Unmarshal(b, &again) != nil || again.ID != doc.ID || again.Status != result.Completed {
		t.Errorf("saved file does not hold the completed run")
	}
}

// --no-store saves nothing.
func TestRunNoStore(t *testing.T) {
	e := newStoreEnv(t)
	if code, _, errb := e.run(t, "", args("--no-store")...); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if _, err := os.Stat(filepath.Join(e.home, "results.db")); !os.IsNotExist(err) {
		t.Errorf("results.db exists after --no-store (stat: %v)", err)
	}
}
