package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/store"
)

// Run runs the conformance suite against the stores open returns: each
// call must return a new, empty store, which the suite closes.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	tests := []struct {
		name string
		f    func(t *testing.T, s store.Store)
	}{
		{"BeginFinish", testBeginFinish},
		{"FinishWithoutBegin", testFinishWithoutBegin},
		{"BeginRefuses", testBeginRefuses},
		{"Import", testImport},
		{"ImportRefuses", testImportRefuses},
		{"ImportRunningIsAbandoned", testImportRunning},
		{"Resolve", testResolve},
		{"List", testList},
		{"Delete", testDelete},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v", err)
				}
			}()
			tt.f(t, s)
		})
	}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkRun checks that the stored run id reads back as doc, with status.
func checkRun(t *testing.T, s store.Store, doc *result.Document, status result.Status) {
	t.Helper()
	ctx := context.Background()
	run, err := s.Get(ctx, doc.ID)
	if err != nil {
		t.Fatalf("Get(%s) = %v", doc.ID, err)
	}
	want := *doc
	want.Status = status
	if got, want := jsonOf(t, run.Doc), jsonOf(t, &want); got != want {
		t.Errorf("Get(%s).Doc = %s\nwant %s", doc.ID, got, want)
	}
	if run.Status != status {
		t.Errorf("Get(%s).Status = %s, want %s", doc.ID, run.Status, status)
	}
	var raw result.Document
	if err := json.Unmarshal(run.Raw, &raw); err != nil {
		t.Fatalf("Get(%s).Raw does not decode: %v", doc.ID, err)
	}
	if got, want := jsonOf(t, &raw), jsonOf(t, doc); got != want {
		t.Errorf("Get(%s).Raw = %s\nwant %s", doc.ID, got, want)
	}
	sum := store.Summarize(doc)
	sum.Status = status
	sum.StartedAt = sum.StartedAt.UTC()
	got := run.Summary
	if jsonOf(t, got) != jsonOf(t, sum) {
		t.Errorf("Get(%s).Summary = %+v\nwant %+v", doc.ID, got, sum)
	}
	ws, err := s.Windows(ctx, doc.ID)
	if err != nil {
		t.Fatalf("Windows(%s) = %v", doc.ID, err)
	}
	if len(ws) != len(doc.Windows) || len(ws) > 0 && jsonOf(t, ws) != jsonOf(t, doc.Windows) {
		t.Errorf("Windows(%s) = %s\nwant %s", doc.ID, jsonOf(t, ws), jsonOf(t, doc.Windows))
	}
}

// A run begun reads as running, with its windows so far; once finished
// it reads as its final document, every field and window intact.
func testBeginFinish(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc := Doc(ID(1), "kv", t0, 0, 0)
	doc.Status, doc.EndedAt, doc.Ops, doc.Verify = result.Running, nil, nil, nil
	if err := s.Begin(ctx, doc); err != nil {
		t.Fatalf("Begin() = %v", err)
	}
	checkRun(t, s, doc, result.Running)

	final := Doc(ID(1), "kv", t0, 200, 6)
	final.Labels = map[string]string{"branch": "feature"}
	if err := s.Finish(ctx, final); err != nil {
		t.Fatalf("Finish() = %v", err)
	}
	checkRun(t, s, final, result.Completed)
	// The labels were replaced, not merged.
	if got, err := s.List(ctx, store.Query{Labels: map[string]string{"team": "storage"}}); err != nil || len(got) != 0 {
		t.Errorf("List(team=storage) = %d runs, %v; want 0: the finished run has other labels", len(got), err)
	}
}

// Finish stores a run that was never begun (a run whose Begin failed).
func testFinishWithoutBegin(t *testing.T, s store.Store) {
	doc := Doc(ID(2), "kv", t0, 3, 2)
	doc.Status = result.Interrupted
	if err := s.Finish(context.Background(), doc); err != nil {
		t.Fatalf("Finish() = %v", err)
	}
	checkRun(t, s, doc, result.Interrupted)
}

