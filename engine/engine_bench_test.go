package engine

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/memory"
	"github.com/statebench/statebench/recorder"
	"github.com/statebench/statebench/workload"
)

// The benchmarks below measure the engine's own overhead with the memory
// driver (no injected latency): what is left is the engine, the recorder
// and a sharded map. scripts/bench-engine.sh runs them next to the peers
// and prints the ratios.

// benchWorkers is the closed loop's concurrency, as in the peer comparison
// (go-ycsb with 50 threads).
const benchWorkers = 50

// benchSpec is a closed-loop YCSB-A workload (50% read, 50% update over
// 100,000 records, zipfian keys, 100-byte values) against the memory driver.
func benchSpec(workers int, warmup, measure time.Duration) workload.Spec {
	s := workload.Default()
	s.Driver = workload.DriverSpec{Name: "memory"}
	s.Records = 100000
	s.Load.Concurrency = workers
	s.Phases.Warmup = workload.Duration(warmup)
	s.Phases.Duration = workload.Duration(measure)
	return s
}

func openMemory(b *testing.B) driver.Driver {
	b.Helper()
	drv, err := memory.Open(context.Background(), driver.Config{Timeout: 10 * time.Second})
	if err != nil {
		b.Fatalf("memory.Open = %v", err)
	}
	return drv
}

// cpuTime returns the process's user plus system CPU time.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// BenchmarkEngineClosedMemory runs the whole engine (load, 1 s warm-up,
// 3 s measure) with 50 closed-loop workers on the memory driver, once per
// iteration, with zipfian keys (YCSB-A's) and uniform keys (go-ycsb's
// workloada's); run it with -benchtime=1x. It reports the measure phase's
// throughput (ops/s), the CPU time the process spent per operation over the
// measure phase (cpu-ns/op; 1e9 / cpu-ns/op is the throughput per core),
// and the heap allocations per operation over the measure phase (allocs/op,
// process-wide: the hot path's and the collector's, divided by the
// operations counted in the result).
func BenchmarkEngineClosedMemory(b *testing.B) {
	for _, dist := range []string{workload.Zipfian, workload.Uniform} {
		b.Run(dist, func(b *testing.B) { benchEngineClosed(b, dist, func() driver.Driver { return openMemory(b) }) })
	}
}

// BenchmarkEngineClosedNoop is BenchmarkEngineClosedMemory with uniform
// keys on a driver whose operations do nothing, as go-ycsb's basic
// database: the engine and the recorder alone.
func BenchmarkEngineClosedNoop(b *testing.B) {
	benchEngineClosed(b, workload.Uniform, func() driver.Driver { return noopDriver{} })
}

func benchEngineClosed(b *testing.B, dist string, open func() driver.Driver) {
	spec := benchSpec(benchWorkers, time.Second, 3*time.Second)
	spec.Keys.Distribution = dist
	var ops, secs, cpu, allocs float64
	for b.Loop() {
		e, err := New(Config{Spec: spec, Driver: open(), Start: time.Now()})
		if err != nil {
			b.Fatalf("New = %v", err)
		}
		// Sample the process's mallocs and CPU time when the measure phase
		// starts; the run's end is sampled once Run returns.
		var m0 atomic.Uint64
		var c0 atomic.Int64
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for e.Phase() != "measure" {
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
			c0.Store(int64(cpuTime(b)))
			m0.Store(mallocs())
		}()
		out, err := e.Run(context.Background())
		m1, c1 := mallocs(), cpuTime(b)
		close(done)
		wg.Wait()
		if err != nil {
			b.Fatalf("Run = %v", err)
		}
		var n int64
		for _, o := range out.Ops {
			n += o.Count
		}
		if n == 0 || m0.Load() == 0 {
			b.Fatalf("Run counted %d operations (measure phase seen: %v), want some", n, m0.Load() != 0)
		}
		ops += float64(n)
		secs += out.Measure.DurationS
		cpu += float64(c1 - time.Duration(c0.Load()))
		allocs += float64(m1 - m0.Load())
	}
	b.ReportMetric(ops/secs, "ops/s")
	b.ReportMetric(cpu/ops, "cpu-ns/op")
	b.ReportMetric(allocs/ops, "mallocs/op")
	b.ReportMetric(0, "ns/op") // an iteration is a whole run: its time says nothing
}

// noopDriver is a driver whose operations do nothing and succeed.
type noopDriver struct{}

var (
	_ driver.Driver          = noopDriver{}
	_ driver.Session         = noopDriver{}
	_ driver.TimeoutEnforcer = noopDriver{}
)

