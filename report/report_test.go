package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/statebench/statebench/analysis"
	"github.com/statebench/statebench/report/internal/fixture"
	"github.com/statebench/statebench/result"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking the change); got:\n%s", path, got)
	}
}

func TestWriteComparison(t *testing.T) {
	base := fixture.Run{ID: "01BASE00000000000000AAAAAA", Windows: 20, Rate: 200, P50Us: 100, Seed: 1, Iowait: 3, DiskUs: 400}.Doc()
	tests := []struct {
		name string
		cand *result.Document
		opts analysis.Options
	}{
		// Slower reads and updates: worse percentiles, regressions listed,
		// the kernel change shown; the host explains them: iowait up by
		// points, disk write latency up by percent, listed as host changes
		// but not as regressions.
		{"slower", fixture.Run{ID: "01CAND00000000000000BBBBBB", Windows: 20, Rate: 200, P50Us: 140, Seed: 2, Kernel: "6.2.0", Iowait: 15, DiskUs: 1600}.Doc(), analysis.Options{}},
		// The same configuration again: ~ everywhere, nothing changed, on
		// the host either.
		{"same", fixture.Run{ID: "01CAND00000000000000CCCCCC", Windows: 20, Rate: 200, P50Us: 100, Seed: 3, Iowait: 3, DiskUs: 400}.Doc(), analysis.Options{}},
		// Three windows: ? with the reason, and a warning; without host
		// observations, a warning that host figures are not compared.
		{"toofew", fixture.Run{ID: "01CAND00000000000000DDDDDD", Windows: 3, Rate: 200, P50Us: 100, Seed: 4}.Doc(), analysis.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := analysis.Compare([]*result.Document{base}, []*result.Document{tt.cand}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteComparison(&buf, c); err != nil {
				t.Fatal(err)
			}
			golden(t, "testdata/compare-"+tt.name+".golden", buf.Bytes())
		})
	}
}

func TestWriteCSV(t *testing.T) {
	d := fixture.Run{ID: "01BASE00000000000000AAAAAA", Windows: 6, Rate: 50, P50Us: 100, Seed: 1}.Doc()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, d); err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/windows.golden.csv", buf.Bytes())

	rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatalf("reading WriteCSV's output: %v", err)
	}
	// One row per window and op, plus the header; the missing window has
	// one row with empty figures (not zeros).
	want := 1 + (len(d.Windows)-1)*2 + 1
	if len(rows) != want {
		t.Errorf("WriteCSV rows = %d, want %d", len(rows), want)
	}
	for _, r := range rows[1:] {
		if r[3] == result.WindowMissing && strings.Join(r[4:], "") != "" {
			t.Errorf("WriteCSV missing window row = %q, want empty figures", r)
		}
	}
}

