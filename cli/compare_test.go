package cli

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
)

// comparedRun builds a run of 20 one-second measure windows of reads whose
// median service time is p50 µs; windows, totals and histograms agree.
func comparedRun(id string, started time.Time, p50 float64, seed uint64) *result.Document {
	r := rand.New(rand.NewPCG(seed, 5))
	d := &result.Document{SchemaVersion: result.SchemaVersion, ID: id, Benchmark: "kv", Status: result.Completed,
		StartedAt: started, Measure: result.Span{DurationS: 20}, Ops: map[string]result.OpSummary{},
		Environment: result.Environment{Host: "h", CPUModel: "cpu", CPUs: 4, Driver: "memory"}}
	d.Workload.Name = "kv"
	lat := func(h *hdr.Histogram) *result.Latency {
		us := func(v int64) float64 { return float64(v) / 1000 }
		return &result.Latency{P50: us(h.ValueAtQuantile(.5)), P90: us(h.ValueAtQuantile(.9)), P99: us(h.ValueAtQuantile(.99)),
			P999: us(h.ValueAtQuantile(.999)), Max: us(h.Max()), Mean: h.Mean() / 1000}
	}
	total := hdr.New(hdr.Latency)
	var count int64
	for i := range 20 {
		h := hdr.New(hdr.Latency)
		n := int64(300 + r.IntN(20))
		for range n {
			h.Record(int64(p50 * 1000 * r.ExpFloat64() / 0.693))
		}
		total.Merge(h)
		count += n
		d.Windows = append(d.Windows, result.Window{StartS: float64(i), DurationS: 1, Phase: "measure", State: result.WindowFinal,
			Ops: map[string]result.WindowOp{"read": {Count: n, LatencyUs: lat(h)}}})
	}
	d.Ops["read"] = result.OpSummary{Count: count, ThroughputOpsS: float64(count) / 20, LatencyUs: lat(total)}
	d.Histograms = []result.Histogram{{Op: "read", Outcome: "ok", Kind: "service", Unit: "ns", Count: total.Count(), Encoding: hdr.Encoding, Data: total.Encode()}}
	return d
}

// importRuns stores the documents through the import command.
func importRuns(t *testing.T, e *storeEnv, docs ...*result.Document) {
	t.Helper()
	for _, d := range docs {
		path, _ := writeDoc(t, d)
		if code, _, stderr := e.run(t, "", "import", path); code != 0 {
			t.Fatalf("import %s = exit %d: %s", d.ID, code, stderr)
		}
	}
}

func TestCompareCommand(t *testing.T) {
	e := newStoreEnv(t)
	importRuns(t, e,
		comparedRun("01CMPBASE0000000000000000A", t0, 100, 1),
		comparedRun("01CMPSAME0000000000000000B", t0.Add(time.Hour), 100, 2),
		comparedRun("01CMPSLOW0000000000000000C", t0.Add(2*time.Hour), 150, 3),
	)
	tests := []struct {
		name string
		args []string
		code int
		// stdout and stderr list substrings the outputs must contain.
		stdout, stderr []string
	}{
		// A slower candidate is worse; without the gate the exit is 0.
		{"worse", []string{"compare", "01CMPBASE", "01CMPSLOW"}, ExitOK,
			[]string{"read  p50", "worse", "regressions beyond 5% "}, nil},
		// With the gate: exit 4, and the message names operation and metric.
		{"gate", []string{"compare", "01CMPBASE", "01CMPSLOW", "--fail-on-regression"}, ExitRegression,
			[]string{"worse"}, []string{"statebench: regression beyond 5%: read p50 +"}},
		// The same configuration passes the gate with ~ verdicts.
		{"same", []string{"compare", "01cmpbase", "01CMPSAME", "--fail-on-regression"}, ExitOK,
			[]string{"~"}, nil},
		// A threshold above the change lets the gate pass.
		{"threshold", []string{"compare", "01CMPBASE", "01CMPSLOW", "--fail-on-regression", "--threshold", "80"}, ExitOK,
			[]string{"worse"}, nil},
		// --last 3: the newest run against the two before it, pooled.
		{"last", []string{"compare", "--benchmark", "kv", "--last", "3", "--fail-on-regression"}, ExitRegression,
			[]string{"base:      2 runs pooled", "candidate: 01CMPSLOW"}, []string{"read p50"}},
		// latest~N references resolve through the store.
		{"latest", []string{"compare", "latest~2", "latest"}, ExitOK, []string{"candidate: 01CMPSLOW"}, nil},
		// Bad input: exit 2 with a one-line message naming the argument.
		{"oneRun", []string{"compare", "01CMPBASE"}, ExitInvalid, nil, []string{"want a base and at least one candidate"}},
		{"lastOne", []string{"compare", "--benchmark", "kv", "--last", "1"}, ExitInvalid, nil, []string{"--last 1"}},
		{"lastNoBench", []string{"compare", "--last", "3"}, ExitInvalid, nil, []string{"--last needs --benchmark"}},
		{"badThreshold", []string{"compare", "a", "b", "--threshold", "five"}, ExitInvalid, nil, []string{`--threshold "five"`}},
		{"unknownRun", []string{"compare", "01CMPBASE", "01NOPE"}, ExitInvalid, nil, []string{"01NOPE"}},
		{"badOutput", []string{"compare", "01CMPBASE", "01CMPSLOW", "-o", "xml"}, ExitInvalid, nil, []string{"--output"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := e.run(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("%v = exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, code, tt.code, stdout, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("%v stdout lacks %q:\n%s", tt.args, want, stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("%v stderr = %q, want it to contain %q", tt.args, stderr, want)
				}
			}
			if n := strings.Count(stderr, "\n"); n > 1 {
				t.Errorf("%v stderr has %d lines, want at most one: %q", tt.args, n, stderr)
			}
		})
	}
}

