package observe

import (
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/statebench/statebench/observe/bpf"
	"github.com/statebench/statebench/result"
)

// Window is one reading's worth of figures, handed to Observer.Sample. The
// figures are kept only if Sample returns nil.
type Window struct {
	// Index is the number of the window the reading closes, which starts at
	// Start+Index seconds. It is -1 when the reading closes no window (it
	// was too far off its tick): rates and histograms recorded then count
	// towards the totals only, and gauges are dropped.
	Index int
	// Elapsed is the time since the previous reading.
	Elapsed time.Duration

	now     time.Time
	pending []func(*recording)
}

// Gauge records a figure read at the end of the window (memory in use, a
// load average).
func (w *Window) Gauge(name, unit string, labels map[string]string, v float64) {
	w.pending = append(w.pending, func(r *recording) {
		r.series(name, unit, labels).set(r, w.Index, v)
	})
}

// Rate records a counter's increase delta over the window as a rate per
// second: unit must end in "/s". The increase also adds to the series total.
func (w *Window) Rate(name, unit string, labels map[string]string, delta float64) {
	secs := w.Elapsed.Seconds()
	w.pending = append(w.pending, func(r *recording) {
		s := r.series(name, unit, labels)
		s.total += delta
		s.counter = true
		if secs > 0 {
			s.set(r, w.Index, delta/secs)
		}
	})
}

// Ratio records a ratio of two counters' increases over the window, num/den
// times scale (a percentage of CPU time, an average await), or nothing when
// den did not move.
func (w *Window) Ratio(name, unit string, labels map[string]string, num, den, scale float64) {
	if den <= 0 {
		w.pending = append(w.pending, func(r *recording) { r.series(name, unit, labels) })
		return
	}
	w.Gauge(name, unit, labels, num/den*scale)
}

// Histogram records the increase of a cumulative log2 histogram over the
// window (delta[i] for bucket i). With perWindow false it is kept as a
// total only.
func (w *Window) Histogram(name, unit string, labels map[string]string, delta []uint64, perWindow bool) {
	w.pending = append(w.pending, func(r *recording) {
		r.histogram(name, unit, labels, perWindow).add(r, w.Index, delta)
	})
}

// recording holds what one observer recorded. It is used by one goroutine at
// a time: Start's, then the runner's, then Stop's.
type recording struct {
	start  time.Time
	target string
	info   map[string]string

	prev time.Time // the previous reading
	// first is the index of the first window with a reading, -1 before;
	// have[i] says whether window first+i has one.
	first int
	have  []bool

	order []string // series and histogram keys, in the order first seen
	ser   map[string]*seriesRec
	hist  map[string]*histRec
}

func newRecording(start time.Time) *recording {
	return &recording{start: start, first: -1, ser: map[string]*seriesRec{}, hist: map[string]*histRec{}}
}

func (r *recording) tick(k int) time.Time { return r.start.Add(time.Duration(k) * time.Second) }

// nextTick returns the first tick after now.
func (r *recording) nextTick(now time.Time) int {
	return int(math.Floor(now.Sub(r.start).Seconds())) + 1
}

// baseline notes the time of the observer's first reading.
func (r *recording) baseline(now time.Time) { r.prev = now }

// window returns the Window a reading taken now closes.
func (r *recording) window(now time.Time) *Window {
	k := int(math.Round(now.Sub(r.start).Seconds()))
	w := &Window{Index: k - 1, Elapsed: now.Sub(r.prev), now: now}
	if k < 1 || absDur(now.Sub(r.tick(k))) > tolerance || absDur(r.prev.Sub(r.tick(k-1))) > tolerance ||
		(r.first >= 0 && k-1 < r.first+len(r.have)) {
		w.Index = -1
	}
	return w
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// commit keeps a successful reading's figures.
func (r *recording) commit(w *Window) {
	if w.Index >= 0 {
		if r.first < 0 {
			r.first = w.Index
		}
		for len(r.have) <= w.Index-r.first {
			r.have = append(r.have, false)
		}
		r.have[w.Index-r.first] = true
	}
	for _, p := range w.pending {
		p(r)
	}
	r.prev = w.now
}

// fail drops a failed reading's figures. The next reading is then further
// than one window from the last good one, so its window is missing too.
func (r *recording) fail(w *Window) {}

func seriesKey(kind, name string, labels map[string]string) string {
	var b strings.Builder
	b.WriteString(kind)
	b.WriteString(name)
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString("\x00" + k + "=" + labels[k])
	}
	return b.String()
}

