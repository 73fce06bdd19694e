// Package observe records host evidence during a run, on the run's clock and
// in the same one-second windows as the client's latency, so that "p99 got
// worse" comes with the disk, CPU and scheduler figures that explain it.
//
// Four observers are built in, selected by name:
//
//   - host: CPU split, load, run queue, memory, per-disk iostat figures,
//     network and TCP retransmits, context switches (from /proc and /sys).
//   - process: CPU, memory, I/O and context switches of one process:
//     statebench itself, or the one named by Config.PID or Config.ProcessName.
//   - biolatency: block I/O latency histograms per disk and operation, with
//     queue time and I/O sizes (eBPF).
//   - runqlat: CPU run-queue latency histograms, whole host and for the named
//     process (eBPF).
//
// "auto" selects all four, and "none" selects none. An observer that cannot
// run here (the eBPF ones without root or CAP_BPF+CAP_PERFMON, or without
// kernel BTF) is recorded as unavailable with a reason, one notice line per
// distinct reason goes to Config.Notices, and the run goes on.
//
// The run command uses it like this:
//
//	obs, err := observe.Start(ctx, observe.Config{
//		Names: []string{"auto"}, Start: runStart, Logger: logger, Notices: os.Stderr,
//	})
//	if err != nil { ... } // bad configuration: an unknown name, no such process
//	... run ...
//	doc.Observers = obs.Stop()
//
// Each observer samples on its own ticker at Start+k seconds and records the
// change since its previous reading as the window [k-1, k). A reading more
// than 250 ms off its tick leaves its window missing (it still counts towards
// the per-run totals). Stop takes a last reading, so totals lose nothing.
//
// WriteSummary, Samples and Heatmaps read recorded observers back for show,
// compare and the HTML report.
package observe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/statebench/statebench/result"
)

// Observer records one kind of host evidence, window by window. The package
// calls its methods one at a time, never concurrently, in the order Start,
// Sample any number of times, Stop.
type Observer interface {
	// Start acquires what the observer reads (files, eBPF programs) and takes
	// the baseline reading. An error means the observer cannot run on this
	// host; its text becomes the recorded reason, so it should say what is
	// missing and how to remedy it.
	Start() error
	// Sample takes a reading and records through w the change since the
	// previous one. It must not block for long: it runs once a second.
	// An error leaves the window missing; the observer goes on.
	Sample(w *Window) error
	// Stop releases what Start acquired.
	Stop() error
}

// informer is an Observer that can say how it observes (an eBPF attach
// mode); Info is called once, after a successful Start.
type informer interface {
	Info() map[string]string
}

// target is the process the process and runqlat observers watch.
type target struct {
	pid      int
	comm     string
	explicit bool // named by Config.PID or Config.ProcessName, not defaulted to self
}

func (t target) String() string { return fmt.Sprintf("pid %d (%s)", t.pid, t.comm) }

// constructor builds an observer of the named kind for a target process.
type constructor func(t target, logger *slog.Logger) Observer

// builtin is a built-in observer kind.
type builtin struct {
	name string
	new  constructor
}

// builtins names every built-in observer; auto selects them in this order,
// and results come in this order.
var builtins = []builtin{
	{"host", newHost},
	{"process", newProcess},
	{"biolatency", newBiolatency},
	{"runqlat", newRunqlat},
}

// ErrUnknownObserver is wrapped by Start's error for a name that names no
// observer; the CLI maps it to its invalid-argument exit code.
var ErrUnknownObserver = errors.New("unknown observer")

// Config says what to observe.
type Config struct {
	// Names selects observers by name; "auto" (the default, for an empty
	// list) is every built-in observer and "none" is none.
	Names []string
	// PID names the process for the process and runqlat observers, and
	// ProcessName names it by its command name (comm or argv[0]'s base
	// name), which must match exactly one process. Without either the
	// process observer watches statebench itself and runqlat only the host.
	PID         int
	ProcessName string
	// Start is the run clock's zero (the document's StartedAt): windows are
	// [Start+k s, Start+k+1 s). Zero means now.
	Start time.Time
	// Logger gets diagnostics (nil: none) and Notices the one-line notices
	// for the user about unavailable observers (nil: none), usually stderr.
	Logger  *slog.Logger
	Notices io.Writer
}

// resolved returns the observer names selected, in builtin order, with the
// defaults applied, or an error naming the first bad name.
func (c Config) resolved() ([]string, error) {
	names := c.Names
	if len(names) == 0 {
		names = []string{"auto"}
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		switch n {
		case "auto":
			for _, b := range builtins {
				want[b.name] = true
			}
		case "none":
		default:
			if !slices.ContainsFunc(builtins, func(b builtin) bool { return b.name == n }) {
				return nil, fmt.Errorf("%w %q (known: auto, none, %s)", ErrUnknownObserver, n, strings.Join(knownNames(), ", "))
			}
			want[n] = true
		}
	}
	var out []string
	for _, b := range builtins {
		if want[b.name] {
			out = append(out, b.name)
		}
	}
	return out, nil
}

