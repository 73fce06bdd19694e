package workload

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Every built-in workload resolves and validates, and its YAML resolves
// back to the same spec.
func TestBuiltins(t *testing.T) {
	want := map[string]Operations{
		"ycsb-a": {Read: 0.5, Update: 0.5},
		"ycsb-b": {Read: 0.95, Update: 0.05},
		"ycsb-c": {Read: 1},
		"ycsb-d": {Read: 0.95, Insert: 0.05},
		"ycsb-e": {Scan: 0.95, Insert: 0.05},
		"ycsb-f": {Read: 0.5, ReadModifyWrite: 0.5},
	}
	names := BuiltinNames()
	if len(names) != len(want) {
		t.Fatalf("BuiltinNames() = %v, want YCSB A to F", names)
	}
	for _, name := range names {
		spec, err := Resolve(Layers{Source: name})
		if err != nil {
			t.Fatalf("Resolve(%s): %v", name, err)
		}
		if spec.Operations != want[name] {
			t.Errorf("%s operations = %+v, want %+v", name, spec.Operations, want[name])
		}
		y, err := spec.YAML()
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), name+".yaml")
		os.WriteFile(f, y, 0o644)
		again, err := Resolve(Layers{Source: f})
		if err != nil {
			t.Fatalf("Resolve of %s's own YAML: %v", name, err)
		}
		if again.Name != spec.Name || again.Operations != spec.Operations || again.Keys != spec.Keys || again.Load != spec.Load || again.Phases != spec.Phases {
			t.Errorf("%s: YAML round trip changed the spec:\n%+v\n%+v", name, spec, again)
		}
	}
	if s, _ := Resolve(Layers{Source: "ycsb-d"}); s.Keys.Distribution != Latest {
		t.Errorf("ycsb-d key distribution = %s, want latest", s.Keys.Distribution)
	}
}

