// Package engine runs a workload against a driver: the load phase, the
// warm-up and measure phases with their workers and pacer, and the verify
// phase. It measures through the recorder and returns the run's figures
// for the result document. While it runs, its Control changes the rate,
// the concurrency and the operation mix, each change an event.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/generator"
	"github.com/statebench/statebench/recorder"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/value"
	"github.com/statebench/statebench/workload"
)

// Config is what an engine runs.
type Config struct {
	Spec   workload.Spec
	Driver driver.Driver
	Logger *slog.Logger
	// Start is the run clock's zero (the result's started_at).
	Start time.Time
	// FullSpan is how long windows are kept at one-second resolution (0: 1 h).
	FullSpan time.Duration
}

// Engine runs one workload once.
type Engine struct {
	cfg  Config
	spec workload.Spec
	log  *slog.Logger

	ks      *generator.Keyspace
	seq     atomic.Int64
	tracker *value.Tracker // nil unless verifying

	rate     atomic.Uint64 // float64 bits: ops/s of an open loop
	target   atomic.Int64  // the number of workers wanted
	mix      atomic.Pointer[mix]
	timeouts bool // put a deadline on each call's context

	phase  atomic.Pointer[string]
	loaded atomic.Int64
	rec    atomic.Pointer[recorder.Recorder]
	verify verifyCounts
	stopAt atomic.Int64 // recorder-clock time at which workers start no more operations

	mu struct {
		sync.Mutex
		events  []result.Event
		workers int // workers started so far (their indexes are 0..workers-1)
	}
	wg      sync.WaitGroup
	runCtx  context.Context
	queue   chan time.Duration // open loop: scheduled times
	gate    chan struct{}      // closed when the workers may start
	control chan struct{}
}

// mix is a cumulative operation mix, swapped whole by SetMix.
type mix struct {
	cum [workload.NumOps]float64
}

func newMix(o workload.Operations) *mix {
	m := &mix{}
	sum := 0.0
	for i, p := range o.Proportions() {
		sum += p
		m.cum[i] = sum
	}
	m.cum[workload.NumOps-1] = math.Inf(1)
	return m
}

func (m *mix) pick(r *rand.Rand) workload.Op {
	u := r.Float64()
	for i, c := range m.cum {
		if u < c {
			return workload.Op(i)
		}
	}
	return workload.Read
}

type verifyCounts struct {
	checked, corrupt, stale atomic.Int64
}

// New returns an engine for a validated spec and an open driver.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Spec.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{cfg: cfg, spec: cfg.Spec, log: cfg.Logger.With("component", "engine")}
	e.ks = generator.NewKeyspace(cfg.Spec.Records)
	if cfg.Spec.Verify {
		e.tracker = value.NewTracker()
	}
	e.rate.Store(math.Float64bits(cfg.Spec.Load.Rate))
	e.stopAt.Store(math.MaxInt64)
	e.target.Store(int64(cfg.Spec.Load.Workers()))
	e.mix.Store(newMix(cfg.Spec.Operations))
	te, ok := cfg.Driver.(driver.TimeoutEnforcer)
	e.timeouts = !ok || !te.EnforcesTimeout()
	p := "idle"
	e.phase.Store(&p)
	return e, nil
}

// Outcome is what a run measured: the parts of the result document the
// engine fills in.
type Outcome struct {
	Load       *result.LoadPhase
	Measure    result.Span
	Ops        map[string]result.OpSummary
	Skipped    int64
	Late       int64
	Windows    []result.Window
	Histograms []result.Histogram
	Events     []result.Event
	Verify     *result.Verify
	// Interrupted is true when the context was cancelled before the
	// measure phase's end.
	Interrupted bool
}

func (e *Engine) event(kind, msg string, data map[string]string) {
	at := time.Since(e.cfg.Start).Seconds()
	e.mu.Lock()
	e.mu.events = append(e.mu.events, result.Event{AtS: math.Round(at*1000) / 1000, Kind: kind, Message: msg, Data: data})
	e.mu.Unlock()
}

func (e *Engine) setPhase(p string) {
	e.phase.Store(&p)
	e.event("phase", p, nil)
	if n, ok := e.cfg.Driver.(driver.PhaseNotifier); ok {
		n.PhaseStarted(p, time.Now())
	}
}

