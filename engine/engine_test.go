package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/driver/memory"
	"github.com/statebench/statebench/workload"
)

// spec returns a small workload for tests, changed by fn.
func spec(fn func(*workload.Spec)) workload.Spec {
	s := workload.Default()
	s.Driver.Name = "memory"
	s.Records = 1000
	s.Phases.Warmup = 0
	s.Phases.Duration = workload.Duration(2 * time.Second)
	s.Load.Concurrency = 8
	fn(&s)
	return s
}

func run(t *testing.T, s workload.Spec, target string, during func(*Engine)) *Outcome {
	t.Helper()
	d, err := memory.Open(context.Background(), driver.Config{Target: target, Timeout: s.Timeout.D()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e, err := New(Config{Spec: s, Driver: d, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if during != nil {
		go during(e)
	}
	out, err := e.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out
}

func total(out *Outcome) (n int64) {
	for _, o := range out.Ops {
		n += o.Count
	}
	return n
}

// Constant arrivals are evenly spaced from an absolute anchor; Poisson
// arrivals have exponential gaps with the rate's mean (Kolmogorov–Smirnov
// test at alpha 0.01 with a fixed seed), and changing the rate re-anchors
// the schedule at the current slot.
func TestSchedule(t *testing.T) {
	c := &schedule{rate: 1000}
	for i := 1; i <= 1000; i++ {
		if got, want := c.next(), time.Duration(i)*time.Millisecond; got != want {
			t.Fatalf("constant slot %d at %v, want %v", i, got, want)
		}
	}
	c.setRate(4000)
	if got := c.next(); got != time.Second+250*time.Microsecond {
		t.Errorf("first slot after the rate change at %v, want 1.00025s", got)
	}

	const rate, n = 5000.0, 20000
	p := &schedule{rnd: rand.New(rand.NewPCG(1, 2)), poisson: true, rate: rate}
	gaps := make([]float64, n)
	prev := time.Duration(0)
	for i := range gaps {
		at := p.next()
		gaps[i] = (at - prev).Seconds()
		prev = at
	}
	ks := func(gaps []float64) float64 {
		sort.Float64s(gaps)
		d := 0.0
		for i, g := range gaps {
			cdf := 1 - math.Exp(-rate*g)
			d = max(d, math.Abs(cdf-float64(i+1)/n), math.Abs(cdf-float64(i)/n))
		}
		return d
	}
	crit := 1.63 / math.Sqrt(n)
	if d := ks(gaps); d > crit {
		t.Errorf("Poisson gaps: KS distance %.4f > %.4f: not exponential with rate %v", d, crit, rate)
	}
	// The check can fail: the constant schedule's gaps, at the same rate,
	// are far from exponential.
	c2 := &schedule{rate: rate}
	prev = 0
	for i := range gaps {
		at := c2.next()
		gaps[i] = (at - prev).Seconds()
		prev = at
	}
	if d := ks(gaps); d <= crit {
		t.Errorf("constant gaps pass as exponential (KS distance %.4f <= %.4f): the test cannot tell them apart", d, crit)
	}
}

// Every scheduled slot of an open loop is either run or counted as
// skipped: at 2000 ops/s for 2 s, they add up to 4000.
func TestOpenLoopAccountsForEverySlot(t *testing.T) {
	out := run(t, spec(func(s *workload.Spec) {
		s.Load = workload.Load{Model: workload.Open, Rate: 2000, Concurrency: 16, Arrival: workload.Constant, SkipAfter: workload.Duration(time.Second)}
	}), "", nil)
	if got := total(out) + out.Skipped; got < 3998 || got > 4002 {
		t.Errorf("operations run %d + skipped %d = %d, want 4000 (±2 at the edges)", total(out), out.Skipped, got)
	}
	if out.Ops["read"].IntendedLatencyUs == nil {
		t.Errorf("open loop without intended-time latency")
	}
}

// When the target stalls longer than the skip deadline and every worker
// is stuck, slots older than the deadline are skipped and counted, not
// queued without bound.
func TestSkipDeadline(t *testing.T) {
	out := run(t, spec(func(s *workload.Spec) {
		s.Load = workload.Load{Model: workload.Open, Rate: 1000, Concurrency: 4, Arrival: workload.Constant, SkipAfter: workload.Duration(100 * time.Millisecond)}
	}), "memory://?stall=1s@500ms", nil)
	// About 900 slots fall more than 100 ms behind during the 1 s stall.
	if out.Skipped < 500 {
		t.Errorf("skipped = %d during a 1 s stall with a 100 ms deadline, want most of the stall's 1000 slots", out.Skipped)
	}
	if got := total(out) + out.Skipped; got < 1998 || got > 2002 {
		t.Errorf("run %d + skipped %d = %d, want 2000", total(out), out.Skipped, got)
	}
	var windowSkips int64
	for _, w := range out.Windows {
		windowSkips += w.Skipped
	}
	if windowSkips != out.Skipped {
		t.Errorf("windows hold %d skips, the run %d", windowSkips, out.Skipped)
	}
}

// Coordinated omission: the target stalls for 1 s in an open loop at
// 2000 ops/s. The intended-time p99 shows the stall, since every operation
// scheduled during it waited; the service-time p99 does not, since only
// the few operations in flight when it began were slow to be served.
func TestCoordinatedOmission(t *testing.T) {
	out := run(t, spec(func(s *workload.Spec) {
		s.Phases.Duration = workload.Duration(5 * time.Second)
		s.Load = workload.Load{Model: workload.Open, Rate: 2000, Concurrency: 32, Arrival: workload.Constant, SkipAfter: workload.Duration(2 * time.Second)}
	}), "memory://?stall=1s@2s", nil)
	read := out.Ops["read"]
	if read.IntendedLatencyUs == nil || read.LatencyUs == nil {
		t.Fatalf("read latencies missing: %+v", read)
	}
	if p99 := read.IntendedLatencyUs.P99; p99 < 500_000 {
		t.Errorf("intended-time p99 = %.0f µs, want the 1 s stall to show (> 500 ms)", p99)
	}
	if p99 := read.LatencyUs.P99; p99 > 250_000 {
		t.Errorf("service-time p99 = %.0f µs, want it untouched by the stall (< 250 ms)", p99)
	}
	if max := read.LatencyUs.Max; max < 500_000 {
		t.Errorf("service-time max = %.0f µs, want the operations in flight at the stall (~1 s)", max)
	}
}

// The control handle changes rate, concurrency and mix while the engine
// runs; each change is an event, and the rate change shows in the windows.
func TestControl(t *testing.T) {
	out := run(t, spec(func(s *workload.Spec) {
		s.Phases.Duration = workload.Duration(4 * time.Second)
		s.Load = workload.Load{Model: workload.Open, Rate: 500, Concurrency: 8, Arrival: workload.Constant, SkipAfter: workload.Duration(time.Second)}
	}), "", func(e *Engine) {
		for e.Phase() != "measure" {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(2 * time.Second)
		c := e.Control()
		if err := c.SetRate(2000); err != nil {
			t.Error(err)
		}
		if err := c.SetConcurrency(16); err != nil {
			t.Error(err)
		}
		if err := c.SetMix(workload.Operations{Read: 0.9, Update: 0.1}); err != nil {
			t.Error(err)
		}
		if err := c.SetMix(workload.Operations{Read: 0.5, Delete: 0.5}); err == nil {
			t.Errorf("SetMix adding deletes to a read/update workload succeeded")
		}
		if err := c.SetRate(-1); err == nil {
			t.Errorf("SetRate(-1) succeeded")
		}
	})
	kinds := map[string]bool{}
	for _, ev := range out.Events {
		kinds[ev.Kind] = true
	}
	for _, k := range []string{"rate", "concurrency", "mix"} {
		if !kinds[k] {
			t.Errorf("no %s event in %+v", k, out.Events)
		}
	}
	var first, last int64
	measure := 0
	for _, w := range out.Windows {
		if w.Phase != "measure" {
			continue
		}
		n := w.Ops["read"].Count + w.Ops["update"].Count
		if measure == 0 {
			first = n
		}
		last = n
		measure++
	}
	if first < 450 || first > 550 || last < 1800 {
		t.Errorf("operations in the first and last windows = %d, %d; want about 500 before the rate change and 2000 after", first, last)
	}
}

// A closed loop runs its workers flat out and counts every kind of
// operation of the mix, scans included.
func TestClosedLoopMix(t *testing.T) {
	out := run(t, spec(func(s *workload.Spec) {
		s.Phases.Duration = workload.Duration(time.Second)
		s.Operations = workload.Operations{Read: 0.3, Update: 0.2, Insert: 0.1, Scan: 0.1, ReadModifyWrite: 0.2, Delete: 0.1}
	}), "", nil)
	for _, op := range workload.Ops() {
		if out.Ops[op.String()].Count == 0 {
			t.Errorf("no %s operations counted: %+v", op, out.Ops)
		}
	}
	if out.Ops["read"].IntendedLatencyUs != nil {
		t.Errorf("closed loop with intended-time latency")
	}
	if out.Load == nil || out.Load.Records != 1000 {
		t.Errorf("load phase = %+v, want 1000 records", out.Load)
	}
}

// Verify mode checks every read and reads back every acknowledged write;
// against a store that keeps everything, nothing is missing or lost.
func TestVerify(t *testing.T) {
	out := run(t, spec(func(s *workload.Spec) {
		s.Verify = true
		s.Operations = workload.Operations{Read: 0.4, Update: 0.3, Insert: 0.2, Delete: 0.1}
	}), "", nil)
	v := out.Verify
	if v == nil || v.Checked == 0 || v.Acknowledged < 1000 || v.Verified != v.Acknowledged {
		t.Fatalf("verify = %+v, want reads checked and every acknowledged record read back", v)
	}
	if v.Failed || v.Missing+v.Lost+v.Corrupt+v.Stale != 0 {
		t.Errorf("verify against the memory store = %+v, want no failure", v)
	}
}

// An interrupted run ends the measure phase at once and returns the
// partial figures.
func TestInterrupt(t *testing.T) {
	d, _ := memory.Open(context.Background(), driver.Config{Timeout: time.Second})
	s := spec(func(s *workload.Spec) { s.Phases.Duration = 0 }) // forever
	e, _ := New(Config{Spec: s, Driver: d, Start: time.Now()})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for e.Phase() != "measure" {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(1500 * time.Millisecond)
		cancel()
	}()
	out, err := e.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Interrupted || total(out) == 0 || out.Measure.DurationS < 1 || out.Measure.DurationS > 10 {
		t.Errorf("interrupted run: interrupted %v, %d operations over %.1f s", out.Interrupted, total(out), out.Measure.DurationS)
	}
}

// lossy acknowledges every 50th update without storing it, as a store
// that loses acknowledged writes would.
type lossy struct{ driver.Driver }

type lossySession struct {
	driver.Session
	n int
}

func (l lossy) Session(ctx context.Context) (driver.Session, error) {
	s, err := l.Driver.Session(ctx)
	return &lossySession{Session: s}, err
}

func (s *lossySession) Update(ctx context.Context, k, v []byte) error {
	if s.n++; s.n%50 == 0 {
		return nil
	}
	return s.Session.Update(ctx, k, v)
}

// Verify mode finds writes that were acknowledged but lost.
func TestVerifyFindsLoss(t *testing.T) {
	d, _ := memory.Open(context.Background(), driver.Config{Timeout: time.Second})
	s := spec(func(s *workload.Spec) {
		s.Verify = true
		s.Operations = workload.Operations{Read: 0.5, Update: 0.5}
		s.Keys.Distribution = workload.Uniform
		s.Phases.Duration = workload.Duration(time.Second)
	})
	e, _ := New(Config{Spec: s, Driver: lossy{d}, Start: time.Now()})
	out, err := e.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v := out.Verify; !v.Failed || v.Lost == 0 || v.Stale == 0 {
		t.Errorf("verify against a store losing every 50th update = %+v, want lost records and stale reads", v)
	}
}
