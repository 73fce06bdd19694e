// Package memory is the in-process driver: an ordered key-value map in
// memory, with optional injected latency and stalls. It measures the
// engine's own overhead and tests coordinated-omission handling:
//
//	memory://?latency=200us&stall=1s@3s
//
// adds 200 µs to every operation, and blocks every operation for 1 s
// starting 3 s into the measure phase. Several stalls are separated by
// commas (stall=1s@3s,500ms@8s).
package memory

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statebench/statebench/driver"
)

const shards = 64

// Store is the memory driver.
type Store struct {
	seed    maphash.Seed
	shards  [shards]shard
	latency time.Duration
	stalls  []stall
	timeout time.Duration
	// measureStart is when the measure phase started (unix ns), 0 before.
	measureStart atomic.Int64
}

type shard struct {
	mu sync.RWMutex
	// m finds entries by the key's hash: the map's own keys are then
	// integers held in its groups, and a lookup reaches the key bytes only
	// in the entry it needs anyway. Entries whose keys share a hash chain.
	m      map[uint64]*entry
	sorted []*entry // by key, for scans
	_      [32]byte // keep shards' locks on separate cache lines
}

// entry is a record. Its key and value share one buffer, so a lookup
// touches one more cache line than the entry, and an update rewrites the
// value in place: one lookup and no allocation.
type entry struct {
	key, v []byte // key = buf[:len(key)], v = buf[len(key):]
	next   *entry // the next entry whose key has the same hash
}

func newEntry(key, value []byte, next *entry) *entry {
	buf := make([]byte, 0, len(key)+len(value))
	buf = append(append(buf, key...), value...)
	return &entry{key: buf[:len(key):len(key)], v: buf[len(key):], next: next}
}

// find returns the entry of key, or nil. sh.mu is held.
func (sh *shard) find(h uint64, key []byte) *entry {
	for e := sh.m[h]; e != nil; e = e.next {
		if string(e.key) == string(key) {
			return e
		}
	}
	return nil
}

func (sh *shard) search(key []byte) (int, bool) {
	return slices.BinarySearchFunc(sh.sorted, key, func(e *entry, k []byte) int { return bytes.Compare(e.key, k) })
}

type stall struct{ at, d time.Duration }

var (
	_ driver.Driver          = (*Store)(nil)
	_ driver.Session         = (*session)(nil)
	_ driver.BulkLoader      = (*session)(nil)
	_ driver.TimeoutEnforcer = (*Store)(nil)
	_ driver.PhaseNotifier   = (*Store)(nil)
)

// Open opens an empty memory store. cfg.Target is "" or memory://?options.
func Open(_ context.Context, cfg driver.Config) (driver.Driver, error) {
	s := &Store{seed: maphash.MakeSeed(), timeout: cfg.Timeout}
	for i := range s.shards {
		s.shards[i].m = map[uint64]*entry{}
	}
	opts := map[string]string{}
	for k, v := range cfg.Options {
		opts[k] = v
	}
	if cfg.Target != "" {
		u, err := url.Parse(cfg.Target)
		if err != nil || (u.Scheme != "memory" && u.Scheme != "") {
			return nil, fmt.Errorf("memory driver: target %q: want memory://?latency=D&stall=D@T", cfg.Target)
		}
		for k, v := range u.Query() {
			opts[k] = v[len(v)-1]
		}
	}
	for k, v := range opts {
		switch k {
		case "latency":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return nil, fmt.Errorf("memory driver: latency=%q: want a duration such as 200us", v)
			}
			s.latency = d
		case "stall":
			for _, part := range strings.Split(v, ",") {
				ds, as, ok := strings.Cut(part, "@")
				d, err1 := time.ParseDuration(ds)
				at, err2 := time.ParseDuration(as)
				if !ok || err1 != nil || err2 != nil || d <= 0 || at < 0 {
					return nil, fmt.Errorf("memory driver: stall=%q: want DURATION@OFFSET such as 1s@3s", part)
				}
				s.stalls = append(s.stalls, stall{at: at, d: d})
			}
		case "fields", "key_prefix":
			// Workload facts every driver is given; the memory store needs neither.
		default:
			return nil, fmt.Errorf("memory driver: unknown option %q (want latency or stall)", k)
		}
	}
	return s, nil
}

// EnforcesTimeout reports that operations never outlast the timeout.
func (s *Store) EnforcesTimeout() bool { return true }

// PhaseStarted starts the stall schedule's clock at the measure phase.
func (s *Store) PhaseStarted(phase string, at time.Time) {
	if phase == "measure" {
		s.measureStart.Store(at.UnixNano())
	}
}

