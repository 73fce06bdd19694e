package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store/storetest"
)

// storeEnv is a command line environment whose home is a new directory.
type storeEnv struct {
	home string
	vars map[string]string
}

func newStoreEnv(t *testing.T) *storeEnv {
	return &storeEnv{home: t.TempDir(), vars: map[string]string{}}
}

// run runs the command line args and returns its exit code and outputs.
func (e *storeEnv) run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) {
			if k == "STATEBENCH_HOME" {
				return e.home, true
			}
			v, ok := e.vars[k]
			return v, ok
		},
	})
	return code, out.String(), errb.String()
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// writeDoc writes doc as an indented file and returns its path and bytes.
func writeDoc(t *testing.T, doc *result.Document) (string, []byte) {
	t.Helper()
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join(t.TempDir(), doc.ID+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

func TestStoreCommands(t *testing.T) {
	e := newStoreEnv(t)
	a := storetest.Doc("01JAAAAAAAAAAAAAAAAAAAAAAA", "kv", t0, 10, 2)
	b := storetest.Doc("01JAAAAAAAABBBBBBBBBBBBBBB", "kv", t0.Add(time.Hour), 10, 2)
	c := storetest.Doc("01JCCCCCCCCCCCCCCCCCCCCCCC", "sql", t0.Add(2*time.Hour), 10, 3)
	c.Environment.Kernel = "5.15.0"
	c.Labels = map[string]string{"branch": "feature"}
	pa, rawA := writeDoc(t, a)
	pb, _ := writeDoc(t, b)
	pc, _ := writeDoc(t, c)

	steps := []struct {
		name       string
		stdin      string
		args       []string
		code       int
		stdout     []string // substrings of stdout, in order
		notStdout  []string
		stderr     string
		exactStdou string
	}{
		{name: "import stores each file", args: []string{"import", pa, pb}, stdout: []string{"run " + a.ID + " stored", "run " + b.ID + " stored"}},
		{name: "import from stdin", stdin: string(mustRead(t, pc)), args: []string{"import", "-"}, stdout: []string{"standard input: run " + c.ID + " stored"}},
		{name: "importing again is a no-op", args: []string{"import", pa}, stdout: []string{"run " + a.ID + " already stored"}},
		{name: "runs lists newest first", args: []string{"runs"}, stdout: []string{"ID", "01JCCCCCCCCC", "sql", "completed", "2026-03-01 14:00:00", "10s", "redis", "600 ops/s", "402µs insert", "01JAAAAAAAAB", "01JAAAAAAAAA"}},
		{name: "runs by benchmark", args: []string{"runs", "--benchmark", "kv"}, stdout: []string{"01JAAAAAAAAB", "01JAAAAAAAAA"}, notStdout: []string{"01JCCC"}},
		{name: "runs by label", args: []string{"runs", "--label", "branch=feature"}, stdout: []string{"01JCCC"}, notStdout: []string{"01JAAA"}},
		{name: "runs by a field of the environment", args: []string{"runs", "--where", "environment.kernel=6.1.*"}, stdout: []string{"01JAAAAAAAAB", "01JAAAAAAAAA"}, notStdout: []string{"01JCCC"}},
		{name: "runs by status", args: []string{"runs", "--status", "failed"}, stdout: []string{"ID"}, notStdout: []string{"01J"}},
		{name: "runs since a date", args: []string{"runs", "--since", "2026-03-01T13:00:00Z"}, stdout: []string{"01JCCC", "01JAAAAAAAAB"}, notStdout: []string{"01JAAAAAAAAA "}},
		{name: "runs limit", args: []string{"runs", "--limit", "1"}, stdout: []string{"01JCCC"}, notStdout: []string{"01JAAA"}},
		{name: "runs -o json", args: []string{"runs", "-o", "json", "--limit", "1"}, stdout: []string{`"id": "` + c.ID + `"`, `"main_op": "insert"`, `"p99_us": 402`}},
		{name: "show prints the summary", args: []string{"show", "01JAAAAAAAAA"}, stdout: []string{"run", a.ID, "status", "completed", "labels", "branch=main team=storage", "op", "p99.9", "read", "1000", "400µs", "update", "windows: 10", "host", "bench-1", "6.1.5", "target", "version=7.2.4"}},
		{name: "show -o json prints the document as stored", args: []string{"show", "-o", "json", "latest~2"}, exactStdou: string(rawA)},
		{name: "show latest within a benchmark", args: []string{"show", "--benchmark", "kv", "latest"}, stdout: []string{b.ID}},
		{name: "an ambiguous prefix names its candidates", args: []string{"show", "01JA"}, code: ExitInvalid, stderr: "matches " + a.ID + ", " + b.ID},
		{name: "an unknown run", args: []string{"show", "01JZ"}, code: ExitInvalid, stderr: "run not found"},
		{name: "rm deletes one run", args: []string{"rm", "latest"}, stdout: []string{"removed " + c.ID}},
		{name: "a deleted run is gone", args: []string{"show", c.ID}, code: ExitInvalid, stderr: "run not found"},
		{name: "runs after rm", args: []string{"runs", "-o", "json"}, stdout: []string{b.ID, a.ID}, notStdout: []string{c.ID}},
		{name: "a bad --status", args: []string{"runs", "--status", "done"}, code: ExitInvalid, stderr: "--status"},
		{name: "a bad --since", args: []string{"runs", "--since", "yesterday"}, code: ExitInvalid, stderr: "--since"},
		{name: "a bad --where", args: []string{"runs", "--where", "environment.kernel"}, code: ExitInvalid, stderr: "want path=value"},
		{name: "a bad --label", args: []string{"runs", "--label", "x"}, code: ExitInvalid, stderr: "--label"},
		{name: "a bad -o", args: []string{"runs", "-o", "yaml"}, code: ExitInvalid, stderr: "--output"},
		{name: "an unknown store", args: []string{"runs", "--store", "mongodb://x"}, code: ExitInvalid, stderr: "unknown store"},
	}
	for _, s := range steps {
		code, stdout, stderr := e.run(t, s.stdin, s.args...)
		if code != s.code {
			t.Errorf("%s: statebench %s = exit %d, want %d; stderr %q", s.name, strings.Join(s.args, " "), code, s.code, stderr)
		}
		rest := stdout
		for _, want := range s.stdout {
			i := strings.Index(rest, want)
			if i < 0 {
				t.Errorf("%s: statebench %s stdout = %q, want %q (in order)", s.name, strings.Join(s.args, " "), stdout, want)
				break
			}
			rest = rest[i+len(want):]
		}
		for _, no := range s.notStdout {
			if strings.Contains(stdout, no) {
				t.Errorf("%s: statebench %s stdout = %q, want no %q", s.name, strings.Join(s.args, " "), stdout, no)
			}
		}
		if s.exactStdou != "" && stdout != s.exactStdou {
			t.Errorf("%s: statebench %s stdout = %q, want %q", s.name, strings.Join(s.args, " "), stdout, s.exactStdou)
		}
		if !strings.Contains(stderr, s.stderr) || strings.Count(stderr, "\n") > 1 {
			t.Errorf("%s: statebench %s stderr = %q, want one line with %q", s.name, strings.Join(s.args, " "), stderr, s.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(e.home, "results.db")); err != nil {
		t.Errorf("the default store is not at $STATEBENCH_HOME/results.db: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// import refuses bad documents with exit code 2, naming the file.
func TestImportRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	newer := write("newer.json", `{"schema_version": 99, "id": "X"}`)
	bad := write("bad.json", `{"schema_version": 1, "id": `)
	tests := []struct {
		args []string
		want string
	}{
		// A document from a newer statebench.
		{[]string{"import", newer}, "import " + newer + ": result document has a newer schema version: 99"},
		// Not JSON: the file and the problem.
		{[]string{"import", bad}, "import " + bad + ": malformed result document: unexpected end of JSON input"},
		// A file that does not exist.
		{[]string{"import", filepath.Join(dir, "nope.json")}, "nope.json: no such file"},
		// No file at all.
		{[]string{"import"}, "requires at least 1 arg"},
	}
	for _, tt := range tests {
		e := newStoreEnv(t)
		code, _, stderr := e.run(t, "", tt.args...)
		if code != ExitInvalid || !strings.Contains(stderr, tt.want) {
			t.Errorf("statebench %s = exit %d, stderr %q; want exit %d, %q", strings.Join(tt.args, " "), code, stderr, ExitInvalid, tt.want)
		}
	}
}

// The store is found from --store, else $STATEBENCH_STORE, else the home.
func TestOpenStoreLocation(t *testing.T) {
	e := newStoreEnv(t)
	doc := storetest.Doc(storetest.ID(1), "kv", t0, 1, 1)
	p, _ := writeDoc(t, doc)
	envDB := filepath.Join(t.TempDir(), "env.db")
	flagDB := filepath.Join(t.TempDir(), "flag.db")
	e.vars["STATEBENCH_STORE"] = "sqlite://" + envDB
	if code, _, stderr := e.run(t, "", "import", p); code != 0 {
		t.Fatalf("import = exit %d: %s", code, stderr)
	}
	if code, _, stderr := e.run(t, "", "import", "--store", flagDB, p); code != 0 {
		t.Fatalf("import --store = exit %d: %s", code, stderr)
	}
	for _, path := range []string{envDB, flagDB} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("store %s: %v", path, err)
		}
	}
	if _, err := os.Stat(filepath.Join(e.home, "results.db")); err == nil {
		t.Errorf("$STATEBENCH_HOME/results.db was created although $STATEBENCH_STORE names another store")
	}
}

// saveFallback writes the document whole where import finds it.
func TestSaveFallback(t *testing.T) {
	home := t.TempDir()
	doc := storetest.Doc(storetest.ID(7), "kv", t0, 3, 2)
	path, err := saveFallback(home, doc)
	if err != nil {
		t.Fatalf("saveFallback() = %v", err)
	}
	if want := filepath.Join(home, "runs", doc.ID+".json"); path != want {
		t.Errorf("saveFallback() = %s, want %s", path, want)
	}
	var got result.Document
	if err := json.Unmarshal(mustRead(t, path), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != doc.ID || len(got.Windows) != 3 {
		t.Errorf("saved document = %s with %d windows, want %s with 3", got.ID, len(got.Windows), doc.ID)
	}
	// A home that cannot be written: a clear error, no panic.
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := saveFallback(file, doc); err == nil {
		t.Errorf("saveFallback(a file as home) = nil error, want one")
	}
}
