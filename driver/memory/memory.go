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
	"cmp"
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
	mu   sync.RWMutex
	m    map[string]*entry
	keys []string // sorted, for scans
	_    [40]byte // keep shards' locks on separate cache lines
}

// entry holds a value; updating an existing key rewrites it in place, so
// an update is one map lookup and no allocation.
type entry struct{ v []byte }

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
		s.shards[i].m = map[string]*entry{}
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

func (s *Store) shard(key []byte) *shard {
	return &s.shards[maphash.Bytes(s.seed, key)%shards]
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
	sh := c.s.shard(key)
	sh.mu.RLock()
	e, ok := sh.m[string(key)]
	if ok {
		dst = append(dst, e.v...)
	}
	sh.mu.RUnlock()
	if !ok {
		return dst, driver.ErrNotFound
	}
	return dst, nil
}

func (c *session) Update(ctx context.Context, key, value []byte) error {
	if err := c.s.delay(ctx); err != nil {
		return err
	}
	c.s.shard(key).put(key, value)
	return nil
}

func (c *session) Insert(ctx context.Context, key, value []byte) error {
	return c.Update(ctx, key, value)
}

func (sh *shard) put(key, value []byte) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if e, ok := sh.m[string(key)]; ok {
		e.v = append(e.v[:0], value...) // reuses the buffer when it is big enough
		return
	}
	k := string(key)
	sh.m[k] = &entry{v: append([]byte(nil), value...)}
	i, _ := slices.BinarySearch(sh.keys, k)
	sh.keys = slices.Insert(sh.keys, i, k)
}

func (c *session) Delete(ctx context.Context, key []byte) error {
	if err := c.s.delay(ctx); err != nil {
		return err
	}
	sh := c.s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[string(key)]; ok {
		delete(sh.m, string(key))
		if i, found := slices.BinarySearch(sh.keys, string(key)); found {
			sh.keys = slices.Delete(sh.keys, i, i+1)
		}
	}
	return nil
}

// Scan merges the shards' sorted keys from start.
func (c *session) Scan(ctx context.Context, start []byte, n int, visit func(k, v []byte)) (int, error) {
	if err := c.s.delay(ctx); err != nil {
		return 0, err
	}
	type kv struct {
		k string
		v []byte
	}
	var found []kv
	for i := range c.s.shards {
		sh := &c.s.shards[i]
		sh.mu.RLock()
		j, _ := slices.BinarySearch(sh.keys, string(start))
		for ; j < len(sh.keys) && j-j < n; j++ {
			if len(found) >= n && sh.keys[j] >= found[n-1].k {
				break
			}
			k := sh.keys[j]
			found = append(found, kv{k, append([]byte(nil), sh.m[k].v...)})
			if len(found) > 2*n {
				slices.SortFunc(found, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
				found = found[:n]
			}
		}
		sh.mu.RUnlock()
		slices.SortFunc(found, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
		if len(found) > n {
			found = found[:n]
		}
	}
	for _, r := range found {
		visit([]byte(r.k), r.v)
	}
	return len(found), nil
}

func (c *session) InsertBatch(_ context.Context, keys, values [][]byte) error {
	for i := range keys {
		c.s.shard(keys[i]).put(keys[i], values[i])
	}
	return nil
}

func (c *session) Close() error { return nil }
