// Package store is the results store: where runs are kept once measured, and
// where comparisons, reports and the server find them. A Store holds each
// run's result document exactly as it was written, plus indexed columns and
// per-window rows so that histories of thousands of runs can be listed and
// compared quickly.
//
// Two backends implement it and pass the same conformance suite
// (store/storetest): SQLite (store/sqlite), the embedded default, and
// PostgreSQL (store/postgres), shared by a team or a fleet.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/statebench/statebench/result"
)

// Writer records runs.
type Writer interface {
	// Begin inserts doc as a running run (doc.Status must be
	// result.Running), remembering this process (host, pid and process
	// start time) so that a run found running after its process is gone
	// reads as abandoned. The store heartbeats the run until Finish or
	// Close. doc is not retained.
	Begin(ctx context.Context, doc *result.Document) error
	// Finish replaces the run with its final document in one transaction:
	// readers see either the running run or the finished one, never a mix.
	// A run that was never begun is inserted. doc is not retained.
	Finish(ctx context.Context, doc *result.Document) error
	// Import stores a result document produced elsewhere, given as its
	// JSON text, which is kept as it is. It reports false, and changes
	// nothing, when a run with the same id is already stored. A document
	// that is not valid JSON wraps ErrMalformed; one with a newer
	// schema_version than result.SchemaVersion wraps ErrNewerSchema.
	Import(ctx context.Context, raw []byte) (added bool, err error)
	// Delete removes a run and everything stored with it; a run that does
	// not exist wraps ErrNotFound.
	Delete(ctx context.Context, id string) error
}

// Reader finds and reads runs. Every method is safe for concurrent use,
// also while another process writes.
type Reader interface {
	// Resolve returns the id of the run ref names: a unique prefix of its
	// id (any case), "latest" or "latest~N" (the Nth before the latest).
	// A non-empty benchmark restricts the search to that benchmark. An
	// unknown ref wraps ErrNotFound; an ambiguous prefix returns an
	// *AmbiguousError.
	Resolve(ctx context.Context, ref, benchmark string) (string, error)
	// List returns the summaries of the runs q selects, newest first.
	List(ctx context.Context, q Query) ([]Summary, error)
	// Get returns a run: its summary, its document decoded and its raw
	// document exactly as stored. An unknown id wraps ErrNotFound.
	Get(ctx context.Context, id string) (*Run, error)
	// Windows returns a run's windows, equal to Get(id).Doc.Windows but read
	// from the per-window rows, without decoding the whole document; for
	// comparisons over many long runs. An unknown id wraps ErrNotFound.
	Windows(ctx context.Context, id string) ([]result.Window, error)
}

// Store is a results store. It is safe for concurrent use by several
// goroutines and by several processes on the same database.
type Store interface {
	Writer
	Reader
	// Close stops heartbeating open runs (they will read as abandoned
	// once their process is gone) and releases the database.
	Close() error
}

// Summary is what a list of runs shows of each: the indexed columns.
type Summary struct {
	ID        string
	Benchmark string
	Labels    map[string]string
	// Status is the run's status as read: a run stored as running whose
	// process is gone reads as result.Abandoned.
	Status    result.Status
	Error     string
	Trigger   string
	StartedAt time.Time
	EndedAt   *time.Time // nil while running
	Driver    string
	Host      string
	// MeasureS is the measure phase's length in seconds.
	MeasureS float64
	// Ops holds the per-operation totals of the measure phase.
	Ops map[string]result.OpSummary
	// MainOp is the operation with the most operations (ties go to the
	// first name in order); ThroughputOpsS is the throughput of all
	// operations together and P99Us the p99 service time of MainOp, 0 when
	// unknown.
	MainOp         string
	ThroughputOpsS float64
	P99Us          float64
}

// Run is one stored run.
type Run struct {
	Summary
	// Doc is the decoded document. Its Status is the status as read (see
	// Summary.Status), which may differ from Raw's for an abandoned run.
	Doc *result.Document
	// Raw is the document's JSON exactly as stored.
	Raw []byte
}

// Query selects runs. The zero Query selects every run, newest first.
type Query struct {
	Benchmark string
	// Labels selects runs carrying every one of these labels.
	Labels map[string]string
	// Status selects runs with this status as read ("" for any).
	Status result.Status
	// Since and Until bound the start time (Since inclusive, Until
	// exclusive); zero means unbounded.
	Since, Until time.Time
	// Where selects runs by a field of their document.
	Where []Where
	// Limit caps the number of runs returned; 0 means no cap.
	Limit int
}

// Where selects runs whose document field at Path (dotted JSON names
// under the document root, e.g. "environment.kernel" or
// "workload.load.model") equals Value as text; a Value ending in "*"
// matches every value starting with what precedes it.
type Where struct {
	Path  string
	Value string
}

// ParseWhere parses "path=value", the form of the --where flag.
func ParseWhere(s string) (Where, error) {
	path, value, ok := strings.Cut(s, "=")
	if !ok {
		return Where{}, fmt.Errorf("where %q: want path=value", s)
	}
	w := Where{Path: strings.TrimSpace(path), Value: value}
	if _, err := w.Segments(); err != nil {
		return Where{}, err
	}
	return w, nil
}

// Segments returns the path's names, checked: each is letters, digits,
// '_' or '-', so that a backend can put them in SQL text.
func (w Where) Segments() ([]string, error) {
	segs := strings.Split(w.Path, ".")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("where path %q: empty name", w.Path)
		}
		for _, r := range s {
			if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return nil, fmt.Errorf("where path %q: %q is not a letter, digit, '_' or '-'", w.Path, r)
			}
		}
	}
	return segs, nil
}

// Errors the stores return, wrapped; test with errors.Is.
var (
	// ErrNotFound: no run matches.
	ErrNotFound = errors.New("run not found")
	// ErrMalformed: a document is not valid JSON or misses its id.
	ErrMalformed = errors.New("malformed result document")
	// ErrNewerSchema: a document was written by a newer statebench.
	ErrNewerSchema = errors.New("result document has a newer schema version")
	// ErrNewerDatabase: the database was written by a newer statebench; it
	// was not touched.
	ErrNewerDatabase = errors.New("results database was written by a newer statebench")
	// ErrNotStatebench: the file or schema is not a statebench results
	// database; it was not touched.
	ErrNotStatebench = errors.New("not a statebench results database")
	// ErrInvalidRef: a run reference is not an id prefix, latest or latest~N.
	ErrInvalidRef = errors.New("invalid run reference")
)

// AmbiguousError is returned by Resolve when a prefix names several runs.
type AmbiguousError struct {
	Ref        string
	Candidates []string // some of the matching ids, sorted
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("run %q is ambiguous: it matches %s", e.Ref, strings.Join(e.Candidates, ", "))
}

// Options are what every backend is opened with.
type Options struct {
	// HeartbeatInterval is how often the store marks open runs alive;
	// default 30s.
	HeartbeatInterval time.Duration
	// StaleAfter is how long a running run of another host may go without
	// heartbeat before it reads as abandoned; default 3 minutes. Runs of
	// this host are judged by their process instead.
	StaleAfter time.Duration
}

// WithDefaults returns o with zero fields set to their defaults.
func (o Options) WithDefaults() Options {
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 30 * time.Second
	}
	if o.StaleAfter <= 0 {
		o.StaleAfter = 3 * time.Minute
	}
	return o
}