// Run runs the phases. Cancelling ctx ends the run early: during the
// measure phase, it ends the phase at once, finishes the current window
// and returns the partial figures with Interrupted set. Errors are for
// runs that could not happen (the load phase failed as a whole); failed
// operations are figures, not errors.
func (e *Engine) Run(ctx context.Context) (*Outcome, error) {
	out := &Outcome{}
	if e.spec.Phases.Load {
		lp, err := e.load(ctx)
		out.Load = lp
		if err != nil {
			out.Events = e.events()
			return out, err
		}
	}
	if ctx.Err() != nil {
		out.Interrupted = true
		out.Events = e.events()
		return out, nil
	}
	warm := e.spec.Phases.Warmup.D()
	// Measure from the first whole second after the warm-up.
	measureStart := warm.Truncate(time.Second)
	if measureStart < warm {
		measureStart += time.Second
	}
	// Start the recorder on a whole second of the run clock, so that host
	// observers sampling on whole seconds share the windows, and with a
	// margin for the workers to open their sessions before it.
	offset := (time.Since(e.cfg.Start) + 200*time.Millisecond).Truncate(time.Second) + time.Second
	rec := recorder.New(e.cfg.Start.Add(offset), recorder.Options{
		Ops:          e.usedOps(),
		Intended:     e.spec.Load.Model == workload.Open,
		FullSpan:     e.cfg.FullSpan,
		Offset:       offset,
		MeasureStart: measureStart,
	})
	runCtx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	e.runCtx = runCtx
	if e.spec.Load.Model == workload.Open {
		e.queue = make(chan time.Duration, max(e.spec.Load.Workers(), 1)*2)
	}
	e.control = make(chan struct{}, 1)
	e.gate = make(chan struct{})
	e.adjustWorkers(rec) // they open their sessions and wait at the gate
	if !sleep(ctx, time.Until(e.cfg.Start.Add(offset))) {
		stopWorkers()
		e.wg.Wait()
		out.Interrupted = true
		out.Events = e.events()
		return out, nil
	}
	e.rec.Store(rec)
	collectDone := make(chan struct{})
	var collector sync.WaitGroup
	collector.Add(1)
	go func() { defer collector.Done(); rec.Run(collectDone) }()
	if measureStart > 0 {
		e.setPhase("warmup")
	} else {
		e.setPhase("measure")
	}
	close(e.gate)
	var pacer sync.WaitGroup
	if e.queue != nil {
		pacer.Add(1)
		go func() { defer pacer.Done(); e.pace(runCtx, rec) }()
	}

	interrupted := false
	if measureStart > 0 {
		interrupted = !e.waitUntil(ctx, rec, measureStart)
		if !interrupted {
			e.setPhase("measure")
		}
	}
	measureEnd := time.Duration(math.MaxInt64)
	if d := e.spec.Phases.Duration.D(); d > 0 {
		measureEnd = measureStart + d
	}
	e.stopAt.Store(int64(measureEnd))
	if !interrupted {
		interrupted = !e.waitUntil(ctx, rec, measureEnd)
	}
	end := min(rec.Now(), measureEnd)
	e.stopAt.Store(int64(end))
	if interrupted {
		e.event("interrupt", "interrupted: measure phase ended early", nil)
	}
	// Workers start nothing more and finish the operations they have in
	// flight, so that the last window holds their outcomes rather than
	// cancellations; only operations still running after the timeout are
	// cancelled.
	pacer.Wait()
	if !waitGroup(&e.wg, e.spec.Timeout.D()+time.Second) {
		stopWorkers()
		e.wg.Wait()
	}
	stopWorkers()
	close(collectDone)
	collector.Wait()
	rec.Flush(end)

	measured := max(end-measureStart, 0)
	out.Interrupted = interrupted
	out.Measure = result.Span{StartS: (offset + measureStart).Seconds(), DurationS: measured.Seconds()}
	out.Ops, out.Histograms = rec.Totals(measured)
	out.Skipped, out.Late = rec.Skipped()
	out.Windows = rec.Windows()
	if e.tracker != nil {
		out.Verify = &result.Verify{Checked: e.verify.checked.Load(), Corrupt: e.verify.corrupt.Load(), Stale: e.verify.stale.Load()}
		if !interrupted {
			e.setPhase("verify")
			e.verifyAll(ctx, out.Verify)
		}
		v := out.Verify
		v.Failed = v.Corrupt+v.Stale+v.Missing+v.Lost > 0
	}
	out.Events = e.events()
	return out, nil
}

