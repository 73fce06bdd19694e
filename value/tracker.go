package value

import (
	"sync"
)

// Tracker remembers, for every key written in verify mode, the last
// acknowledged write and any write whose outcome is unknown (it failed, but
// may have been applied). Writes to one key are serialised through it, so
// the order of acknowledgements is the order of writes and a stale or lost
// value can be told from a race.
//
// Keys are record numbers. Locking: each stripe's mutex guards its map and
// is held from Begin to End of a write, and briefly by Expect.
type Tracker struct {
	stripes [1024]stripe
}

type stripe struct {
	mu sync.Mutex
	m  map[int64]state
}

type state struct {
	acked   uint64 // version of the last acknowledged write; 0 = none
	deleted bool   // the last acknowledged write was a delete
	unknown uint64 // version of a later write that failed: maybe applied
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker {
	t := &Tracker{}
	for i := range t.stripes {
		t.stripes[i].m = make(map[int64]state)
	}
	return t
}

func (t *Tracker) stripe(k int64) *stripe { return &t.stripes[uint64(k)%uint64(len(t.stripes))] }

// Write is a write in progress, from Tracker.Begin.
type Write struct {
	s       *stripe
	key     int64
	Version uint64 // the version to write
}

// Begin starts a write of key and returns the version to write. The caller
// must call End, with the outcome, before writing key again.
func (t *Tracker) Begin(key int64) Write {
	s := t.stripe(key)
	s.mu.Lock()
	st := s.m[key]
	return Write{s: s, key: key, Version: max(st.acked, st.unknown) + 1}
}

// End records a write's outcome: acknowledged, or failed (maybe applied).
func (w Write) End(acked, deleted bool) {
	st := w.s.m[w.key]
	if acked {
		st = state{acked: w.Version, deleted: deleted}
	} else {
		st.unknown = w.Version
	}
	w.s.m[w.key] = st
	w.s.mu.Unlock()
}

// Expectation is what a read of a key may return.
type Expectation struct {
	Version uint64 // the last acknowledged version, 0 if none
	Deleted bool
	Unknown uint64 // a newer version that may have been applied
}

// Expect returns what a read of key starting now must at least see.
func (t *Tracker) Expect(key int64) Expectation {
	s := t.stripe(key)
	s.mu.Lock()
	st := s.m[key]
	s.mu.Unlock()
	return Expectation{Version: st.acked, Deleted: st.deleted, Unknown: st.unknown}
}

// Loaded records that the load phase wrote version 1 of keys [from, to).
func (t *Tracker) Loaded(from, to int64) {
	for k := from; k < to; k++ {
		s := t.stripe(k)
		s.mu.Lock()
		s.m[k] = state{acked: 1}
		s.mu.Unlock()
	}
}

// Keys calls fn for every tracked key with what it must hold. It must not
// run concurrently with writes.
func (t *Tracker) Keys(fn func(key int64, e Expectation)) {
	for i := range t.stripes {
		s := &t.stripes[i]
		for k, st := range s.m {
			fn(k, Expectation{Version: st.acked, Deleted: st.deleted, Unknown: st.unknown})
		}
	}
}

// Verdict is the outcome of checking one read against an expectation.
type Verdict uint8

// The verdicts of Judge.
const (
	Good    Verdict = iota
	Corrupt         // the checksum does not match
	Stale           // an older version than acknowledged, or missing although written
	Revived         // found although its deletion was acknowledged
)

// Judge checks what a read returned (found, and if so the value) against
// what was acknowledged before it started.
func Judge(key []byte, found bool, v []byte, e Expectation) Verdict {
	if !found {
		if e.Version == 0 || e.Deleted {
			return Good
		}
		return Stale
	}
	version, ok := Check(key, v)
	if !ok {
		return Corrupt
	}
	switch {
	case e.Deleted && version <= e.Version:
		return Revived
	case version < e.Version && version != e.Unknown:
		return Stale
	}
	return Good
}