// -o json has the same content, machine-readable.
func TestCompareJSON(t *testing.T) {
	e := newStoreEnv(t)
	importRuns(t, e, comparedRun("01JBASE", t0, 100, 1), comparedRun("01JSLOW", t0.Add(time.Hour), 150, 3))
	code, stdout, stderr := e.run(t, "", "compare", "01JBASE", "01JSLOW", "-o", "json")
	if code != 0 {
		t.Fatalf("compare -o json = exit %d: %s", code, stderr)
	}
	var c analysis.Comparison
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("compare -o json output does not decode: %v\n%s", err, stdout)
	}
	if len(c.Candidates) != 1 || c.Candidates[0].Run.ID != "01JSLOW" || len(c.Candidates[0].Regressions) == 0 {
		t.Errorf("compare -o json = %+v, want one candidate 01JSLOW with regressions", c.Candidates)
	}
}

func TestExportCommand(t *testing.T) {
	e := newStoreEnv(t)
	d := comparedRun("01EXPORT", t0, 100, 1)
	_, raw := writeDoc(t, d)
	importRuns(t, e, d)
	tests := []struct {
		format string
		check  func(out string) bool
	}{
		// json is the document exactly as stored.
		{"json", func(out string) bool { return out == string(raw) }},
		// csv: the header, then one row per window and op.
		{"csv", func(out string) bool {
			return strings.HasPrefix(out, "start_s,duration_s,phase,state,op,") && strings.Count(out, "\n") == 21
		}},
		// benchfmt: configuration lines, then one line per window and op.
		{"benchfmt", func(out string) bool {
			return strings.HasPrefix(out, "statebench-run: 01EXPORT\n") && strings.Count(out, "BenchmarkStatebench/bench=kv/op=read 1 ") == 20
		}},
	}
	for _, tt := range tests {
		code, stdout, stderr := e.run(t, "", "export", "latest", "--format", tt.format)
		if code != 0 || !tt.check(stdout) {
			t.Errorf("export --format %s = exit %d, stdout:\n%.400s\nstderr: %s", tt.format, code, stdout, stderr)
		}
	}
	if code, _, stderr := e.run(t, "", "export", "latest", "--format", "xml"); code != ExitInvalid || !strings.Contains(stderr, `--format "xml"`) {
		t.Errorf("export --format xml = exit %d, %q; want 2 naming --format", code, stderr)
	}
}

func TestReportCommand(t *testing.T) {
	e := newStoreEnv(t)
	importRuns(t, e, comparedRun("01RBASE", t0, 100, 1), comparedRun("01RSLOW", t0.Add(time.Hour), 150, 3))
	dir := t.TempDir()
	page := filepath.Join(dir, "r.html")
	code, stdout, stderr := e.run(t, "", "report", "01RBASE", "01RSLOW", "--html", page, "--png", filepath.Join(dir, "png"), "--svg", filepath.Join(dir, "svg"))
	if code != 0 {
		t.Fatalf("report = exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="statebench-data"`, "Comparison", "01RSLOW against 01RBASE", "uPlot"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report --html page lacks %q", want)
		}
	}
	paths := strings.Fields(stdout)
	if len(paths) != 6 { // throughput, latency-read, distribution-read, twice
		t.Errorf("report --png --svg printed %d paths, want 6: %q", len(paths), stdout)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("report wrote %s, but: %v", p, err)
		}
	}
	if code, _, stderr := e.run(t, "", "report", "01RBASE"); code != ExitInvalid || !strings.Contains(stderr, "--html") {
		t.Errorf("report without an output = exit %d, %q; want 2 naming --html", code, stderr)
	}
}