// benchstat reads the export: golang.org/x/perf/benchfmt parses every line,
// the configuration comes back as written, and each final measure window's
// figures round-trip exactly.
func TestWriteBenchfmtRoundTrip(t *testing.T) {
	d := fixture.Run{ID: "01BASE00000000000000AAAAAA", Windows: 8, Rate: 50, P50Us: 100, Seed: 1}.Doc()
	d.Labels["Build Id"] = "abc 123"
	var buf bytes.Buffer
	if err := WriteBenchfmt(&buf, d); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&buf, "export.txt")
	type key struct {
		op    string
		index int
	}
	got := map[key]*benchfmt.Result{}
	counts := map[string]int{}
	for r.Scan() {
		switch rec := r.Result(); rec := rec.(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("benchfmt: %v", rec)
		case *benchfmt.UnitMetadata:
		case *benchfmt.Result:
			cfg := map[string]string{}
			for _, c := range rec.Config {
				cfg[c.Key] = string(c.Value)
			}
			if cfg["statebench-run"] != d.ID || cfg["label-build-id"] != "abc 123" || cfg["cpu"] != "Test CPU @ 3GHz" {
				t.Errorf("benchfmt config = %v, want the run id, labels and environment", cfg)
			}
			base, parts := rec.Name.Parts()
			if string(base) != "Statebench" || len(parts) != 2 || string(parts[0]) != "/bench=kv" {
				t.Fatalf("benchfmt name = %q %q, want Statebench /bench=kv /op=...", base, parts)
			}
			op := strings.TrimPrefix(string(parts[1]), "/op=")
			got[key{op, counts[op]}] = rec.Clone()
			counts[op]++
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	i := map[string]int{}
	n := 0
	for _, w := range d.Windows {
		if w.Phase != "measure" || w.State != result.WindowFinal {
			continue
		}
		for _, op := range []string{"read", "update"} {
			o := w.Ops[op]
			res := got[key{op, i[op]}]
			i[op]++
			n++
			if res == nil {
				t.Fatalf("benchfmt has no line for window %v op %s", w.StartS, op)
			}
			want := map[string]float64{
				"ops": float64(o.Count), "ops/s": float64(o.Count) / w.DurationS, "errors": float64(o.Errors),
				"p50-us": o.LatencyUs.P50, "p99-us": o.LatencyUs.P99, "p999-us": o.LatencyUs.P999, "max-us": o.LatencyUs.Max,
				"intended-p90-us": o.IntendedLatencyUs.P90,
			}
			for unit, v := range want {
				if g, ok := res.Value(unit); !ok || g != v {
					t.Errorf("window %v %s: %s = %v (present %v), want %v", w.StartS, op, unit, g, ok, v)
				}
			}
		}
	}
	if total := counts["read"] + counts["update"]; total != n {
		t.Errorf("benchfmt lines = %d, want %d (final measure windows × ops)", total, n)
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "{\n  \"a\": 1\n}\n"; got != want {
		t.Errorf("WriteJSON = %q, want %q", got, want)
	}
}

// errWriter keeps the first error and reports it once.
func TestErrWriter(t *testing.T) {
	ew := &errWriter{w: failWriter{}}
	fmt.Fprint(ew, "a")
	fmt.Fprint(ew, "b")
	if ew.err == nil || ew.err.Error() != "disk full" {
		t.Errorf("errWriter.err = %v, want disk full", ew.err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// The comparison's p-values are benchstat's: these were read from
// golang.org/x/perf/cmd/benchstat run on the WriteBenchfmt exports of the
// same two runs (the error rate is left out: benchstat sees error counts).
func TestComparisonMatchesBenchstat(t *testing.T) {
	a := fixture.Run{ID: "A", Windows: 30, Rate: 200, P50Us: 100, Seed: 1}.Doc()
	b := fixture.Run{ID: "B", Windows: 30, Rate: 200, P50Us: 106, Seed: 2}.Doc()
	c, err := analysis.Compare([]*result.Document{a}, []*result.Document{b}, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	benchstat := map[string]float64{
		"read throughput": 0.919, "read p50": 0.020, "read p90": 0.044, "read p99": 0.697, "read p99.9": 0.950, "read max": 0.950,
		"read intended p50": 0.020, "read intended p90": 0.044, "read intended p99": 0.703, "read intended max": 0.957,
		"update throughput": 0.267, "update p50": 0.033, "update p90": 0.003, "update p99": 0.347, "update p99.9": 0.208, "update max": 0.208,
		"update intended p90": 0.004,
	}
	seen := 0
	for _, o := range c.Candidates[0].Ops {
		for _, m := range o.Metrics {
			want, ok := benchstat[o.Op+" "+string(m.Metric)]
			if !ok {
				continue
			}
			seen++
			if m.P == nil || fmt.Sprintf("%.3f", *m.P) != fmt.Sprintf("%.3f", want) {
				t.Errorf("%s %s p = %v, want %.3f (benchstat)", o.Op, m.Metric, deref(m.P), want)
			}
		}
	}
	if seen != len(benchstat) {
		t.Errorf("compared %d of benchstat's %d p-values", seen, len(benchstat))
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
