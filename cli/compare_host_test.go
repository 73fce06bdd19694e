package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/result"
)

// observedRun runs the embedded store with synced writes and every host
// observer for 3 seconds and returns its document. As root the eBPF
// observers must run; otherwise the test says it checks less.
func observedRun(t *testing.T, e *storeEnv) *result.Document {
	t.Helper()
	code, stdout, stderr := e.run(t, "", "run", "--driver", "embedded", "--set", "driver.options.sync=true",
		"-d", "3s", "--warmup", "0", "--records", "2000", "--observe", "auto", "-o", "json", "--no-store")
	if code != 0 {
		t.Fatalf("run = exit %d: %s", code, stderr)
	}
	var d result.Document
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("reading the run's document: %v", err)
	}
	for _, o := range d.Observers {
		if o.Status == result.ObserverOK {
			continue
		}
		if o.Name == "host" || os.Geteuid() == 0 {
			t.Fatalf("observer %s unavailable (running as uid %d): %s", o.Name, os.Geteuid(), o.Reason)
		}
		t.Logf("observer %s unavailable, not root: %s; checking without it", o.Name, o.Reason)
	}
	return &d
}

// Real runs with host observers: compare lists their host figures beside
// the client's (and no host figure gates), and the report draws them.
func TestCompareHostEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two 3-second benchmarks")
	}
	e := newStoreEnv(t)
	importRuns(t, e, observedRun(t, e), observedRun(t, e))
	root := os.Geteuid() == 0

	code, stdout, stderr := e.run(t, "", "compare", "latest~1", "latest")
	if code != ExitOK {
		t.Fatalf("compare = exit %d: %s", code, stderr)
	}
	if row(stdout, "read", "p50") == nil {
		t.Errorf("compare stdout lacks the read p50 row:\n%s", stdout)
	}
	want := []string{"\nhost ", "\ncpu.user_pct "}
	if root {
		want = append(want, "\nrunq.p99_us ")
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("compare stdout lacks %q:\n%s", w, stdout)
		}
	}

	code, stdout, stderr = e.run(t, "", "compare", "latest~1", "latest", "-o", "json")
	if code != ExitOK {
		t.Fatalf("compare -o json = exit %d: %s", code, stderr)
	}
	var c analysis.Comparison
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("reading compare -o json: %v", err)
	}
	if len(c.Candidates) != 1 || len(c.Candidates[0].Host) == 0 {
		t.Fatalf("compare -o json has no host figures:\n%s", stdout)
	}
	for _, h := range c.Candidates[0].Host {
		if h.Unit == "%" && h.DeltaPct != nil {
			t.Errorf("host %s (a percentage) delta_pct = %v, want its change in points only", h.Name, *h.DeltaPct)
		}
		if h.BaseN+h.CandidateN == 0 {
			t.Errorf("host %s has no windows on either side, want it left out", h.Name)
		}
	}

	code, stdout, stderr = e.run(t, "", "report", "latest~1", "latest", "--html", "-")
	if code != ExitOK {
		t.Fatalf("report --html = exit %d: %s", code, stderr)
	}
	want = []string{"<h2>Host</h2>", `"id":"host-cpu"`}
	if root {
		want = append(want, `"id":"host-runq"`)
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("report --html lacks %s", w)
		}
	}

	dir := t.TempDir()
	if code, _, stderr := e.run(t, "", "report", "latest", "--svg", dir); code != ExitOK {
		t.Fatalf("report --svg = exit %d: %s", code, stderr)
	}
	files := []string{"host-cpu.svg"}
	if root {
		files = append(files, "host-runq.svg")
	}
	for _, f := range files {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() == 0 {
			t.Errorf("report --svg did not write %s: %v", f, err)
		}
	}
}