func (noopDriver) Session(context.Context) (driver.Session, error)                   { return noopDriver{}, nil }
func (noopDriver) Describe(context.Context) (map[string]string, error)               { return nil, nil }
func (noopDriver) EnforcesTimeout() bool                                             { return true }
func (noopDriver) Read(_ context.Context, _, dst []byte) ([]byte, error)             { return dst, nil }
func (noopDriver) Update(context.Context, []byte, []byte) error                      { return nil }
func (noopDriver) Insert(context.Context, []byte, []byte) error                      { return nil }
func (noopDriver) Delete(context.Context, []byte) error                              { return nil }
func (noopDriver) Close() error                                                      { return nil }
func (noopDriver) Scan(context.Context, []byte, int, func(k, v []byte)) (int, error) { return 0, nil }

// benchWorker returns a worker of a closed-loop memory workload whose keys
// are loaded, with its recorder handle; the recorder's collector runs until
// the benchmark ends.
func benchWorker(b *testing.B, e *Engine, rec *recorder.Recorder, i int) (*worker, *recorder.Worker) {
	b.Helper()
	w, err := e.newWorker(i)
	if err != nil {
		b.Fatalf("newWorker = %v", err)
	}
	if !w.session(context.Background()) {
		b.Fatal("opening a session failed")
	}
	return w, rec.Worker()
}

// hotPathEngine returns a loaded engine and a running recorder, for
// driving workers by hand.
func hotPathEngine(b *testing.B) (*Engine, *recorder.Recorder) {
	b.Helper()
	e, err := New(Config{Spec: benchSpec(1, 0, time.Hour), Driver: openMemory(b), Start: time.Now()})
	if err != nil {
		b.Fatalf("New = %v", err)
	}
	if _, err := e.load(context.Background()); err != nil {
		b.Fatalf("load = %v", err)
	}
	e.runCtx = context.Background()
	rec := recorder.New(time.Now(), recorder.Options{Ops: e.usedOps()})
	done := make(chan struct{})
	go rec.Run(done)
	b.Cleanup(func() { close(done) })
	return e, rec
}

// step is one closed-loop iteration, as worker.closed runs it: pick the
// operation, read the clock, open the window, run the operation on the
// driver, read the clock, record.
func step(ctx context.Context, w *worker, rec *recorder.Recorder, rw *recorder.Worker) {
	op := w.e.mix.Load().pick(w.rnd)
	start := rec.Now()
	win := rw.Begin(start)
	class := w.do(ctx, op)
	end := rec.Now()
	rw.End(win, op, class, end-start, end-start)
}

// BenchmarkHotPath is one closed-loop operation of one worker on the memory
// driver: the engine's per-operation path, isolated from scheduling.
// allocs/op is the hot path's allocations (target: zero).
func BenchmarkHotPath(b *testing.B) {
	e, rec := hotPathEngine(b)
	w, rw := benchWorker(b, e, rec, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		step(ctx, w, rec, rw)
	}
}

// BenchmarkHotPathParallel is BenchmarkHotPath with one worker per
// goroutine of RunParallel (GOMAXPROCS of them unless -cpu says otherwise).
func BenchmarkHotPathParallel(b *testing.B) {
	e, rec := hotPathEngine(b)
	var next atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer() // the load phase is setup
	b.RunParallel(func(pb *testing.PB) {
		w, rw := benchWorker(b, e, rec, int(next.Add(1)))
		for pb.Next() {
			step(ctx, w, rec, rw)
		}
	})
}

// BenchmarkClock is one read of the run clock (time.Since), of which the
// hot path makes two per operation.
func BenchmarkClock(b *testing.B) {
	rec := recorder.New(time.Now(), recorder.Options{})
	var sink time.Duration
	for b.Loop() {
		sink += rec.Now()
	}
	_ = sink
}

// BenchmarkBareLoop is the ceiling of any Go load generator on this
// machine: 50 goroutines that each time a no-op (two clock reads) and
// count it, for 2 s per iteration (run it with -benchtime=1x). It reports
// ops/s and cpu-ns/op as BenchmarkEngineClosedMemory does.
func BenchmarkBareLoop(b *testing.B) {
	var ops, secs, cpu float64
	for b.Loop() {
		var stop atomic.Bool
		counts := make([]struct {
			n int64
			_ [56]byte
		}, benchWorkers)
		var sink atomic.Int64
		var wg sync.WaitGroup
		c0, t0 := cpuTime(b), time.Now()
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var total time.Duration
				for !stop.Load() {
					start := time.Now()
					noop()
					total += time.Since(start)
					counts[i].n++
				}
				sink.Add(int64(total))
			}()
		}
		time.Sleep(2 * time.Second)
		stop.Store(true)
		wg.Wait()
		d, c := time.Since(t0), cpuTime(b)-c0
		for i := range counts {
			ops += float64(counts[i].n)
		}
		secs += d.Seconds()
		cpu += float64(c)
	}
	b.ReportMetric(ops/secs, "ops/s")
	b.ReportMetric(cpu/ops, "cpu-ns/op")
	b.ReportMetric(0, "ns/op")
}

//go:noinline
func noop() {}
