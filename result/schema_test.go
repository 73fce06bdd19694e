package result_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/statebench/statebench/cli"
	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/workload"
)

var update = flag.Bool("update", false, "rewrite the example documents in testdata")

// compileSchema compiles the embedded schema, with formats (date-time)
// asserted.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(result.Schema))
	if err != nil {
		t.Fatalf("parsing schema.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://github.com/statebench/statebench/result/schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("adding schema.json: %v", err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compiling schema.json: %v", err)
	}
	return sch
}

// validate validates a JSON text against the schema.
func validate(sch *jsonschema.Schema, raw []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// realRun is one statebench run made by the CLI, in-process.
type realRun struct {
	name string
	args []string
	// check says what makes the run the kind it is meant to be, so that a
	// run that silently changed kind fails instead of validating trivially.
	check func(t *testing.T, doc *result.Document)
}

var realRuns = []realRun{
	{
		// A closed loop with the host and process observers.
		name: "closed loop with observers",
		args: []string{"--observe", "host,process"},
		check: func(t *testing.T, doc *result.Document) {
			if len(doc.Observers) != 2 {
				t.Errorf("observers = %d, want 2 (host, process)", len(doc.Observers))
			}
			for _, h := range doc.Histograms {
				if h.Kind == "intended" {
					t.Errorf("closed loop: histogram %s/%s/%s, want no intended-time histograms", h.Op, h.Outcome, h.Kind)
				}
			}
		},
	},
	{
		// An open loop records intended-time latency beside service time.
		name: "open loop",
		args: []string{"--observe", "none", "--rate", "2000"},
		check: func(t *testing.T, doc *result.Document) {
			if doc.Ops["read"].IntendedLatencyUs == nil {
				t.Errorf("open loop: ops.read.intended_latency_us absent, want present")
			}
		},
	},
	{
		// Verify mode adds the verify phase and its figures.
		name: "verify",
		args: []string{"--observe", "none", "--verify"},
		check: func(t *testing.T, doc *result.Document) {
			if doc.Verify == nil || doc.Verify.Acknowledged == 0 {
				t.Errorf("verify = %+v, want acknowledged writes checked", doc.Verify)
			}
		},
	},
	{
		// YCSB E: scans and inserts.
		name: "ycsb-e",
		args: []string{"--observe", "none", "-w", "ycsb-e"},
		check: func(t *testing.T, doc *result.Document) {
			if doc.Ops["scan"].Count == 0 || doc.Ops["insert"].Count == 0 {
				t.Errorf("ycsb-e: ops = %v, want scans and inserts", keys(doc.Ops))
			}
		},
	},
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// runOutputs holds the JSON documents of realRuns, made once and shared by
// the tests that need them: each run takes seconds.
var runOutputs = sync.OnceValue(func() map[string]runOutput {
	out := map[string]runOutput{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range realRuns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := runCLI(r.args)
			mu.Lock()
			out[r.name] = o
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
})

type runOutput struct {
	code           int
	stdout, stderr string
}

// runCLI runs statebench run in-process on the memory driver: 1 s of
// warm-up, 2 s measured, 1000 records, not stored.
func runCLI(extra []string) runOutput {
	home, err := os.MkdirTemp("", "statebench-schema-test-")
	if err != nil {
		return runOutput{code: -1, stderr: err.Error()}
	}
	defer os.RemoveAll(home)
	args := append([]string{"run", "--driver", "memory", "-d", "2s", "--warmup", "1s", "--records", "1000", "--no-store", "-o", "json"}, extra...)
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), args, cli.Env{
		Stdout: &stdout, Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) {
			if k == "STATEBENCH_HOME" {
				return home, true
			}
			return "", false
		},
		Signals: make(chan os.Signal), // never interrupted; no process-wide handler
	})
	return runOutput{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// realDocument returns the JSON document of a real run, failing the test
// when the run did not succeed.
func realDocument(t *testing.T, r realRun) []byte {
	t.Helper()
	if testing.Short() {
		t.Skip("real runs take seconds; skipped with -short")
	}
	o := runOutputs()[r.name]
	if o.code != 0 {
		t.Fatalf("statebench run %s = exit %d, want 0; stderr: %s", strings.Join(r.args, " "), o.code, o.stderr)
	}
	return []byte(o.stdout)
}

// Every document a real run writes is valid, and is the kind of run it was
// asked for.
func TestSchemaValidatesRealRuns(t *testing.T) {
	sch := compileSchema(t)
	for _, r := range realRuns {
		t.Run(r.name, func(t *testing.T) {
			raw := realDocument(t, r)
			if err := validate(sch, raw); err != nil {
				t.Fatalf("validate(run %s) = %v, want valid", strings.Join(r.args, " "), err)
			}
			var doc result.Document
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("decoding the document: %v", err)
			}
			r.check(t, &doc)
			checkHistograms(t, &doc)
		})
	}
}

// A real run's document decodes into result.Document and encodes back to
// the same JSON, field for field: no field is lost or renamed on the way.
func TestRoundTrip(t *testing.T) {
	for _, r := range realRuns {
		t.Run(r.name, func(t *testing.T) {
			raw := realDocument(t, r)
			var doc result.Document
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("decoding the document: %v", err)
			}
			again, err := json.Marshal(&doc)
			if err != nil {
				t.Fatalf("encoding the document: %v", err)
			}
			var want, got any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("encode(decode(doc)) differs from doc:\n got %s\nwant %s", again, raw)
			}
		})
	}
}