func (e *Engine) events() []result.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]result.Event(nil), e.mu.events...)
}

func (e *Engine) usedOps() []workload.Op {
	var ops []workload.Op
	for op, p := range e.spec.Operations.Proportions() {
		if p > 0 {
			ops = append(ops, workload.Op(op))
		}
	}
	return ops
}

// waitUntil waits until the recorder's clock reaches t, handling control
// requests, and reports false if ctx was cancelled first.
func (e *Engine) waitUntil(ctx context.Context, rec *recorder.Recorder, t time.Duration) bool {
	for {
		left := t - rec.Now()
		if left <= 0 {
			return true
		}
		timer := time.NewTimer(left)
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-e.control:
			timer.Stop()
			e.adjustWorkers(rec)
		case <-timer.C:
			return true
		}
	}
}

// waitGroup waits for wg at most d and reports whether it finished.
func waitGroup(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// adjustWorkers starts workers up to the target; workers above the target
// stop by themselves.
func (e *Engine) adjustWorkers(rec *recorder.Recorder) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := e.mu.workers; i < int(e.target.Load()); i++ {
		e.wg.Add(1)
		go e.worker(i, rec)
		e.mu.workers++
	}
}

// Phase returns the current phase: idle, load, warmup, measure, verify.
func (e *Engine) Phase() string { return *e.phase.Load() }

// Loaded returns the records the load phase has written so far.
func (e *Engine) Loaded() int64 { return e.loaded.Load() }

// Recorder returns the run's recorder once the warm-up has started, nil before.
func (e *Engine) Recorder() *recorder.Recorder { return e.rec.Load() }

// Control changes a running engine. Each change is an event in the run's
// timeline. It is safe for concurrent use.
type Control struct{ e *Engine }

// Control returns the engine's control handle.
func (e *Engine) Control() Control { return Control{e} }

// SetRate changes an open loop's rate in operations per second.
func (c Control) SetRate(r float64) error {
	if c.e.spec.Load.Model != workload.Open {
		return errors.New("setting the rate: the run is a closed loop")
	}
	if !(r > 0) || math.IsInf(r, 0) {
		return fmt.Errorf("setting the rate: %g, want a rate above 0", r)
	}
	c.e.rate.Store(math.Float64bits(r))
	c.e.event("rate", fmt.Sprintf("rate set to %g ops/s", r), map[string]string{"rate": strconv.FormatFloat(r, 'g', -1, 64)})
	return nil
}

// SetConcurrency changes the number of workers (in an open loop, the most
// operations in flight).
func (c Control) SetConcurrency(n int) error {
	if n < 1 || n > 1<<16 {
		return fmt.Errorf("setting the concurrency: %d, want 1 to 65536", n)
	}
	c.e.target.Store(int64(n))
	c.e.event("concurrency", fmt.Sprintf("concurrency set to %d", n), map[string]string{"concurrency": strconv.Itoa(n)})
	select {
	case c.e.control <- struct{}{}:
	default:
	}
	return nil
}

// SetMix changes the operation mix; its proportions must sum to 1.
func (c Control) SetMix(o workload.Operations) error {
	s := c.e.spec
	s.Operations = o
	if err := s.Validate(); err != nil {
		return fmt.Errorf("setting the mix: %w", err)
	}
	for op, p := range o.Proportions() {
		if p > 0 && c.e.spec.Operations.Proportions()[op] == 0 {
			return fmt.Errorf("setting the mix: %s is not an operation of this workload (the mix can change the proportions of its operations)", workload.Op(op))
		}
	}
	c.e.mix.Store(newMix(o))
	data := map[string]string{}
	for op, p := range o.Proportions() {
		if p > 0 {
			data[workload.Op(op).String()] = strconv.FormatFloat(p, 'g', -1, 64)
		}
	}
	c.e.event("mix", "operation mix changed", data)
	return nil
}