type seriesRec struct {
	name, unit string
	labels     map[string]string
	vals       []float64 // vals[i] for window first+i; NaN where none
	total      float64
	counter    bool
}

func (r *recording) series(name, unit string, labels map[string]string) *seriesRec {
	key := seriesKey("s", name, labels)
	s := r.ser[key]
	if s == nil {
		s = &seriesRec{name: name, unit: unit, labels: labels}
		r.ser[key] = s
		r.order = append(r.order, key)
	}
	return s
}

func (s *seriesRec) set(r *recording, index int, v float64) {
	if index < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return
	}
	i := index - r.first
	for len(s.vals) <= i {
		s.vals = append(s.vals, math.NaN())
	}
	s.vals[i] = v
}

type histRec struct {
	name, unit string
	labels     map[string]string
	perWindow  bool
	total      [bpf.Slots]uint64
	windows    []result.WindowBuckets
}

func (r *recording) histogram(name, unit string, labels map[string]string, perWindow bool) *histRec {
	key := seriesKey("h", name, labels)
	h := r.hist[key]
	if h == nil {
		h = &histRec{name: name, unit: unit, labels: labels, perWindow: perWindow}
		r.hist[key] = h
		r.order = append(r.order, key)
	}
	return h
}

func (h *histRec) add(r *recording, index int, delta []uint64) {
	for i, d := range delta {
		h.total[min(i, bpf.Slots-1)] += d
	}
	if index < 0 || !h.perWindow {
		return
	}
	first, counts := trim(delta)
	if len(counts) == 0 {
		return
	}
	h.windows = append(h.windows, result.WindowBuckets{StartS: float64(index), First: first, Counts: slices.Clone(counts)})
}

// trim returns the non-empty middle of b and the index it starts at.
func trim(b []uint64) (first int, counts []uint64) {
	lo, hi := 0, len(b)
	for lo < hi && b[lo] == 0 {
		lo++
	}
	for hi > lo && b[hi-1] == 0 {
		hi--
	}
	return lo, b[lo:hi]
}

// result returns what was recorded as an ok observer.
func (r *recording) result(name string) result.Observer {
	out := result.Observer{Name: name, Status: result.ObserverOK, Target: r.target, Info: r.info}
	n := len(r.have)
	if r.first >= 0 {
		out.StartS = float64(r.first)
		out.Windows = n
		for i, ok := range r.have {
			if !ok {
				out.MissingS = append(out.MissingS, float64(r.first+i))
			}
		}
	}
	for _, key := range r.order {
		if s := r.ser[key]; s != nil {
			vals := make(result.Values, n)
			for i := range vals {
				vals[i] = math.NaN()
			}
			copy(vals, s.vals)
			rs := result.Series{Name: s.name, Unit: s.unit, Labels: s.labels, Values: vals}
			if s.counter {
				t := s.total
				rs.Total = &t
			}
			out.Series = append(out.Series, rs)
			continue
		}
		h := r.hist[key]
		var count uint64
		for _, c := range h.total {
			count += c
		}
		if count == 0 {
			continue
		}
		_, counts := trim(h.total[:])
		counts = slices.Clone(h.total[:len(counts)+firstNonZero(h.total[:])])
		out.Histograms = append(out.Histograms, result.LogHistogram{
			Name: h.name, Unit: h.unit, Labels: h.labels,
			Count: count, Counts: counts, Windows: h.windows,
		})
	}
	return out
}

func firstNonZero(b []uint64) int {
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return len(b)
}