// The example documents in testdata are valid and their histograms decode.
func TestSchemaValidatesExamples(t *testing.T) {
	sch := compileSchema(t)
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/*.json = %v, %v; want example documents", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := validate(sch, raw); err != nil {
				t.Fatalf("validate(%s) = %v, want valid", f, err)
			}
			var doc result.Document
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("decoding %s: %v", f, err)
			}
			checkHistograms(t, &doc)
		})
	}
}

// The example documents are what exampleDocuments builds: regenerate them
// with go test ./result -run TestExamplesAreCurrent -update.
func TestExamplesAreCurrent(t *testing.T) {
	for name, doc := range exampleDocuments() {
		t.Run(name, func(t *testing.T) {
			want, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading %s: %v (run with -update to write it)", path, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from exampleDocuments()[%q]; run go test ./result -run TestExamplesAreCurrent -update", path, name)
			}
		})
	}
}

// Documents with one mistake each must fail validation; documents with
// what the schema leaves open must pass.
func TestSchemaRules(t *testing.T) {
	sch := compileSchema(t)
	base, err := json.Marshal(exampleDocuments()["open-loop.json"])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// wantErr is a part of the error that shows the document failed
		// for the edit's reason; "" when it must pass.
		wantErr string
		edit    func(doc map[string]any)
		wantOK  bool
	}{
		// The example itself is valid: every failure below is the edit's.
		{"unchanged", "", func(map[string]any) {}, true},
		// A window's state is one of open, final, missing, invalid.
		{"window state done", "/windows/0/state", func(d map[string]any) { at(d, "windows", 0).(map[string]any)["state"] = "done" }, false},
		// schema_version is required: a reader decides by it whether it
		// can read the document at all.
		{"no schema_version", "missing property 'schema_version'", func(d map[string]any) { delete(d, "schema_version") }, false},
		// A newer version is not this schema's to accept.
		{"schema_version 2", "/schema_version", func(d map[string]any) { d["schema_version"] = 2 }, false},
		// Counts cannot be negative.
		{"negative count", "/ops/read/count", func(d map[string]any) { at(d, "ops", "read").(map[string]any)["count"] = -1 }, false},
		// Percentiles are numbers, not strings.
		{"p99 a string", "/ops/read/latency_us/p99", func(d map[string]any) {
			at(d, "ops", "read", "latency_us").(map[string]any)["p99"] = "12.3"
		}, false},
		// The top level is closed: a misspelt or unknown field is a mistake.
		{"unknown top-level field", "'windws'", func(d map[string]any) { d["windws"] = []any{} }, false},
		// The workload is workload.Spec, closed.
		{"unknown workload field", "'threads'", func(d map[string]any) { at(d, "workload").(map[string]any)["threads"] = 8 }, false},
		// Driver options carry driver-specific keys.
		{"driver option", "", func(d map[string]any) {
			at(d, "workload", "driver").(map[string]any)["options"] = map[string]any{"pool_size": "8"}
		}, true},
		// The target's description carries driver-specific keys.
		{"target key", "", func(d map[string]any) { at(d, "environment", "target").(map[string]any)["maxmemory"] = "1gb" }, true},
		// The environment itself is closed.
		{"unknown environment field", "'gpu'", func(d map[string]any) { at(d, "environment").(map[string]any)["gpu"] = "none" }, false},
		// Missing is not zero: a missing window holds no figures.
		{"missing window with ops", "/windows/2", func(d map[string]any) {
			w := at(d, "windows", 2).(map[string]any)
			w["ops"] = map[string]any{"read": map[string]any{"count": 0, "errors": 0}}
		}, false},
		// Missing is not zero: no operations, no percentiles.
		{"count 0 with latency", "/windows/1/ops/read", func(d map[string]any) {
			o := at(d, "windows", 1, "ops", "read").(map[string]any)
			o["count"] = 0
		}, false},
		// The run statuses are fixed.
		{"status done", "/status", func(d map[string]any) { d["status"] = "done" }, false},
		// Histograms are ok or error, service or intended, in ns, hdr-sparse-v1.
		{"histogram outcome", "/histograms/0/outcome", func(d map[string]any) { at(d, "histograms", 0).(map[string]any)["outcome"] = "success" }, false},
		{"histogram kind", "/histograms/0/kind", func(d map[string]any) { at(d, "histograms", 0).(map[string]any)["kind"] = "total" }, false},
		{"histogram unit", "/histograms/0/unit", func(d map[string]any) { at(d, "histograms", 0).(map[string]any)["unit"] = "us" }, false},
		{"histogram encoding", "/histograms/0/encoding", func(d map[string]any) { at(d, "histograms", 0).(map[string]any)["encoding"] = "hdr-v2" }, false},
		// A phase is warmup or measure.
		{"window phase", "/windows/0/phase", func(d map[string]any) { at(d, "windows", 0).(map[string]any)["phase"] = "load" }, false},
		// Operation names are the workload's.
		{"unknown op", "'get'", func(d map[string]any) { at(d, "ops").(map[string]any)["get"] = at(d, "ops", "read") }, false},
		// Event kinds are fixed.
		{"event kind", "/events/0/kind", func(d map[string]any) { at(d, "events", 0).(map[string]any)["kind"] = "note" }, false},
		// Error classes are timeout, connection, other (not_found is no error).
		{"error class not_found", "'not_found'", func(d map[string]any) {
			at(d, "ops", "read").(map[string]any)["errors_by_class"] = map[string]any{"not_found": 3}
		}, false},
		// started_at is an RFC 3339 time.
		{"started_at not a time", "/started_at", func(d map[string]any) { d["started_at"] = "yesterday" }, false},
		// Windows is an array, never null.
		{"windows null", "/windows", func(d map[string]any) { d["windows"] = nil }, false},
		// A series value is a number or null (missing).
		{"series value string", "/observers/0/series/0/values/2", func(d map[string]any) {
			at(d, "observers", 0, "series", 0).(map[string]any)["values"] = []any{1, nil, "2"}
		}, false},
		// An unavailable observer holds no series.
		{"unavailable observer with series", "/observers/0", func(d map[string]any) {
			o := at(d, "observers", 0).(map[string]any)
			o["status"], o["reason"] = "unavailable", "no procfs"
		}, false},
		// Durations in the workload are Go duration strings.
		{"duration a number", "/workload/timeout", func(d map[string]any) { at(d, "workload").(map[string]any)["timeout"] = 10 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(base, &doc); err != nil {
				t.Fatal(err)
			}
			tt.edit(doc)
			raw, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = validate(sch, raw)
			switch {
			case tt.wantOK && err != nil:
				t.Errorf("validate(%s) = %v, want valid", tt.name, err)
			case !tt.wantOK && err == nil:
				t.Errorf("validate(%s) = valid, want an error at %s", tt.name, tt.wantErr)
			case !tt.wantOK && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("validate(%s) = %v, want an error at %s", tt.name, err, tt.wantErr)
			}
		})
	}
}

// at walks a decoded JSON value by object keys and array indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			v = v.(map[string]any)[p]
		case int:
			v = v.([]any)[p]
		}
	}
	return v
}

// The schema describes the version this code writes.
func TestSchemaVersion(t *testing.T) {
	var s struct {
		Properties struct {
			SchemaVersion struct {
				Const int `json:"const"`
			} `json:"schema_version"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(result.Schema, &s); err != nil {
		t.Fatal(err)
	}
	if got := s.Properties.SchemaVersion.Const; got != result.SchemaVersion {
		t.Errorf("schema.json schema_version const = %d, want result.SchemaVersion %d", got, result.SchemaVersion)
	}
}

// checkHistograms decodes every histogram of doc twice, with the hdr
// package and with the formulas of docs/result-format.md, and checks that
// both agree with each other and with the histogram's count.
func checkHistograms(t *testing.T, doc *result.Document) {
	t.Helper()
	for _, h := range doc.Histograms {
		name := h.Op + "/" + h.Outcome + "/" + h.Kind
		dec, err := hdr.Decode(h.Encoding, h.Data)
		if err != nil {
			t.Errorf("hdr.Decode(%s) = %v", name, err)
			continue
		}
		if dec.Count() != h.Count {
			t.Errorf("hdr.Decode(%s).Count() = %d, want count %d", name, dec.Count(), h.Count)
		}
		got, err := decodeAsDocumented(h.Data)
		if err != nil {
			t.Errorf("decodeAsDocumented(%s) = %v", name, err)
			continue
		}
		if want := dec.Buckets(); !reflect.DeepEqual(got, want) {
			t.Errorf("decodeAsDocumented(%s) = %v, want hdr's %v", name, got, want)
		}
	}
}

// decodeAsDocumented decodes hdr-sparse-v1 data the way
// docs/result-format.md tells a reader in another language to.
func decodeAsDocumented(data string) ([]hdr.Bucket, error) {
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, err
	}
	next := func() uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			err = errTruncated
			return 0
		}
		b = b[n:]
		return v
	}
	lowest, _, sigfigs := next(), next(), next()
	unitMagnitude := int(math.Floor(math.Log2(float64(lowest))))
	halfMagnitude := int(math.Ceil(math.Log2(2*math.Pow10(int(sigfigs))))) - 1
	half := 1 << halfMagnitude
	var out []hdr.Bucket
	index := -1
	for len(b) > 0 && err == nil {
		skip, count := next(), next()
		index += int(skip) + 1
		bucket := index>>halfMagnitude - 1
		sub := index%half + half
		if bucket < 0 {
			bucket, sub = 0, sub-half
		}
		low := int64(sub) << (bucket + unitMagnitude)
		size := int64(1) << (bucket + unitMagnitude)
		out = append(out, hdr.Bucket{Low: low, High: low + size - 1, Count: int64(count)})
	}
	return out, err
}

var errTruncated = errorString("truncated uvarint")

type errorString string

func (e errorString) Error() string { return string(e) }

// exampleDocuments builds the example documents of testdata.
func exampleDocuments() map[string]*result.Document {
	return map[string]*result.Document{
		"open-loop.json": openLoopExample(),
		"failed.json":    failedExample(),
	}
}

// hist records values (in ns) into a latency histogram.
func hist(values ...int64) *hdr.Histogram {
	h := hdr.New(hdr.Latency)
	for _, v := range values {
		h.Record(v)
	}
	return h
}

// latencyOf summarizes h as the recorder does, in microseconds.
func latencyOf(h *hdr.Histogram) *result.Latency {
	s := h.Summarize([]float64{0.50, 0.90, 0.99, 0.999})
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return &result.Latency{P50: us(s.Quantiles[0]), P90: us(s.Quantiles[1]), P99: us(s.Quantiles[2]), P999: us(s.Quantiles[3]),
		Max: us(s.Max), Mean: float64(int64(s.Mean)) / 1e3}
}

func spread(n int, from, step int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)*step
	}
	return out
}

// openLoopExample is a 3 s open-loop read run at 20 ops/s after 1 s of
// warm-up: one window missing (the process was stopped), two reads timed
// out, three keys not found, and the host observer.
func openLoopExample() *result.Document {
	started := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	ended := started.Add(5*time.Second + 120*time.Millisecond)
	spec := workload.Default()
	spec.Name, spec.Description = "ycsb-c", "YCSB C: read only, zipfian"
	spec.Driver = workload.DriverSpec{Name: "redis", Target: "127.0.0.1:6379"}
	spec.Records = 1000
	spec.Operations = workload.Operations{Read: 1}
	spec.Phases.Warmup, spec.Phases.Duration = workload.Duration(time.Second), workload.Duration(3*time.Second)
	spec.Load = workload.Load{Model: workload.Open, Concurrency: 16, Rate: 20, Arrival: workload.Constant, SkipAfter: workload.Duration(time.Second)}

	// Service and intended times of each measure window's operations.
	w2svc, w2int := hist(spread(20, 180_000, 7_000)...), hist(spread(20, 200_000, 9_000)...)
	w4svc, w4int := hist(append(spread(20, 320_000, 7_000), 2_500_000)...), hist(append(spread(20, 380_000, 9_000), 900_000_000)...)
	errSvc, errInt := hist(1_000_000_000, 1_000_000_000), hist(1_000_000_000, 1_020_000_000)
	okSvc, okInt := hist(), hist()
	for _, h := range []*hdr.Histogram{w2svc, w4svc} {
		_ = okSvc.Merge(h)
	}
	for _, h := range []*hdr.Histogram{w2int, w4int} {
		_ = okInt.Merge(h)
	}
	warm := hist(spread(20, 250_000, 5_000)...)

	const total = 3.0 // seconds measured
	return &result.Document{
		SchemaVersion: result.SchemaVersion,
		ID:            "01JPB6Z3X8K9M2N4P6Q8R0S2T4",
		Benchmark:     "ycsb-c-redis",
		Labels:        map[string]string{"branch": "main", "commit": "3f2a9c1"},
		Status:        result.Completed,
		Trigger:       "manual",
		StartedAt:     started,
		EndedAt:       &ended,
		Workload:      spec,
		Environment: result.Environment{
			Host: "bench-1", OS: "linux", Kernel: "6.8.0-45-generic", Arch: "amd64",
			CPUModel: "AMD EPYC 7B13", CPUs: 8, MemoryBytes: 33_554_432_000,
			GoVersion: "go1.26.0", StatebenchVersion: "v0.4.0",
			InstanceType: "n2d-standard-8", Image: "ubuntu-2404-noble-amd64-v20260301",
			Driver: "redis",
			Target: map[string]string{"version": "7.2.4", "maxmemory": "0", "appendonly": "no"},
		},
		Load:    &result.LoadPhase{Records: 1000, Errors: 0, DurationS: 0.21, ThroughputOpsS: 4761.9},
		Measure: result.Span{StartS: 2, DurationS: total},
		Ops: map[string]result.OpSummary{
			"read": {
				Count: 43, Errors: 2, ErrorsByClass: map[string]int64{"timeout": 2}, NotFound: 3,
				ThroughputOpsS: 43 / total,
				LatencyUs:      latencyOf(okSvc), IntendedLatencyUs: latencyOf(okInt),
			},
		},
		Windows: []result.Window{
			{StartS: 1, DurationS: 1, Phase: "warmup", State: result.WindowFinal, Ops: map[string]result.WindowOp{
				"read": {Count: 20, Errors: 0, LatencyUs: latencyOf(warm), IntendedLatencyUs: latencyOf(warm)},
			}},
			{StartS: 2, DurationS: 1, Phase: "measure", State: result.WindowFinal, Ops: map[string]result.WindowOp{
				"read": {Count: 21, Errors: 1, ErrorsByClass: map[string]int64{"timeout": 1}, NotFound: 1,
					LatencyUs: latencyOf(w2svc), IntendedLatencyUs: latencyOf(w2int)},
			}},
			{StartS: 3, DurationS: 1, Phase: "measure", State: result.WindowMissing},
			{StartS: 4, DurationS: 1, Phase: "measure", State: result.WindowFinal, Skipped: 0, Ops: map[string]result.WindowOp{
				"read": {Count: 22, Errors: 1, ErrorsByClass: map[string]int64{"timeout": 1}, NotFound: 2,
					LatencyUs: latencyOf(w4svc), IntendedLatencyUs: latencyOf(w4int)},
			}},
		},
		Histograms: []result.Histogram{
			encoded("read", "ok", "service", okSvc),
			encoded("read", "ok", "intended", okInt),
			encoded("read", "error", "service", errSvc),
			encoded("read", "error", "intended", errInt),
		},
		Events: []result.Event{
			{AtS: 0.004, Kind: "phase", Message: "load"},
			{AtS: 0.214, Kind: "phase", Message: "load done: 1000 records in 0.2s"},
			{AtS: 1.001, Kind: "phase", Message: "warmup"},
			{AtS: 2, Kind: "phase", Message: "measure"},
		},
		Observers: []result.Observer{
			{
				Name: "host", Status: result.ObserverOK, StartS: 0, Windows: 5, MissingS: []float64{3},
				Series: []result.Series{
					{Name: "cpu.user", Unit: "%", Values: result.Values{3.1, 12.4, 14.9, math.NaN(), 13.2}},
					{Name: "disk.write_bytes", Unit: "bytes/s", Labels: map[string]string{"disk": "nvme0n1"},
						Values: result.Values{0, 40960, 12288, math.NaN(), 8192}, Total: ptr(73728.0)},
				},
			},
			{Name: "biolatency", Status: result.ObserverUnavailable, Reason: "not permitted to load eBPF programs: needs root or CAP_BPF and CAP_PERFMON"},
		},
	}
}

// failedExample is a run whose load phase failed: the target refused every
// connection, so nothing was measured.
func failedExample() *result.Document {
	started := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	ended := started.Add(13 * time.Second)
	spec := workload.Default()
	spec.Name = "kv"
	spec.Driver = workload.DriverSpec{Name: "postgres", Target: "postgres://bench@db-1:5432/bench", Options: map[string]string{"table": "usertable"}}
	return &result.Document{
		SchemaVersion: result.SchemaVersion,
		ID:            "01JPB9A0000000000000000000",
		Benchmark:     "kv-postgres",
		Status:        result.Failed,
		Error:         "load phase failed: writing user0000000000001: dial tcp 10.0.0.7:5432: connect: connection refused",
		Trigger:       "schedule",
		StartedAt:     started,
		EndedAt:       &ended,
		Workload:      spec,
		Environment: result.Environment{
			Host: "bench-2", OS: "linux", Kernel: "6.8.0-45-generic", Arch: "arm64", CPUModel: "Neoverse-N1",
			CPUs: 4, MemoryBytes: 16_777_216_000, GoVersion: "go1.26.0", StatebenchVersion: "v0.4.0", Driver: "postgres",
		},
		Load:       &result.LoadPhase{Records: 0, Errors: 100000, DurationS: 12.9},
		Ops:        map[string]result.OpSummary{},
		Windows:    []result.Window{},
		Histograms: []result.Histogram{},
		Events:     []result.Event{{AtS: 0.002, Kind: "phase", Message: "load"}, {AtS: 12.902, Kind: "phase", Message: "load done: 0 records in 12.9s"}},
	}
}

func encoded(op, outcome, kind string, h *hdr.Histogram) result.Histogram {
	return result.Histogram{Op: op, Outcome: outcome, Kind: kind, Unit: "ns", Count: h.Count(), Encoding: hdr.Encoding, Data: h.Encode()}
}

func ptr[T any](v T) *T { return &v }
