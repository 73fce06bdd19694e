package recorder

import (
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/result"
	"github.com/statebench/statebench/workload"
)

// latency summarizes a histogram in microseconds; nil when it is empty,
// because a window without operations has no percentiles (not zero ones).
func latency(h *hdr.Histogram) *result.Latency {
	if h == nil {
		return nil
	}
	s := h.Summarize(quantiles)
	if s.Count == 0 {
		return nil
	}
	us := func(ns int64) float64 { return float64(ns) / 1e3 }
	return &result.Latency{
		P50:  us(s.Quantiles[0]),
		P90:  us(s.Quantiles[1]),
		P99:  us(s.Quantiles[2]),
		P999: us(s.Quantiles[3]),
		Max:  us(s.Max),
		Mean: float64(int64(s.Mean)) / 1e3,
	}
}

var quantiles = []float64{0.50, 0.90, 0.99, 0.999}

// counts returns an operation's count, errors, errors by class and
// not-found reads, from one-stripe cells.
func counts(c *cells, op workload.Op) (count, errs int64, byClass map[string]int64, notFound int64) {
	e := c.errs[op]
	count = c.ok[0][op][kindService].Count()
	for cl := range e.classes {
		n := e.classes[cl].Load()
		switch driver.Class(cl) {
		case driver.OK:
		case driver.NotFound:
			notFound = n
		default:
			if n > 0 {
				count += n
				errs += n
				if byClass == nil {
					byClass = map[string]int64{}
				}
				byClass[driver.Class(cl).String()] = n
			}
		}
	}
	return
}

// summarize turns one-stripe cells into a window's summary.
func summarize(c *cells, start, dur float64, phase, state string) result.Window {
	w := result.Window{StartS: start, DurationS: dur, Phase: phase, State: state}
	for op, e := range c.errs {
		if e == nil {
			continue
		}
		// An operation of the workload with no operations in a final
		// window has count 0 and no latency: nothing completed, which is
		// not the same as no data.
		n, errs, byClass, nf := counts(c, workload.Op(op))
		if w.Ops == nil {
			w.Ops = map[string]result.WindowOp{}
		}
		w.Ops[workload.Op(op).String()] = result.WindowOp{
			Count: n, Errors: errs, ErrorsByClass: byClass, NotFound: nf,
			LatencyUs:         latency(c.ok[0][op][kindService]),
			IntendedLatencyUs: latency(c.ok[0][op][kindIntended]),
		}
	}
	return w
}

// block is a stretch of up to a minute of windows of one phase, summarized
// as one window once its one-second windows are older than the full span.
type block struct {
	start, end float64 // StartS of the first window, end of the last
	phase      string
	cells      *cells
	skipped    int64
	invalid    bool // a window of the block was invalid
}

// appendWindow adds a final window to the run's list, and downsamples
// windows older than the full span into one-minute windows. r.mu is held.
//
// A block is a run of consecutive windows with data within one minute and
// one phase. A missing window is never merged: it ends the block before it
// and stays a one-second missing window, so that a minute with gaps does
// not read as a minute of fewer operations.
func (r *Recorder) appendWindow(w result.Window, c *cells) {
	b := r.mu.minute
	if b != nil && (int64(b.start)/60 != int64(w.StartS)/60 || b.phase != w.Phase || w.State == result.WindowMissing) {
		r.closeBlock()
		b = nil
	}
	if w.State == result.WindowMissing {
		r.mu.blocks = append(r.mu.blocks, w)
	} else if b == nil {
		if r.mu.spare == nil {
			r.mu.spare = newCells(r.opts, 1)
		}
		b = &block{start: w.StartS, phase: w.Phase, cells: r.mu.spare}
		r.mu.spare = nil
		r.mu.minute = b
	}
	if b != nil {
		if c != nil {
			b.cells.merge(c)
		}
		b.end = w.StartS + w.DurationS
		b.skipped += w.Skipped
		b.invalid = b.invalid || w.State == result.WindowInvalid
	}
	r.mu.done = append(r.mu.done, w)

	// Replace one-second windows older than the full span by their block.
	horizon := w.StartS - r.opts.FullSpan.Seconds()
	for len(r.mu.blocks) > 0 && r.mu.blocks[0].StartS+r.mu.blocks[0].DurationS <= horizon {
		sb := r.mu.blocks[0]
		r.mu.blocks = r.mu.blocks[1:]
		i := 0
		for i < len(r.mu.done) && r.mu.done[i].StartS < sb.StartS+sb.DurationS {
			i++
		}
		r.mu.done = append(r.mu.done[:0:0], r.mu.done[i:]...)
		r.mu.coarse = append(r.mu.coarse, sb)
	}
}

// closeBlock summarizes the current block and queues it for downsampling.
func (r *Recorder) closeBlock() {
	b := r.mu.minute
	state := result.WindowFinal
	if b.invalid {
		state = result.WindowInvalid
	}
	w := summarize(b.cells, b.start, b.end-b.start, b.phase, state)
	w.Skipped = b.skipped
	r.mu.blocks = append(r.mu.blocks, w)
	b.cells.reset()
	r.mu.spare = b.cells
	r.mu.minute = nil
}

// Windows returns the final windows so far, oldest first: one-minute
// windows for the part older than the full span, one-second windows after.
func (r *Recorder) Windows() []result.Window {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]result.Window, 0, len(r.mu.coarse)+len(r.mu.done))
	out = append(out, r.mu.coarse...)
	return append(out, r.mu.done...)
}

// Totals returns the measure phase's totals per operation over a measure
// phase of the given length, and the total histograms, encoded.
func (r *Recorder) Totals(measured time.Duration) (map[string]result.OpSummary, []result.Histogram) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ops := map[string]result.OpSummary{}
	var hists []result.Histogram
	for op, e := range r.mu.totals.errs {
		if e == nil {
			continue
		}
		name := workload.Op(op).String()
		n, errs, byClass, nf := counts(r.mu.totals, workload.Op(op))
		ok := r.mu.totals.ok[0][op]
		s := result.OpSummary{
			Count: n, Errors: errs, ErrorsByClass: byClass, NotFound: nf,
			LatencyUs:         latency(ok[kindService]),
			IntendedLatencyUs: latency(ok[kindIntended]),
		}
		if measured > 0 {
			s.ThroughputOpsS = float64(n) / measured.Seconds()
		}
		ops[name] = s
		for out, hs := range [2][2]*hdr.Histogram{ok, e.hist} {
			for k, h := range hs {
				if h == nil || h.Count() == 0 {
					continue
				}
				hists = append(hists, result.Histogram{
					Op: name, Outcome: [2]string{"ok", "error"}[out], Kind: [2]string{"service", "intended"}[k],
					Unit: "ns", Count: h.Count(), Encoding: hdr.Encoding, Data: h.Encode(),
				})
			}
		}
	}
	return ops, hists
}

// Skipped returns the skipped operations of the measure phase, and the
// operations that no window could take.
func (r *Recorder) Skipped() (skipped, late int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.skipped, r.mu.late
}

// Progress is a glance at a run in progress.
type Progress struct {
	Count, Errors int64          // measure operations so far
	Last          *result.Window // the newest final measure window, nil before the first
}

// Progress returns the run's progress so far.
func (r *Recorder) Progress() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Progress{Count: r.mu.count, Errors: r.mu.errors, Last: r.mu.last}
}
