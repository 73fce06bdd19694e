// Package recorder measures a run: it counts every operation's outcome and
// latency into one-second windows on the run clock, decides when a window
// is final, merges final windows into the run's totals, and bounds its
// memory over a run of any length.
//
// An operation belongs to the window in which it started. A window becomes
// final once it has closed and every operation started in it has been
// recorded: each worker publishes the window of its operation in flight,
// and the collector seals a closed window and then waits until no worker
// is still in it (a store-then-load handshake on both sides, so no
// operation can slip into a sealed window unseen).
//
// The hot path (Begin, End) takes no lock and allocates nothing: a worker
// stores into its own cache line and adds atomically to the window's
// counters and lock-free HDR histograms.
package recorder

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/workload"
)

// ring is the number of window slots: windows still waiting for a worker
// more than this many seconds are closed as invalid.
const ring = 64

// sealGrace is how long after its end a window is sealed, so that an
// operation that read the clock just before the end finds it still open.
const sealGrace = 5 * time.Millisecond

// Options configure a recorder.
type Options struct {
	// Ops are the operations the workload issues; others are not recorded.
	Ops []workload.Op
	// Intended records intended-time latency as well (open loop).
	Intended bool
	// FullSpan is how long windows are kept at one-second resolution;
	// older ones are replaced by one-minute windows. 0 means 1 h.
	FullSpan time.Duration
	// Offset is added to every window's start: the time on the run clock
	// at which the recorder's clock starts.
	Offset time.Duration
	// MeasureStart is when, on the recorder's clock, the measure phase
	// starts (a whole second); windows before it are warm-up windows and
	// are not counted in the totals.
	MeasureStart time.Duration
}

// Recorder records a run. Create it with New, register workers with
// Worker, and call Collect regularly (Run does) until Flush.
type Recorder struct {
	opts  Options
	start time.Time // the recorder clock's zero

	slots     [ring]atomic.Pointer[Window]
	newWindow func() *Window

	workersMu sync.Mutex
	workers   atomic.Pointer[[]*Worker] // copy-on-write list, read by the collector

	// mu guards the fields below, which only the collector and readers touch.
	mu struct {
		sync.Mutex
		next     int64           // index of the next window to finalize
		free     []*Window       // finalized windows, reset, for reuse (a few megabytes each)
		prepared int64           // highest index prepared
		done     []result.Window // final one-second windows
		minute   *block          // the current minute, for downsampling
		spare    *cells          // the cells of the last closed block, for reuse
		blocks   []result.Window // closed blocks waiting to replace their windows
		coarse   []result.Window // windows that replaced older one-second ones
		totals   *cells          // one stripe
		scratch  *cells          // one stripe: a window's stripes merged
		late     int64
		skipped  int64
		last     *result.Window // the newest final measure window
		count    int64          // measure operations so far
		errors   int64
	}
}

// Window is one window being filled.
type Window struct {
	index   int64
	phase   string
	sealed  atomic.Bool
	forced  atomic.Bool // closed as invalid while a worker was still in it: never reused
	cells   *cells
	skipped atomic.Int64
}

// New returns a recorder whose run clock starts at start.
func New(start time.Time, opts Options) *Recorder {
	if opts.FullSpan <= 0 {
		opts.FullSpan = time.Hour
	}
	r := &Recorder{opts: opts, start: start}
	n := stripes()
	r.newWindow = func() *Window { return &Window{cells: newCells(opts, n)} }
	r.mu.totals = newCells(opts, 1)
	r.mu.scratch = newCells(opts, 1)
	r.mu.prepared = -1
	empty := []*Worker{}
	r.workers.Store(&empty)
	r.prepare(0)
	return r
}

// Start returns the run clock's zero.
func (r *Recorder) Start() time.Time { return r.start }

// Now returns the run clock: the time since its zero.
func (r *Recorder) Now() time.Duration { return time.Since(r.start) }

// phaseOf returns the phase of window idx.
func (r *Recorder) phaseOf(idx int64) string {
	if time.Duration(idx)*time.Second >= r.opts.MeasureStart {
		return "measure"
	}
	return "warmup"
}

// Worker is one worker's handle. It is used by one goroutine.
type Worker struct {
	_      [64]byte // keep cur on a cache line of its own
	cur    atomic.Int64
	_      [56]byte
	r      *Recorder
	stripe int
}

const idle = -1

// Worker registers a new worker.
func (r *Recorder) Worker() *Worker {
	r.workersMu.Lock()
	defer r.workersMu.Unlock()
	old := *r.workers.Load()
	w := &Worker{r: r, stripe: len(old)}
	w.cur.Store(idle)
	list := append(append(make([]*Worker, 0, len(old)+1), old...), w)
	r.workers.Store(&list)
	return w
}

// Begin marks the start of an operation at run-clock time now and returns
// the window it belongs to. Every Begin must be followed by End.
func (w *Worker) Begin(now time.Duration) *Window {
	idx := int64(now / time.Second)
	for range 3 {
		w.cur.Store(idx)
		win := w.r.slots[idx%ring].Load()
		if win == nil || win.index < idx {
			break // not prepared yet: the collector lags, or the process was paused
		}
		if win.index == idx && !win.sealed.Load() {
			return win
		}
		// Sealed, or its slot moved on: this worker was delayed past the
		// window's end, so the operation belongs to the current window.
		idx = max(int64(w.r.Now()/time.Second), idx+1)
	}
	// No window can take the operation; End counts it in the totals only.
	w.cur.Store(idle)
	return nil
}

