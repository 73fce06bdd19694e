// Package result defines the result document: the versioned, self-contained
// record of one run that every stage exchanges. The CLI, the server and remote
// workers produce it; the results store, comparisons and reports consume it.
// docs/result-format.md documents it and result/schema.json is its JSON Schema.
package result

import (
	"time"

	"github.com/statebench/statebench/workload"
)

// SchemaVersion is the version of the document format this code writes.
// Readers refuse documents with a newer version.
const SchemaVersion = 1

// Status is the state of a run.
type Status string

// The run statuses. Abandoned is never written by a run itself: the results
// store reports a run it finds still running whose process is gone as abandoned.
const (
	Running     Status = "running"
	Completed   Status = "completed"
	Interrupted Status = "interrupted"
	Failed      Status = "failed"
	Abandoned   Status = "abandoned"
)

// Document is the result of one run.
type Document struct {
	SchemaVersion int               `json:"schema_version"`
	ID            string            `json:"id"` // a ULID: unique, and sorts by start time
	Benchmark     string            `json:"benchmark"`
	Labels        map[string]string `json:"labels,omitempty"`
	Status        Status            `json:"status"`
	// Error says why a failed run failed.
	Error   string `json:"error,omitempty"`
	Trigger string `json:"trigger,omitempty"` // manual, schedule, webhook, launch
	// StartedAt is the run clock's zero: window and event offsets count from it.
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`

	Workload    workload.Spec `json:"workload"`
	Environment Environment   `json:"environment"`

	// Load describes the load phase, absent when it was skipped.
	Load *LoadPhase `json:"load,omitempty"`
	// Measure is the span of the measure phase on the run clock.
	Measure Span `json:"measure"`

	// Ops holds the measure phase's totals per operation name (read, update,
	// insert, scan, rmw, delete); operations the workload never issued are absent.
	Ops map[string]OpSummary `json:"ops"`
	// Skipped counts open-loop operations that could not start within the
	// skip deadline of their scheduled time during the measure phase.
	Skipped int64 `json:"skipped"`
	// Late counts operations whose window had already been closed as invalid
	// when they completed; they are in the totals but in no window.
	Late int64 `json:"late,omitempty"`

	Verify *Verify `json:"verify,omitempty"`

	// Windows are the run's one-second windows (warm-up and measure), oldest
	// first. Windows older than the recorder's full-resolution span are
	// merged into coarser ones; Duration says how long each is.
	Windows []Window `json:"windows"`
	// Histograms are the measure phase's total histograms, mergeable.
	Histograms []Histogram `json:"histograms"`
	Events     []Event     `json:"events"`

	// Observers hold what the host observers recorded during the run.
	Observers []Observer `json:"observers,omitempty"`
}

// Environment is the run's environment fingerprint: what it ran on.
type Environment struct {
	Host              string `json:"host"`
	OS                string `json:"os"`
	Kernel            string `json:"kernel"`
	Arch              string `json:"arch"`
	CPUModel          string `json:"cpu_model"`
	CPUs              int    `json:"cpus"`
	MemoryBytes       uint64 `json:"memory_bytes"`
	GoVersion         string `json:"go_version"`
	StatebenchVersion string `json:"statebench_version"`
	// InstanceType and Image are the cloud instance type and machine image,
	// where known (from the environment or labels); empty otherwise.
	InstanceType string `json:"instance_type,omitempty"`
	Image        string `json:"image,omitempty"`
	// Driver is the driver's name and Target its description of the target,
	// read before the run (server version and settings).
	Driver string            `json:"driver"`
	Target map[string]string `json:"target,omitempty"`
	// TargetAfter is the target's description read after the run, where it
	// differs in something that changes during a run (a table's size).
	TargetAfter map[string]string `json:"target_after,omitempty"`
}

// Span is a stretch of the run clock, in seconds from StartedAt.
type Span struct {
	StartS    float64 `json:"start_s"`
	DurationS float64 `json:"duration_s"`
}

// LoadPhase is what the load phase did.
type LoadPhase struct {
	Records        int64   `json:"records"`
	Errors         int64   `json:"errors"`
	DurationS      float64 `json:"duration_s"`
	ThroughputOpsS float64 `json:"throughput_ops_s"`
}

// OpSummary is one operation type's totals over the measure phase.
type OpSummary struct {
	// Count is the number of operations that completed, errors included.
	Count int64 `json:"count"`
	// Errors counts failed operations (timeout, connection, other). A read
	// of a key that holds nothing is counted in NotFound, not here.
	Errors         int64            `json:"errors"`
	ErrorsByClass  map[string]int64 `json:"errors_by_class,omitempty"`
	NotFound       int64            `json:"not_found,omitempty"`
	ThroughputOpsS float64          `json:"throughput_ops_s"`
	// LatencyUs is the service time (from send to reply) of the operations
	// that did not fail; absent when there were none.
	LatencyUs *Latency `json:"latency_us,omitempty"`
	// IntendedLatencyUs is, in an open loop, the latency from the moment the
	// operation was scheduled to its reply: it includes the time it waited to
	// be sent, so a stalled target cannot hide its stall.
	IntendedLatencyUs *Latency `json:"intended_latency_us,omitempty"`
}

// Latency is a set of percentiles of a latency distribution, in microseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Window states.
const (
	// WindowOpen: the window is still filling; its figures may change.
	WindowOpen = "open"
	// WindowFinal: the window closed and every operation started in it was
	// accounted for; its figures are final.
	WindowFinal = "final"
	// WindowMissing: no data arrived for this window (for example the
	// process was stopped); it holds no figures, which is not zero.
	WindowMissing = "missing"
	// WindowInvalid: data arrived but cannot be trusted (some operations
	// started in it could not be attributed to it).
	WindowInvalid = "invalid"
)

// Window is one window of the run clock.
type Window struct {
	// StartS is the window's start in seconds from the run's StartedAt.
	StartS    float64 `json:"start_s"`
	DurationS float64 `json:"duration_s"`
	Phase     string  `json:"phase"` // warmup or measure
	State     string  `json:"state"`
	// Ops holds per-operation figures for operations started in the window.
	// An operation type with no operations in a window is absent; one whose
	// operations all failed has a count but no latency.
	Ops     map[string]WindowOp `json:"ops,omitempty"`
	Skipped int64               `json:"skipped,omitempty"`
}

// WindowOp is one operation type's figures in one window.
type WindowOp struct {
	Count             int64            `json:"count"`
	Errors            int64            `json:"errors"`
	ErrorsByClass     map[string]int64 `json:"errors_by_class,omitempty"`
	NotFound          int64            `json:"not_found,omitempty"`
	LatencyUs         *Latency         `json:"latency_us,omitempty"`
	IntendedLatencyUs *Latency         `json:"intended_latency_us,omitempty"`
}

// Histogram is a total latency histogram of the measure phase, encoded so it
// can be decoded and merged exactly (see docs/result-format.md).
type Histogram struct {
	Op      string `json:"op"`
	Outcome string `json:"outcome"` // ok or error
	Kind    string `json:"kind"`    // service or intended
	Unit    string `json:"unit"`    // ns
	Count   int64  `json:"count"`
	// Encoding names the format of Data; Data is its base64 text.
	Encoding string `json:"encoding"`
	Data     string `json:"data"`
}

// Event is a change during the run, drawn as a marker on every chart.
type Event struct {
	AtS     float64           `json:"at_s"` // seconds from StartedAt
	Kind    string            `json:"kind"` // phase, rate, concurrency, mix, fault, interrupt
	Message string            `json:"message"`
	Data    map[string]string `json:"data,omitempty"`
}

// Verify is what data verification found.
type Verify struct {
	// Checked counts the reads whose value was checked during the run;
	// Corrupt and Stale count those that failed the check.
	Checked int64 `json:"checked"`
	Corrupt int64 `json:"corrupt"`
	Stale   int64 `json:"stale"`
	// Acknowledged counts the keys whose last write was acknowledged; the
	// verify phase reads each back and counts Missing and Lost (an older
	// version than the last acknowledged one) records and corrupt ones.
	Acknowledged int64 `json:"acknowledged"`
	Verified     int64 `json:"verified"`
	Missing      int64 `json:"missing"`
	Lost         int64 `json:"lost"`
	ReadErrors   int64 `json:"read_errors,omitempty"`
	// Failed is true when acknowledged writes were lost or found corrupt.
	Failed bool `json:"failed"`
}