// Begin refuses a run that is not running, or already stored; Finish one
// still running; neither changes what is stored.
func testBeginRefuses(t *testing.T, s store.Store) {
	ctx := context.Background()
	done := Doc(ID(3), "kv", t0, 1, 1)
	if err := s.Begin(ctx, done); err == nil {
		t.Errorf("Begin(completed run) = nil, want an error")
	}
	if err := s.Finish(ctx, done); err != nil {
		t.Fatal(err)
	}
	again := Doc(ID(3), "kv", t0, 0, 0)
	again.Status = result.Running
	if err := s.Begin(ctx, again); err == nil {
		t.Errorf("Begin(stored id) = nil, want an error")
	}
	if err := s.Finish(ctx, again); err == nil {
		t.Errorf("Finish(running run) = nil, want an error")
	}
	noID := Doc("", "kv", t0, 0, 0)
	noID.Status = result.Running
	if err := s.Begin(ctx, noID); !errors.Is(err, store.ErrMalformed) {
		t.Errorf("Begin(no id) = %v, want %v", err, store.ErrMalformed)
	}
	checkRun(t, s, done, result.Completed)
}

// Import keeps the document's bytes exactly; importing the same run again
// adds nothing.
func testImport(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc := Doc(ID(4), "kv", t0, 5, 3)
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	raw = append(raw, '\n')
	for i, want := range []bool{true, false} {
		added, err := s.Import(ctx, raw)
		if err != nil || added != want {
			t.Fatalf("Import() #%d = %v, %v; want %v, nil", i+1, added, err, want)
		}
	}
	run, err := s.Get(ctx, doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(run.Raw, raw) {
		t.Errorf("Get().Raw = %q, want the imported bytes %q", run.Raw, raw)
	}
	checkRun(t, s, doc, result.Completed)
	if got, err := s.List(ctx, store.Query{}); err != nil || len(got) != 1 {
		t.Errorf("List() = %d runs, %v; want 1", len(got), err)
	}
}

// Import refuses what is not a result document, and documents from a
// newer statebench, storing nothing.
func testImportRefuses(t *testing.T, s store.Store) {
	ctx := context.Background()
	newer := strings.Replace(jsonOf(t, Doc(ID(5), "kv", t0, 1, 1)), `"schema_version":1`, fmt.Sprintf(`"schema_version":%d`, result.SchemaVersion+1), 1)
	tests := []struct {
		raw  string
		want error
	}{
		// Not JSON.
		{`{"schema_version": 1, "id": `, store.ErrMalformed},
		// JSON, but not a document.
		{`[1, 2]`, store.ErrMalformed},
		// A document without an id.
		{`{"schema_version": 1, "benchmark": "kv", "started_at": "2026-03-01T12:00:00Z"}`, store.ErrMalformed},
		// A field of the wrong type.
		{`{"schema_version": 1, "id": "X", "benchmark": "kv", "started_at": "2026-03-01T12:00:00Z", "ops": 3}`, store.ErrMalformed},
		// A newer document, refused for its version even if this version
		// could decode it.
		{newer, store.ErrNewerSchema},
		{`{"schema_version": 99, "windows": "a new format"}`, store.ErrNewerSchema},
	}
	for _, tt := range tests {
		added, err := s.Import(ctx, []byte(tt.raw))
		if added || !errors.Is(err, tt.want) {
			t.Errorf("Import(%.40s) = %v, %v; want false, %v", tt.raw, added, err, tt.want)
		}
	}
	if got, err := s.List(ctx, store.Query{}); err != nil || len(got) != 0 {
		t.Errorf("List() = %d runs, %v; want 0", len(got), err)
	}
}

// A running run imported from elsewhere has no process here to finish it:
// it reads as abandoned.
func testImportRunning(t *testing.T, s store.Store) {
	ctx := context.Background()
	doc := Doc(ID(6), "kv", t0, 2, 1)
	doc.Status, doc.EndedAt = result.Running, nil
	if _, err := s.Import(ctx, []byte(jsonOf(t, doc))); err != nil {
		t.Fatal(err)
	}
	checkRun(t, s, doc, result.Abandoned)
	for _, st := range []result.Status{result.Abandoned, result.Running} {
		got, err := s.List(ctx, store.Query{Status: st})
		want := 0
		if st == result.Abandoned {
			want = 1
		}
		if err != nil || len(got) != want {
			t.Errorf("List(status %s) = %d runs, %v; want %d", st, len(got), err, want)
		}
	}
}

func importAll(t *testing.T, s store.Store, docs ...*result.Document) {
	t.Helper()
	for _, d := range docs {
		if added, err := s.Import(context.Background(), []byte(jsonOf(t, d))); err != nil || !added {
			t.Fatalf("Import(%s) = %v, %v", d.ID, added, err)
		}
	}
}

func testResolve(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := Doc("01AAAA0000000000000000000A", "kv", t0, 0, 0)
	b := Doc("01AAAB0000000000000000000B", "kv", t0.Add(time.Hour), 0, 0)
	c := Doc("01BBBB0000000000000000000C", "sql", t0.Add(2*time.Hour), 0, 0)
	importAll(t, s, a, b, c)
	tests := []struct {
		ref, bench string
		want       string
		err        error
	}{
		// A unique prefix names its run, in any case.
		{"01AAAA", "", a.ID, nil},
		{"01aaab", "", b.ID, nil},
		{c.ID, "", c.ID, nil},
		// latest is the newest run; latest~N the Nth before it.
		{"latest", "", c.ID, nil},
		{"latest~1", "", b.ID, nil},
		{"latest~2", "", a.ID, nil},
		{"latest~3", "", "", store.ErrNotFound},
		// Within a benchmark, only its runs count.
		{"latest", "kv", b.ID, nil},
		{"latest~1", "kv", a.ID, nil},
		{"01BB", "kv", "", store.ErrNotFound},
		{"01", "sql", c.ID, nil},
		// Unknown and malformed references.
		{"02", "", "", store.ErrNotFound},
		{"latest~x", "", "", store.ErrInvalidRef},
		{"01%", "", "", store.ErrInvalidRef},
		{"", "", "", store.ErrInvalidRef},
	}
	for _, tt := range tests {
		got, err := s.Resolve(ctx, tt.ref, tt.bench)
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q, %v", tt.ref, tt.bench, got, err, tt.want, tt.err)
		}
	}
	// An ambiguous prefix names its candidates.
	_, err := s.Resolve(ctx, "01AAA", "")
	var amb *store.AmbiguousError
	if !errors.As(err, &amb) || !slices.Equal(amb.Candidates, []string{a.ID, b.ID}) {
		t.Errorf("Resolve(01AAA) = %v, want an ambiguity between %s and %s", err, a.ID, b.ID)
	}
}