// End records an operation that started in win (from Begin): its class,
// service time and, in an open loop, intended-time latency.
func (w *Worker) End(win *Window, op workload.Op, class driver.Class, service, intended time.Duration) {
	if win == nil || win.forced.Load() {
		w.r.late(op, class, service, intended)
		w.cur.Store(idle)
		return
	}
	win.cells.record(w.stripe, op, class, service, intended)
	w.cur.Store(idle)
}

// late counts an operation that no window could take, in the totals.
func (r *Recorder) late(op workload.Op, class driver.Class, service, intended time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mu.late++
	if r.phaseOf(int64(r.Now()/time.Second)) == "measure" {
		r.mu.totals.record(0, op, class, service, intended)
	}
}

// Skip counts an open-loop operation skipped at run-clock time now because
// it could not start within the deadline of its scheduled time.
func (r *Recorder) Skip(now time.Duration) {
	idx := int64(now / time.Second)
	if win := r.slots[idx%ring].Load(); win != nil && win.index == idx {
		win.skipped.Add(1)
		return
	}
	r.mu.Lock()
	r.mu.skipped++
	r.mu.Unlock()
}

// prepare puts fresh windows in the slots of cur and cur+1; windows
// between the last prepared one and cur are never prepared, and Collect
// reports them missing. r.mu is held.
func (r *Recorder) prepare(cur int64) {
	for idx := max(r.mu.prepared+1, cur); idx <= cur+1; idx++ {
		var win *Window
		if k := len(r.mu.free); k > 0 {
			win, r.mu.free = r.mu.free[k-1], r.mu.free[:k-1]
		} else {
			win = r.newWindow()
		}
		win.index, win.phase = idx, r.phaseOf(idx)
		win.forced.Store(false)
		win.sealed.Store(false)
		r.slots[idx%ring].Store(win)
		r.mu.prepared = idx
	}
}

// Collect finalizes, in order, the windows that have closed by run-clock
// time now and whose operations have all been recorded, and prepares the
// next ones. Run calls it every 10 ms; tests call it with a simulated
// clock. It returns the number of windows finalized.
func (r *Recorder) Collect(now time.Duration) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur := int64(now / time.Second)
	n := 0
	for r.mu.next < cur {
		idx := r.mu.next
		win := r.slots[idx%ring].Load()
		if win == nil || win.index != idx {
			// Never prepared (the collector was not running): no data
			// arrived, which is missing, not zero.
			r.appendWindow(result.Window{StartS: float64(idx) + r.opts.Offset.Seconds(), DurationS: 1, Phase: r.phaseOf(idx), State: result.WindowMissing}, nil)
			r.mu.next++
			n++
			continue
		}
		if now < time.Duration(idx+1)*time.Second+sealGrace {
			break
		}
		win.sealed.Store(true)
		if r.busy(idx) {
			if cur-idx < ring-2 {
				break // a worker is still in it; later windows wait their turn
			}
			// Its slot is about to be needed: close it as invalid, and
			// never reuse it, since a worker still holds it.
			win.forced.Store(true)
		}
		r.finalize(win)
		r.mu.next++
		n++
	}
	r.prepare(cur)
	return n
}

// busy reports whether any worker has an operation in flight in window idx.
func (r *Recorder) busy(idx int64) bool {
	for _, w := range *r.workers.Load() {
		if w.cur.Load() == idx {
			return true
		}
	}
	return false
}

// finalize turns a sealed window into its summary, merges a measure window
// into the totals and keeps the window for reuse. r.mu is held.
func (r *Recorder) finalize(win *Window) {
	state := result.WindowFinal
	if win.forced.Load() {
		state = result.WindowInvalid
	}
	c := r.mu.scratch
	c.reset()
	c.merge(win.cells)
	w := summarize(c, float64(win.index)+r.opts.Offset.Seconds(), 1, win.phase, state)
	w.Skipped = win.skipped.Load()
	if win.phase == "measure" {
		r.mu.totals.merge(c)
		r.mu.skipped += w.Skipped
		for _, o := range w.Ops {
			r.mu.count += o.Count
			r.mu.errors += o.Errors
		}
		last := w
		r.mu.last = &last
	}
	r.appendWindow(w, c)
	if !win.forced.Load() {
		win.cells.reset()
		win.skipped.Store(0)
		r.mu.free = append(r.mu.free, win)
	}
}

// Flush finalizes every window up to run-clock time end, waiting for
// operations in flight in them; call it once the workers have stopped. The
// last window may be shorter than a second.
func (r *Recorder) Flush(end time.Duration) {
	for {
		r.Collect(end + time.Second + sealGrace)
		r.mu.Lock()
		done := r.mu.next > int64(end/time.Second)
		r.mu.Unlock()
		if done {
			break
		}
		time.Sleep(time.Millisecond)
	}
	// Trim the last window's duration to the end of the run, and drop a
	// window that starts exactly at the end.
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.mu.done); n > 0 {
		last := &r.mu.done[n-1]
		if d := end.Seconds() + r.opts.Offset.Seconds() - last.StartS; d <= 0 {
			r.mu.done = r.mu.done[:n-1]
		} else if d < last.DurationS {
			last.DurationS = d
		}
	}
}

// Run calls Collect every 10 ms until ctx is done.
func (r *Recorder) Run(done <-chan struct{}) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			r.Collect(r.Now())
		}
	}
}
