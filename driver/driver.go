// Package driver defines how statebench talks to a data store: a Driver opened
// once per run, and a Session per worker that issues the operations.
//
// Built-in drivers live in sub-packages (embedded, memory, redis, postgres,
// mysql, cassandra) and are named in one map in the cli package. Every driver
// passes the conformance suite in driver/drivertest.
package driver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/statebench/statebench/workload"
)

// Config is what a driver is opened with.
type Config struct {
	// Target names the data store: a URL (redis://..., postgres://...) or, for
	// the embedded driver, a directory. Its query parameters are driver options
	// and take precedence over Options.
	Target string
	// Options are driver settings from the workload's driver section.
	Options map[string]string
	// Concurrency is the most sessions the engine will hold at once; drivers
	// with a connection pool size it from this.
	Concurrency int
	// Timeout bounds one operation. The engine also sets it as the deadline of
	// the context passed to each call; drivers with their own socket timeouts
	// should use it too.
	Timeout time.Duration
	// Logger receives the driver's diagnostics. Never nil.
	Logger *slog.Logger
}

// Opener opens a driver. It connects (or opens files) before it returns, so
// that a target that cannot be reached at all fails here with an error that
// wraps ErrUnreachable; errors later in the run are results, not failures.
type Opener func(ctx context.Context, cfg Config) (Driver, error)

// Driver is an open connection (or pool) to one target. It is safe for
// concurrent use.
type Driver interface {
	// Session returns a session for one worker goroutine. Sessions are not
	// safe for concurrent use; the engine never shares one between goroutines.
	Session(ctx context.Context) (Session, error)
	// Describe returns what the target is, for the run's environment
	// fingerprint: server version and the settings that matter for
	// performance, read from the server itself. It is called before the load
	// phase and again at the end of the run.
	Describe(ctx context.Context) (map[string]string, error)
	// Close releases the driver. The engine closes every session first.
	Close() error
}

// Session issues operations for one worker. Keys and values passed in are
// owned by the caller and only valid during the call; drivers copy what they
// keep. A session survives errors: after a connection error the next call
// tries again (reconnecting as needed), so a run goes on through an outage.
type Session interface {
	// Read appends the value stored under key to dst and returns the extended
	// slice. A key that holds nothing returns ErrNotFound.
	Read(ctx context.Context, key, dst []byte) ([]byte, error)
	// Update stores value under key, replacing what was there. Drivers may
	// implement it as an upsert.
	Update(ctx context.Context, key, value []byte) error
	// Insert stores value under a key that is expected to be new. Drivers may
	// implement it as an upsert.
	Insert(ctx context.Context, key, value []byte) error
	// Scan visits up to n records in ascending key order, starting at the
	// first key >= start, and returns how many it visited. The slices passed
	// to visit are only valid during that call.
	Scan(ctx context.Context, start []byte, n int, visit func(key, value []byte)) (int, error)
	// Delete removes key. Deleting a key that holds nothing is not an error.
	Delete(ctx context.Context, key []byte) error
	// Close releases the session's resources.
	Close() error
}

// BulkLoader is an optional Session ability: storing many new records at once
// through the target's bulk path (a pipeline, COPY, a multi-row insert, a
// batch). The load phase uses it when present. keys[i] goes with values[i].
type BulkLoader interface {
	InsertBatch(ctx context.Context, keys, values [][]byte) error
}

// Request is one operation of a batch sent through a Batcher.
type Request struct {
	Op    workload.Op // Read, Update, Insert or Delete
	Key   []byte
	Value []byte // for Update and Insert
	// Result is set by Do for a Read: the value, appended to the slice's
	// existing contents (callers reuse its capacity).
	Result []byte
	// Err is set by Do: nil, ErrNotFound, or the operation's error.
	Err error
}

// Batcher is an optional Session ability: sending several operations in one
// round trip (Redis pipelining).
type Batcher interface {
	// Depth returns how many operations to send per batch (a driver's
	// pipeline=N option); the engine batches only when it is above 1.
	Depth() int
	// Do fills in each request's Result and Err and returns when every
	// reply has arrived; each operation's latency is the batch's.
	Do(ctx context.Context, reqs []Request)
}

// PhaseNotifier is an optional Driver ability: being told when each phase
// of the run (load, warmup, measure, verify) starts, for drivers whose
// behaviour follows the run's timeline (the memory driver's stalls).
type PhaseNotifier interface {
	PhaseStarted(phase string, at time.Time)
}

// TimeoutEnforcer is an optional Driver ability: the driver bounds every
// operation by Config.Timeout itself, so the engine need not put a
// deadline on each call's context (which costs allocations on the hot path).
type TimeoutEnforcer interface {
	EnforcesTimeout() bool
}

// Cleaner is an optional Driver ability: removing what statebench created on
// the target (its table, keyspace or key range), and nothing else. It runs only
// when the user asks for it (--cleanup).
type Cleaner interface {
	Cleanup(ctx context.Context) error
}

// ErrNotFound is returned by reads of a key that holds nothing.
var ErrNotFound = errors.New("not found")

// ErrUnreachable is wrapped by Opener errors when the target cannot be
// reached at all (refused, unknown host, authentication failed).
var ErrUnreachable = errors.New("target unreachable")