// Good workload files resolve; fields they omit keep the defaults.
func TestGoodFiles(t *testing.T) {
	spec, err := Resolve(Layers{Source: "testdata/good/open.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Load.Model != Open || spec.Load.Rate != 5000 || spec.Load.Arrival != Poisson || spec.Load.SkipAfter.D() != 500*time.Millisecond {
		t.Errorf("load = %+v", spec.Load)
	}
	if spec.Values.Size != (Size{Min: 10, Max: 1000}) || spec.Values.Fields != 4 {
		t.Errorf("values = %+v", spec.Values)
	}
	if spec.Phases.Duration != 0 {
		t.Errorf("duration: forever = %v, want 0", spec.Phases.Duration)
	}
	min, err := Resolve(Layers{Source: "testdata/good/minimal.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if min.Operations != (Operations{Insert: 1}) || min.Keys.Distribution != Zipfian || min.Load.Concurrency != 16 {
		t.Errorf("minimal file: %+v; want inserts only, with default keys and load", min)
	}
}

// Bad workload files fail with one line naming the file, the line where
// the YAML says so, and the field.
func TestBadFiles(t *testing.T) {
	cases := []struct {
		file string
		want string // a part of the error message
	}{
		{"unknown-field.yaml", `testdata/bad/unknown-field.yaml:3: unknown field "threads" in load`},
		{"unknown-op.yaml", `unknown-op.yaml:1: unknown field "upsert" in operations`},
		{"sum.yaml", "operations: proportions sum to 0.9 (read 0.5 + update 0.4), want 1"},
		{"negative.yaml", "phases.warmup: -2s is negative"},
		{"zero-records-reads.yaml", "records: 0, but the workload reads"},
		{"malformed.yaml", "malformed.yaml:"},
		{"bad-size.yaml", `unknown field "maximum" in values.size`},
		{"open-no-rate.yaml", "load.rate: 0, an open loop needs a rate"},
		{"bad-duration.yaml", `invalid duration "ten seconds"`},
		{"no-such-file.yaml", `workload "testdata/bad/no-such-file.yaml": no such file`},
	}
	for _, c := range cases {
		_, err := Resolve(Layers{Source: "testdata/bad/" + c.file})
		if err == nil {
			t.Errorf("Resolve(%s) succeeded, want an error containing %q", c.file, c.want)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("Resolve(%s) error = %q, want one line containing %q", c.file, msg, c.want)
		}
	}
}

// Precedence, layer by layer: built-in defaults < file < environment <
// flags, and within the flags, later ones win.
func TestPrecedence(t *testing.T) {
	env := func(kv ...string) func(string) (string, bool) {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	file := filepath.Join(t.TempDir(), "w.yaml")
	os.WriteFile(file, []byte("records: 500\nload: {concurrency: 8}\nseed: 3\n"), 0o644)
	cases := []struct {
		name   string
		layers Layers
		check  func(Spec) string
	}{
		// Defaults only (the built-in ycsb-a fills in what defaults leave).
		{"defaults", Layers{}, func(s Spec) string {
			if s.Records != 100000 || s.Load.Concurrency != 16 || s.Seed != 1 {
				return "want ycsb-a's 100000 records, 16 workers, seed 1"
			}
			return ""
		}},
		// The file overrides the defaults, and only what it names.
		{"file", Layers{Source: file}, func(s Spec) string {
			if s.Records != 500 || s.Load.Concurrency != 8 || s.Seed != 3 || s.Keys.Distribution != Zipfian {
				return "want the file's 500 records, 8 workers, seed 3, and the default zipfian keys"
			}
			return ""
		}},
		// The environment overrides the file.
		{"env", Layers{Source: file, Env: EnvOverrides(env("STATEBENCH_RECORDS", "700", "STATEBENCH_SET", "keys.distribution=uniform; seed=9"))}, func(s Spec) string {
			if s.Records != 700 || s.Keys.Distribution != Uniform || s.Seed != 9 || s.Load.Concurrency != 8 {
				return "want the environment's 700 records, uniform keys, seed 9, and the file's 8 workers"
			}
			return ""
		}},
		// Flags override the environment; the last flag for a field wins.
		{"flags", Layers{Source: file, Env: EnvOverrides(env("STATEBENCH_RECORDS", "700", "STATEBENCH_CONCURRENCY", "4")),
			Flags: []Override{{Path: "records", Value: "900", Origin: "--records"}, {Path: "records", Value: "950", Origin: "--set"}}}, func(s Spec) string {
			if s.Records != 950 || s.Load.Concurrency != 4 {
				return "want the last flag's 950 records and the environment's 4 workers"
			}
			return ""
		}},
		// --rate N makes the loop open; --rate 0 closes it again.
		{"rate", Layers{Flags: append(RateOverrides("3000", "--rate"), RateOverrides("0", "--rate")...)}, func(s Spec) string {
			if s.Load.Model != Closed {
				return "want a closed loop after --rate 0"
			}
			return ""
		}},
		// A value size given as a number can be refined field by field.
		{"size", Layers{Flags: []Override{{Path: "values.size.max", Value: "400", Origin: "--set"}}}, func(s Spec) string {
			if s.Values.Size != (Size{Min: 100, Max: 400}) {
				return "want size {100, 400}"
			}
			return ""
		}},
	}
	for _, c := range cases {
		s, err := Resolve(c.layers)
		if err != nil {
			t.Errorf("%s: Resolve: %v", c.name, err)
			continue
		}
		if msg := c.check(s); msg != "" {
			t.Errorf("%s: got records %d, concurrency %d, seed %d, keys %s, model %s, size %+v: %s", c.name, s.Records, s.Load.Concurrency, s.Seed, s.Keys.Distribution, s.Load.Model, s.Values.Size, msg)
		}
	}
}

// Overrides are checked as strictly as files, and their errors name the
// flag or variable they came from.
func TestBadOverrides(t *testing.T) {
	cases := []struct {
		o    Override
		want string
	}{
		{Override{Path: "load.rat", Value: "5", Origin: "--set"}, `--set load.rat=5: unknown field "rat" in load`},
		{Override{Path: "records", Value: "many", Origin: "--records"}, `--records records=many: value "many" is not a valid int64`},
		{Override{Path: "phases.duration", Value: "-1s", Origin: "STATEBENCH_DURATION"}, "phases.duration: -1s is negative"},
		{Override{Path: "name.x", Value: "1", Origin: "--set"}, "name is not a section"},
	}
	for _, c := range cases {
		_, err := Resolve(Layers{Flags: []Override{c.o}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Resolve with %+v: error %v, want one containing %q", c.o, err, c.want)
		}
	}
	if _, err := ParseSet("novalue"); err == nil {
		t.Errorf(`ParseSet("novalue") succeeded, want an error`)
	}
}
