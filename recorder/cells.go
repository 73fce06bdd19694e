package recorder

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/statebench/statebench/driver"
	"github.com/statebench/statebench/recorder/hdr"
	"github.com/statebench/statebench/workload"
)

// Latency kinds index a cell's histograms.
const (
	kindService = iota
	kindIntended
)

// cells hold a window's (or the totals') counters and histograms per
// operation. Successful operations, the common case, are recorded into one
// of several stripes chosen by worker, so that workers on different cores
// rarely add to the same cache line; their count is their histogram's
// count. Failures and not-found reads, rare, share one set of counters.
type cells struct {
	ok   [][workload.NumOps][2]*hdr.Histogram // [stripe][op][kind]
	errs [workload.NumOps]*errCell
}

type errCell struct {
	classes [driver.NumClasses]atomic.Int64 // NotFound and the error classes
	hist    [2]*hdr.Histogram               // [kind], failed operations only
}

// stripes returns the number of stripes of a window: enough that two
// running workers seldom share one.
func stripes() int { return min(max(4, 2*runtime.GOMAXPROCS(0)), 16) }

func newCells(o Options, nstripes int) *cells {
	c := &cells{ok: make([][workload.NumOps][2]*hdr.Histogram, nstripes)}
	kinds := 1
	if o.Intended {
		kinds = 2
	}
	for _, op := range o.Ops {
		for s := range c.ok {
			for k := 0; k < kinds; k++ {
				c.ok[s][op][k] = hdr.New(hdr.Latency)
			}
		}
		e := &errCell{}
		for k := 0; k < kinds; k++ {
			e.hist[k] = hdr.New(hdr.Latency)
		}
		c.errs[op] = e
	}
	return c
}

func (c *cells) record(stripe int, op workload.Op, class driver.Class, service, intended time.Duration) {
	e := c.errs[op]
	if e == nil {
		return
	}
	hs := &e.hist
	if class == driver.OK || class == driver.NotFound {
		hs = &c.ok[stripe%len(c.ok)][op]
		if class == driver.NotFound {
			e.classes[class].Add(1)
		}
	} else {
		e.classes[class].Add(1)
	}
	hs[kindService].Record(int64(service))
	if h := hs[kindIntended]; h != nil {
		h.Record(int64(intended))
	}
}

func (c *cells) reset() {
	for s := range c.ok {
		for _, hs := range c.ok[s] {
			for _, h := range hs {
				if h != nil {
					h.Reset()
				}
			}
		}
	}
	for _, e := range c.errs {
		if e == nil {
			continue
		}
		for i := range e.classes {
			e.classes[i].Store(0)
		}
		for _, h := range e.hist {
			if h != nil {
				h.Reset()
			}
		}
	}
}

// merge adds every stripe of o into c's first stripe.
func (c *cells) merge(o *cells) {
	for s := range o.ok {
		for op, hs := range o.ok[s] {
			for k, h := range hs {
				if h != nil {
					_ = c.ok[0][op][k].Merge(h) // same configuration by construction
				}
			}
		}
	}
	for op, e := range o.errs {
		if e == nil {
			continue
		}
		for i := range e.classes {
			c.errs[op].classes[i].Add(e.classes[i].Load())
		}
		for k, h := range e.hist {
			if h != nil {
				_ = c.errs[op].hist[k].Merge(h)
			}
		}
	}
}