func knownNames() []string {
	var names []string
	for _, b := range builtins {
		names = append(names, b.name)
	}
	return names
}

// Validate checks the configuration without touching the host.
func (c Config) Validate() error {
	if _, err := c.resolved(); err != nil {
		return err
	}
	if c.PID < 0 {
		return fmt.Errorf("observe pid %d: must be positive", c.PID)
	}
	if c.PID != 0 && c.ProcessName != "" {
		return errors.New("observe pid and observe process name: give one, not both")
	}
	return nil
}

// Observation is a set of running observers.
type Observation struct {
	stop    chan struct{}
	wg      sync.WaitGroup
	runners []*runner
	once    sync.Once
	results []result.Observer
}

// Start validates cfg, resolves the observed process, starts every selected
// observer and returns once each has taken its baseline reading. It fails
// only for a bad configuration (wrapping ErrUnknownObserver for an unknown
// name) or a process that cannot be found; an observer that cannot run on
// this host is recorded as unavailable instead. Cancelling ctx stops the
// sampling; Stop must still be called.
func Start(ctx context.Context, cfg Config) (*Observation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	names, _ := cfg.resolved()
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "observe")
	notices := cfg.Notices
	if notices == nil {
		notices = io.Discard
	}
	start := cfg.Start
	if start.IsZero() {
		start = time.Now()
	}
	t, err := resolveTarget(cfg.PID, cfg.ProcessName)
	if err != nil {
		return nil, err
	}

	o := &Observation{stop: make(chan struct{})}
	unavailable := map[string][]string{} // reason -> observer names
	var reasons []string
	for _, name := range names {
		i := slices.IndexFunc(builtins, func(b builtin) bool { return b.name == name })
		r := newRunner(name, builtins[i].new(t, logger.With("observer", name)), start, logger)
		if name == "process" || (name == "runqlat" && t.explicit) {
			r.rec.target = t.String()
		}
		err := r.obs.Start()
		if err == nil {
			if in, ok := r.obs.(informer); ok {
				r.rec.info = in.Info()
			}
		}
		if err != nil {
			reason := err.Error()
			r.unavailable = reason
			if _, ok := unavailable[reason]; !ok {
				reasons = append(reasons, reason)
			}
			unavailable[reason] = append(unavailable[reason], name)
			logger.Debug("observer unavailable", "observer", name, "reason", reason)
		} else {
			r.rec.baseline(time.Now())
		}
		o.runners = append(o.runners, r)
	}
	for _, reason := range reasons {
		ns := unavailable[reason]
		verb := "is"
		if len(ns) > 1 {
			verb = "are"
		}
		fmt.Fprintf(notices, "statebench: observer %s %s unavailable: %s\n", strings.Join(ns, ", "), verb, reason)
	}
	for _, r := range o.runners {
		if r.unavailable != "" {
			continue
		}
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			r.run(ctx, o.stop)
		}()
	}
	return o, nil
}

// Stop stops the observers, waits for their goroutines, takes each one's last
// reading and returns what they recorded, in builtin order. Calling it again
// returns the same results.
func (o *Observation) Stop() []result.Observer {
	o.once.Do(func() {
		close(o.stop)
		o.wg.Wait()
		for _, r := range o.runners {
			o.results = append(o.results, r.finish())
		}
	})
	return o.results
}

// Tolerance is how far from its tick a reading may be and still close its
// window; a reading further off leaves the window missing.
const tolerance = 250 * time.Millisecond

// runner drives one observer on its ticker.
type runner struct {
	name        string
	obs         Observer
	rec         *recording
	logger      *slog.Logger
	unavailable string // the reason, when Start failed
}

func newRunner(name string, obs Observer, start time.Time, logger *slog.Logger) *runner {
	return &runner{name: name, obs: obs, rec: newRecording(start), logger: logger}
}

// run samples at every tick until stop is closed or ctx is done.
func (r *runner) run(ctx context.Context, stop <-chan struct{}) {
	k := r.rec.nextTick(time.Now())
	timer := time.NewTimer(time.Until(r.rec.tick(k)))
	defer timer.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		r.sample(now)
		k = r.rec.nextTick(now)
		timer.Reset(time.Until(r.rec.tick(k)))
	}
}

func (r *runner) sample(now time.Time) {
	w := r.rec.window(now)
	if err := r.obs.Sample(w); err != nil {
		r.logger.Debug("sample failed", "observer", r.name, "err", err)
		r.rec.fail(w)
		return
	}
	r.rec.commit(w)
}

// finish takes the last reading, stops the observer and returns its record.
func (r *runner) finish() result.Observer {
	if r.unavailable != "" {
		return result.Observer{Name: r.name, Status: result.ObserverUnavailable, Reason: r.unavailable}
	}
	r.sample(time.Now())
	if err := r.obs.Stop(); err != nil {
		r.logger.Warn("stopping observer", "observer", r.name, "err", err)
	}
	return r.rec.result(r.name)
}