// Describe describes the store.
func (s *Store) Describe(context.Context) (map[string]string, error) {
	d := map[string]string{"store": "memory", "version": "1"}
	if s.latency > 0 {
		d["latency"] = s.latency.String()
	}
	if len(s.stalls) > 0 {
		var parts []string
		for _, st := range s.stalls {
			parts = append(parts, st.d.String()+"@"+st.at.String())
		}
		d["stall"] = strings.Join(parts, ",")
	}
	return d, nil
}

// Close drops the data.
func (s *Store) Close() error { return nil }

// Session returns a session; all sessions share the store.
func (s *Store) Session(context.Context) (driver.Session, error) { return &session{s: s}, nil }

func (s *Store) shard(key []byte) (*shard, uint64) {
	h := maphash.Bytes(s.seed, key)
	return &s.shards[h%shards], h
}

// delay applies the injected latency and any stall in progress. It
// returns an error when the stall outlasts the operation's timeout.
func (s *Store) delay(ctx context.Context) error {
	wait := s.latency
	if ms := s.measureStart.Load(); ms != 0 && len(s.stalls) > 0 {
		since := time.Since(time.Unix(0, ms))
		for _, st := range s.stalls {
			if since >= st.at && since < st.at+st.d {
				wait += st.at + st.d - since
			}
		}
	}
	if wait <= 0 {
		return nil
	}
	if s.timeout > 0 && wait > s.timeout {
		time.Sleep(s.timeout)
		return driver.ErrTimeout
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type session struct{ s *Store }

func (c *session) Read(ctx context.Context, key, dst []byte) ([]byte, error) {
	if err := c.s.delay(ctx); err != nil {
		return dst, err
	}
	sh, h := c.s.shard(key)
	sh.mu.RLock()
	e := sh.find(h, key)
	if e != nil {
		dst = append(dst, e.v...)
	}
	sh.mu.RUnlock()
	if e == nil {
		return dst, driver.ErrNotFound
	}
	return dst, nil
}

func (c *session) Update(ctx context.Context, key, value []byte) error {
	if err := c.s.delay(ctx); err != nil {
		return err
	}
	sh, h := c.s.shard(key)
	sh.put(h, key, value)
	return nil
}

func (c *session) Insert(ctx context.Context, key, value []byte) error {
	return c.Update(ctx, key, value)
}

func (sh *shard) put(h uint64, key, value []byte) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e := sh.find(h, key); e != nil {
		e.v = append(e.v[:0], value...) // reuses the buffer when it is big enough
		return
	}
	e := newEntry(key, value, sh.m[h])
	sh.m[h] = e
	i, _ := sh.search(key)
	sh.sorted = slices.Insert(sh.sorted, i, e)
}

func (c *session) Delete(ctx context.Context, key []byte) error {
	if err := c.s.delay(ctx); err != nil {
		return err
	}
	sh, h := c.s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var prev *entry
	for e := sh.m[h]; e != nil; prev, e = e, e.next {
		if string(e.key) != string(key) {
			continue
		}
		// Unlink it from its hash chain and from the sorted list.
		switch {
		case prev != nil:
			prev.next = e.next
		case e.next != nil:
			sh.m[h] = e.next
		default:
			delete(sh.m, h)
		}
		if i, found := sh.search(key); found {
			sh.sorted = slices.Delete(sh.sorted, i, i+1)
		}
		break
	}
	return nil
}

// Scan merges the shards' sorted lists from start.
func (c *session) Scan(ctx context.Context, start []byte, n int, visit func(k, v []byte)) (int, error) {
	if err := c.s.delay(ctx); err != nil {
		return 0, err
	}
	type kv struct{ k, v []byte }
	var found []kv
	for i := range c.s.shards {
		sh := &c.s.shards[i]
		sh.mu.RLock()
		j, _ := sh.search(start)
		for taken := 0; j < len(sh.sorted) && taken < n; j, taken = j+1, taken+1 {
			e := sh.sorted[j]
			if len(found) >= n && bytes.Compare(e.key, found[n-1].k) >= 0 {
				break
			}
			found = append(found, kv{bytes.Clone(e.key), bytes.Clone(e.v)})
		}
		sh.mu.RUnlock()
		slices.SortFunc(found, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		if len(found) > n {
			found = found[:n]
		}
	}
	for _, r := range found {
		visit(r.k, r.v)
	}
	return len(found), nil
}

func (c *session) InsertBatch(_ context.Context, keys, values [][]byte) error {
	for i := range keys {
		sh, h := c.s.shard(keys[i])
		sh.put(h, keys[i], values[i])
	}
	return nil
}

func (c *session) Close() error { return nil }