func ids(sums []store.Summary) []string {
	var out []string
	for _, s := range sums {
		out = append(out, s.ID)
	}
	return out
}

func testList(t *testing.T, s store.Store) {
	ctx := context.Background()
	var docs []*result.Document
	for i := range 6 {
		d := Doc(ID(10+i), []string{"kv", "sql"}[i%2], t0.Add(time.Duration(i)*time.Hour), 2, 1+i%3)
		docs = append(docs, d)
	}
	docs[1].Labels = map[string]string{"branch": "feature", "team": "storage"}
	docs[2].Status = result.Failed
	docs[2].Error = "target unreachable"
	docs[3].Environment.Kernel = "6.1.12"
	docs[4].Environment.Kernel = "5.15.0"
	docs[5].Workload.Load.Concurrency = 64
	// Stored out of order: the list is ordered by start time, not by
	// insertion.
	importAll(t, s, docs[3], docs[0], docs[5], docs[1], docs[4], docs[2])
	id := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, docs[i].ID)
		}
		return out
	}
	tests := []struct {
		name string
		q    store.Query
		want []string
	}{
		{"everything, newest first", store.Query{}, id(5, 4, 3, 2, 1, 0)},
		{"the newest N", store.Query{Limit: 2}, id(5, 4)},
		{"one benchmark", store.Query{Benchmark: "sql"}, id(5, 3, 1)},
		{"one label", store.Query{Labels: map[string]string{"branch": "feature"}}, id(1)},
		{"every label must match", store.Query{Labels: map[string]string{"branch": "main", "team": "storage"}}, id(5, 4, 3, 2, 0)},
		{"a label no run has", store.Query{Labels: map[string]string{"branch": "nope"}}, nil},
		{"one status", store.Query{Status: result.Failed}, id(2)},
		{"completed", store.Query{Status: result.Completed, Limit: 3}, id(5, 4, 3)},
		{"since, inclusive", store.Query{Since: t0.Add(4 * time.Hour)}, id(5, 4)},
		{"until, exclusive", store.Query{Until: t0.Add(2 * time.Hour)}, id(1, 0)},
		{"a field of the environment", store.Query{Where: []store.Where{{Path: "environment.kernel", Value: "6.1.5"}}}, id(5, 2, 1, 0)},
		{"a prefix", store.Query{Where: []store.Where{{Path: "environment.kernel", Value: "6.1.*"}}}, id(5, 3, 2, 1, 0)},
		{"a number in the workload", store.Query{Where: []store.Where{{Path: "workload.load.concurrency", Value: "64"}}}, id(5)},
		{"a field outside environment and workload", store.Query{Where: []store.Where{{Path: "error", Value: "target unreachable"}}}, id(2)},
		{"a field no run has", store.Query{Where: []store.Where{{Path: "environment.nope", Value: "x"}}}, nil},
		{"filters combine", store.Query{Benchmark: "kv", Where: []store.Where{{Path: "environment.kernel", Value: "6.1*"}}}, id(2, 0)},
	}
	for _, tt := range tests {
		got, err := s.List(ctx, tt.q)
		if err != nil || !slices.Equal(ids(got), tt.want) {
			t.Errorf("List(%s) = %v, %v; want %v", tt.name, ids(got), err, tt.want)
		}
	}
	got, err := s.List(ctx, store.Query{Benchmark: "sql", Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatalf("List(sql, 1) = %v, %v", got, err)
	}
	want := store.Summarize(docs[5])
	if jsonOf(t, got[0]) != jsonOf(t, want) {
		t.Errorf("List(sql, 1)[0] = %+v\nwant %+v", got[0], want)
	}
	if _, err := s.List(ctx, store.Query{Where: []store.Where{{Path: "environment.kernel'--", Value: "x"}}}); err == nil {
		t.Errorf("List(where with a quote) = nil error, want one")
	}
}

