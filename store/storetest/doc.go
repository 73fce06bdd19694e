// Package storetest is the conformance suite every results store passes
// (Run), the documents it stores (Doc) and the benchmarks that measure a
// store (BenchmarkStoreHour, BenchmarkHistory).
package storetest

import (
	"fmt"
	"time"

	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/workload"
)

// ID returns the test run id numbered n: 26 characters like a ULID, and
// sorting like n.
func ID(n int) string { return fmt.Sprintf("01TEST%020d", n) }

// Ops are the operation types of the documents Doc builds.
var Ops = []string{"read", "update", "insert", "scan", "rmw", "delete"}

// Doc returns a completed result document of benchmark bench that started
// at started, with windows one-second windows of ops operation types (at
// most len(Ops)), every field of the format filled in.
func Doc(id, bench string, started time.Time, windows, ops int) *result.Document {
	spec := workload.Default()
	spec.Name = bench
	ended := started.UTC().Add(time.Duration(windows) * time.Second)
	doc := &result.Document{
		SchemaVersion: result.SchemaVersion,
		ID:            id,
		Benchmark:     bench,
		Labels:        map[string]string{"branch": "main", "team": "storage"},
		Status:        result.Completed,
		Trigger:       "manual",
		StartedAt:     started.UTC(),
		EndedAt:       &ended,
		Workload:      spec,
		Environment: result.Environment{
			Host: "bench-1", OS: "linux", Kernel: "6.1.5", Arch: "amd64", CPUModel: "Test CPU", CPUs: 8,
			MemoryBytes: 16 << 30, GoVersion: "go1.26", StatebenchVersion: "dev", InstanceType: "m5.large",
			Driver: "redis", Target: map[string]string{"version": "7.2.4"}, TargetAfter: map[string]string{"keys": "1000"},
		},
		Load:    &result.LoadPhase{Records: 1000, DurationS: 0.5, ThroughputOpsS: 2000},
		Measure: result.Span{StartS: 2, DurationS: float64(windows)},
		Ops:     map[string]result.OpSummary{},
		Skipped: 3,
		Verify:  &result.Verify{Checked: 10, Acknowledged: 5, Verified: 5},
		Events:  []result.Event{{AtS: 2, Kind: "phase", Message: "measure", Data: map[string]string{"phase": "measure"}}},
		Observers: []result.Observer{
			{Name: "host", Status: "ok"},
			{Name: "biolatency", Status: "unavailable", Reason: "not root"},
		},
	}
	for i, op := range Ops[:ops] {
		l := &result.Latency{P50: 100 + float64(i), P90: 200, P99: 400 + float64(i), P999: 800, Max: 1600, Mean: 150.5}
		doc.Ops[op] = result.OpSummary{Count: int64(1000 * (i + 1)), Errors: 1, ErrorsByClass: map[string]int64{"timeout": 1},
			NotFound: 2, ThroughputOpsS: float64(100 * (i + 1)), LatencyUs: l, IntendedLatencyUs: l}
		doc.Histograms = append(doc.Histograms, result.Histogram{Op: op, Outcome: "ok", Kind: "service", Unit: "ns",
			Count: int64(1000 * (i + 1)), Encoding: "hdr-v1", Data: "SElTVE9HUkFN"})
	}
	for w := range windows {
		win := result.Window{StartS: float64(w), DurationS: 1, Phase: "measure", State: result.WindowFinal}
		switch {
		case w%97 == 13:
			// Missing windows hold no figures: not zero.
			win.State = result.WindowMissing
		case w%89 == 7:
			win.State = result.WindowInvalid
			win.Skipped = 4
			fallthrough
		default:
			win.Ops = map[string]result.WindowOp{}
			for i, op := range Ops[:ops] {
				wop := result.WindowOp{Count: int64(100 + w%7 + i), Errors: int64(w % 2)}
				if w%5 == 0 {
					wop.ErrorsByClass = map[string]int64{"timeout": int64(w % 2)}
					wop.NotFound = 1
				}
				if w%31 != 3 {
					// All of a window's operations of this type failed:
					// a count, but no latency.
					wop.LatencyUs = &result.Latency{P50: 90 + float64(w%11), P90: 180.25, P99: 390 + float64(i), P999: 700, Max: 1500 + float64(w), Mean: 120.125}
					wop.IntendedLatencyUs = &result.Latency{P50: 95, P90: 190, P99: 410, P999: 750, Max: 1600, Mean: 130}
				}
				win.Ops[op] = wop
			}
		}
		doc.Windows = append(doc.Windows, win)
	}
	return doc
}