// Delete removes a run and its windows, and only it.
func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := Doc(ID(20), "kv", t0, 3, 2), Doc(ID(21), "kv", t0.Add(time.Second), 3, 2)
	importAll(t, s, a, b)
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	if _, err := s.Get(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(deleted) = %v, want %v", err, store.ErrNotFound)
	}
	if _, err := s.Windows(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Windows(deleted) = %v, want %v", err, store.ErrNotFound)
	}
	if err := s.Delete(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete(deleted) = %v, want %v", err, store.ErrNotFound)
	}
	checkRun(t, s, b, result.Completed)
	// The id can be stored again, with none of the old windows.
	c := Doc(a.ID, "kv", t0, 1, 1)
	importAll(t, s, c)
	checkRun(t, s, c, result.Completed)
}

// Runs written and imported at once by many goroutines are all stored,
// once each.
func testConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	const writers = 8
	shared := []byte(jsonOf(t, Doc(ID(99), "kv", t0, 10, 2)))
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := 0
	errs := make(chan error, writers*3)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := Doc(ID(100+w), "kv", t0.Add(time.Duration(w)*time.Second), 0, 0)
			d.Status, d.EndedAt = result.Running, nil
			if err := s.Begin(ctx, d); err != nil {
				errs <- err
				return
			}
			// Read while the others write.
			if _, err := s.List(ctx, store.Query{Limit: 5}); err != nil {
				errs <- err
			}
			ok, err := s.Import(ctx, shared)
			if err != nil {
				errs <- err
			}
			if ok {
				mu.Lock()
				added++
				mu.Unlock()
			}
			if err := s.Finish(ctx, Doc(d.ID, "kv", d.StartedAt, 30, 3)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	if added != 1 {
		t.Errorf("importing one run from %d goroutines added it %d times, want once", writers, added)
	}
	got, err := s.List(ctx, store.Query{})
	if err != nil || len(got) != writers+1 {
		t.Fatalf("List() = %d runs, %v; want %d", len(got), err, writers+1)
	}
	for _, sum := range got {
		if sum.Status != result.Completed {
			t.Errorf("run %s: status %s, want completed", sum.ID, sum.Status)
		}
	}
	for w := range writers {
		checkRun(t, s, Doc(ID(100+w), "kv", t0.Add(time.Duration(w)*time.Second), 30, 3), result.Completed)
	}
}
